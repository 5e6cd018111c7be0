from django.core.management.base import BaseCommand, CommandError

from shouwang.core.actors import SYSTEM
from shouwang.core.errors import ValidationFailed
from shouwang.regions.services import load_regions_csv


class Command(BaseCommand):
    help = "Load or update the division tree from a CSV with columns code,name[,urban_rural_type]."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            result = load_regions_csv(actor=SYSTEM, source=file)
        except ValidationFailed as error:
            raise CommandError("\n".join([error.message, *error.errors.values()])) from None
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
