from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlarmsConfig(AppConfig):
    name = "shouwang.alarms"
    label = "alarms"
    verbose_name = _("Emergency alarms")

    def ready(self) -> None:
        from shouwang.elders.signals import life_event_recorded

        from . import live  # noqa: F401 - connects incident_changed to the live push
        from .services import unbind_on_life_event

        # A deceased or moved-out elder's devices are unbound in the same transaction as the event.
        life_event_recorded.connect(unbind_on_life_event, dispatch_uid="alarms.unbind_on_life_event")
