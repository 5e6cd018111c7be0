"""Demo assessments and care plans, made through the services by the demo's own assessors and official.

Deterministic for a seed. Results are spread over the last eight months, so the due list has overdue
elders as well as current ones; a few forms are left as drafts or waiting for review.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.assessments import careplans, scoring, services
from shouwang.elders.models import Elder, Status

# Share of assessed elders by result level: most older people are able or mildly impaired.
LEVEL_SHARES = ((0, 35), (1, 30), (2, 17), (3, 11), (4, 7))
BAND = {level.level: (level.min_total, level.max_total) for level in scoring.LEVELS}
DIAGNOSES = (("I10", "高血压"), ("E11", "2型糖尿病"), ("I63", "脑梗死"), ("F03", "痴呆"), ("M17", "膝关节病"))


def item_scores(rng: random.Random, level: int) -> dict[str, int]:
    """Scores whose total falls in the band of ``level``: start from full marks and take points away."""
    low, high = BAND[level]
    target = rng.randint(low, high)
    scores = {item.key: item.max for item in scoring.ITEMS}
    deficit = scoring.MAX_TOTAL - target
    while deficit:
        item = rng.choice(scoring.ITEMS)
        if scores[item.key]:
            scores[item.key] -= 1
            deficit -= 1
    return scores


def load_assessments(*, community_codes: list[str], per_community: int, seed: int) -> int:
    """Assess ``per_community`` active elders in each community; returns how many results were approved."""
    rng = random.Random(f"{seed}-assessments")
    official = User.objects.get(username="official")
    first, second = User.objects.get(username="assessor"), User.objects.get(username="assessor2")
    levels = [level for level, share in LEVEL_SHARES for _ in range(share)]
    today = timezone.localdate()
    approved = 0
    for code in community_codes:
        elders = Elder.objects.filter(community_id=code, status=Status.ACTIVE).order_by("pk")[:per_community]
        for position, elder in enumerate(elders):
            services.assign_assessor(actor=official, elder_id=elder.pk, assessor_id=first.pk)
            level = rng.choice(levels)
            assessment = services.start_assessment(
                actor=first, elder_id=elder.pk, assessed_on=today - dt.timedelta(days=rng.randrange(5, 240))
            )
            diagnoses = [
                dict(zip(("code", "name"), d, strict=True)) for d in rng.sample(DIAGNOSES, k=rng.randrange(3))
            ]
            services.save_draft(
                actor=first,
                assessment_id=assessment.pk,
                data={
                    "assessor_2": second.pk,
                    "informant_name": elder.contacts.first().name if elder.contacts.exists() else elder.name,
                    "informant_relation": "本人"
                    if not elder.contacts.exists()
                    else elder.contacts.first().relation,
                    "diagnoses": diagnoses,
                    "risk_events": {"fall": rng.choice((0, 0, 0, 1, 2))},
                    "items": item_scores(rng, level),
                },
            )
            if position % 10 == 9:
                continue  # left as a draft the assessors are still working on
            services.submit(actor=first, assessment_id=assessment.pk)
            if position % 10 == 8:
                continue  # waiting for the official's review
            services.approve(actor=official, assessment_id=assessment.pk)
            approved += 1
            _plan(official, elder.pk, rng)
    return approved


def _plan(official, elder_id: int, rng: random.Random) -> None:
    """A care plan for elders who need services: recommended from the rules, most of them approved."""
    elder = Elder.objects.get(pk=elder_id)
    if (elder.ability_level or 0) < 2:
        return
    needs = rng.sample(("meal", "bathing", "medical_escort", "companionship"), k=rng.randrange(2))
    plan = careplans.draft_care_plan(actor=official, elder_id=elder_id, needs=needs)
    if plan.items.exists() and rng.random() < 0.8:
        careplans.approve_care_plan(actor=official, plan_id=plan.pk)
