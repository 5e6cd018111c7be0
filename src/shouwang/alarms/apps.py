from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlarmsConfig(AppConfig):
    name = "shouwang.alarms"
    label = "alarms"
    verbose_name = _("Emergency alarms")
