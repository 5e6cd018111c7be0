from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomecareConfig(AppConfig):
    name = "shouwang.homecare"
    label = "homecare"
    verbose_name = _("Home care")
