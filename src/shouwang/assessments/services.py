"""The assessment workflow: draft → submitted → approved (or returned with a reason, then corrected).

Two assessors fill in a draft together; submitting scores it (``scoring``) and freezes the result with the
form; a reviewer who is neither assessor approves it, which sets the elder's current level and 失能 flag
(``elders.services.set_ability``). Older results stay in the history. A dispute opens a 复评 draft.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.models import Role, User
from shouwang.core import audit
from shouwang.core.errors import DomainError, Forbidden, ValidationFailed, require_state
from shouwang.core.text import is_digits, listed
from shouwang.elders.models import LivingArrangement
from shouwang.elders.selectors import get_elder_for
from shouwang.elders.services import assign_elder, set_ability

from . import scoring
from .models import Assessment, Reason, State
from .selectors import get_assessment_for

ASSESSOR_ROLES = frozenset({Role.ASSESSOR})
REVIEWER_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL})
RISK_EVENTS = ("fall", "choking", "self_harm", "wandering")
SPECIAL_CARE = ("tube_feeding", "catheter", "stoma", "dialysis", "oxygen", "tracheostomy", "pressure_sore")
EDITABLE = (
    "reason", "assessed_on", "assessor_2", "informant_name", "informant_relation", "living_arrangement",
    "diagnoses", "special_care", "risk_events", "coma", "items", "note",
)  # fmt: skip


def _refuse_unless(condition: bool, message: str) -> None:
    if not condition:
        raise Forbidden(message)


def _require_state(assessment: Assessment, *states: str) -> None:
    require_state(assessment, states, _("This assessment is %(state)s; that cannot be done now."))


def start_assessment(
    *, actor, elder_id: int, reason: str = Reason.FIRST, assessed_on: dt.date | None = None, disputed_id=None
) -> Assessment:
    """Open a draft for an elder in the actor's scope. An assessor becomes the first assessor."""
    elder = get_elder_for(actor, elder_id)
    _refuse_unless(
        actor.effective_role in ASSESSOR_ROLES | REVIEWER_ROLES | {Role.COMMUNITY_WORKER},
        _("Your role may not start assessments."),
    )
    if reason not in Reason.values:
        raise ValidationFailed(
            _("Unknown assessment reason."), errors={"reason": _("Unknown assessment reason.")}
        )
    with transaction.atomic():
        assessment = Assessment.objects.create(
            elder=elder,
            reason=reason,
            assessed_on=assessed_on or timezone.localdate(),
            assessor_1=actor if actor.effective_role in ASSESSOR_ROLES else None,
            living_arrangement=elder.living_arrangement,
            disputed_id=disputed_id,
        )
        audit.record(
            actor=actor,
            action="assessments.start",
            obj=assessment,
            after={"elder": elder.pk, "reason": reason},
            region_code=elder.community_id,
        )
    return assessment


def assign_assessor(*, actor, elder_id: int, assessor_id: int) -> None:
    """A community worker or official gives an elder to an assessor, who then sees that elder."""
    assign_elder(actor=actor, elder_id=elder_id, user_id=assessor_id, kind=Role.ASSESSOR)


def save_draft(*, actor, assessment_id: int, data: dict) -> Assessment:
    """Save what the assessors have filled in so far; only the keys given change. Scores are checked
    against their ranges now, so a wrong value is caught at the step that entered it."""
    assessment = get_assessment_for(actor, assessment_id)
    _require_state(assessment, State.DRAFT, State.RETURNED)
    _refuse_unless(
        _is_assessor(actor, assessment) or actor.effective_role in REVIEWER_ROLES,
        _("You are not an assessor of this form."),
    )
    changes = _clean(actor, assessment, {key: data[key] for key in EDITABLE if key in data})
    before = audit.snapshot(assessment, list(changes))
    for key, value in changes.items():
        setattr(assessment, key, value)
    if assessment.assessor_1_id is None and actor.effective_role in ASSESSOR_ROLES:
        assessment.assessor_1 = actor
    with transaction.atomic():
        assessment.save()
        old, new = audit.changed(before, audit.snapshot(assessment, list(changes)))
        if new:
            audit.record(
                actor=actor,
                action="assessments.save",
                obj=assessment,
                before=old,
                after=new,
                region_code=assessment.elder.community_id,
            )
    return assessment


def _is_assessor(user, assessment: Assessment) -> bool:
    return user.pk in (assessment.assessor_1_id, assessment.assessor_2_id) or (
        user.effective_role in ASSESSOR_ROLES and assessment.assessor_1_id is None
    )


def _clean(actor, assessment: Assessment, data: dict) -> dict:
    errors: dict[str, str] = {}
    cleaned = dict(data)
    if "items" in data:
        cleaned["items"] = {**assessment.items, **_checked_items(data["items"] or {}, errors)}
    if "risk_events" in data:
        cleaned["risk_events"] = _risk_events(data["risk_events"] or {}, errors)
    if "special_care" in data:
        unknown = [need for need in data["special_care"] or [] if need not in SPECIAL_CARE]
        if unknown:
            errors["special_care"] = _("Unknown special care: %(names)s.") % {"names": listed(unknown)}
    if "diagnoses" in data:
        cleaned["diagnoses"] = [
            {"code": str(d.get("code", "")).strip().upper(), "name": str(d.get("name", "")).strip()[:60]}
            for d in data["diagnoses"] or []
            if str(d.get("code", "")).strip() or str(d.get("name", "")).strip()
        ]
    if data.get("living_arrangement") and data["living_arrangement"] not in LivingArrangement.values:
        errors["living_arrangement"] = _("Unknown living arrangement.")
    if "reason" in data and data["reason"] not in Reason.values:
        errors["reason"] = _("Unknown assessment reason.")
    if "assessor_2" in data:
        cleaned["assessor_2"] = _second_assessor(actor, assessment, data["assessor_2"], errors)
    if isinstance(data.get("assessed_on"), dt.date) and data["assessed_on"] > timezone.localdate():
        errors["assessed_on"] = _("The assessment date cannot be in the future.")
    if errors:
        raise ValidationFailed(
            next(iter(errors.values())) if len(errors) == 1 else _("Please correct the marked fields."),
            errors=errors,
        )
    return cleaned


def _checked_items(items: dict, errors: dict) -> dict[str, int]:
    """The scores given, each within its item's range; unknown keys and bad values are named."""
    checked = {}
    for key, value in items.items():
        item = scoring.ITEMS_BY_KEY.get(key)
        if item is None:
            errors[f"items.{key}"] = _("Unknown item %(key)s.") % {"key": key}
        elif value is None or value == "":
            continue
        elif (
            isinstance(value, bool)
            or not is_digits(str(value).lstrip("-"))
            or not 0 <= int(value) <= item.max
        ):
            errors[f"items.{key}"] = _("%(item)s takes a score from 0 to %(max)d.") % {
                "item": item.label,
                "max": item.max,
            }
        else:
            checked[key] = int(value)
    return checked


def _risk_events(events: dict, errors: dict) -> dict[str, int]:
    counts = {}
    for key, value in events.items():
        if key not in RISK_EVENTS or not is_digits(str(value)):
            errors[f"risk_events.{key}"] = _(
                "Risk events are counted as whole numbers of falls, choking, self-harm and wandering."
            )
        else:
            counts[key] = int(value)
    return counts


def _second_assessor(actor, assessment: Assessment, user_id, errors: dict):
    """Any active assessor of the platform may be the second one (teams are formed per visit)."""
    if not user_id:
        return None
    user = User.objects.filter(pk=user_id, role=Role.ASSESSOR, is_active=True).first()
    if user is None:
        errors["assessor_2"] = _("The second assessor must be an active assessor.")
    elif user.pk == assessment.assessor_1_id:
        errors["assessor_2"] = _("The two assessors must be different people.")
    return user


def submit(*, actor, assessment_id: int) -> Assessment:
    """Score a complete form and send it for review. Every item, two assessors and an informant are needed."""
    assessment = get_assessment_for(actor, assessment_id)
    _require_state(assessment, State.DRAFT, State.RETURNED)
    _refuse_unless(_is_assessor(actor, assessment), _("Only an assessor of this form may submit it."))
    problems = {}
    if assessment.assessor_1_id is None or assessment.assessor_2_id is None:
        problems["assessor_2"] = _("Two assessors must take part.")
    if not assessment.informant_name:
        problems["informant_name"] = _("Record who gave the information.")
    try:
        result = _score(assessment)
    except DomainError as error:
        problems.update(getattr(error, "errors", {}) or {"items": error.message})
        result = None
    if problems:
        raise ValidationFailed(
            _("The form is not complete: %(what)s") % {"what": "；".join(problems.values())}, errors=problems
        )
    assessment.dimension_scores = result.dimension_scores
    assessment.total, assessment.initial_level, assessment.final_level = (
        result.total,
        result.initial_level,
        result.final_level,
    )
    assessment.adjustments = [
        {"code": a.code, "description": a.description, "description_en": a.description_en}
        for a in result.adjustments
    ]
    assessment.cumulative_adjustments = settings.SHOUWANG_ASSESSMENT_CUMULATIVE_ADJUSTMENTS
    assessment.state, assessment.submitted_at = State.SUBMITTED, timezone.now()
    with transaction.atomic():
        assessment.save()
        audit.record(
            actor=actor,
            action="assessments.submit",
            obj=assessment,
            after={"total": assessment.total, "level": assessment.final_level},
            region_code=assessment.elder.community_id,
        )
    return assessment


def preview(assessment: Assessment):
    """The result the form would get if submitted now, or None while items are missing (for the console)."""
    try:
        return _score(assessment)
    except DomainError:
        return None


def _score(assessment: Assessment):
    return scoring.score(
        assessment.items,
        coma=assessment.coma,
        diagnoses=[d["code"] for d in assessment.diagnoses if d.get("code")],
        risk_events_30d=assessment.risk_events,
        cumulative=settings.SHOUWANG_ASSESSMENT_CUMULATIVE_ADJUSTMENTS,
    )


def approve(*, actor, assessment_id: int) -> Assessment:
    """A reviewer accepts the result: it becomes the elder's current level until ``valid_until``."""
    assessment = get_assessment_for(actor, assessment_id)
    _require_state(assessment, State.SUBMITTED)
    _refuse_unless(
        actor.effective_role in REVIEWER_ROLES, _("Only a civil-affairs official may approve assessments.")
    )
    _refuse_unless(
        actor.pk not in (assessment.assessor_1_id, assessment.assessor_2_id),
        _("An assessor may not approve their own assessment."),
    )
    assessment.state, assessment.reviewed_by, assessment.reviewed_at = State.APPROVED, actor, timezone.now()
    assessment.valid_until = add_months(assessment.assessed_on, settings.SHOUWANG_ASSESSMENT_VALID_MONTHS)
    with transaction.atomic():
        assessment.save()
        set_ability(
            actor=actor,
            elder_id=assessment.elder_id,
            level=assessment.final_level,
            standard=assessment.standard,
            assessed_on=assessment.assessed_on,
            valid_until=assessment.valid_until,
        )
        audit.record(
            actor=actor,
            action="assessments.approve",
            obj=assessment,
            after={"level": assessment.final_level, "valid_until": assessment.valid_until},
            region_code=assessment.elder.community_id,
        )
    return assessment


def return_for_correction(*, actor, assessment_id: int, reason: str) -> Assessment:
    assessment = get_assessment_for(actor, assessment_id)
    _require_state(assessment, State.SUBMITTED)
    _refuse_unless(
        actor.effective_role in REVIEWER_ROLES, _("Only a civil-affairs official may return assessments.")
    )
    if not reason.strip():
        raise ValidationFailed(
            _("Say what must be corrected."), errors={"reason": _("Say what must be corrected.")}
        )
    assessment.state, assessment.return_reason = State.RETURNED, reason.strip()[:300]
    assessment.reviewed_by, assessment.reviewed_at = actor, timezone.now()
    with transaction.atomic():
        assessment.save()
        audit.record(
            actor=actor,
            action="assessments.return",
            obj=assessment,
            after={"reason": assessment.return_reason},
            region_code=assessment.elder.community_id,
        )
    return assessment


def dispute(*, actor, assessment_id: int, reason: str) -> Assessment:
    """The elder or family disputes an approved result: a 复评 draft is opened, linked to it."""
    assessment = get_assessment_for(actor, assessment_id)
    _require_state(assessment, State.APPROVED)
    if not reason.strip():
        raise ValidationFailed(_("Say what is disputed."), errors={"reason": _("Say what is disputed.")})
    with transaction.atomic():
        again = start_assessment(
            actor=actor, elder_id=assessment.elder_id, reason=Reason.DISPUTE, disputed_id=assessment.pk
        )
        again.note = reason.strip()[:300]
        again.save(update_fields=["note", "updated_at"])
    return again


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
