"""Backing up the database and restoring it into an empty one, with proof that nothing was lost.

A backup is the database's own format: ``pg_dump --format=custom`` on PostgreSQL, a copy made with
SQLite's online backup API on SQLite (safe while the platform runs; a plain ``cp`` can miss what is
still in the WAL file). Beside it goes a manifest, ``<backup>.manifest.json``, holding the row count of
every table and a digest of the whole audit log, taken from exactly the state the backup holds (on
PostgreSQL pg_dump reads the snapshot the counts were taken in). A restore goes only into an empty
database and is then checked against the manifest, so a drill proves every row and every audit record
came back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

from .models import AuditLog

PG_ENVIRONMENT = (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"))
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why."""


AUDIT_FIELDS = (
    "id", "at", "actor_id", "actor_username", "action", "object_type", "object_id", "object_repr",
    "region_code", "provider_id", "before", "after", "ip", "request_id", "channel",
)  # fmt: skip


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


@contextmanager
def other_database(**settings) -> Iterator[BaseDatabaseWrapper]:
    """A connection to another database of the same kind as the platform's (``settings`` override the
    platform's connection settings, e.g. ``NAME``), closed on leaving."""
    settings_dict = {**connections["default"].settings_dict, **settings}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, alias=f"other-{settings_dict['NAME']}"
    )
    try:
        yield wrapper
    finally:
        wrapper.close()


def fingerprint(connection: BaseDatabaseWrapper | None = None) -> dict:
    """What a restore must reproduce: every table's row count, and the audit log's size and digest."""
    connection = connection or connections["default"]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    audit = audit_digest(connection) if AuditLog._meta.db_table in counts else None
    return {"tables": counts, "audit": audit}


def audit_digest(connection: BaseDatabaseWrapper) -> dict:
    """The audit log as one SHA-256 over every record in id order: a record changed, lost or added
    changes it. (The log has no hash chain of its own; this digest is what a restore is checked by.)"""
    digest, records = hashlib.sha256(), 0
    column_of = {field.attname: field.column for field in AuditLog._meta.concrete_fields if field.column}
    columns = [column_of[name] for name in AUDIT_FIELDS]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(AuditLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM {table} ORDER BY {connection.ops.quote_name('id')}")  # noqa: S608
        while rows := cursor.fetchmany(5000):
            for row in rows:
                record = dict(zip(AUDIT_FIELDS, map(_plain, row), strict=True))
                digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode() + b"\n")
                records += 1
    return {"records": records, "sha256": digest.hexdigest()}


def _plain(value):
    """A column value as the same JSON on both sides of a restore (JSON columns come back as text on
    SQLite and decoded on PostgreSQL)."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def differences(expected: dict, found: dict) -> list[str]:
    """What ``found`` lacks or has otherwise than ``expected``, one line each; empty when they match."""
    lines = []
    for table in sorted(set(expected["tables"]) | set(found["tables"])):
        want, got = expected["tables"].get(table), found["tables"].get(table)
        if want != got:
            lines.append(f"table {table}: {want} rows expected, {got} found")
    if expected["audit"] != found["audit"]:
        lines.append(f"audit log: {expected['audit']} expected, {found['audit']} found")
    return lines


# --- backup -------------------------------------------------------------------------------------------
def back_up(target: Path) -> dict:
    """Write a backup of the platform's database to ``target`` and its manifest beside it; returns the
    manifest."""
    if target.exists():
        raise BackupError(f"{target} exists already; a backup never overwrites a file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = connections["default"]
    if connection.vendor == "postgresql":
        manifest = _pg_dump(target, connection)
    else:
        _sqlite_copy(connection, target)
        manifest = _fingerprint_of_sqlite_file(target)
    manifest = {"vendor": connection.vendor, **manifest}
    manifest_path(target).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def _pg_dump(target: Path, connection: BaseDatabaseWrapper) -> dict:
    """pg_dump of the snapshot the fingerprint is taken in, so both describe the same state."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        manifest = fingerprint(connection)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}"],
            connection.settings_dict,
        )
    return manifest


def _sqlite_copy(connection, target: Path) -> None:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()


def _fingerprint_of_sqlite_file(path: Path) -> dict:
    with other_database(NAME=str(path)) as copy:
        return fingerprint(copy)


# --- restore ------------------------------------------------------------------------------------------
def restore(source: Path, connection: BaseDatabaseWrapper | None = None) -> tuple[list[str], dict]:
    """Restore ``source`` into an empty database (the platform's unless ``connection`` is another) and
    check it against the manifest; returns the differences found (none: every table's rows and the
    audit log came back) and the restored database's fingerprint."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    connection = connection or connections["default"]
    kind = _kind_of(source)
    if kind != connection.vendor:
        raise BackupError(f"{source} is a {kind} backup; this database is {connection.vendor}.")
    with connection.cursor() as cursor:
        if tables := connection.introspection.table_names(cursor):
            raise BackupError(
                f"The database already holds {len(tables)} tables; restore only into an empty database."
            )
    if kind == "postgresql":
        name = connection.settings_dict["NAME"]
        restore_command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
        _run([*restore_command, f"--dbname={name}", str(source)], connection.settings_dict)
    else:
        connection.ensure_connection()
        backup = sqlite3.connect(source)
        try:
            backup.backup(connection.connection)
        finally:
            backup.close()
    restored = fingerprint(connection)
    if not manifest_path(source).is_file():
        return [f"no manifest beside {source}: the restore could not be checked"], restored
    return differences(json.loads(manifest_path(source).read_text()), restored), restored


def _kind_of(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom-format file.")


# --- PostgreSQL client programs -------------------------------------------------------------------------
def _run(command: list[str], settings_dict: dict) -> None:
    """Run pg_dump or pg_restore against the database of ``settings_dict`` (password in the environment,
    never on the command line)."""
    environment = {**os.environ}
    for variable, key in PG_ENVIRONMENT:
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    if command[0] == "pg_dump":
        environment["PGDATABASE"] = settings_dict["NAME"]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")
