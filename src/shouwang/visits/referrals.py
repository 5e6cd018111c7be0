"""Referrals to a doctor (转介就医) that a visit's findings ask for, followed through to an outcome.

The visitor asks for one from a recorded visit (one per visit; the elder and the findings come from the
visit). The community worker then moves it along ``MOVES``: the family doctor or clinic contacted, an
appointment booked (its day becomes the day to settle by), and closed — seen by the doctor, or declined —
always with what came of it. ``advance`` is the one function that moves a referral: it locks the row,
refuses a move the table does not allow, and audits. A referral not settled by ``due_on`` is overdue on
the worker's list."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shouwang.core.scope import scope_of
from shouwang.core.text import within_limit

from .models import Referral, ReferralState
from .permissions import may_keep_referrals, may_read_referrals

S = ReferralState
MOVES: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.CONTACTED, S.BOOKED, S.DONE, S.DECLINED}),
    S.CONTACTED: frozenset({S.BOOKED, S.DONE, S.DECLINED}),
    # a booking moved to another day is booked again
    S.BOOKED: frozenset({S.BOOKED, S.DONE, S.DECLINED}),
    S.DONE: frozenset(),
    S.DECLINED: frozenset(),
}
OPEN_STATES = frozenset({S.OPEN, S.CONTACTED, S.BOOKED})
CLOSED_STATES = frozenset({S.DONE, S.DECLINED})
NOT_FOUND = _("This referral does not exist or is outside your area.")
REASON_LENGTH = 300
OUTCOME_LENGTH = 500


def referrals_for(user) -> QuerySet[Referral]:
    """The referrals of the communities in the user's regions (none for roles that do not read them)."""
    if not may_read_referrals(user):
        return Referral.objects.none()
    found = Referral.objects.select_related("elder", "community", "task")
    return scope_of(user).filter(found, region="community__code")


def get_referral_for(user, referral_id: int) -> Referral:
    try:
        return referrals_for(user).get(pk=referral_id)
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(NOT_FOUND)) from None


def is_overdue(referral: Referral, today: dt.date | None = None) -> bool:
    return referral.state in OPEN_STATES and referral.due_on < (today or timezone.localdate())


def open_referrals(user, *, today: dt.date | None = None) -> list[dict]:
    """The worker's list: unsettled referrals, the overdue first, then by the day to settle by."""
    today = today or timezone.localdate()
    rows = [
        {"referral": referral, "overdue": is_overdue(referral, today)}
        for referral in referrals_for(user).filter(state__in=OPEN_STATES).order_by("due_on", "id")[:500]
    ]
    return sorted(rows, key=lambda row: not row["overdue"])


def refer(*, actor, task_id: int, reason: str = "") -> Referral:
    """Ask for a doctor to see the visited elder (from a recorded visit; once per visit). The reason is
    the visitor's words, or the visit's findings."""
    from .services import _done_for_follow_up, _finding_words

    reason = within_limit(reason, REASON_LENGTH, field="reason", label=_("The reason"))
    with transaction.atomic():
        task = _done_for_follow_up(actor, task_id)
        if Referral.objects.filter(task=task).exists():
            raise Conflict(
                _("A doctor referral was already asked for from this visit."), code="already_followed_up"
            )
        today = timezone.localdate()
        referral = Referral.objects.create(
            task=task, elder_id=task.elder_id, community_id=task.community_id,
            reason=reason or _finding_words(task)[:REASON_LENGTH],
            due_on=today + dt.timedelta(days=settings.SHOUWANG_REFERRAL_DAYS), created_by=as_user(actor),
        )  # fmt: skip
        audit.record(
            actor=actor, action="visits.referral.open", obj=referral,
            after={"task": task.pk, "reason": referral.reason, "due_on": referral.due_on},
            region_code=task.community_id,
        )  # fmt: skip
    return referral


def _refuse(field: str, message: str) -> None:
    raise ValidationFailed(message, errors={field: message})


def advance(
    *,
    actor,
    referral_id: int,
    to_state: str,
    doctor: str = "",
    appointment_at: dt.datetime | None = None,
    note: str = "",
) -> Referral:
    """Move a referral on. Booking needs the appointment (a time from now on) and, by then, the doctor
    or clinic; closing (seen or declined) needs what came of it."""
    require_actor(actor)
    if not may_keep_referrals(actor):
        raise Forbidden(_("Only a community worker follows referrals through."))
    doctor = within_limit(doctor, 120, field="doctor", label=_("The doctor or clinic"))
    note = within_limit(note, OUTCOME_LENGTH, field="note", label=_("The outcome"))
    with transaction.atomic():
        try:
            referral = referrals_for(actor).select_for_update(of=("self",)).get(pk=referral_id)
        except (Referral.DoesNotExist, ValueError, TypeError):
            raise NotFound(str(NOT_FOUND)) from None
        if to_state not in S.values or to_state == S.OPEN:
            _refuse("state", _("Choose what happened to the referral."))
        if to_state not in MOVES[referral.state]:
            raise Conflict(
                _("This referral is %(state)s and cannot become %(target)s.")
                % {"state": referral.get_state_display(), "target": S(to_state).label},
                code="illegal_transition",
            )
        before = {"state": referral.state, "due_on": referral.due_on}
        referral.doctor = doctor or referral.doctor
        if to_state == S.BOOKED:
            if appointment_at is None or timezone.is_naive(appointment_at):
                _refuse("appointment_at", _("Give the day and time of the appointment."))
            assert appointment_at is not None  # for the type checker: refused above
            if appointment_at < timezone.now():
                _refuse(
                    "appointment_at", _("The appointment is in the past; record what came of it instead.")
                )
            if not referral.doctor:
                _refuse("doctor", _("Say which doctor or clinic the elder is booked with."))
            referral.appointment_at = appointment_at
            referral.due_on = timezone.localdate(appointment_at)
        if to_state in CLOSED_STATES:
            if not note:
                _refuse("note", _("Say what came of the referral."))
            referral.outcome = note
            referral.closed_at, referral.closed_by = timezone.now(), as_user(actor)
        referral.state = to_state
        referral.save()
        audit.record(
            actor=actor, action=f"visits.referral.{to_state}", obj=referral, before=before,
            after={"state": to_state, "doctor": referral.doctor, "due_on": referral.due_on, "note": note},
            region_code=referral.community_id,
        )  # fmt: skip
    return referral
