"""The time bank's hours live in the ledger now (0007 moved them); the single-entry table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("visits", "0007_hours_entries_to_ledger")]

    operations = [migrations.DeleteModel(name="HoursEntry")]
