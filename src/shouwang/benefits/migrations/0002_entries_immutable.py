"""On PostgreSQL, ledger entries cannot be changed or deleted, whoever asks: a trigger refuses UPDATE and
DELETE (corrections are reversing transactions, ledger.reverse). TRUNCATE, which tests use to empty
tables, fires no row trigger. SQLite gets no trigger: Django's test flush deletes rows there."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION benefits_entry_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable: post a reversing transaction instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER benefits_entry_immutable
BEFORE UPDATE OR DELETE ON benefits_ledgerentry
FOR EACH ROW EXECUTE FUNCTION benefits_entry_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS benefits_entry_immutable ON benefits_ledgerentry;
DROP FUNCTION IF EXISTS benefits_entry_immutable();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(TRIGGER)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
