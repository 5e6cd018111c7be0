from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shouwang.core.backups import BackupError, back_up, manifest_path


class Command(BaseCommand):
    help = (
        "Back up the database to FILE (pg_dump custom format on PostgreSQL, SQLite's online backup on "
        "SQLite), with FILE.manifest.json holding every table's row count and the audit log's digest."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            manifest = back_up(file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables, {rows:,} rows, "
            f"{manifest['audit']['records']:,} audit records to {file} (manifest {manifest_path(file)})."
        )
