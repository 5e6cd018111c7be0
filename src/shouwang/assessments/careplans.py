"""Care plans (照护计划): a recommended service package, edited and approved by the community worker.

From an elder's ability level, living arrangement, eligibility categories and the needs the elder or family
stated, :func:`recommend` applies the care-plan rules (``CareRule``, held as data; the defaults are loaded by
migration ``0002_default_care_rules``) and proposes services × frequency, each with a plain Chinese reason.
:func:`draft_care_plan` saves that proposal as a draft; the worker edits it (:func:`set_plan_items`) and
approves it (:func:`approve_care_plan`), which supersedes the elder's previous plan. The approved plan
(:func:`active_plan_for`) is what recurring orders are generated from.

Plan states: draft → approved → superseded (by the next approved plan). Any other move is a ``Conflict``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed, require_state
from shouwang.core.text import is_digits, listed, within_limit
from shouwang.elders.fields import CATEGORY_NAMES, LIVING_NAMES
from shouwang.elders.models import Elder, Status
from shouwang.elders.selectors import get_elder_for

from .models import Assessment, CarePlan, CarePlanItem, CareRule, Frequency, PlanState, State
from .permissions import may_plan_care
from .scoring import MAX_LEVEL
from .selectors import get_care_plan_for

logger = logging.getLogger(__name__)

CARE_SERVICES: Mapping[str, str] = MappingProxyType(
    {
        "meal": "助餐",
        "cleaning": "助洁",
        "bathing": "助浴",
        "emergency": "助急",
        "walking": "助行",
        "medical_escort": "助医",
        "recreation": "助乐",
        "visit": "探访",
        "basic_care": "基础照护",
        "health": "健康管理",
        "companionship": "精神慰藉",
        "errands": "委托代办",
        "home_adaptation": "适老化改造",
    }
)
"""The services a plan can hold (GB/T 43153-2023 《居家养老上门服务基本规范》, DOMAIN.md §3), code → name,
in display order. Stated needs use the same codes. The service catalogue (a later issue) uses these codes
for its items, so a plan line can be matched to the catalogue item that is ordered for it."""

"""Who may draft, edit and approve care plans: the community worker, officials and platform admins."""

MAX_TIMES = 31
MANUAL_WHY = "社区工作人员调整"

# Visits per month, to compare frequencies: "3 per week" (13) is more than "2 per month" (2).
VISITS_PER_MONTH = {Frequency.DAILY: 30.0, Frequency.WEEKLY: 4.33, Frequency.MONTHLY: 1.0}

_PER_WORDS = {Frequency.DAILY: "每日", Frequency.WEEKLY: "每周", Frequency.MONTHLY: "每月"}
_LEVEL_NAMES = {0: "能力完好", 1: "轻度失能", 2: "中度失能", 3: "重度失能", 4: "完全失能"}


@dataclass(frozen=True)
class Recommendation:
    """One recommended service: ``times`` per ``per`` (a ``Frequency`` value).

    ``rule_id`` is the rule that gave this frequency; ``rule_ids`` every rule that recommended the service.
    ``reasons`` holds one sentence per rule (the one that gave the frequency first); ``why`` joins them.
    """

    service: str
    times: int
    per: str
    rule_id: int | None
    rule_ids: tuple[int | None, ...]
    reasons: tuple[str, ...]

    @property
    def name(self) -> str:
        return CARE_SERVICES[self.service]

    @property
    def why(self) -> str:
        return "；".join(self.reasons)

    @property
    def visits_per_month(self) -> float:
        return self.times * VISITS_PER_MONTH[self.per]


def frequency_text(times: int, per: str) -> str:
    """每日 / 每周3次 / 每月2次: a frequency in words."""
    word = _PER_WORDS[per]
    return word if times == 1 else f"{word}{times}次"


def rule_matches(rule, *, level: int | None, living_arrangement: str, categories: set[str], needs: set[str]):
    """Whether ``rule`` applies. Empty condition lists match everyone; a list matches if any entry does.

    An elder with no ability level (never assessed) matches only rules that do not bound the level
    (``min_level`` 0 and ``max_level`` 4): we cannot say they are in any narrower range.
    """
    if not rule.active:
        return False
    if level is None:
        if rule.min_level > 0 or rule.max_level < MAX_LEVEL:
            return False
    elif not rule.min_level <= level <= rule.max_level:
        return False
    if rule.living_arrangements and living_arrangement not in rule.living_arrangements:
        return False
    if rule.categories and not categories & set(rule.categories):
        return False
    return not (rule.needs and not needs & set(rule.needs))


def explain(
    rule, *, level: int | None, living_arrangement: str, categories: set[str], needs: set[str]
) -> str:
    """The rule's explanation for this elder. It may name what matched with ``{level}``, ``{level_name}``
    (重度失能 …), ``{living}`` (独居 …), ``{category}`` (the matching categories, 特困、低保) and ``{need}``
    (the matching stated needs, 助餐 …)."""
    matched_categories = [code for code in CATEGORY_NAMES if code in categories and code in rule.categories]
    matched_needs = [code for code in CARE_SERVICES if code in needs and code in rule.needs]
    values = {
        "{level}": "未评估" if level is None else str(level),
        "{level_name}": "未评估" if level is None else _LEVEL_NAMES.get(level, ""),
        "{living}": LIVING_NAMES.get(living_arrangement, living_arrangement),
        "{category}": "、".join(CATEGORY_NAMES[code] for code in matched_categories),
        "{need}": "、".join(CARE_SERVICES[code] for code in matched_needs),
    }
    text = rule.explanation
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def _usable(item) -> bool:
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("service"), str)
        and item["service"] in CARE_SERVICES
        and isinstance(item.get("per"), str)
        and item["per"] in _PER_WORDS
        and _is_times(item.get("times"))
    )


def _is_times(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_TIMES


def recommend(
    *, level: int | None, living_arrangement: str, categories: set[str], needs: set[str], rules: Iterable
) -> list[Recommendation]:
    """The services the matching rules recommend, in ``CARE_SERVICES`` order. Pure: no database.

    ``rules`` are ``CareRule``-like objects (``pk``, ``name``, ``min_level``, ``max_level``,
    ``living_arrangements``, ``categories``, ``needs``, ``items``, ``explanation``, ``active``); see
    :func:`rule_matches` for when one applies. When several rules recommend the same service the highest
    frequency (by visits per month) is kept, and every rule's reason: "能力等级3（重度失能）且独居：每日助餐".
    An item naming a service outside ``CARE_SERVICES`` or with a bad frequency is skipped (and logged).
    """
    facts = {
        "level": level,
        "living_arrangement": living_arrangement or "",
        "categories": set(categories),
        "needs": set(needs),
    }
    found: dict[str, dict] = {}
    for rule in rules:
        if not rule_matches(rule, **facts):
            continue
        because = explain(rule, **facts)
        for item in rule.items:
            if not _usable(item):
                logger.warning("Care rule %s has an unusable item %r; skipped.", rule.pk, item)
                continue
            service, times, per = item["service"], item["times"], item["per"]
            reason = f"{because}：{frequency_text(times, per)}{CARE_SERVICES[service]}"
            visits = times * VISITS_PER_MONTH[per]
            entry = found.get(service)
            if entry is None:
                found[service] = {"times": times, "per": per, "visits": visits, "rule_id": rule.pk,
                                  "rule_ids": [rule.pk], "reasons": [reason]}  # fmt: skip
            elif visits > entry["visits"]:
                entry.update(times=times, per=per, visits=visits, rule_id=rule.pk)
                entry["rule_ids"].append(rule.pk)
                entry["reasons"].insert(0, reason)
            else:
                entry["rule_ids"].append(rule.pk)
                entry["reasons"].append(reason)
    return [
        Recommendation(
            service=service,
            times=found[service]["times"],
            per=found[service]["per"],
            rule_id=found[service]["rule_id"],
            rule_ids=tuple(found[service]["rule_ids"]),
            reasons=tuple(found[service]["reasons"]),
        )
        for service in CARE_SERVICES
        if service in found
    ]


# Services ---------------------------------------------------------------------------------------------------


def _require_planner(actor) -> None:
    if not may_plan_care(actor):
        raise Forbidden(_("Only community workers and civil-affairs officials may manage care plans."))


def _require_state(plan: CarePlan, *states: str) -> None:
    require_state(plan, states, _("This care plan is %(state)s; that cannot be done now."))


def _item_rows(plan: CarePlan) -> list[dict]:
    return [
        {"service": item.service, "times": item.times, "per": item.per, "why": item.why}
        for item in plan.items.order_by("service")
    ]


def _fail(errors: dict[str, str]):
    return ValidationFailed(
        next(iter(errors.values())) if len(errors) == 1 else _("Please correct the marked fields."),
        errors=errors,
    )


def _checked_needs(needs) -> list[str]:
    needs = list(dict.fromkeys(needs or ()))
    unknown = [need for need in needs if need not in CARE_SERVICES]
    if unknown:
        raise _fail({"needs": _("Unknown services: %(codes)s.") % {"codes": listed(map(str, unknown))}})
    return needs


def _linked_assessment(elder: Elder, assessment_id) -> Assessment | None:
    approved = Assessment.objects.filter(elder=elder, state=State.APPROVED)
    if assessment_id is None:
        return approved.order_by("-assessed_on", "-id").first()
    assessment = approved.filter(pk=assessment_id).first()
    if assessment is None:
        raise _fail({"assessment": _("Link an approved assessment of this elder.")})
    return assessment


def draft_care_plan(
    *, actor, elder_id: int, needs: Iterable[str] = (), assessment_id=None, note: str = ""
) -> CarePlan:
    """Draft a plan for an elder in the actor's scope from the active rules.

    The elder's current ability level, living arrangement and categories are used, with the stated
    ``needs`` (``CARE_SERVICES`` codes). The given approved assessment of that elder is linked, or else the
    latest approved one (if any).
    """
    elder = get_elder_for(actor, elder_id)
    _require_planner(actor)
    if elder.status != Status.ACTIVE:
        raise Conflict(_("Care plans are only made for active elders."), code="elder_not_active")
    needs = _checked_needs(needs)
    assessment = _linked_assessment(elder, assessment_id)
    recommendations = recommend(
        level=elder.ability_level,
        living_arrangement=elder.living_arrangement,
        categories={category.code for category in elder.categories.all()},
        needs=set(needs),
        rules=CareRule.objects.filter(active=True),
    )
    with transaction.atomic():
        plan = CarePlan.objects.create(
            elder=elder,
            assessment=assessment,
            needs=needs,
            note=within_limit(note, 300, field="note", label=_("The note")),
        )
        CarePlanItem.objects.bulk_create(
            CarePlanItem(
                plan=plan, service=r.service, times=r.times, per=r.per, rule_id=r.rule_id, why=r.why[:300]
            )
            for r in recommendations
        )
        audit.record(
            actor=actor,
            action="assessments.care_plan.draft",
            obj=plan,
            after={
                "elder": elder.pk,
                "assessment": assessment.pk if assessment else None,
                "level": elder.ability_level,
                "needs": needs,
                "items": _item_rows(plan),
            },
            region_code=elder.community_id,
        )
    return plan


def _checked_items(items: list[dict]) -> list[dict]:
    errors: dict[str, str] = {}
    cleaned, seen = [], set()
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors[f"items.{index}"] = _("Each line needs a service, a number of times and a period.")
            continue
        service, per, times = item.get("service"), item.get("per"), item.get("times")
        if not isinstance(service, str) or service not in CARE_SERVICES:
            errors[f"items.{index}.service"] = _("Unknown service %(code)s.") % {"code": service}
        elif service in seen:
            errors[f"items.{index}.service"] = _("%(name)s is listed twice.") % {
                "name": CARE_SERVICES[service]
            }
        seen.add(service)
        if isinstance(times, str) and is_digits(times.strip()):
            times = int(times.strip())
        if not _is_times(times):
            errors[f"items.{index}.times"] = _("Times must be a whole number from 1 to %(max)d.") % {
                "max": MAX_TIMES
            }
        if not isinstance(per, str) or per not in Frequency.values:
            errors[f"items.{index}.per"] = _("Choose per day, per week or per month.")
        why = str(item.get("why") or "").strip()[:300]
        cleaned.append({"service": service, "times": times, "per": per, "why": why})
    if errors:
        raise _fail(errors)
    return cleaned


def set_plan_items(*, actor, plan_id: int, items: list[dict]) -> CarePlan:
    """Replace the lines of a draft plan with what the worker edited: ``{"service", "times", "per", "why"}``.

    A line left as recommended (same service and frequency, no new ``why``) keeps its reason and rule; a
    changed or added line gets the ``why`` given, or "社区工作人员调整" (adjusted by the community worker).
    """
    plan = get_care_plan_for(actor, plan_id)
    _require_planner(actor)
    _require_state(plan, PlanState.DRAFT)
    cleaned = _checked_items(items)
    with transaction.atomic():
        plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
        _require_state(plan, PlanState.DRAFT)
        current = {item.service: item for item in plan.items.all()}
        before = _item_rows(plan)
        new_items = []
        for line in cleaned:
            old = current.get(line["service"])
            unchanged = old is not None and (old.times, old.per) == (line["times"], line["per"])
            if unchanged and not line["why"]:
                why, rule_id = old.why, old.rule_id
            else:
                why, rule_id = line["why"] or MANUAL_WHY, old.rule_id if unchanged else None
            new_items.append(
                CarePlanItem(
                    plan=plan,
                    service=line["service"],
                    times=line["times"],
                    per=line["per"],
                    rule_id=rule_id,
                    why=why,
                )
            )
        plan.items.all().delete()
        CarePlanItem.objects.bulk_create(new_items)
        plan.save(update_fields=["updated_at"])
        after = _item_rows(plan)
        if before != after:
            audit.record(
                actor=actor,
                action="assessments.care_plan.items",
                obj=plan,
                before={"items": before},
                after={"items": after},
                region_code=plan.elder.community_id,
            )
    return plan


def approve_care_plan(*, actor, plan_id: int) -> CarePlan:
    """Approve a draft plan with at least one line; the elder's previously approved plan is superseded."""
    plan = get_care_plan_for(actor, plan_id)
    _require_planner(actor)
    _require_state(plan, PlanState.DRAFT)
    with transaction.atomic():
        # Locking the elder serialises approvals, so an elder never has two approved plans.
        Elder.objects.select_for_update().get(pk=plan.elder_id)
        plan = CarePlan.objects.select_related("elder").select_for_update().get(pk=plan.pk)
        _require_state(plan, PlanState.DRAFT)
        if not plan.items.exists():
            raise _fail({"items": _("Add at least one service before approving the plan.")})
        region = plan.elder.community_id
        for old in CarePlan.objects.select_for_update().filter(
            elder_id=plan.elder_id, state=PlanState.APPROVED
        ):
            old.state = PlanState.SUPERSEDED
            old.save(update_fields=["state", "updated_at"])
            audit.record(
                actor=actor,
                action="assessments.care_plan.supersede",
                obj=old,
                before={"state": PlanState.APPROVED},
                after={"state": PlanState.SUPERSEDED, "by": plan.pk},
                region_code=region,
            )
        plan.state, plan.approved_by, plan.approved_at = PlanState.APPROVED, actor, timezone.now()
        plan.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
        audit.record(
            actor=actor,
            action="assessments.care_plan.approve",
            obj=plan,
            before={"state": PlanState.DRAFT},
            after={"state": PlanState.APPROVED, "items": _item_rows(plan)},
            region_code=region,
        )
    return plan


def active_plan_for(elder_id: int) -> CarePlan | None:
    """The elder's approved plan with its lines, or None. No scope: for system jobs (recurring orders)."""
    return (
        CarePlan.objects.filter(elder_id=elder_id, state=PlanState.APPROVED)
        .prefetch_related("items")
        .order_by("-approved_at", "-id")
        .first()
    )
