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

from django.db import connection, models

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
