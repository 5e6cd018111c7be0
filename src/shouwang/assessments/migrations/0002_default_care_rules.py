"""The default care-plan rules (see ``assessments.careplans``), loaded as data a bureau may edit later.

Each rule: name, level range, living arrangements / categories / stated needs (empty = anyone), the
services it recommends and the explanation shown with them. Explanations may contain ``{level}``,
``{level_name}``, ``{living}``, ``{category}`` and ``{need}``, filled in for the elder.

Every stated need has a rule except 适老化改造 (home adaptation): it is a one-off project, not a recurring
service, so the worker adds it to a plan by hand when wanted.
"""

from django.db import migrations


def _items(*triples):
    return [{"service": service, "times": times, "per": per} for service, times, per in triples]


def _need(code, name, times, per):
    return {
        "name": f"提出{name}需求",
        "needs": [code],
        "items": _items((code, times, per)),
        "explanation": "本人或家属提出{need}需求",
    }


DEFAULT_RULES = [
    {
        "name": "重度及以上失能且独居",
        "min_level": 3,
        "living_arrangements": ["alone"],
        "items": _items(("meal", 1, "day"), ("cleaning", 1, "week"), ("visit", 1, "week")),
        "explanation": "能力等级{level}（{level_name}）且独居",
    },
    {
        "name": "重度及以上失能",
        "min_level": 3,
        "items": _items(("basic_care", 3, "week"), ("bathing", 1, "week")),
        "explanation": "能力等级{level}（{level_name}）",
    },
    {
        "name": "完全失能",
        "min_level": 4,
        "items": _items(("basic_care", 1, "day"), ("health", 1, "week")),
        "explanation": "能力等级{level}（{level_name}）",
    },
    {
        "name": "中度失能且独居或空巢",
        "min_level": 2,
        "max_level": 2,
        "living_arrangements": ["alone", "empty_nest"],
        "items": _items(("cleaning", 2, "month"), ("visit", 1, "week")),
        "explanation": "能力等级{level}（{level_name}）且{living}",
    },
    {
        "name": "失能且独居：检查紧急呼叫设备",
        "min_level": 1,
        "living_arrangements": ["alone"],
        "items": _items(("emergency", 1, "month")),
        "explanation": "能力等级{level}（{level_name}）且独居，需定期检查紧急呼叫设备",
    },
    {
        "name": "特困、低保老年人",
        "categories": ["tekun", "dibao"],
        "items": _items(("cleaning", 1, "month")),
        "explanation": "{category}老年人",
    },
    {
        "name": "失独老年人",
        "categories": ["shidu"],
        "items": _items(("companionship", 2, "month")),
        "explanation": "失独老年人",
    },
    _need("meal", "助餐", 1, "day"),
    _need("cleaning", "助洁", 1, "week"),
    _need("bathing", "助浴", 1, "week"),
    _need("emergency", "助急", 1, "month"),
    _need("walking", "助行", 1, "week"),
    _need("medical_escort", "助医", 1, "month"),
    _need("recreation", "助乐", 1, "week"),
    _need("visit", "探访", 1, "week"),
    _need("basic_care", "基础照护", 2, "week"),
    _need("health", "健康管理", 1, "month"),
    _need("companionship", "精神慰藉", 1, "week"),
    _need("errands", "委托代办", 1, "week"),
]


def load(apps, schema_editor):
    CareRule = apps.get_model("assessments", "CareRule")
    CareRule.objects.bulk_create(CareRule(**rule) for rule in DEFAULT_RULES)


def unload(apps, schema_editor):
    CareRule = apps.get_model("assessments", "CareRule")
    CareRule.objects.filter(name__in=[rule["name"] for rule in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
