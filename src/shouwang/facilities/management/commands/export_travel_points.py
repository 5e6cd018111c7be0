import csv

from django.core.management.base import BaseCommand, CommandError

from shouwang.facilities import coverage
from shouwang.facilities.circle import sites_near
from shouwang.facilities.travel import PACE_SLACK, region_people, travel_points
from shouwang.regions.models import Region


class Command(BaseCommand):
    help = (
        "Write the points a routing engine needs for the service circle's travel matrix: the origins (H3 "
        "cells where the region's elders live) and the targets (facilities around them, community "
        "buildings), each as CSV with columns id,lat,lon."
    )

    def add_arguments(self, parser):
        parser.add_argument("region", help="a region code (12 digits)")
        parser.add_argument("--origins", required=True, help="CSV file to write the origins to")
        parser.add_argument("--targets", required=True, help="CSV file to write the targets to")
        parser.add_argument("--minutes", type=int, default=None, help="the longest walk (default: settings)")

    def handle(self, *args, region, origins, targets, minutes, **options):
        from django.conf import settings

        area = Region.objects.filter(code=region).first()
        if area is None:
            raise CommandError(f"no region {region}")
        minutes = minutes or settings.SHOUWANG_SERVICE_CIRCLE_MINUTES
        reach_m = coverage.reach_metres(minutes) * PACE_SLACK
        sources, sinks = travel_points(area, sites_near(region_people(area), reach_m))
        for path, rows in ((origins, sources), (targets, sinks)):
            with open(path, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["id", "lat", "lon"])
                writer.writerows(rows)
        self.stdout.write(f"{len(sources)} origins to {origins}, {len(sinks)} targets to {targets}")
