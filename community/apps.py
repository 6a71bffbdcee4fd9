from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        from community.bookings.personal_data import bookings_erase, bookings_export
        from community.money.personal_data import money_erase, money_export
        from members.personal_data import register_eraser, register_export_reader

        register_export_reader("bookings", bookings_export)
        register_export_reader("money", money_export)
        register_eraser("bookings", bookings_erase)
        register_eraser("money", money_erase)
