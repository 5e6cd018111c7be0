from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "shouwang.health"
    label = "health"
    verbose_name = _("Health records and vitals")

    def ready(self) -> None:
        from shouwang.alarms.ingestion import register_measurement_check
        from shouwang.alarms.signals import measurements_recorded
        from shouwang.elders.panels import register_panel, register_summary

        from .panels import elder_panel, health_summary
        from .services import plausible, record_device_measurements

        register_panel(elder_panel)
        register_summary(health_summary)
        # Vitals sent by devices through the alarms contract become readings in the ingest transaction.
        register_measurement_check(plausible)
        measurements_recorded.connect(record_device_measurements, dispatch_uid="health.device_measurements")
