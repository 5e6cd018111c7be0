from django.core.management.base import BaseCommand, CommandError

from shouwang.core.actors import SYSTEM
from shouwang.core.errors import ValidationFailed
from shouwang.facilities.travel import import_travel_csv


class Command(BaseCommand):
    help = (
        "Import walking times from a routing engine for the service circle: a CSV with columns "
        "origin,target,seconds (origin an H3 cell of resolution 10, target facility:<id> or "
        "community:<code>, seconds empty where no route). Replaces the times stored for the targets named."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            result = import_travel_csv(actor=SYSTEM, source=file)
        except ValidationFailed as error:
            lines = [f"{where}: {problem}" for where, problem in error.errors.items()]
            raise CommandError("\n".join([error.message, *lines])) from None
        self.stdout.write(
            f"imported {result['pairs']} walking times from {result['origins']} origins to "
            f"{result['targets']} targets ({result['no_route']} without a route; "
            f"{result['replaced']} replaced)"
        )
