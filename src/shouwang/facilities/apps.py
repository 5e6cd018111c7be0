from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "shouwang.facilities"
    label = "facilities"
    verbose_name = _("Facilities")

    def ready(self) -> None:
        from shouwang.elders.signals import life_event_recorded

        life_event_recorded.connect(_life_event, dispatch_uid="facilities.residency")


def _life_event(sender, *, elder, event, date, actor, **kwargs) -> None:
    from .services import end_residency_on_life_event

    end_residency_on_life_event(elder=elder, event=event, date=date, actor=actor)
