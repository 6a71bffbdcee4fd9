from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from api.tokens import revoke_tokens_on_password_change
        from members.models import User

        pre_save.connect(revoke_tokens_on_password_change, sender=User, dispatch_uid="api-tokens")
