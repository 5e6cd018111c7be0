from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "shouwang.assessments"
    verbose_name = _("Ability assessment and care plans")

    def ready(self) -> None:
        from shouwang.elders.panels import register_panel

        from .panels import elder_panel

        register_panel(elder_panel)
