from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from community.monitoring.sources import register_participation_reader
        from governance.selectors.participation import city_participation_facts

        register_participation_reader(city_participation_facts)
