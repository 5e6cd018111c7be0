"""``shouwang health_client NAME REGION [--id-numbers]``: register a health system reading us over FHIR
and print its bearer token (shown this once)."""

from django.core.management.base import BaseCommand

from shouwang.core.actors import SYSTEM
from shouwang.health.clients import create_client


class Command(BaseCommand):
    help = "Register a health system reading the elders of a region over FHIR R4; prints its token."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("region", help="12-digit region code: the elders of its subtree")
        parser.add_argument("--id-numbers", action="store_true", help="may read the resident ID number")

    def handle(self, *args, name, region, id_numbers, **options):
        client, token = create_client(
            actor=SYSTEM, name=name, region_code=region, may_read_id_numbers=id_numbers
        )
        self.stdout.write(f"{client.name} ({client.region_id}): {token}")
