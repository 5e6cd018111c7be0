"""Categories carry their elder's community and name, indexed as (code, community, name, elder).

A category's first page of elders is then read from that one index in the list's order, where before every
elder of the category was fetched and sorted (the search benchmark's category queries: docs/benchmarks.md).
That index also answers what the (code, elder) index of migration 0006 did, and the unique (elder, code)
constraint what the indexes on code and on elder alone did, so those three go.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_elders(apps, schema_editor):
    Elder = apps.get_model("elders", "Elder")
    ElderCategory = apps.get_model("elders", "ElderCategory")
    elder = Elder.objects.filter(pk=OuterRef("elder_id"))
    ElderCategory.objects.update(
        community_code=Subquery(elder.values("community_id")), name=Subquery(elder.values("name"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("elders", "0007_community_without_own_index"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS elders_eldercategory_code_elder",
            "CREATE INDEX IF NOT EXISTS elders_eldercategory_code_elder ON elders_eldercategory (code, elder_id)",
        ),
        migrations.AddField(
            model_name="eldercategory",
            name="community_code",
            field=models.CharField(default="", max_length=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="eldercategory",
            name="name",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(copy_from_elders, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="eldercategory",
            name="code",
            field=models.CharField(
                choices=[
                    ("tekun", "extreme poverty (特困)"),
                    ("dibao", "minimum subsistence (低保)"),
                    ("low_income", "low income (低保边缘/低收入)"),
                    ("youfu", "entitled group (重点优抚)"),
                    ("family_planning", "family-planning special family (计划生育特殊家庭)"),
                    ("shidu", "lost only child (失独)"),
                    ("severe_disability", "severe disability (重度残疾)"),
                ],
                max_length=20,
                verbose_name="category",
            ),
        ),
        migrations.AlterField(
            model_name="eldercategory",
            name="elder",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="categories",
                to="elders.elder",
            ),
        ),
        migrations.AddIndex(
            model_name="eldercategory",
            index=models.Index(
                fields=["code", "community_code", "name", "elder"], name="elder_category_list_order"
            ),
        ),
    ]
