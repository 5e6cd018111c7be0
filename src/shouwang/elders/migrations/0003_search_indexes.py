"""Indexes for the registry's quick search on PostgreSQL (``selectors.search_elders``).

PostgreSQL only: SQLite deployments are small, and SQLite has neither trigram indexes nor these operator
classes. The search's queries give the same rows on both databases; here PostgreSQL gets indexes for them:

* the tail of an ID number or a phone (``…1234``) is a prefix of the reversed value, so a btree on
  ``reverse(…)`` with ``text_pattern_ops`` answers ``LIKE '4321%'`` whatever the database's collation;
* a name part is a prefix of the name (Django's own ``varchar_pattern_ops`` index), a prefix of the
  reversed name, or — only in names of four characters or more — somewhere in the middle, for which a
  trigram index on just those names is small;
* a phone number or part of one is found by a trigram index on the phone;
* an emergency contact's phone by a plain btree.
"""

from django.db import migrations

INDEXES = {
    "elders_elder_id_number_reversed": (
        "ON elders_elder (reverse(id_number) text_pattern_ops)"
    ),
    "elders_elder_phone_reversed": "ON elders_elder (reverse(phone) text_pattern_ops)",
    "elders_elder_name_reversed": "ON elders_elder (reverse(name) text_pattern_ops)",
    "elders_elder_long_name_trgm": (
        "ON elders_elder USING gin (name gin_trgm_ops) WHERE length(name) >= 4"
    ),
    "elders_elder_phone_trgm": "ON elders_elder USING gin (phone gin_trgm_ops)",
    "elders_emergencycontact_phone": "ON elders_emergencycontact (phone)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("elders", "0002_elder_second_phone_spreadsheetjob_statuschange"),
    ]

    operations = [migrations.RunPython(create, drop)]
