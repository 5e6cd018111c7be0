"""The fast write path for loads of hundreds of thousands of rows, used by services inside their transaction.

The ORM's ``bulk_create`` builds a model instance per row and cannot hand back primary keys on every
backend; at a million rows that costs more than the database does. Here primary keys are reserved up
front (so children can point at parents in the same batch) and rows go in as plain tuples: PostgreSQL
through ``COPY``, SQLite through ``executemany``. Callers validate every value before it gets here and pass
plain values both backends read the same way: str, int, float, bool or None; dates as ISO text; JSON as
text; timestamps from :func:`db_timestamp`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models, transaction

# SQLite's page cache while a bulk load runs, in KiB. The default 2 MB holds a sliver of the indexes of a
# million-row table, so every insert misses and a batch's dirty pages spill to the WAL before it commits.
SQLITE_BULK_CACHE_KIB = 256 * 1024


@contextmanager
def bulk_session() -> Iterator[None]:
    """Database settings for a bulk load, restored afterwards: on SQLite, a page cache big enough for a
    batch's worth of index pages. Nothing changes on PostgreSQL, whose buffers are the server's."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def existing_values(model: type[models.Model], column: str, values: Sequence) -> list:
    """Those of ``values`` that ``model``'s table holds in ``column`` (a database column name), in one
    plain query; keep ``values`` under SQLite's limit of bound parameters."""
    if not values:
        return []
    table = model._meta.db_table
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "{column}" FROM "{table}" WHERE "{column}" IN ({placeholders})',  # noqa: S608 - names from _meta
            list(values),
        )
        return [row[0] for row in cursor.fetchall()]


def db_timestamp(value: dt.datetime):
    """``value`` as the current backend stores a DateTimeField (aware on PostgreSQL, UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``. Call inside the transaction that inserts them.

    PostgreSQL takes them from the identity sequence. On SQLite the surrounding transaction already
    holds the write lock (IMMEDIATE mode, settings.py), so nobody else can take the same numbers.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 - names from _meta
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
        start = max(highest, sequence[0] if sequence else 0) + 1
    return list(range(start, start + count))


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> int:
    """Insert plain rows into ``model``'s table; ``columns`` are database column names."""
    if not rows:
        return 0
    table = model._meta.db_table
    quoted = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})', rows)
    return len(rows)


# A first load of at least this many rows into empty tables builds their secondary indexes once at the end:
# maintaining some twenty indexes row by row (trigram ones among them on PostgreSQL; ten on the elders table
# alone) costs the database more than the load itself, while building an index over sorted data is quick.
DEFER_INDEXES_FROM = 100_000
# Definitions of indexes dropped for a load, kept until they are built again: if the loading process dies,
# the next bulk load (or restore_deferred_indexes()) builds them.
_DEFERRED_TABLE = "shouwang_deferred_index"


@contextmanager
def deferred_indexes(models_: Sequence[type[models.Model]], *, rows: int | None) -> Iterator[bool]:
    """For a load of ``rows`` rows into ``models_``' tables: when every table is empty and the load is
    large, drop their secondary indexes now and build them again on leaving (also after an error).
    Unique indexes and those behind constraints stay, so no duplicate can get in meanwhile. Yields whether
    indexes were deferred. Same rule on PostgreSQL and SQLite (docs/decisions/0009).

    Meanwhile searches of these tables are slow, and the rebuild at the end holds writes back for its
    duration (tens of seconds for a million rows; on SQLite every write of the database, since SQLite has
    one write lock), which is acceptable only for a first load.
    """
    restore_deferred_indexes()
    tables = [model._meta.db_table for model in models_]
    if (rows or 0) < DEFER_INDEXES_FROM or not all(_is_empty(table) for table in tables):
        yield False
        return
    _drop_secondary_indexes(tables)
    try:
        yield True
    finally:
        restore_deferred_indexes(analyze=True)


def restore_deferred_indexes(*, analyze: bool = False) -> list[str]:
    """Build every index a bulk load dropped and has not built again; returns their names.

    Each index is built in a transaction of its own, which also removes its recorded definition: on
    SQLite the write lock is then held for one index at a time (a few seconds at a million rows) rather
    than for all of them, which would outlast the 20 s other writers wait for it (settings.py). Another
    process restoring at the same time skips what this one has built. ``analyze`` refreshes the planner's
    statistics of the rebuilt tables (PostgreSQL only: SQLite keeps none unless ANALYZE was ever run, and
    starting to keep them would change every plan of the platform).
    """
    with connection.cursor() as cursor:
        if not _deferred_table_exists(cursor):
            return []
        cursor.execute(f'SELECT name, "table" FROM {_DEFERRED_TABLE} ORDER BY name')  # noqa: S608
        pending = cursor.fetchall()
    built = [(name, table) for name, table in pending if _build_deferred_index(name)]
    if analyze and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in sorted({table for _name, table in built}):
                cursor.execute(f'ANALYZE "{table}"')
    return [name for name, _table in built]


def _build_deferred_index(name: str) -> bool:
    """Build one recorded index and forget its definition, in one transaction; False if it is gone
    (another process built it meanwhile)."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        lock = " FOR UPDATE" if postgres else ""  # SQLite's transaction already holds its only write lock
        cursor.execute(f"SELECT definition FROM {_DEFERRED_TABLE} WHERE name = %s{lock}", [name])  # noqa: S608
        found = cursor.fetchone()
        if found is None:
            return False
        if postgres:
            # Building an index sorts its keys; more memory for the sort than the default 64 MB makes it
            # several times quicker at a million rows (the server's memory, for this transaction only).
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # Foreign keys are checked at commit; an index cannot be built while such checks are pending,
            # which happens only when the load ran inside this same transaction (as in tests).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # A stored definition is a plain CREATE INDEX; IF NOT EXISTS makes a second try harmless.
        cursor.execute(found[0].replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        cursor.execute(f"DELETE FROM {_DEFERRED_TABLE} WHERE name = %s", [name])  # noqa: S608
    return True


def _deferred_table_exists(cursor) -> bool:
    if connection.vendor == "postgresql":
        cursor.execute(f"SELECT to_regclass('{_DEFERRED_TABLE}') IS NOT NULL")
        return cursor.fetchone()[0]
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [_DEFERRED_TABLE])
    return cursor.fetchone() is not None


def _is_empty(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT NOT EXISTS (SELECT 1 FROM "{table}")')  # noqa: S608 - names from _meta
        return bool(cursor.fetchone()[0])


def _drop_secondary_indexes(tables: list[str]) -> None:
    """Drop the tables' non-unique indexes that no constraint uses, recording their definitions first
    (in the same transaction, so a definition is never lost)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {_DEFERRED_TABLE} "
            '(name text PRIMARY KEY, "table" text NOT NULL, definition text NOT NULL)'
        )
        for name, table, definition in _secondary_indexes(cursor, tables):
            cursor.execute(
                f'INSERT INTO {_DEFERRED_TABLE} (name, "table", definition) VALUES (%s, %s, %s) '  # noqa: S608
                "ON CONFLICT (name) DO NOTHING",
                [name, table, definition],
            )
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def _secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str, str]]:
    """(name, table, CREATE INDEX statement) of the tables' non-unique indexes that no constraint uses."""
    if connection.vendor == "postgresql":
        cursor.execute(
            """
            SELECT index_class.relname, table_class.relname, pg_get_indexdef(index.indexrelid)
            FROM pg_index index
            JOIN pg_class index_class ON index_class.oid = index.indexrelid
            JOIN pg_class table_class ON table_class.oid = index.indrelid
            WHERE table_class.relname = ANY(%s)
              AND pg_table_is_visible(table_class.oid)
              AND NOT index.indisprimary AND NOT index.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = index.indexrelid)
            """,
            [tables],
        )
        return cursor.fetchall()
    # SQLite: indexes behind PRIMARY KEY and UNIQUE column constraints have no statement (sql IS NULL);
    # Django creates unique constraints as CREATE UNIQUE INDEX, which the LIKE leaves out.
    placeholders = ", ".join(["%s"] * len(tables))
    cursor.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master "
        f"WHERE type = 'index' AND tbl_name IN ({placeholders}) AND sql LIKE 'CREATE INDEX %%'",  # noqa: S608
        tables,
    )
    return cursor.fetchall()
