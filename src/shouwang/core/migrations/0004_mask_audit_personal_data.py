"""Mask the ID numbers and phones that audit records written before decision 0012 hold in full (the
masking at write time, ``core.audit.masked``, applied to the old rows; masking twice changes nothing)."""

from django.db import migrations

from shouwang.core.audit import masked, masked_text

BATCH = 2000
FIELDS = ["before", "after", "object_repr"]


def mask_existing(apps, schema_editor):
    AuditLog = apps.get_model("core", "AuditLog")
    changed = []
    for log in AuditLog.objects.only("id", *FIELDS).order_by("id").iterator(chunk_size=BATCH):
        values = (masked(log.before), masked(log.after), masked_text(log.object_repr))
        if values != (log.before, log.after, log.object_repr):
            log.before, log.after, log.object_repr = values
            changed.append(log)
        if len(changed) >= BATCH:
            AuditLog.objects.bulk_update(changed, FIELDS)
            changed = []
    AuditLog.objects.bulk_update(changed, FIELDS)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_liveevent")]

    operations = [migrations.RunPython(mask_existing, migrations.RunPython.noop)]
