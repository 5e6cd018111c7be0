import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shouwang.demo.generator import DEFAULT_SEED
from shouwang.demo.loader import is_loaded, load_demo_district


class Command(BaseCommand):
    help = "Load the demo district into an empty database without serving."

    def add_arguments(self, parser):
        parser.add_argument("--elders", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args, elders, seed, **options):
        if elders < 0 or elders > 2_000_000:
            raise CommandError("--elders must be between 0 and 2,000,000")
        call_command("migrate", interactive=False, verbosity=0)
        if is_loaded():
            raise CommandError(
                "The database already holds regions; the demo loads only into an empty database."
            )
        started = time.monotonic()
        self.stdout.write(f"Loading the demo district with {elders:,} elders…")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r  elders {done:,}/{total:,} ({done * 100 // max(total, 1)}%)", ending="")
            self.stdout.flush()

        summary = load_demo_district(elders=elders, seed=seed, progress=progress)
        self.stdout.write(
            f"\nLoaded {summary.regions} regions, {summary.providers} providers, "
            f"{len(summary.accounts)} accounts, "
            f"{summary.elders:,} elders in {time.monotonic() - started:.1f} s."
        )
