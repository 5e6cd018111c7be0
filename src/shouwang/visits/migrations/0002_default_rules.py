"""The default visit rules of DOMAIN.md §6, which a bureau edits afterwards in the console:

| who | visit |
|---|---|
| 独居 or 空巢 and 失能 (level ≥ 2) | home visit weekly |
| 独居 aged 80+ | phone call weekly, home visit monthly |
| 独居 / 空巢 / 留守 others | phone call every two weeks, home visit quarterly |
| 特困 / 低保 / 计划生育特殊家庭 | home visit monthly |

"Others" needs no condition of its own: an elder caught by several rules gets the shortest interval of
each kind (``visits.tiers``), so the fortnightly call only counts where nothing asks for more.
"""

from django.db import migrations

ALONE_OR_EMPTY = ["alone", "empty_nest"]
# name, position, arrangements, categories, min_age, min_ability_level, tier, kind, interval_days
RULES = [
    ("独居/空巢且失能：每周上门", 10, ALONE_OR_EMPTY, [], None, 2, "high", "home", 7),
    ("独居80岁以上：每周电话", 20, ["alone"], [], 80, None, "medium", "phone", 7),
    ("独居80岁以上：每月上门", 21, ["alone"], [], 80, None, "medium", "home", 30),
    ("独居/空巢/留守：每两周电话", 30, ["alone", "empty_nest", "left_behind"], [], None, None, "low", "phone", 14),
    ("独居/空巢/留守：每季度上门", 31, ["alone", "empty_nest", "left_behind"], [], None, None, "low", "home", 91),
    ("特困/低保/计划生育特殊家庭：每月上门", 40, [], ["tekun", "dibao", "family_planning", "shidu"], None, None,
     "medium", "home", 30),
]


def load(apps, schema_editor):
    VisitRule = apps.get_model("visits", "VisitRule")
    for name, position, arrangements, categories, min_age, level, tier, kind, days in RULES:
        VisitRule.objects.get_or_create(
            name=name,
            defaults={
                "position": position,
                "arrangements": arrangements,
                "categories": categories,
                "min_age": min_age,
                "min_ability_level": level,
                "tier": tier,
                "kind": kind,
                "interval_days": days,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("visits", "VisitRule").objects.filter(name__in=[rule[0] for rule in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
