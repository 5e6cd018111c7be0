"""The backup and restore drill: back up, restore into an empty database, and every table's row count
and the audit log match; on SQLite and on PostgreSQL (a second database made and dropped here)."""

import json
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shouwang.core.backups import differences, fingerprint, manifest_path, other_database, restore
from shouwang.core.models import AuditLog
from shouwang.elders.services import reveal_elder

# The backup is read by another connection (pg_dump, SQLite's backup API): the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite drill")
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL drill")


@pytest.fixture
def district(official, elder_a, elder_b):
    """A little of everything, and audit records with before/after values among them."""
    reveal_elder(actor=official, elder_id=elder_a.pk, reason="回访")
    assert AuditLog.objects.count() >= 3


@contextmanager
def empty_postgres_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    server = {key.lower(): connection.settings_dict[key] for key in ("HOST", "PORT", "USER", "PASSWORD")}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with other_database(NAME=name) as restored:
                yield restored
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drill(tmp_path, target) -> dict:
    backup = tmp_path / "backup.dump"
    call_command("backup", str(backup))
    before = fingerprint()
    assert json.loads(manifest_path(backup).read_text())["tables"] == before["tables"]
    problems, restored = restore(backup, target)
    assert problems == [] and restored == before
    assert before["tables"]["elders_elder"] == 2 and before["audit"]["records"] >= 3
    return before


@on_sqlite
def test_sqlite_drill(district, tmp_path):
    with other_database(NAME=str(tmp_path / "restored.sqlite3")) as target:
        drill(tmp_path, target)
        # The check can fail: one audit record lost in the restored copy is found.
        with target.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditlog WHERE id = (SELECT MAX(id) FROM core_auditlog)")
        manifest = json.loads(manifest_path(tmp_path / "backup.dump").read_text())
        problems = differences(manifest, fingerprint(target))
        assert problems[0].startswith("table core_auditlog: ") and problems[-1].startswith("audit log: ")


@on_postgres
def test_postgres_drill(district, tmp_path):
    with empty_postgres_database() as target:
        drill(tmp_path, target)


def test_restore_refuses_a_database_that_is_not_empty(district, tmp_path):
    backup = tmp_path / "backup.dump"
    call_command("backup", str(backup))
    with pytest.raises(CommandError, match="restore only into an empty database"):
        call_command("restore", str(backup))
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", str(backup))
