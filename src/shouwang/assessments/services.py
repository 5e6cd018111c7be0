"""The assessment workflow: draft → submitted → approved (or returned with a reason, then corrected); a
draft nobody will finish is discarded.

Two assessors fill in a draft together; submitting scores it (``scoring``) and freezes the result with the
form; a reviewer who is neither assessor approves it, which sets the elder's current level and 失能 flag
(``elders.services.set_ability``). Older results stay in the history. A dispute opens a 复评 draft.

Every draft has its first assessor from the start (a worker or official who starts one names the assessor),
so it never waits for someone who cannot open it. Every step locks the form's row and moves its state
through ``MOVES``, so a save racing a submit cannot put a submitted form back to draft.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.core import audit
from shouwang.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from shouwang.core.roles import Role
from shouwang.core.text import is_digits, listed, within_limit
from shouwang.elders.models import LivingArrangement
from shouwang.elders.selectors import get_elder_for
from shouwang.elders.services import assign_elder, set_ability

from . import scoring
from .models import Assessment, Reason, State
from .permissions import (
    is_assessor,
    is_assessor_of,
    may_edit_assessment,
    may_organise_assessments,
    may_review_assessment,
    may_start_assessment,
)
from .selectors import get_assessment_for

RISK_EVENTS = ("fall", "choking", "self_harm", "wandering")
SPECIAL_CARE = ("tube_feeding", "catheter", "stoma", "dialysis", "oxygen", "tracheostomy", "pressure_sore")
EDITABLE = (
    "reason", "assessed_on", "assessor_2", "informant_name", "informant_relation", "living_arrangement",
    "diagnoses", "special_care", "risk_events", "coma", "items", "note",
)  # fmt: skip


# The moves of the workflow: which state each state may become.
MOVES: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.DRAFT, State.SUBMITTED, State.DISCARDED}),
    State.RETURNED: frozenset({State.RETURNED, State.SUBMITTED}),
    State.SUBMITTED: frozenset({State.APPROVED, State.RETURNED}),
    State.APPROVED: frozenset(),
    State.DISCARDED: frozenset(),
}
EDITABLE_STATES = (State.DRAFT, State.RETURNED)


def _refuse_unless(condition: bool, message: str) -> None:
    if not condition:
        raise Forbidden(message)


def _locked(actor, assessment_id: int) -> Assessment:
    """The form, in the actor's scope, with its row locked for the rest of the caller's transaction; its
    state is read after the lock, so no other step can change it underneath."""
    get_assessment_for(actor, assessment_id)  # NotFound for a form outside the actor's scope
    return Assessment.objects.select_for_update().select_related("elder").get(pk=assessment_id)


def _check_move(assessment: Assessment, to_state: str) -> None:
    """Refuse with 409 a move the table does not allow from the form's (locked) state."""
    if to_state not in MOVES[assessment.state]:
        raise _illegal(assessment)


def _illegal(assessment: Assessment) -> Conflict:
    return Conflict(
        _("This assessment is %(state)s; that cannot be done now.")
        % {"state": assessment.get_state_display()},
        code="illegal_transition",
    )


def _move(assessment: Assessment, to_state: str, *, actor, action: str, fields: dict, after: dict) -> None:
    """Set ``fields`` and move the locked form to ``to_state`` (or refuse with 409), saving only what
    changed, with one audit record."""
    _check_move(assessment, to_state)
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.state = to_state
    assessment.save(update_fields=[*fields, "state", "updated_at"])
    audit.record(
        actor=actor, action=action, obj=assessment, after=after, region_code=assessment.elder.community_id
    )


def start_assessment(
    *,
    actor,
    elder_id: int,
    reason: str = Reason.FIRST,
    assessed_on: dt.date | None = None,
    disputed_id=None,
    assessor_id: int | None = None,
) -> Assessment:
    """Open a draft for an elder in the actor's scope. An assessor who starts it is its first assessor;
    anyone else names the assessor (``assessor_id``), who is assigned the elder and finds the form in
    their list. A 复评 after a dispute may start without one and be given one later."""
    elder = get_elder_for(actor, elder_id)
    _refuse_unless(may_start_assessment(actor), _("Your role may not start assessments."))
    if reason not in Reason.values:
        raise ValidationFailed(
            _("Unknown assessment reason."), errors={"reason": _("Unknown assessment reason.")}
        )
    with transaction.atomic():
        if is_assessor(actor):
            assessor = actor
        elif assessor_id:
            assessor = _assigned_assessor(actor, elder.pk, assessor_id)
        elif reason == Reason.DISPUTE:
            assessor = None
        else:
            message = _("Choose the assessor who will carry out this assessment.")
            raise ValidationFailed(message, errors={"assessor": message})
        assessment = Assessment.objects.create(
            elder=elder,
            reason=reason,
            assessed_on=assessed_on or timezone.localdate(),
            assessor_1=assessor,
            living_arrangement=elder.living_arrangement,
            disputed_id=disputed_id,
        )
        audit.record(
            actor=actor,
            action="assessments.start",
            obj=assessment,
            after={"elder": elder.pk, "reason": reason, "assessor": assessor.username if assessor else ""},
            region_code=elder.community_id,
        )
    return assessment


def _assigned_assessor(actor, elder_id: int, assessor_id: int) -> User:
    """The assessor, given the elder (so the elder lies in their scope); refused if not an active assessor
    of the elder's area."""
    assign_elder(actor=actor, elder_id=elder_id, user_id=assessor_id, kind=Role.ASSESSOR)
    return User.objects.get(pk=assessor_id)


def assign_assessor(*, actor, elder_id: int, assessor_id: int) -> None:
    """A community worker or official gives an elder to an assessor, who then sees that elder."""
    assign_elder(actor=actor, elder_id=elder_id, user_id=assessor_id, kind=Role.ASSESSOR)


def assign_draft(*, actor, assessment_id: int, assessor_id: int) -> Assessment:
    """Give a draft (a 复评, or one whose assessor has left) its first assessor."""
    _refuse_unless(may_organise_assessments(actor), _("Your role may not assign assessors."))
    with transaction.atomic():
        assessment = _locked(actor, assessment_id)
        _check_move(assessment, assessment.state)
        assessor = _assigned_assessor(actor, assessment.elder_id, assessor_id)
        if assessor.pk == assessment.assessor_2_id:
            message = _("The two assessors must be different people.")
            raise ValidationFailed(message, errors={"assessor": message})
        _move(
            assessment,
            assessment.state,
            actor=actor,
            action="assessments.assign",
            fields={"assessor_1": assessor},
            after={"assessor": assessor.get_username()},
        )
    return assessment


def discard_draft(*, actor, assessment_id: int, reason: str) -> Assessment:
    """Set aside a draft that will not be finished (started by mistake, the elder refused); the elder is
    due again and the draft stays in the history with the reason."""
    reason = within_limit(reason, 300, field="reason", label=_("The reason"))
    if not reason:
        message = _("Say why the draft is discarded.")
        raise ValidationFailed(message, errors={"reason": message})
    with transaction.atomic():
        assessment = _locked(actor, assessment_id)
        _check_move(assessment, State.DISCARDED)
        _refuse_unless(
            may_organise_assessments(actor) or is_assessor_of(actor, assessment),
            _("Only the form's assessor, a community worker or an official may discard it."),
        )
        _move(
            assessment,
            State.DISCARDED,
            actor=actor,
            action="assessments.discard",
            fields={"discard_reason": reason},
            after={"reason": reason},
        )
    return assessment


def save_draft(*, actor, assessment_id: int, data: dict, facts_complete: bool = False) -> Assessment:
    """Save what the assessors have filled in so far; only the keys given change. Scores are checked
    against their ranges now, so a wrong value is caught at the step that entered it. With
    ``facts_complete`` (the form's first step) the second assessor and the informant must be named too:
    a visit without them cannot lead to a valid result."""
    with transaction.atomic():
        assessment = _locked(actor, assessment_id)
        _check_move(assessment, assessment.state)  # only a draft or a returned form is edited
        _refuse_unless(may_edit_assessment(actor, assessment), _("You are not an assessor of this form."))
        changes = _clean(actor, assessment, {key: data[key] for key in EDITABLE if key in data})
        if assessment.assessor_1_id is None and is_assessor(actor):  # a 复评 without one: it is theirs
            changes["assessor_1"] = actor
        if facts_complete:
            _require_facts({**_current(assessment), **changes})
        before = audit.snapshot(assessment, list(changes))
        for key, value in changes.items():
            setattr(assessment, key, value)
        assessment.save(update_fields=[*changes, "updated_at"])
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


def _current(assessment: Assessment) -> dict:
    return {"assessor_2": assessment.assessor_2, "informant_name": assessment.informant_name}


def _require_facts(facts: dict) -> None:
    problems = {}
    if not facts.get("assessor_2"):
        problems["assessor_2"] = _("Two assessors must take part: choose the second assessor.")
    if not (facts.get("informant_name") or "").strip():
        problems["informant_name"] = _("Record who gave the information.")
    if problems:
        raise ValidationFailed("；".join(problems.values()), errors=problems)


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
    with transaction.atomic():
        assessment = _locked(actor, assessment_id)
        _check_move(assessment, State.SUBMITTED)
        _refuse_unless(is_assessor_of(actor, assessment), _("Only an assessor of this form may submit it."))
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
        if problems or result is None:
            raise ValidationFailed(
                _("The form is not complete: %(what)s") % {"what": "；".join(problems.values())},
                errors=problems,
            )
        _move(
            assessment,
            State.SUBMITTED,
            actor=actor,
            action="assessments.submit",
            fields={
                "dimension_scores": result.dimension_scores,
                "total": result.total,
                "initial_level": result.initial_level,
                "final_level": result.final_level,
                "adjustments": [
                    {"code": a.code, "description": a.description, "description_en": a.description_en}
                    for a in result.adjustments
                ],
                "cumulative_adjustments": settings.SHOUWANG_ASSESSMENT_CUMULATIVE_ADJUSTMENTS,
                "submitted_at": timezone.now(),
            },
            after={"total": result.total, "level": result.final_level},
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
    with transaction.atomic():
        assessment = _locked(actor, assessment_id)
        _check_move(assessment, State.APPROVED)
        _refuse_unless(
            not is_assessor_of(actor, assessment), _("An assessor may not approve their own assessment.")
        )
        _refuse_unless(
            may_review_assessment(actor, assessment),
            _("Only a civil-affairs official may approve assessments."),
        )
        valid_until = add_months(assessment.assessed_on, settings.SHOUWANG_ASSESSMENT_VALID_MONTHS)
        _move(
            assessment,
            State.APPROVED,
            actor=actor,
            action="assessments.approve",
            fields={"reviewed_by": actor, "reviewed_at": timezone.now(), "valid_until": valid_until},
            after={"level": assessment.final_level, "valid_until": valid_until},
        )
        set_ability(
            actor=actor,
            elder_id=assessment.elder_id,
            level=assessment.final_level,
            standard=assessment.standard,
            assessed_on=assessment.assessed_on,
            valid_until=assessment.valid_until,
        )
    return assessment


def return_for_correction(*, actor, assessment_id: int, reason: str) -> Assessment:
    reason = within_limit(reason, 300, field="reason", label=_("The reason"))
    if not reason:
        raise ValidationFailed(
            _("Say what must be corrected."), errors={"reason": _("Say what must be corrected.")}
        )
    with transaction.atomic():
        assessment = _locked(actor, assessment_id)
        _check_move(assessment, State.RETURNED)
        _refuse_unless(
            may_review_assessment(actor, assessment),
            _("Only a civil-affairs official may return assessments."),
        )
        _move(
            assessment,
            State.RETURNED,
            actor=actor,
            action="assessments.return",
            fields={
                "return_reason": reason,
                "reviewed_by": actor,
                "reviewed_at": timezone.now(),
            },
            after={"reason": reason},
        )
    return assessment


def dispute(*, actor, assessment_id: int, reason: str) -> Assessment:
    """The elder or family disputes an approved result: a 复评 draft is opened, linked to it."""
    reason = within_limit(reason, 300, field="reason", label=_("The reason"))
    if not reason:
        raise ValidationFailed(_("Say what is disputed."), errors={"reason": _("Say what is disputed.")})
    with transaction.atomic():
        assessment = _locked(actor, assessment_id)
        if assessment.state != State.APPROVED:
            raise _illegal(assessment)
        again = start_assessment(
            actor=actor, elder_id=assessment.elder_id, reason=Reason.DISPUTE, disputed_id=assessment.pk
        )
        again.note = reason
        again.save(update_fields=["note", "updated_at"])
    return again


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
