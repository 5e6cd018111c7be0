"""Writes of the hotline: recording calls (and what follows from one: a call-back, an incident for an
emergency reported by voice, the link to what was done on the elder's behalf), closing call-backs, the
knowledge base, and the daily active-care list. Keyword-only, one transaction each, audited."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.alarms.incidents import open_reported_incident
from shouwang.core import audit
from shouwang.core.actors import as_user, require_actor
from shouwang.core.errors import Conflict, Forbidden, ValidationFailed
from shouwang.core.phones import normalise_phone
from shouwang.core.scope import scope_of
from shouwang.core.text import too_long, within_limit
from shouwang.elders.models import Elder
from shouwang.elders.selectors import elders_for, get_elder_for

from . import permissions
from .models import (
    Article,
    ArticleState,
    CallBack,
    CallDirection,
    CallOutcome,
    CallReason,
    CallRecord,
    CareCall,
    OnBehalf,
    OnBehalfKind,
)
from .selectors import (
    article_initials,
    call_back_assignees,
    caller_kind_of,
    get_article_for,
    get_call_back_for,
    get_call_for,
    get_care_call_for,
    living_alone_to_call,
)

SUMMARY_LENGTH = 500
NOTE_LENGTH = 300
# A call longer than a day is a mistyped duration.
LONGEST_CALL_SECONDS = 24 * 3600


def _require_desk(actor) -> None:
    require_actor(actor)
    if not permissions.may_work_desk(actor):
        raise Forbidden(_("Your role may not record calls."))


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(" ".join(errors.values()), errors=errors)


def _region_of(actor, elder: Elder | None) -> str:
    """Where a call is filed: the elder's community, else the operator's own (first) area."""
    if elder is not None:
        return elder.community_id
    scope = scope_of(actor)
    if scope.region_prefixes:
        return scope.region_prefixes[0].ljust(12, "0")
    return ""


@transaction.atomic
def record_call(
    *,
    actor,
    reason: str,
    outcome: str,
    caller_number: str = "",
    elder_id: int | None = None,
    duration_seconds: int = 0,
    summary: str = "",
    started_at: dt.datetime | None = None,
    direction: str = CallDirection.INBOUND,
    call_back_due: dt.datetime | None = None,
    call_back_assignee_id: int | None = None,
    call_back_note: str = "",
) -> CallRecord:
    """Record a call with its reason, outcome and duration; the caller's relation to the elder is found
    from the number. An outcome "call-back promised" needs a due time (the assignee defaults to the
    actor). An emergency opens an urgent incident for the elder in the alarm workflow, its answer clock
    starting when the call began. Everything wrong is reported at once; nothing is saved then."""
    _require_desk(actor)
    errors: dict[str, str] = {}
    number = ""
    try:
        number = normalise_phone(caller_number or "", field="caller_number")
    except ValidationFailed as refused:
        errors.update(refused.errors)
    elder = get_elder_for(actor, elder_id) if elder_id else None
    if reason not in CallReason.values:
        errors["reason"] = _("Choose why the caller called.")
    if outcome not in CallOutcome.values:
        errors["outcome"] = _("Choose how the call ended.")
    if direction not in CallDirection.values:
        errors["direction"] = _("Choose whether the call came in or went out.")
    if not isinstance(duration_seconds, int) or not 0 <= duration_seconds <= LONGEST_CALL_SECONDS:
        errors["duration_seconds"] = _("Give the call's length in seconds, at most a day.")
    summary = (summary or "").strip()
    if message := too_long(summary, SUMMARY_LENGTH, label=_("The summary")):
        errors["summary"] = message
    now = timezone.now()
    started_at = started_at or now
    if started_at > now + dt.timedelta(minutes=5):
        errors["started_at"] = _("A call cannot start in the future.")
    if reason == CallReason.EMERGENCY and elder is None:
        errors["elder_id"] = _(
            "Choose the elder the emergency is about, so the alarm desk knows where to send help."
        )
    wants_call_back = outcome == CallOutcome.CALL_BACK or call_back_due is not None
    assignee = None
    if wants_call_back:
        if call_back_due is None:
            errors["call_back_due"] = _("Say by when the caller will be called back.")
        assignee = _assignee(actor, call_back_assignee_id, errors)
        if message := too_long((call_back_note or "").strip(), NOTE_LENGTH, label=_("The promise")):
            errors["call_back_note"] = message
    region = _region_of(actor, elder)
    if not region:
        errors["elder_id"] = _("Choose the elder of the call: your account covers no area to file it under.")
    _fail(errors)
    call = CallRecord.objects.create(
        started_at=started_at,
        direction=direction,
        caller_number=number,
        caller_kind=caller_kind_of(actor, number, elder.pk if elder else None) if number else "unknown",
        elder=elder,
        reason=reason,
        outcome=outcome,
        duration_seconds=duration_seconds,
        summary=summary,
        operator=as_user(actor),
        region_code=region,
    )
    if reason == CallReason.EMERGENCY and elder is not None:
        call.incident = open_reported_incident(
            actor=actor,
            elder=elder,
            at=started_at,
            note=_("hotline call #%(id)s: %(summary)s") % {"id": call.pk, "summary": summary[:200]},
        )
        call.save(update_fields=["incident"])
    audit.record(
        actor=actor,
        action="hotline.call_recorded",
        obj=call,
        after={
            "reason": reason,
            "outcome": outcome,
            "caller_phone": number,
            "elder": elder.pk if elder else None,
            "incident": call.incident_id,
        },
        region_code=region,
    )
    if wants_call_back and assignee is not None and call_back_due is not None:
        _add_call_back(actor, call, due_at=call_back_due, assignee=assignee, note=call_back_note)
    return call


def _assignee(actor, assignee_id: int | None, errors: dict[str, str]):
    if not assignee_id:
        return actor  # who promised it (a desk user: ``_require_desk`` let them in)
    found = call_back_assignees(actor).filter(pk=assignee_id).first()
    if found is None:
        errors["call_back_assignee_id"] = _("Choose a colleague at the desk of this area.")
    return found


def _add_call_back(actor, call: CallRecord, *, due_at: dt.datetime, assignee, note: str) -> CallBack:
    call_back = CallBack.objects.create(
        call=call,
        due_at=due_at,
        assignee=assignee,
        note=(note or "").strip(),
        region_code=call.region_code,
    )
    audit.record(
        actor=actor,
        action="hotline.call_back_promised",
        obj=call_back,
        after={"call": call.pk, "due_at": due_at.isoformat(), "assignee": assignee.username},
        region_code=call.region_code,
    )
    return call_back


@transaction.atomic
def promise_call_back(
    *, actor, call_id: int, due_at: dt.datetime, assignee_id: int | None = None, note: str = ""
):
    """Promise a call-back on a call already recorded."""
    _require_desk(actor)
    call = get_call_for(actor, call_id)
    errors: dict[str, str] = {}
    assignee = _assignee(actor, assignee_id, errors)
    if message := too_long((note or "").strip(), NOTE_LENGTH, label=_("The promise")):
        errors["note"] = message
    if assignee is None and "call_back_assignee_id" not in errors:
        errors["call_back_assignee_id"] = _("Choose a colleague at the desk of this area.")
    _fail(errors)
    return _add_call_back(actor, call, due_at=due_at, assignee=assignee, note=note)


@transaction.atomic
def close_call_back(*, actor, call_back_id: int, note: str = "") -> CallBack:
    """The promised call-back was made: record when, by whom and what came of it. Closing twice is a 409."""
    _require_desk(actor)
    call_back = get_call_back_for(actor, call_back_id)
    if not permissions.may_close_call_back(actor, call_back):
        raise Forbidden(_("Your role may not close call-backs."))
    note = within_limit(note, NOTE_LENGTH, field="note", label=_("The result"))
    now = timezone.now()
    closed = CallBack.objects.filter(pk=call_back.pk, done_at__isnull=True).update(
        done_at=now, done_by=as_user(actor), done_note=note
    )
    if not closed:
        raise Conflict(_("This call-back was already made."), code="already_done")
    call_back.refresh_from_db()
    audit.record(
        actor=actor,
        action="hotline.call_back_done",
        obj=call_back,
        after={"call": call_back.call_id, "late": call_back.due_at < now, "note": note},
        region_code=call_back.region_code,
    )
    return call_back


# --- on the elder's behalf -----------------------------------------------------------------------


@transaction.atomic
def record_on_behalf(*, actor, call_id: int, kind: str, order=None, complaint=None, checkin=None) -> OnBehalf:
    """Link to the call what the desk did for its elder (代办): an order placed, a complaint filed, a
    service confirmed, a check-in made. The audit record says it was done on the elder's behalf."""
    _require_desk(actor)
    call = get_call_for(actor, call_id)
    subject = order or complaint or checkin
    if kind not in OnBehalfKind.values or subject is None:
        raise ValidationFailed(_("Say what was done for the elder."), errors={"kind": _("Invalid choice.")})
    subject_elder = subject.elder_id
    if call.elder_id is None or subject_elder != call.elder_id:
        raise ValidationFailed(
            _("What was done must concern the elder of the call."), errors={"kind": _("Another elder.")}
        )
    done = OnBehalf.objects.create(
        call=call,
        kind=kind,
        order=order,
        complaint=complaint,
        checkin=checkin,
        at=timezone.now(),
        actor=as_user(actor),
    )
    audit.record(
        actor=actor,
        action="hotline.on_behalf",
        obj=call,
        after={
            "kind": kind,
            "elder": call.elder_id,
            "order": order.pk if order is not None else None,
            "complaint": complaint.pk if complaint is not None else None,
            "checkin": checkin.pk if checkin is not None else None,
        },
        region_code=call.region_code,
    )
    return done


def place_order_on_behalf(*, actor, call_id: int, **order_fields):
    """Place an order for the call's elder through the orders desk's own service, linked to the call."""
    from shouwang.orders.models import OrderSource
    from shouwang.orders.services import create_order

    call = get_call_for(actor, call_id)
    with transaction.atomic():
        order = create_order(actor=actor, elder_id=call.elder_id, source=OrderSource.PHONE, **order_fields)
        record_on_behalf(actor=actor, call_id=call.pk, kind=OnBehalfKind.ORDER, order=order)
    return order


def complain_on_behalf(
    *,
    actor,
    call_id: int,
    description: str,
    order_id: int | None = None,
    provider_id: int | None = None,
    source: str = "elder",
):
    """File a complaint for the call's elder (the complaints workflow that exists), linked to the call."""
    from shouwang.orders.complaints import file_complaint

    call = get_call_for(actor, call_id)
    with transaction.atomic():
        complaint = file_complaint(
            actor=actor,
            source=source,
            description=description,
            order_id=order_id,
            elder_id=call.elder_id,
            provider_id=provider_id,
        )
        record_on_behalf(actor=actor, call_id=call.pk, kind=OnBehalfKind.COMPLAINT, complaint=complaint)
    return complaint


def confirm_on_behalf(*, actor, call_id: int, order_id: int, rating, comment: str = "", done: bool = True):
    """Record the elder's confirmation of a finished service said on the call (电话回访), linked to it."""
    from shouwang.orders.confirmation import confirm_by_callback

    call = get_call_for(actor, call_id)
    with transaction.atomic():
        order = confirm_by_callback(
            actor=actor,
            order_id=order_id,
            rating=rating,
            comment=comment,
            done=done,
            note=_("hotline call #%(id)s") % {"id": call.pk},
        )
        record_on_behalf(actor=actor, call_id=call.pk, kind=OnBehalfKind.CONFIRMATION, order=order)
    return order


def checkin_on_behalf(*, actor, call_id: int):
    """The elder says on the call that they are fine (报平安 by phone): the same check-in the portal's
    button makes, so the passive watch counts it, linked to the call."""
    from shouwang.alarms.checkins import record_checkin
    from shouwang.alarms.models import CheckInChannel

    call = get_call_for(actor, call_id)
    if call.elder_id is None:
        raise ValidationFailed(
            _("This call names no elder."), errors={"elder": _("This call names no elder.")}
        )
    with transaction.atomic():
        checkin = record_checkin(actor=actor, elder_id=call.elder_id, channel=CheckInChannel.DESK)
        record_on_behalf(actor=actor, call_id=call.pk, kind=OnBehalfKind.CHECKIN, checkin=checkin)
    return checkin


# --- knowledge base --------------------------------------------------------------------------------


def _require_keeper(actor) -> None:
    require_actor(actor)
    if not permissions.may_keep_knowledge(actor):
        raise Forbidden(_("Your role may not keep the knowledge base."))


def _article_fields(question: str, answer: str, keywords: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    question, answer, keywords = (question or "").strip(), (answer or "").strip(), (keywords or "").strip()
    if not question:
        errors["question"] = _("Write the question as callers ask it.")
    elif message := too_long(question, 200, label=_("The question")):
        errors["question"] = message
    if not answer:
        errors["answer"] = _("Write the answer the desk gives.")
    elif message := too_long(answer, 4000, label=_("The answer")):
        errors["answer"] = message
    if message := too_long(keywords, 200, label=_("The keywords")):
        errors["keywords"] = message
    _fail(errors)
    return question, answer, keywords


@transaction.atomic
def create_article(*, actor, question: str, answer: str, keywords: str = "") -> Article:
    """A new article for the desk (the bureau's)."""
    _require_keeper(actor)
    question, answer, keywords = _article_fields(question, answer, keywords)
    article = Article.objects.create(
        question=question,
        answer=answer,
        keywords=keywords,
        initials=article_initials(question, keywords),
        updated_by=as_user(actor),
    )
    audit.record(actor=actor, action="hotline.article_created", obj=article, after={"question": question})
    return article


@transaction.atomic
def update_article(*, actor, article_id: int, question: str, answer: str, keywords: str = "") -> Article:
    _require_keeper(actor)
    article = Article.objects.select_for_update().get(pk=get_article_for(actor, article_id).pk)
    question, answer, keywords = _article_fields(question, answer, keywords)
    before = {"question": article.question, "answer": article.answer, "keywords": article.keywords}
    article.question, article.answer, article.keywords = question, answer, keywords
    article.initials = article_initials(question, keywords)
    article.updated_by = as_user(actor)
    article.save()
    after = {"question": question, "answer": answer, "keywords": keywords}
    audit.record(
        actor=actor,
        action="hotline.article_updated",
        obj=article,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return article


@transaction.atomic
def retire_article(*, actor, article_id: int) -> Article:
    """Take an article out of the desk's search (kept for the record)."""
    _require_keeper(actor)
    article = Article.objects.select_for_update().get(pk=get_article_for(actor, article_id).pk)
    if article.state == ArticleState.RETIRED:
        raise Conflict(_("This article is already retired."), code="already_retired")
    article.state, article.updated_by = ArticleState.RETIRED, as_user(actor)
    article.save(update_fields=["state", "updated_by", "updated_at"])
    audit.record(actor=actor, action="hotline.article_retired", obj=article, after={"state": article.state})
    return article


# --- active care (主动关怀) -------------------------------------------------------------------------


def generate_care_calls(*, actor, day: dt.date | None = None) -> int:
    """Put every active elder who lives alone (of the actor's scope; the daily job passes SYSTEM: all of
    them) on the active-care list of ``day`` (today by default), once:
    run again, it adds only elders not yet on it (one row per elder and day, a unique constraint keeps it
    so when two runs race). Returns how many were added."""
    require_actor(actor)
    day = day or timezone.localdate()
    elders = living_alone_to_call(day, within=elders_for(actor)).values_list("pk", "community_id")
    rows = [CareCall(elder_id=pk, day=day, region_code=community) for pk, community in elders.iterator()]
    if not rows:
        return 0
    with transaction.atomic():
        before = CareCall.objects.filter(day=day).count()
        CareCall.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        added = CareCall.objects.filter(day=day).count() - before
        audit.record(
            actor=actor,
            action="hotline.care_list_generated",
            object_type="hotline.carecall",
            object_repr=day.isoformat(),
            after={"day": day.isoformat(), "added": added},
        )
    return added


@transaction.atomic
def complete_care_call(
    *, actor, care_call_id: int, outcome: str, duration_seconds: int = 0, summary: str = ""
) -> CareCall:
    """The desk made the day's active-care call: recorded as an outgoing call of emotional support
    (精神慰藉) with its outcome, and the list entry marked done. Marking it twice is a 409."""
    _require_desk(actor)
    care_call = get_care_call_for(actor, care_call_id, lock=True)
    if care_call.done_at is not None:
        raise Conflict(_("This active-care call was already made."), code="already_done")
    call = record_call(
        actor=actor,
        reason=CallReason.EMOTIONAL,
        outcome=outcome,
        caller_number=care_call.elder.phone,
        elder_id=care_call.elder_id,
        duration_seconds=duration_seconds,
        summary=summary,
        direction=CallDirection.OUTBOUND,
    )
    care_call.call, care_call.done_at = call, timezone.now()
    try:
        care_call.save(update_fields=["call", "done_at"])
    except IntegrityError:
        raise Conflict(_("This active-care call was already made."), code="already_done") from None
    audit.record(
        actor=actor,
        action="hotline.care_call_done",
        obj=care_call,
        after={"elder": care_call.elder_id, "day": care_call.day.isoformat(), "call": call.pk},
        region_code=care_call.region_code,
    )
    return care_call
