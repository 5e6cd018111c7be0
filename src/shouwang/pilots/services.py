"""Pilot programmes from application to acceptance. Each write checks who may make it (the applicant's
officials, or the level above: ``permissions``), locks the programme's row, and goes through
``states.advance`` or ``states.record_event``, which write the history and the audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.actors import as_user, is_system, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit
from shouwang.regions.models import Level, Region

from .models import Document, EventKind, Indicator, IndicatorReport, Milestone, Pilot, PilotState
from .permissions import may_apply_for_pilot, may_review_pilots
from .selectors import get_pilot_for
from .states import advance, is_applicant_move, record_event, require_move

S = PilotState
PASS_SCORE = Decimal("60")
MAX_INDICATORS = 20


def _number(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or abs(number) >= Decimal("1e10"):
        message = _("Not a number.")
        raise ValidationFailed(message, errors={field: message})
    return number


def _is_applicant(actor, pilot: Pilot) -> bool:
    return is_system(actor) or scope_of(actor).covers_region(pilot.region_id)


def _is_reviewer(actor, pilot: Pilot) -> bool:
    """The level above: an official whose regions cover the applicant's parent, never the applicant."""
    if is_system(actor):
        return True
    if pilot.applied_by_id is not None and pilot.applied_by_id == actor.pk:
        return False
    parent = pilot.region.parent_id
    return may_review_pilots(actor) and parent is not None and scope_of(actor).covers_region(parent)


def apply(*, actor, region_code: str, title: str, goals: str, indicators: list[dict],
          objection_days: int = 7) -> Pilot:  # fmt: skip
    """A street or district applies with its goals and indicators (``name``, ``unit``, ``baseline``,
    ``target`` each)."""
    require_actor(actor)
    if not (is_system(actor) or may_apply_for_pilot(actor)):
        raise Forbidden(_("Only civil-affairs officials apply for pilot programmes."))
    region = Region.objects.filter(code=region_code).first()
    if region is None or not scope_of(actor).covers_region(region.code):
        raise NotFound(_("This region does not exist or is outside your area."))
    if region.level not in (Level.COUNTY, Level.STREET):
        message = _("A pilot programme is applied for by a street or a district.")
        raise ValidationFailed(message, errors={"region": message})
    title = within_limit(title, 120, field="title", label=_("The title"))
    goals = (goals or "").strip()
    if not title or not goals:
        message = _("Give the programme a title and its goals.")
        raise ValidationFailed(message, errors={"title" if not title else "goals": message})
    if not indicators or len(indicators) > MAX_INDICATORS:
        message = _("Give between 1 and %(max)d indicators.") % {"max": MAX_INDICATORS}
        raise ValidationFailed(message, errors={"indicators": message})
    if not 1 <= objection_days <= 60:
        message = _("The objection period is 1 to 60 days.")
        raise ValidationFailed(message, errors={"objection_days": message})
    rows = []
    for item in indicators:
        name = within_limit(item.get("name"), 120, field="indicators", label=_("An indicator's name"))
        if not name:
            raise ValidationFailed(_("Every indicator needs a name."), errors={"indicators": _("Required.")})
        baseline = item.get("baseline")
        rows.append(
            Indicator(
                name=name,
                unit=within_limit(item.get("unit"), 20, field="indicators", label=_("The unit")),
                baseline=None if baseline in (None, "") else _number(baseline, "indicators"),
                target=_number(item.get("target"), "indicators"),
            )
        )
    with transaction.atomic():
        pilot = Pilot.objects.create(
            title=title, region=region, goals=goals, objection_days=objection_days, applied_by=as_user(actor)
        )
        for row in rows:
            row.pilot = pilot
        Indicator.objects.bulk_create(rows)
        record_event(pilot, EventKind.MOVE, actor=actor, from_state="", details={"indicators": len(rows)})
    return pilot


def _locked(actor, pilot_id: int) -> Pilot:
    get_pilot_for(actor, pilot_id)  # NotFound outside the actor's scope
    return Pilot.objects.select_for_update().select_related("region").get(pk=pilot_id)


def move(
    *, actor, pilot_id: int, to_state: str, reason: str = "", score=None, today: dt.date | None = None
) -> Pilot:
    """Every state change of a programme: approve for notice, reject, withdraw, start after the objection
    period, ask for acceptance, accept or fail with a score, return for rectification."""
    require_actor(actor)
    reason = within_limit(reason, 300, field="reason", label=_("The reason"))
    today = today or timezone.localdate()
    with transaction.atomic():
        pilot = _locked(actor, pilot_id)  # first: a programme outside the scope is a 404 whatever was sent
        if to_state not in S.values:
            raise ValidationFailed(_("Unknown state."), errors={"to_state": _("Unknown state.")})
        from_state = pilot.state
        require_move(pilot, to_state)  # before anything else: an illegal step is a 409 whatever was sent
        allowed = _is_applicant(actor, pilot) and may_apply_for_pilot(actor) if not is_system(actor) else True
        if not is_applicant_move(from_state, to_state):
            allowed = _is_reviewer(actor, pilot)
        if not allowed:
            raise Forbidden(_("This step is not yours to take on this programme."))
        fields: dict = {}
        details: dict = {}
        if to_state in (S.REJECTED, S.FAILED, S.WITHDRAWN) and not reason:
            message = _("Give the reason.")
            raise ValidationFailed(message, errors={"reason": message})
        if to_state == S.NOTICE and from_state == S.APPLIED:
            fields = {"notice_from": today, "notice_until": today + dt.timedelta(days=pilot.objection_days)}
            details = {"until": fields["notice_until"]}
        if (
            from_state == S.NOTICE
            and to_state == S.IMPLEMENTING
            and pilot.notice_until
            and today <= pilot.notice_until
        ):
            raise Conflict(
                _("Objections may be raised until %(day)s; the programme starts after that.")
                % {"day": pilot.notice_until},
                code="objection_period",
            )
        if to_state in (S.ACCEPTED, S.FAILED):
            fields, details = _scored(pilot, to_state, score)
        return advance(pilot, to_state, actor=actor, reason=reason, details=details, fields=fields)


def _scored(pilot: Pilot, to_state: str, score) -> tuple[dict, dict]:
    if score in (None, ""):
        message = _("Give the acceptance score.")
        raise ValidationFailed(message, errors={"score": message})
    value = _number(score, "score").quantize(Decimal("0.1"))
    if not Decimal(0) <= value <= Decimal(100):
        message = _("A score is between 0 and 100.")
        raise ValidationFailed(message, errors={"score": message})
    if (to_state == S.ACCEPTED) != (value >= PASS_SCORE):
        message = _("A programme passes acceptance with %(pass)s points or more.") % {"pass": PASS_SCORE}
        raise ValidationFailed(message, errors={"score": message})
    if to_state == S.ACCEPTED and not pilot.documents.filter(stage=S.ACCEPTANCE).exists():
        message = _("Add the acceptance documents first.")
        raise ValidationFailed(message, errors={"documents": message})
    return {"score": value}, {"score": str(value)}


def record_objection(*, actor, pilot_id: int, text: str, received_from: str = "") -> Pilot:
    """An objection received during the public notice; the reviewer then rejects or starts the programme."""
    require_actor(actor)
    text = within_limit(text, 300, field="text", label=_("The objection"))
    if not text:
        raise ValidationFailed(_("Write down the objection."), errors={"text": _("Required.")})
    with transaction.atomic():
        pilot = _locked(actor, pilot_id)
        if not _is_reviewer(actor, pilot):
            raise Forbidden(_("Objections are recorded by the reviewing level."))
        if pilot.state != S.NOTICE:
            raise Conflict(
                _("Objections are taken only during the public notice."), code="illegal_transition"
            )
        sender = within_limit(received_from, 60, field="received_from", label=_("The sender"))
        record_event(pilot, EventKind.OBJECTION, actor=actor, reason=text, details={"from": sender})
    return pilot


def _implementing(actor, pilot_id: int, *, also: tuple[str, ...] = ()) -> Pilot:
    pilot = _locked(actor, pilot_id)
    if not (is_system(actor) or (may_apply_for_pilot(actor) and _is_applicant(actor, pilot))):
        raise Forbidden(_("This step is not yours to take on this programme."))
    if pilot.state not in (S.IMPLEMENTING, *also):
        raise Conflict(_("Only a programme being implemented records this."), code="illegal_transition")
    return pilot


def add_milestone(*, actor, pilot_id: int, title: str, due_on: dt.date) -> Milestone:
    title = within_limit(title, 120, field="title", label=_("The milestone"))
    if not title:
        raise ValidationFailed(_("Name the milestone."), errors={"title": _("Required.")})
    with transaction.atomic():
        pilot = _implementing(actor, pilot_id, also=(S.NOTICE, S.APPLIED))
        milestone = Milestone.objects.create(pilot=pilot, title=title, due_on=due_on)
        record_event(pilot, EventKind.MILESTONE, actor=actor, reason=title, details={"due_on": due_on})
    return milestone


def complete_milestone(
    *, actor, pilot_id: int, milestone_id: int, done_on: dt.date | None = None
) -> Milestone:
    done_on = done_on or timezone.localdate()
    with transaction.atomic():
        pilot = _implementing(actor, pilot_id)
        milestone = pilot.milestones.filter(pk=milestone_id).first()
        if milestone is None:
            raise NotFound(_("This milestone does not exist or is outside your area."))
        if milestone.done_on is not None:
            raise Conflict(_("This milestone is already done."), code="already_done")
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
        record_event(pilot, EventKind.MILESTONE, actor=actor, reason=milestone.title,
                     details={"done_on": done_on, "due_on": milestone.due_on})  # fmt: skip
    return milestone


def report_indicator(
    *, actor, pilot_id: int, indicator_id: int, value, period: dt.date | None = None
) -> IndicatorReport:
    number = _number(value, "value")
    period = period or timezone.localdate()
    with transaction.atomic():
        pilot = _implementing(actor, pilot_id, also=(S.ACCEPTANCE,))
        indicator = pilot.indicators.filter(pk=indicator_id).first()
        if indicator is None:  # the programme is the caller's: an indicator not of it is a wrong input
            message = _("This programme has no such indicator.")
            raise ValidationFailed(message, errors={"indicator_id": message})
        report = IndicatorReport.objects.create(
            indicator=indicator, period=period, value=number, reported_by=as_user(actor)
        )
        details = {"value": str(number), "target": str(indicator.target), "period": period}
        record_event(pilot, EventKind.REPORT, actor=actor, reason=indicator.name, details=details)
    return report


def add_document(*, actor, pilot_id: int, title: str, number: str = "") -> Document:
    """A document of the current stage: the applicant's reports, or the reviewer's acceptance papers."""
    title = within_limit(title, 120, field="title", label=_("The title"))
    number = within_limit(number, 60, field="number", label=_("The document number"))
    if not title:
        raise ValidationFailed(_("Give the document's title."), errors={"title": _("Required.")})
    with transaction.atomic():
        pilot = _locked(actor, pilot_id)
        if not (_is_reviewer(actor, pilot) or (may_apply_for_pilot(actor) and _is_applicant(actor, pilot))):
            raise Forbidden(_("This step is not yours to take on this programme."))
        if pilot.state in (S.ACCEPTED, S.FAILED, S.REJECTED, S.WITHDRAWN):
            raise Conflict(_("This programme is closed."), code="illegal_transition")
        document = Document.objects.create(pilot=pilot, title=title, number=number, stage=pilot.state)
        record_event(pilot, EventKind.DOCUMENT, actor=actor, reason=title, details={"number": number})
    return document
