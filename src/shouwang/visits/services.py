"""Every write of regular visits: completing a visit with its findings, the follow-ups a finding leads
to (a service order, an incident for the operator, a care-plan review), and the rules. Each takes the
actor, runs in one transaction and leaves an audit record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, require_state
from shouwang.core.geo import distance_m
from shouwang.core.text import within_limit
from shouwang.elders.models import Category, LivingArrangement
from shouwang.regions.models import Region

from .models import Finding, Outcome, TaskState, Tier, VisitKind, VisitRule, VisitTask
from .permissions import may_complete_visit, may_edit_rules, may_follow_up, may_keep_rule
from .selectors import NOT_FOUND, tasks_for

NOTES_LENGTH = 2000
# An incident step's note holds what the visitor wrote for the operator.
INCIDENT_NOTE_LENGTH = 300


def _locked(actor, task_id: int) -> VisitTask:
    require_actor(actor)
    try:
        return tasks_for(actor).select_for_update(of=("self",)).get(pk=task_id)
    except (VisitTask.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(NOT_FOUND)) from None


def _coordinate(value: Any, low: float, high: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def complete_visit(
    *,
    actor,
    task_id: int,
    outcome: str,
    findings: list[str] | None = None,
    notes: str = "",
    lat: Any = None,
    lon: Any = None,
) -> VisitTask:
    """Record a visit as done: whether the elder was reached, the findings ticked and the notes. A home
    visit needs the visitor's position on arrival; its distance from the home is kept (a visit farther
    than ``SHOUWANG_VISIT_RADIUS_M`` shows as such)."""
    findings = list(dict.fromkeys(findings or []))
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Say whether the elder was reached.")
    if unknown := [code for code in findings if code not in Finding.values]:
        errors["findings"] = _("Unknown findings: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}
    try:
        notes = within_limit(notes, NOTES_LENGTH, field="notes", label=_("The notes"))
    except ValidationFailed as failure:
        errors.update(failure.errors)
    position = (_coordinate(lat, -90, 90), _coordinate(lon, -180, 180))
    with transaction.atomic():
        task = _locked(actor, task_id)
        if not may_complete_visit(actor, task):
            raise Forbidden(_("Your role does not make visits."))
        require_state(task, [TaskState.OPEN], _("This visit is already %(state)s."))
        if task.kind == VisitKind.HOME and None in position:
            errors["position"] = _(
                "A home visit needs your position on arrival: allow the browser to use your location."
            )
        if errors:
            raise ValidationFailed(next(iter(errors.values())), errors=errors)
        elder = task.elder
        task.state, task.outcome, task.findings, task.notes = TaskState.DONE, outcome, findings, notes
        task.done_at, task.done_by = timezone.now(), as_user(actor)
        lat, lon = position
        if lat is not None and lon is not None:
            task.lat, task.lon = lat, lon
            if elder.lat is not None and elder.lon is not None:
                task.distance_m = round(distance_m(lat, lon, elder.lat, elder.lon))
        task.save()
        audit.record(
            actor=actor,
            action="visits.completed",
            obj=task,
            after={"outcome": outcome, "findings": findings, "distance_m": task.distance_m},
            region_code=task.community_id,
        )
    return task


def is_far(task: VisitTask) -> bool:
    return task.distance_m is not None and task.distance_m > settings.SHOUWANG_VISIT_RADIUS_M


def _done_for_follow_up(actor, task_id: int) -> VisitTask:
    task = _locked(actor, task_id)
    if not may_follow_up(actor, task):
        raise Forbidden(_("Your role does not make visits."))
    require_state(task, [TaskState.DONE], _("Record the visit first; it is %(state)s."))
    return task


def _finding_words(task: VisitTask) -> str:
    words = "、".join(str(Finding(code).label) for code in task.findings if code in Finding.values)
    return _("Found on the visit of %(day)s: %(findings)s") % {
        "day": timezone.localdate(task.done_at).isoformat() if task.done_at else "",
        "findings": words or _("see the notes"),
    }


def follow_up_order(*, actor, task_id: int, items: list[dict], note: str = "", day: dt.date | None = None):
    """Place a service order for the visited elder (the elder comes from the visit, nobody retypes
    them): the items ticked, in the morning of ``day`` (tomorrow by default). One order per visit."""
    from shouwang.orders.models import OrderSource
    from shouwang.orders.services import create_order

    day = day or timezone.localdate() + dt.timedelta(days=1)
    with transaction.atomic():
        task = _done_for_follow_up(actor, task_id)
        if task.order_id:
            raise Conflict(_("An order was already placed from this visit."), code="already_followed_up")
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        order = create_order(
            actor=actor,
            elder_id=task.elder_id,
            items=items,
            window_start=start,
            window_end=start + dt.timedelta(hours=2),
            source=OrderSource.COMMUNITY,
            note=note or _finding_words(task),
        )
        task.order = order
        task.save(update_fields=["order", "updated_at"])
        audit.record(
            actor=actor,
            action="visits.follow_up.order",
            obj=task,
            after={"order": order.pk},
            region_code=task.community_id,
        )
    return order


def follow_up_incident(*, actor, task_id: int, note: str = ""):
    """Open a welfare incident for the call-centre operator about the visited elder, with the findings
    and the visitor's note. One incident per visit."""
    from shouwang.alarms.incidents import open_incident
    from shouwang.alarms.models import IncidentKind, Priority

    with transaction.atomic():
        task = _done_for_follow_up(actor, task_id)
        if task.incident_id:
            raise Conflict(_("An incident was already opened from this visit."), code="already_followed_up")
        text = " ".join(part for part in (_finding_words(task), (note or "").strip()) if part)
        text = within_limit(text, INCIDENT_NOTE_LENGTH, field="note", label=_("The note for the operator"))
        incident = open_incident(
            elder=task.elder,
            device=None,
            kind=IncidentKind.VISIT_FINDING,
            priority=Priority.WELFARE,
            note=text,
        )
        task.incident = incident
        task.save(update_fields=["incident", "updated_at"])
        audit.record(
            actor=actor,
            action="visits.follow_up.incident",
            obj=task,
            after={"incident": incident.pk},
            region_code=task.community_id,
        )
    return incident


def follow_up_review(*, actor, task_id: int, assessor_id: int | None):
    """Ask for a re-assessment on a change of condition (即时评估), the start of a care-plan review, for
    the visited elder, carried out by the assessor chosen. One per visit."""
    from shouwang.assessments.models import Reason
    from shouwang.assessments.services import start_assessment

    with transaction.atomic():
        task = _done_for_follow_up(actor, task_id)
        if task.care_plan_review_id:
            raise Conflict(_("A review was already asked for from this visit."), code="already_followed_up")
        assessment = start_assessment(
            actor=actor, elder_id=task.elder_id, reason=Reason.CHANGE, assessor_id=assessor_id
        )
        task.care_plan_review = assessment
        task.save(update_fields=["care_plan_review", "updated_at"])
        audit.record(
            actor=actor,
            action="visits.follow_up.review",
            obj=task,
            after={"assessment": assessment.pk},
            region_code=task.community_id,
        )
    return assessment


# --- rules --------------------------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "position",
    "active",
    "arrangements",
    "categories",
    "min_age",
    "min_ability_level",
    "tier",
    "kind",
    "interval_days",
    "region_id",
)


def _whole(value: Any, low: int, high: int, field: str, label: str, errors: dict, *, optional: bool):
    if value in (None, ""):
        if not optional:
            errors[field] = _("%(label)s is required.") % {"label": label}
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors[field] = _("%(label)s is a whole number from %(low)s to %(high)s.") % {
            "label": label,
            "low": low,
            "high": high,
        }
        return None
    return number


def checked_rule(values: dict) -> VisitRule:
    """An unsaved rule from form or API values, or a ValidationFailed naming every wrong field (the
    preview uses it too, so a rule is counted exactly as it would be saved)."""
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = _("Give the rule a name.")
    else:
        try:
            name = within_limit(name, 80, field="name", label=_("The name"))
        except ValidationFailed as failure:
            errors.update(failure.errors)
    arrangements = list(dict.fromkeys(values.get("arrangements") or []))
    if [a for a in arrangements if a not in LivingArrangement.values]:
        errors["arrangements"] = _("Unknown living arrangement.")
    categories = list(dict.fromkeys(values.get("categories") or []))
    if [c for c in categories if c not in Category.values]:
        errors["categories"] = _("Unknown category.")
    tier = values.get("tier")
    if tier not in Tier.values or tier == Tier.NONE:
        errors["tier"] = _("Choose the risk tier.")
    kind = values.get("kind")
    if kind not in VisitKind.values:
        errors["kind"] = _("Choose a phone call or a home visit.")
    region = values.get("region") or None
    if region is not None and not Region.objects.filter(code=region).exists():
        errors["region"] = _("Choose a region of your area.")
    rule = VisitRule(
        region_id=region,
        name=name,
        position=_whole(values.get("position"), 0, 999, "position", _("The position"), errors, optional=True)
        or 0,
        active=bool(values.get("active", True)),
        arrangements=arrangements,
        categories=categories,
        min_age=_whole(values.get("min_age"), 0, 130, "min_age", _("The minimum age"), errors, optional=True),
        min_ability_level=_whole(
            values.get("min_ability_level"),
            0,
            4,
            "min_ability_level",
            _("The ability level"),
            errors,
            optional=True,
        ),
        tier=tier or "",
        kind=kind or "",
        interval_days=_whole(
            values.get("interval_days"), 1, 730, "interval_days", _("The interval"), errors, optional=False
        )
        or 1,
    )
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return rule


def _rule_record(rule: VisitRule) -> dict:
    return {field: getattr(rule, field) for field in RULE_FIELDS}


def _refuse_rule_region(actor, region_id: str | None) -> None:
    if not may_keep_rule(actor, region_id):
        message = (
            _("Only the platform admin keeps the rules that apply everywhere; choose a region of your area.")
            if region_id is None
            else _("Choose a region of your area.")
        )
        raise ValidationFailed(message, errors={"region": message})


def _locked_rule(actor, rule_id: int) -> VisitRule:
    """A rule the actor may keep, locked; one outside their regions is as missing as one that never was."""
    from .selectors import rules_for

    try:
        rule = rules_for(actor).select_for_update(of=("self",)).get(pk=rule_id)
    except (VisitRule.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("This visit rule does not exist.")) from None
    if not may_keep_rule(actor, rule.region_id):
        raise NotFound(_("This visit rule does not exist."))
    return rule


def save_rule(*, actor, values: dict, rule_id: int | None = None) -> VisitRule:
    """Create a rule, or change one (``rule_id``); the next generation applies it (open tasks the
    changed plan no longer asks for are cancelled then). An official keeps the rules of the regions they
    cover (before and after the change); the platform admin also the platform defaults."""
    require_actor(actor)
    if not may_edit_rules(actor):
        raise Forbidden(_("Only the bureau edits the visit rules."))
    checked = checked_rule(values)
    with transaction.atomic():
        if rule_id is None:
            _refuse_rule_region(actor, checked.region_id)
            checked.save()
            audit.record(
                actor=actor, action="visits.rule.create", obj=checked, after=_rule_record(checked),
                region_code=checked.region_id or "",
            )  # fmt: skip
            return checked
        rule = _locked_rule(actor, rule_id)
        _refuse_rule_region(actor, checked.region_id)
        before = _rule_record(rule)
        for field in RULE_FIELDS:
            setattr(rule, field, getattr(checked, field))
        rule.save()
        audit.record(
            actor=actor, action="visits.rule.update", obj=rule, before=before, after=_rule_record(rule),
            region_code=rule.region_id or "",
        )  # fmt: skip
    return rule


def retire_rule(*, actor, rule_id: int) -> VisitRule:
    """Retire a rule: it catches nobody from the next generation on (the open tasks it alone asked for
    are cancelled then); it stays, with the tasks it made, and can be made active again by saving it."""
    require_actor(actor)
    if not may_edit_rules(actor):
        raise Forbidden(_("Only the bureau edits the visit rules."))
    with transaction.atomic():
        rule = _locked_rule(actor, rule_id)
        if not rule.active:
            raise Conflict(_("This visit rule is already retired."), code="already_retired")
        rule.active = False
        rule.save(update_fields=["active", "updated_at"])
        audit.record(
            actor=actor, action="visits.rule.retire", obj=rule, before={"active": True},
            after={"active": False}, region_code=rule.region_id or "",
        )  # fmt: skip
    return rule
