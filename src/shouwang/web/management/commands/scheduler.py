import signal
import threading

from django.core.management.base import BaseCommand

from shouwang.core.scheduler import run_forever


class Command(BaseCommand):
    help = "Enqueue periodic jobs on time. Several schedulers may run; each run is claimed once."

    def handle(self, *args, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        run_forever(stop)
