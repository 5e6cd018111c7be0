"""An index of the characters of each name, for a name part of one character (PostgreSQL only).

A single character typed into the search (a surname, usually) can begin, end or lie inside a name. The
btree indexes of migration 0003 find the first two; the third, in names of three characters, no index
answered (the trigram index needs three characters and covers only names of four or more), so every such
search read all the elders. A GIN index of the name's characters answers all three at once, and its
statistics tell the planner how common the character is. SQLite has no such index, as in 0003.
"""

from django.db import migrations

INDEX = "elders_elder_name_characters"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON elders_elder USING gin (regexp_split_to_array(name, ''))"
        )
        # The statistics of the indexed expression come with the next ANALYZE, which autovacuum would not
        # run until a tenth of the elders changed; until then the planner guesses every character alike.
        schema_editor.execute("ANALYZE elders_elder")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("elders", "0008_category_list_order"),
    ]

    operations = [migrations.RunPython(create, drop)]
