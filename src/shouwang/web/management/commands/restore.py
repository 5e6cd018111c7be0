from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shouwang.core.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `shouwang backup` into the configured database, which must be empty, "
        "then check every table's row count and the audit log against the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            problems, restored = restore(file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if problems:
            raise CommandError("The restored database differs from the backup:\n" + "\n".join(problems))
        self.stdout.write(
            f"Restored {len(restored['tables'])} tables, {sum(restored['tables'].values()):,} rows; every "
            f"table's row count and the {restored['audit']['records']:,} audit records match the backup."
        )
