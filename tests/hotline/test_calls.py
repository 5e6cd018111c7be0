"""Calls, call-backs, the caller's pop-up, the voice emergency, active care and the statistics, through
the services and selectors (one set of people for the module: conftest.desk)."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from shouwang.alarms.incidents import escalate_overdue
from shouwang.alarms.models import IncidentKind, IncidentState, Priority, StepKind
from shouwang.alarms.selectors import incidents_for
from shouwang.core.actors import SYSTEM
from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.models import AuditLog
from shouwang.hotline import selectors, services
from shouwang.hotline.models import CallerKind, CareCall
from tests.hotline.conftest import minutes_ago

pytestmark = pytest.mark.django_db


def _call(actor, **fields):
    return services.record_call(
        actor=actor, **{"reason": "information", "outcome": "resolved", "duration_seconds": 60, **fields}
    )


# --- the caller's pop-up ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "kind", "elder"),
    [
        ("138 0000 0001", CallerKind.ELDER, "elder_a"),  # the elder's own mobile, typed with spaces
        ("+8613900001111", CallerKind.CONTACT, "elder_a"),  # an emergency contact
        ("13700000003", CallerKind.FAMILY, "elder_a"),  # a family account's phone
        ("043262345678", CallerKind.ELDER, "elder_b"),  # a landline stored with its dash
        ("13600000004", CallerKind.PROVIDER, None),  # a provider's contact phone
    ],
)
def test_the_caller_is_found_by_each_kind_of_number(desk, number, kind, elder):
    normalised, matches = selectors.lookup_caller(desk.operator, number)
    assert [match.kind for match in matches] == [kind]
    expected = [getattr(desk, elder).pk] if elder else []
    assert [e.pk for e in matches[0].elders] == expected
    assert "*" not in normalised  # the number itself stays whole for the operator who typed it


def test_an_unknown_or_bad_number(desk):
    assert selectors.lookup_caller(desk.operator, "13511112222")[1] == []
    with pytest.raises(ValidationFailed):
        selectors.lookup_caller(desk.operator, "12345")


def test_the_lookup_keeps_to_the_users_scope(desk):
    """Community A's worker does not learn that B's elder calls from this number."""
    assert selectors.lookup_caller(desk.worker_a, "0432-62345678")[1] == []
    assert selectors.lookup_caller(desk.other_operator, "13800000001")[1] == []


def test_the_elder_card_is_masked(desk):
    card = selectors.elder_card(desk.operator, desk.elder_a.pk)
    assert card.phone == "138****0001"
    assert card.contacts[0]["phone"] == "139****1111"
    assert card.benefits is not None and card.benefits.voucher_balance_fen == 0
    with pytest.raises(NotFound):
        selectors.elder_card(desk.worker_b, desk.elder_a.pk)


# --- call records and call-backs ----------------------------------------------------------------------


def test_a_call_is_recorded_with_the_callers_relation_and_audited(desk):
    call = _call(desk.operator, caller_number="13900001111", elder_id=desk.elder_a.pk, summary="问助餐")
    assert (call.caller_kind, call.region_code, call.operator) == (
        CallerKind.CONTACT,
        desk.elder_a.community_id,
        desk.operator,
    )
    log = AuditLog.objects.get(action="hotline.call_recorded", object_id=str(call.pk))
    assert log.after["caller_phone"].startswith("139****1111 #")  # masked with a fingerprint


def test_bad_input_is_named_and_nothing_is_saved(desk):
    with pytest.raises(ValidationFailed) as refused:
        services.record_call(
            actor=desk.operator,
            reason="gossip",
            outcome="call_back",
            caller_number="12",
            duration_seconds=-1,
            summary="长" * 501,
        )
    assert set(refused.value.errors) == {
        "reason",
        "caller_number",
        "duration_seconds",
        "summary",
        "call_back_due",
    }
    assert not selectors.calls_for(desk.operator).exists()


def test_call_backs_promised_overdue_and_closed(desk):
    late = _call(
        desk.operator,
        elder_id=desk.elder_a.pk,
        outcome="call_back",
        started_at=minutes_ago(120),
        call_back_due=minutes_ago(30),
        call_back_note="查询补贴到账",
    )
    _call(
        desk.operator,
        elder_id=desk.elder_a.pk,
        outcome="call_back",
        call_back_due=timezone.now() + dt.timedelta(hours=2),
        call_back_assignee_id=desk.worker_a.pk,
    )
    overdue = list(selectors.overdue_call_backs(desk.operator))
    assert [cb.call_id for cb in overdue] == [late.pk]
    assert overdue[0].assignee == desk.operator  # nobody chosen: the one who promised
    assert selectors.open_call_backs(desk.worker_a).count() == 2  # A's worker sees A's
    assert selectors.open_call_backs(desk.worker_b).count() == 0

    done = services.close_call_back(actor=desk.worker_a, call_back_id=overdue[0].pk, note="已回电")
    assert done.done_by == desk.worker_a and done.done_note == "已回电"
    assert list(selectors.overdue_call_backs(desk.operator)) == []
    with pytest.raises(Conflict):
        services.close_call_back(actor=desk.operator, call_back_id=done.pk)
    with pytest.raises(NotFound):  # another region's desk: as if it did not exist
        services.close_call_back(actor=desk.other_operator, call_back_id=done.pk)


def test_a_call_back_goes_only_to_a_colleague_of_the_area(desk):
    with pytest.raises(ValidationFailed) as refused:
        _call(
            desk.worker_a,
            elder_id=desk.elder_a.pk,
            outcome="call_back",
            call_back_due=timezone.now(),
            call_back_assignee_id=desk.other_operator.pk,
        )
    assert "call_back_assignee_id" in refused.value.errors


def test_scope_of_calls(desk):
    call_b = _call(desk.operator, elder_id=desk.elder_b.pk)
    assert selectors.get_call_for(desk.worker_b, call_b.pk) == call_b
    for outsider in (desk.worker_a, desk.other_operator):
        with pytest.raises(NotFound):
            selectors.get_call_for(outsider, call_b.pk)
    with pytest.raises(NotFound):  # nor may one record a call about an elder out of reach
        _call(desk.worker_a, elder_id=desk.elder_b.pk)


# --- an emergency by voice ----------------------------------------------------------------------------


def test_an_emergency_by_voice_opens_an_urgent_incident_on_the_answer_clock(desk):
    began = minutes_ago(1)
    call = _call(
        desk.operator,
        reason="emergency",
        outcome="referred",
        caller_number="13900001111",
        elder_id=desk.elder_a.pk,
        started_at=began,
        summary="老人摔倒，邻居来电",
    )
    incident = call.incident
    assert (incident.kind, incident.priority, incident.state, incident.device) == (
        IncidentKind.VOICE,
        Priority.URGENT,
        IncidentState.RECEIVED,
        None,
    )
    assert incident.opened_at == began and incident.community_id == desk.elder_a.community_id
    assert incident.steps.get().step == StepKind.RECEIVED and incident.steps.get().actor == desk.operator
    assert incidents_for(desk.worker_a).filter(pk=incident.pk).exists()  # on A's alarm console
    # Unanswered past the target, it escalates as a device's SOS does.
    later = began + dt.timedelta(seconds=settings.SHOUWANG_ALARM_ACK_SECONDS + 1)
    assert (incident.pk, 1) in escalate_overdue(now=later)


def test_an_emergency_needs_its_elder(desk):
    with pytest.raises(ValidationFailed) as refused:
        _call(desk.operator, reason="emergency", outcome="referred")
    assert "elder_id" in refused.value.errors


# --- active care and statistics -------------------------------------------------------------------------


def test_the_active_care_list_is_made_once_a_day_and_worked_through(desk):
    today = timezone.localdate()
    assert services.generate_care_calls(actor=SYSTEM) == 1  # only A's elder lives alone
    assert services.generate_care_calls(actor=SYSTEM) == 0
    assert services.generate_care_calls(actor=desk.operator) == 0
    listed = list(selectors.care_calls_for(desk.operator))
    assert [(c.elder, c.day) for c in listed] == [(desk.elder_a, today)]
    assert list(selectors.care_calls_for(desk.worker_b)) == []

    done = services.complete_care_call(
        actor=desk.worker_a, care_call_id=listed[0].pk, outcome="resolved", summary="身体好"
    )
    assert done.done_at is not None
    assert (done.call.reason, done.call.direction, done.call.elder) == ("emotional", "out", desk.elder_a)
    with pytest.raises(Conflict):
        services.complete_care_call(actor=desk.operator, care_call_id=done.pk, outcome="resolved")
    assert CareCall.objects.filter(day=today).count() == 1
    assert services.generate_care_calls(actor=SYSTEM, day=today + dt.timedelta(days=1)) == 1


def test_statistics_per_day_and_reason(desk):
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    # 23:30 local yesterday is 15:30 UTC: counted on yesterday, not on the UTC date.
    late_yesterday = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(23, 30), tzinfo=zone)
    _call(desk.operator, elder_id=desk.elder_a.pk, started_at=late_yesterday)
    _call(desk.operator, elder_id=desk.elder_a.pk, reason="complaint")
    _call(desk.operator, elder_id=desk.elder_b.pk, reason="complaint")
    rows = selectors.call_statistics(desk.operator, first=today - dt.timedelta(days=1), last=today)
    assert [(r["day"], r["total"], r["information"], r["complaint"]) for r in rows] == [
        (today - dt.timedelta(days=1), 1, 1, 0),
        (today, 2, 0, 2),
    ]
    only_a = selectors.call_statistics(desk.worker_a, first=today, last=today)
    assert [(r["total"], r["complaint"]) for r in only_a] == [(1, 1)]
