from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from api.tokens import revoke_tokens_on_password_change, tokens_erase
        from members.models import User
        from members.personal_data import register_eraser

        pre_save.connect(revoke_tokens_on_password_change, sender=User, dispatch_uid="api-tokens")
        register_eraser("api-tokens", tokens_erase)
