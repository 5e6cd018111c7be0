from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "shouwang.orders"
    label = "orders"
    verbose_name = _("Service orders")

    def ready(self) -> None:
        from shouwang.elders.signals import life_event_recorded
        from shouwang.providers.evaluation import register_source
        from shouwang.providers.signals import provider_exited

        from . import complaints, evv, services

        register_source("complaints", complaints.complaints_measure)
        register_source("rating", complaints.rating_measure)
        evv.register_evaluation_sources()
        life_event_recorded.connect(services.on_life_event, dispatch_uid="orders.life_event")
        provider_exited.connect(services.on_provider_exited, dispatch_uid="orders.provider_exited")
