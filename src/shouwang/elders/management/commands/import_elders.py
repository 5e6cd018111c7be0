from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shouwang.accounts.models import User
from shouwang.core.actors import SYSTEM
from shouwang.elders.imports import run_import, start_import
from shouwang.elders.models import JobState


class Command(BaseCommand):
    help = "Import elders from an xlsx, xls or csv file (the registry's import, with progress and a report)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--user", help="import as this user (their area and their name in the audit log)")

    def handle(self, *args, file: Path, dry_run: bool, user: str | None, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        actor = SYSTEM  # run on the server: the platform itself, unless --user names someone
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user called {user}")
        job = start_import(
            actor=actor, source=file.resolve(), file_name=file.name, dry_run=dry_run, enqueue=False
        )
        job = run_import(job_id=job.pk, progress=self._progress)
        self.stdout.write("")
        if job.state == JobState.FAILED:
            raise CommandError(job.message)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{job.processed_rows} rows: {job.created_count} {verb} created, "
                f"{job.updated_count} updated, {job.unchanged_count} unchanged, "
                f"{job.rejected_count} rejected."
            )
        )
        for sheet in job.sheets:
            if sheet.get("ignored"):
                self.stdout.write(f"Sheet {sheet['name']} not read: {sheet['ignored']}")
            else:
                above = f" (above it: {' / '.join(sheet['above'])})" if sheet["above"] else ""
                self.stdout.write(f"Sheet {sheet['name']}: column names in row {sheet['header_row']}{above}")
        if job.ignored_columns:
            self.stdout.write(f"Columns not understood and ignored: {', '.join(job.ignored_columns)}")
        for skipped in job.skipped_rows:
            self.stdout.write(
                f"Skipped, not an elder: {skipped['sheet']} row {skipped['row']}: {skipped['text']}"
            )
        if job.warning_count:
            self.stdout.write(f"{job.warning_count} rows saved with a warning:")
            for warned in job.warnings:
                self.stdout.write(
                    f"  {warned['sheet']} row {warned['row']} {warned['name']}: "
                    + "; ".join(warned["warnings"])
                )
        if job.result_path:
            self.stdout.write(f"Rejected rows and their reasons: {job.result_path}")

    def _progress(self, job) -> None:
        total = f" of about {job.total_rows}" if job.total_rows else ""
        self.stdout.write(f"\r{job.processed_rows} rows{total} processed", ending="")
        self.stdout.flush()
