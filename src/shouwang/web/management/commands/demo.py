import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from shouwang.demo.loader import DEMO_PASSWORD, is_loaded
from shouwang.web.runtime import serve, start_bridge_thread, start_scheduler_thread, start_worker_thread


class Command(BaseCommand):
    help = (
        "Start the whole platform on the embedded default with the demo district (web + worker + scheduler "
        "+ MQTT bridge when a broker answers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--elders", type=int, default=5000, help="elders to generate on first start")

    def handle(self, *args, port, host, elders, **options):
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        if is_loaded():
            self.stdout.write("Demo district already loaded; reusing the data.")
        else:
            call_command("seed_demo", elders=elders)
        stop = threading.Event()
        start_worker_thread(stop)
        start_scheduler_thread(stop)
        if start_bridge_thread(stop) is None:
            self.stdout.write(
                self.style.WARNING(f"No MQTT broker at {settings.MQTT_URL}: alarms over HTTP only.")
            )
        else:
            self.stdout.write(
                f"MQTT broker {settings.MQTT_URL}: bridge {settings.SHOUWANG_MQTT_CLIENT_ID}, "
                f"group {settings.SHOUWANG_MQTT_SHARE_GROUP} (unique to {settings.VAR_DIR})"
            )
        self._print_logins(host, port)
        try:
            serve(host=host, port=port)
        finally:
            stop.set()

    def _print_logins(self, host: str, port: int) -> None:
        from shouwang.core.roles import Role
        from shouwang.demo.childcare import DEMO_ACCOUNT as CHILDCARE_ACCOUNT
        from shouwang.demo.loader import DEMO_ACCOUNTS

        self.stdout.write(self.style.SUCCESS(f"\n守望 Shouwang is running at http://{host}:{port}/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<10} {account.role:<17} {account.full_name}")
        # The childcare institution's account is made with its institution (demo/childcare.py).
        self.stdout.write(f"  {CHILDCARE_ACCOUNT:<10} {Role.CHILDCARE_ADMIN:<17} 托育机构（第一家）")
        self.stdout.write("API docs: /api/v1/docs   health: /healthz   Stop with Ctrl+C.\n")
