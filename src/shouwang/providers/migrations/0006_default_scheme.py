import datetime as dt

from django.db import migrations

DEFAULT = {
    "name": "默认评价方案（评分权重与星级）",
    "effective_from": dt.date(2020, 1, 1),
    # Weights in percent: elder ratings, complaints, on-time visits, verified visits, inspections.
    "weights": {"rating": 30, "complaints": 20, "on_time": 20, "verification": 20, "inspection": 10},
    "star_bands": [[90, 5], [80, 4], [70, 3], [60, 2], [0, 1]],
}


def load(apps, schema_editor):
    apps.get_model("providers", "EvaluationScheme").objects.get_or_create(
        effective_from=DEFAULT["effective_from"], defaults=DEFAULT
    )


def unload(apps, schema_editor):
    apps.get_model("providers", "EvaluationScheme").objects.filter(effective_from=DEFAULT["effective_from"]).delete()


class Migration(migrations.Migration):
    dependencies = [("providers", "0005_evaluation")]
    operations = [migrations.RunPython(load, unload)]
