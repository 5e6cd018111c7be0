"""Rejected device messages become hourly counts (one row per hour, transport, source, reason and device).

Existing rows are folded into their hour's count: each gets its hour, and the rows of one key are merged
into the latest (the counts added up, its excerpt kept) before the unique constraint is added. An unknown
device's claimed id is no longer kept in the key (it is the sender's choice), as for new rejections."""

from django.db import migrations, models


def fold_into_hourly_counts(apps, schema_editor):
    IngestRejection = apps.get_model("alarms", "IngestRejection")
    latest: dict[tuple, object] = {}
    for row in IngestRejection.objects.order_by("received_at", "id").iterator():
        row.hour = row.received_at.replace(minute=0, second=0, microsecond=0)
        if row.reason == "unknown_device":
            row.device_id = ""
        key = (row.hour, row.via, row.source, row.reason, row.device_id)
        earlier = latest.get(key)
        if earlier is not None:
            row.count += earlier.count
            earlier.delete()
        row.save(update_fields=["hour", "device_id", "count"])
        latest[key] = row


class Migration(migrations.Migration):
    dependencies = [("alarms", "0002_reject_reasons")]

    operations = [
        migrations.AddField(
            model_name="ingestrejection",
            name="hour",
            field=models.DateTimeField(null=True, verbose_name="hour"),
        ),
        migrations.AddField(
            model_name="ingestrejection",
            name="source",
            field=models.CharField(blank=True, max_length=64, verbose_name="source"),
        ),
        migrations.AddField(
            model_name="ingestrejection",
            name="count",
            field=models.PositiveIntegerField(default=1, verbose_name="count"),
        ),
        migrations.RunPython(fold_into_hourly_counts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ingestrejection",
            name="hour",
            field=models.DateTimeField(db_index=True, verbose_name="hour"),
        ),
        migrations.AlterModelOptions(
            name="ingestrejection",
            options={
                "ordering": ["-received_at", "-id"],
                "verbose_name": "rejected messages",
                "verbose_name_plural": "rejected messages",
            },
        ),
        migrations.AlterField(
            model_name="ingestrejection",
            name="excerpt",
            field=models.CharField(blank=True, max_length=300, verbose_name="excerpt of the latest"),
        ),
        migrations.AlterField(
            model_name="ingestrejection",
            name="received_at",
            field=models.DateTimeField(db_index=True, verbose_name="last received at"),
        ),
        migrations.AddConstraint(
            model_name="ingestrejection",
            constraint=models.UniqueConstraint(
                fields=("hour", "via", "source", "reason", "device_id"), name="one_rejection_count_per_hour"
            ),
        ),
    ]
