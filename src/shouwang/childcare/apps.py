from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildcareConfig(AppConfig):
    name = "shouwang.childcare"
    verbose_name = _("Childcare")

    def ready(self) -> None:
        # The facilities' service circle draws a 托育 layer from this app's registry (decision 0025).
        from shouwang.facilities.circle import register_sector

        from .circle import childcare_layer

        register_sector("childcare", childcare_layer)
