from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from community.monitoring.sources import register_participation_reader
        from governance.personal_data import governance_erase, governance_export
        from governance.selectors.participation import city_participation_facts
        from members.personal_data import register_eraser, register_export_reader

        register_participation_reader(city_participation_facts)
        register_export_reader("governance", governance_export)
        register_eraser("governance", governance_erase)
