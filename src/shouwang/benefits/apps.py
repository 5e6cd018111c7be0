from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "shouwang.benefits"
    label = "benefits"
    verbose_name = _("Benefits, vouchers and ledger")

    def ready(self) -> None:
        from shouwang.elders.panels import register_panel
        from shouwang.orders.services import register_settlement_split

        from . import ledger
        from .panels import elder_panel

        register_panel(elder_panel)
        register_settlement_split(ledger.split_settlement)
