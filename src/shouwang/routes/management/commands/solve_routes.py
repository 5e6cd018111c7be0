import json

from django.core.management.base import BaseCommand, CommandError

from shouwang.routes.engine.contract import solve_file
from shouwang.routes.engine.mankowska import FormatError as MankowskaFormatError
from shouwang.routes.engine.solomon import FormatError as SolomonFormatError


class Command(BaseCommand):
    help = "Solve a Solomon .vrp or a Mankowska .txt routing instance and print the plan as JSON."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--seconds", type=float, default=10.0, help="time limit of the search")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, file: str, seconds: float, seed: int, **options):
        if seconds <= 0:
            raise CommandError("--seconds must be positive")
        try:
            answer = solve_file(file, seconds, seed=seed)
        except (OSError, MankowskaFormatError, SolomonFormatError, RuntimeError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(answer))
