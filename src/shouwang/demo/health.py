"""Demo health records: the registry's conditions carried into the health records of the demo's assessed
communities, summaries (allergies, medications, family doctor and contract, hospital) for most of their
elders, and four weeks of readings for a few, with some out of range (care tasks) and one urgent (an
incident for the operator). Everything through the health services; deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shouwang.core.actors import SYSTEM
from shouwang.elders.models import Elder
from shouwang.health.services import adopt_registry, record_vital, update_summary

WEEKS = 4
MEASURED_PER_COMMUNITY = 6
ALLERGIES = ("", "", "", "青霉素", "磺胺类药物", "海鲜", "头孢类药物")
MEDICATIONS = {
    "I10": "氨氯地平片 5mg 每日一次",
    "E11": "二甲双胍片 0.5g 每日三次",
    "I25": "阿司匹林肠溶片 100mg 每日一次",
    "J44": "噻托溴铵吸入剂 每日一次",
    "G20": "多巴丝肼片 每日三次",
}
DOCTORS = ("王建华", "李秀英", "张伟", "刘芳", "陈静")
TEAMS = ("兴华街道社区卫生服务中心", "文庙街道社区卫生服务中心", "孤店子镇卫生院")
HOSPITALS = ("吉林市中心医院", "吉林市人民医院", "北华大学附属医院")


def load_health(*, community_codes: list[str], seed: int) -> dict[str, int]:
    rng = random.Random(f"{seed}-health")
    elders = list(Elder.objects.filter(community_id__in=community_codes).order_by("pk"))
    adopt_registry(actor=SYSTEM, elder_ids=[elder.pk for elder in elders])
    today = timezone.localdate()
    for elder in elders:
        if rng.random() < 0.2:
            continue
        codes = set(elder.conditions.exclude(code__isnull=True).values_list("code_id", flat=True))
        contracted = elder.family_doctor_contract or rng.random() < 0.3
        start = today - dt.timedelta(days=rng.randint(30, 330))
        update_summary(
            actor=SYSTEM,
            elder_id=elder.pk,
            values={
                "allergies": rng.choice(ALLERGIES),
                "medications": "；".join(MEDICATIONS[code] for code in sorted(codes) if code in MEDICATIONS),
                "contract_status": "active" if contracted else "none",
                "family_doctor": rng.choice(DOCTORS) if contracted else "",
                "family_doctor_team": rng.choice(TEAMS) if contracted else "",
                "family_doctor_phone": f"0432-6{rng.randint(100000, 999999)}" if contracted else "",
                "contract_start": start if contracted else None,
                "contract_end": start + dt.timedelta(days=364) if contracted else None,
                "hospital": rng.choice(HOSPITALS),
            },
        )
    readings = 0
    for code in community_codes:
        measured = [elder for elder in elders if elder.community_id == code][:MEASURED_PER_COMMUNITY]
        for n, elder in enumerate(measured):
            readings += _readings(
                elder, rng, hypertensive=n % 2 == 0, urgent=n == 0 and code == community_codes[0]
            )
    return {"elders": len(elders), "readings": readings}


def _readings(elder: Elder, rng: random.Random, *, hypertensive: bool, urgent: bool) -> int:
    """Four weeks of morning pressure and pulse every other day, weekly glucose and weight; the
    hypertensive elders drift above 140 now and then, and ``urgent`` ends with a reading of 185."""
    now = timezone.localtime().replace(hour=8, minute=30, second=0, microsecond=0)
    base = rng.randint(135, 142) if hypertensive else rng.randint(118, 128)
    weight = rng.uniform(50, 72)
    count = 0
    for back in range(WEEKS * 7, 0, -2):
        at = now - dt.timedelta(days=back, minutes=rng.randint(0, 60))
        systolic = base + rng.randint(-8, 12)
        record_vital(
            actor=SYSTEM,
            elder_id=elder.pk,
            kind="blood_pressure",
            values={"systolic": systolic, "diastolic": min(systolic - 40, 60 + rng.randint(15, 30))},
            measured_at=at,
        )
        record_vital(
            actor=SYSTEM,
            elder_id=elder.pk,
            kind="heart_rate",
            values={"value": rng.randint(62, 88)},
            measured_at=at,
        )
        count += 2
        if back % 7 == 0:
            record_vital(
                actor=SYSTEM,
                elder_id=elder.pk,
                kind="blood_glucose",
                values={"value": round(rng.uniform(5.2, 8.4), 1)},
                measured_at=at,
            )
            record_vital(
                actor=SYSTEM,
                elder_id=elder.pk,
                kind="weight",
                values={"value": round(weight + rng.uniform(-0.8, 0.8), 1)},
                measured_at=at,
            )
            count += 2
    if urgent:
        record_vital(
            actor=SYSTEM,
            elder_id=elder.pk,
            kind="blood_pressure",
            values={"systolic": 185, "diastolic": 104},
            measured_at=timezone.now() - dt.timedelta(hours=3),
        )
        count += 1
    return count
