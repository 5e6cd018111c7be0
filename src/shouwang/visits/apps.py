from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "shouwang.visits"
    label = "visits"
    verbose_name = _("Regular visits (巡访关爱)")

    def ready(self) -> None:
        from shouwang.elders.panels import register_panel

        from .panels import elder_panel

        register_panel(elder_panel)
