from django.core.management.base import BaseCommand

from shouwang.web.runtime import serve


class Command(BaseCommand):
    help = "Run the ASGI web server (uvicorn). Run `shouwang worker` and `shouwang scheduler` beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host, port, workers, **options):
        serve(host=host, port=port, workers=workers)
