"""``shouwang close_voucher_year --year 2026 --region 220202000000``: close a year's service vouchers
(expire or carry over by the policy) by hand; the scheduler does it every January."""

from django.core.management.base import BaseCommand, CommandError

from shouwang.core.actors import SYSTEM
from shouwang.core.errors import DomainError


class Command(BaseCommand):
    help = "Close a year's service vouchers in a region: expire or carry over each balance by its policy."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--region", required=True, help="12-digit region code (its subtree is closed)")

    def handle(self, *args, year: int, region: str, **options):
        from shouwang.benefits.yearend import close_year

        try:
            report = close_year(actor=SYSTEM, year=year, region_code=region)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"{report.year} {report.region}: {report.closed} accounts closed, "
            f"{report.expired_fen / 100:.2f} yuan expired, {report.carried_fen / 100:.2f} yuan carried over"
            + (f", {report.skipped} held by another worker (run again)" if report.skipped else "")
        )
