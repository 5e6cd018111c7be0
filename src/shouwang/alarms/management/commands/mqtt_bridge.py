import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from shouwang.alarms.bridge import default_client_id, run_bridge, share_group


class Command(BaseCommand):
    help = (
        "Ingest device events from the MQTT broker (MQTT_URL) through a shared, persistent QoS 1 "
        "subscription; each message is acknowledged only after it is stored. Run several with distinct "
        "--client-id values to share the load."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="broker URL (default: MQTT_URL)")
        parser.add_argument(
            "--client-id",
            default="",
            help="stable id of this bridge, so it finds its session after a restart (default: MQTT_CLIENT_ID "
            "or shouwang-bridge-<hostname>)",
        )
        parser.add_argument(
            "--group", default="", help="shared-subscription group (default: MQTT_SHARE_GROUP)"
        )

    def handle(self, *args, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        client_id = options["client_id"] or default_client_id()
        url = options["url"] or settings.MQTT_URL
        self.stdout.write(f"MQTT bridge {client_id} → {url} (group {options['group'] or share_group()})")
        run_bridge(stop, url=url, client_id=client_id, group=options["group"] or None)
