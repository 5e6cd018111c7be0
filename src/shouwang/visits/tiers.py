"""An elder's risk tier and visit plan, derived from the rules and from what the platform knows.

The rules (``VisitRule``) each catch elders by living arrangement, categories, age and ability level; an
elder gets the highest tier of the rules that catch them and, for each kind of visit, the shortest
interval. Recent alarms raise the tier one step: an emergency or a silence found by the passive watch, or
missed daily check-ins (报平安), within ``SHOUWANG_VISIT_INCIDENT_DAYS``. A phone call is dropped from the
plan when a home visit comes at least as often. One code path serves one elder (the record page, the API)
and a whole district (the generation): ``risks_of``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shouwang.alarms.models import Incident, IncidentKind
from shouwang.elders.models import Elder, ElderCategory, Status
from shouwang.regions.models import prefix_of

from .models import TIER_ORDER, Tier, VisitKind, VisitRule

# Incidents that say the elder may be at risk (a device's battery or connection says nothing about them).
RISK_INCIDENTS = [
    IncidentKind.SOS,
    IncidentKind.FALL,
    IncidentKind.SMOKE,
    IncidentKind.GAS,
    IncidentKind.WATER,
    IncidentKind.NO_MOTION,
    IncidentKind.NO_DOOR,
]


@dataclass
class Planned:
    kind: str
    interval_days: int
    rule: VisitRule


@dataclass
class Risk:
    tier: str
    reasons: list[str] = field(default_factory=list)
    rules: list[VisitRule] = field(default_factory=list)
    plan: dict[str, Planned] = field(default_factory=dict)

    @property
    def deciding_rule(self) -> VisitRule | None:
        """The first of the rules that set the tier before any raise for alarms (the highest tier)."""
        return min(
            self.rules,
            key=lambda rule: (TIER_ORDER.index(Tier(rule.tier)), rule.position, rule.pk),
            default=None,
        )

    @property
    def tier_label(self) -> str:
        return str(Tier(self.tier).label)


def incident_days() -> int:
    return settings.SHOUWANG_VISIT_INCIDENT_DAYS


def born_by(today: dt.date, years: int) -> dt.date:
    """The latest birth date of someone aged ``years`` or more on ``today`` (29 February → 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def rule_condition(rule: VisitRule, today: dt.date) -> Q:
    """The elders a rule catches, as one condition on ``Elder`` (the preview counts with it too)."""
    condition = Q()
    if rule.region_id:
        condition &= Q(community__code__startswith=prefix_of(rule.region_id))
    if rule.arrangements:
        condition &= Q(living_arrangement__in=rule.arrangements)
    if rule.categories:
        condition &= Q(pk__in=ElderCategory.objects.filter(code__in=rule.categories).values("elder_id"))
    if rule.min_age is not None:
        condition &= Q(birth_date__lte=born_by(today, rule.min_age))
    if rule.min_ability_level is not None:
        condition &= Q(ability_level__gte=rule.min_ability_level)
    return condition


def active_rules() -> list[VisitRule]:
    return list(VisitRule.objects.filter(active=True))


def raise_tier(tier: str) -> str:
    index = TIER_ORDER.index(Tier(tier))
    return TIER_ORDER[max(0, index - 1)] if tier != Tier.NONE else Tier.LOW


def _alarm_counts(elder_ids: list[int], today: dt.date) -> dict[int, Counter]:
    since = timezone.now() - dt.timedelta(days=incident_days())
    counts: dict[int, Counter] = {}
    kinds = [*RISK_INCIDENTS, IncidentKind.MISSED_CHECKIN]
    for start in range(0, len(elder_ids), 500):
        rows = Incident.objects.filter(
            elder_id__in=elder_ids[start : start + 500], opened_at__gte=since, kind__in=kinds
        ).values_list("elder_id", "kind")
        for elder_id, kind in rows:
            key = "missed" if kind == IncidentKind.MISSED_CHECKIN else "alarm"
            counts.setdefault(elder_id, Counter())[key] += 1
    return counts


def _rule_reason(rule: VisitRule) -> str:
    return _("%(rule)s: %(kind)s every %(days)s days") % {
        "rule": rule.name,
        "kind": VisitKind(rule.kind).label,
        "days": rule.interval_days,
    }


def risks_of(elders: QuerySet[Elder], *, today: dt.date | None = None, rules=None) -> dict[int, Risk]:
    """Every active elder of ``elders`` caught by a rule or with recent alarms, with their tier, the
    reasons and the plan; an elder missing from the answer has no regular visits."""
    today = today or timezone.localdate()
    rules = active_rules() if rules is None else rules
    active = elders.filter(status=Status.ACTIVE)
    caught: dict[int, list[VisitRule]] = {}
    for rule in rules:
        for elder_id in active.filter(rule_condition(rule, today)).values_list("pk", flat=True):
            caught.setdefault(elder_id, []).append(rule)
    alarms = _alarm_counts(list(active.values_list("pk", flat=True)), today)
    risks: dict[int, Risk] = {}
    for elder_id in caught.keys() | alarms.keys():
        risks[elder_id] = _risk(caught.get(elder_id, []), alarms.get(elder_id, Counter()))
    return risks


def _risk(rules: list[VisitRule], alarms: Counter) -> Risk:
    tier = min((Tier(rule.tier) for rule in rules), key=TIER_ORDER.index, default=Tier.NONE)
    risk = Risk(tier=tier, rules=rules, reasons=[_rule_reason(rule) for rule in rules])
    if not rules:
        risk.reasons.append(_("No visit rule catches this elder."))
    for rule in rules:
        planned = risk.plan.get(rule.kind)
        if planned is None or rule.interval_days < planned.interval_days:
            risk.plan[rule.kind] = Planned(rule.kind, rule.interval_days, rule)
    home, phone = risk.plan.get(VisitKind.HOME), risk.plan.get(VisitKind.PHONE)
    if home and phone and home.interval_days <= phone.interval_days:
        del risk.plan[VisitKind.PHONE]  # someone is at the door at least as often as the phone would ring
    if alarms["alarm"] or alarms["missed"]:
        risk.tier = raise_tier(risk.tier)
        days = incident_days()
        if alarms["alarm"]:
            risk.reasons.append(
                ngettext(
                    "%(n)s alarm in the last %(days)s days: one tier higher",
                    "%(n)s alarms in the last %(days)s days: one tier higher",
                    alarms["alarm"],
                )
                % {"n": alarms["alarm"], "days": days}
            )
        if alarms["missed"]:
            risk.reasons.append(
                ngettext(
                    "%(n)s missed daily check-in in the last %(days)s days: one tier higher",
                    "%(n)s missed daily check-ins in the last %(days)s days: one tier higher",
                    alarms["missed"],
                )
                % {"n": alarms["missed"], "days": days}
            )
    return risk


def risk_of(elder: Elder, *, today: dt.date | None = None) -> Risk:
    """One elder's tier, reasons and plan (the elder is already in the caller's scope)."""
    found = risks_of(Elder.objects.filter(pk=elder.pk), today=today).get(elder.pk)
    if found is None:
        return Risk(tier=Tier.NONE, reasons=[_("No visit rule catches this elder.")])
    return found
