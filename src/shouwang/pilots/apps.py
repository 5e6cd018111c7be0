from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsConfig(AppConfig):
    name = "shouwang.pilots"
    verbose_name = _("Pilot programmes")
