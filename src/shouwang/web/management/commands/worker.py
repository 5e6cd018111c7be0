from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a background-task worker (django-tasks database backend) over every queue."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args, interval, batch, **options):
        call_command("db_worker", queue_name="*", interval=interval, batch=batch, reload=False)
