"""The table of condition codes (``codes.CONDITION_CODES``), and every elder's chronic conditions and
family-doctor flag carried over from the registry (``elders.Elder.chronic_conditions`` /
``family_doctor_contract``) into the health records: a name the registry used for a coded condition
becomes that code (``codes.REGISTRY_NAMES`` or the code's own Chinese name), any other name is kept as an
uncoded condition with its text, so nothing is lost; an elder with a contract gets a summary saying so.
The registry's columns stay as the spreadsheets' intake (see docs/architecture.md, Health)."""

from django.db import migrations
from django.db.models import Q

from shouwang.health.codes import CONDITION_CODES, registry_conditions

BATCH = 2000


def load_codes(apps, schema_editor):
    ConditionCode = apps.get_model("health", "ConditionCode")
    for code, name, name_en in CONDITION_CODES:
        ConditionCode.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})


def adopt_registry(apps, schema_editor):
    Elder = apps.get_model("elders", "Elder")
    ElderCondition = apps.get_model("health", "ElderCondition")
    HealthSummary = apps.get_model("health", "HealthSummary")
    elders = Elder.objects.filter(~Q(chronic_conditions=[]) | Q(family_doctor_contract=True)).values_list(
        "pk", "chronic_conditions"
    )
    contracted = set(Elder.objects.filter(family_doctor_contract=True).values_list("pk", flat=True))
    conditions, summaries = [], []
    for elder_id, listed in elders.order_by("pk").iterator(chunk_size=BATCH):
        conditions += [
            ElderCondition(elder_id=elder_id, code_id=code, name=name, source="registry")
            for code, name in registry_conditions(listed)
        ]
        if elder_id in contracted:
            summaries.append(HealthSummary(elder_id=elder_id, contract_status="active"))
        if len(conditions) >= BATCH:
            ElderCondition.objects.bulk_create(conditions, ignore_conflicts=True)
            conditions = []
    ElderCondition.objects.bulk_create(conditions, ignore_conflicts=True)
    HealthSummary.objects.bulk_create(summaries, batch_size=BATCH, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial"), ("elders", "0012_family_link")]

    operations = [
        migrations.RunPython(load_codes, migrations.RunPython.noop),
        migrations.RunPython(adopt_registry, migrations.RunPython.noop),
    ]
