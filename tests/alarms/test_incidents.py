"""The incident workflow, escalation timing and the answer-time report."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from shouwang.alarms import incidents as workflow
from shouwang.alarms.models import ContactAttempt, IncidentState, IncidentStep, Outcome, StepKind
from shouwang.alarms.signals import incident_changed
from shouwang.core.errors import Conflict, NotFound, ValidationFailed
from shouwang.core.models import AuditLog, OutboundMessage
from tests import factories
from tests.alarms.factories import DeviceFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(device):
    return IncidentFactory(device=device)


@pytest.fixture
def changes():
    seen = []

    def receiver(sender, incident, change, **kwargs):
        seen.append((incident.pk, change))

    incident_changed.connect(receiver)
    yield seen
    incident_changed.disconnect(receiver)


def test_the_whole_workflow_records_every_step(
    operator, incident, elder_a, django_capture_on_commit_callbacks, changes
):
    contact = elder_a.contacts.get()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.acknowledge(actor=operator, incident=incident)
        workflow.start_calling_elder(actor=operator, incident=incident.pk)
        workflow.record_contact_attempt(actor=operator, incident=incident, result="no_answer")
        workflow.record_contact_attempt(
            actor=operator, incident=incident, contact=contact.pk, result="answered"
        )
        workflow.send_responder(actor=operator, incident=incident, kind="community_worker", note="王社工")
        workflow.mark_on_site(actor=operator, incident=incident)
        workflow.close(actor=operator, incident=incident, outcome=Outcome.RESOLVED_ON_SITE, notes="扶起")
    incident.refresh_from_db()
    assert incident.state == IncidentState.CLOSED
    assert incident.acknowledged_by == operator and incident.closed_by == operator
    assert incident.responder_kind == "community_worker" and incident.outcome == "resolved_on_site"
    steps = list(IncidentStep.objects.filter(incident=incident).values_list("step", flat=True))
    assert steps == [
        "acknowledged",
        "calling_elder",
        "contact",
        "contact",
        "responder_sent",
        "on_site",
        "closed",
    ]
    assert all(step.actor == operator for step in IncidentStep.objects.filter(incident=incident))
    attempts = list(ContactAttempt.objects.filter(incident=incident).values_list("contact_id", "result"))
    assert attempts == [(None, "no_answer"), (contact.pk, "answered")]
    assert [change for _id, change in changes] == [
        "acknowledged",
        "step",
        "contact",
        "contact",
        "step",
        "step",
        "closed",
    ]
    assert (
        AuditLog.objects.filter(action__startswith="alarms.incident_", object_id=str(incident.pk)).count()
        == 7
    )


def test_a_contact_call_moves_to_calling_contacts(operator, incident, elder_a):
    workflow.acknowledge(actor=operator, incident=incident)
    workflow.record_contact_attempt(
        actor=operator, incident=incident, contact=elder_a.contacts.get(), result="called"
    )
    incident.refresh_from_db()
    assert incident.state == IncidentState.CALLING_CONTACTS


@pytest.mark.parametrize(
    "step",
    [
        lambda actor, incident: workflow.start_calling_elder(actor=actor, incident=incident),
        lambda actor, incident: workflow.mark_on_site(actor=actor, incident=incident),
        lambda actor, incident: workflow.close(actor=actor, incident=incident, outcome="false_alarm"),
        lambda actor, incident: workflow.record_contact_attempt(
            actor=actor, incident=incident, result="called"
        ),
    ],
)
def test_illegal_steps_are_conflicts(operator, incident, step):
    with pytest.raises(Conflict) as error:
        step(operator, incident)
    assert error.value.code == "illegal_transition"
    incident.refresh_from_db()
    assert incident.state == IncidentState.RECEIVED


def test_acknowledging_twice_is_a_conflict(operator, incident):
    workflow.acknowledge(actor=operator, incident=incident)
    with pytest.raises(Conflict):
        workflow.acknowledge(actor=operator, incident=incident)


def test_closing_needs_a_valid_outcome_and_notes_for_other(operator, incident):
    workflow.acknowledge(actor=operator, incident=incident)
    workflow.record_contact_attempt(actor=operator, incident=incident, result="answered")
    with pytest.raises(ValidationFailed):
        workflow.close(actor=operator, incident=incident, outcome="bored")
    with pytest.raises(ValidationFailed):
        workflow.close(actor=operator, incident=incident, outcome="other", notes=" ")
    workflow.close(actor=operator, incident=incident, outcome="other", notes="家属已到")


def test_a_contact_of_another_elder_is_refused(operator, incident, elder_b):
    other = factories.contact(elder_b, phone="13700000000")
    workflow.acknowledge(actor=operator, incident=incident)
    with pytest.raises(ValidationFailed):
        workflow.record_contact_attempt(actor=operator, incident=incident, contact=other.pk, result="called")


def test_scope_of_the_workflow(worker_b, incident, tree):
    caregiver = factories.user("assessor", regions=(factories.DISTRICT,), username="care")
    for outsider in (worker_b, caregiver):
        with pytest.raises(NotFound):
            workflow.acknowledge(actor=outsider, incident=incident)


def test_responder_kinds(operator, incident):
    workflow.acknowledge(actor=operator, incident=incident)
    with pytest.raises(ValidationFailed):
        workflow.send_responder(actor=operator, incident=incident, kind="police")
    workflow.send_responder(actor=operator, incident=incident, kind="120", note="救护车")
    incident.refresh_from_db()
    assert incident.responder_kind == "120"


# --- escalation ---------------------------------------------------------------------------------------


@pytest.fixture
def supervisors(tree):
    district_official = factories.user("official", regions=(factories.DISTRICT,), username="district")
    district_official.phone = "13600000001"
    district_official.save()
    city_official = factories.user("official", regions=("220200000000",), username="city")
    operator = factories.user("operator", regions=(factories.STREET_A,), username="shift")
    admin = factories.user("admin", username="boss")
    return district_official, city_official, operator, admin


@override_settings(SHOUWANG_ALARM_ACK_SECONDS=60)
def test_escalation_timing_levels_once_each(device, supervisors, django_capture_on_commit_callbacks):
    district_official, city_official, operator, admin = supervisors
    opened = timezone.now()
    incident = IncidentFactory(device=device, opened_at=opened)
    assert workflow.escalate_overdue(now=opened + dt.timedelta(seconds=59)) == []
    assert workflow.escalate_overdue(now=opened + dt.timedelta(seconds=61)) == [(incident.pk, 1)]
    assert workflow.escalate_overdue(now=opened + dt.timedelta(seconds=90)) == []
    level1 = set(OutboundMessage.objects.values_list("channel", "to"))
    assert level1 == {("console", "district"), ("sms", "13600000001"), ("console", "shift")}
    assert workflow.escalate_overdue(now=opened + dt.timedelta(seconds=121)) == [(incident.pk, 2)]
    assert workflow.escalate_overdue(now=opened + dt.timedelta(seconds=600)) == []
    level2 = set(OutboundMessage.objects.values_list("channel", "to")) - level1
    assert level2 == {("console", "city"), ("console", "boss")}
    incident.refresh_from_db()
    assert incident.escalation_level == 2
    assert incident.steps.filter(step=StepKind.ESCALATED).count() == 2
    assert AuditLog.objects.filter(action="alarms.incident_escalated").count() == 2


@override_settings(SHOUWANG_ALARM_ACK_SECONDS=60)
def test_an_incident_found_late_gets_both_levels(device, supervisors):
    opened = timezone.now()
    incident = IncidentFactory(device=device, opened_at=opened)
    assert workflow.escalate_overdue(now=opened + dt.timedelta(seconds=500)) == [
        (incident.pk, 1),
        (incident.pk, 2),
    ]


@override_settings(SHOUWANG_ALARM_ACK_SECONDS=60)
def test_no_escalation_once_acknowledged_or_not_urgent(device, operator):
    opened = timezone.now() - dt.timedelta(seconds=30)
    answered = IncidentFactory(device=device, opened_at=opened)
    workflow.acknowledge(actor=operator, incident=answered)
    IncidentFactory(device=device, opened_at=opened, kind="water", priority="high")
    IncidentFactory(device=device, opened_at=opened, kind="low_battery", priority="maintenance")
    assert workflow.escalate_overdue(now=opened + dt.timedelta(seconds=1000)) == []


# --- answer-time report -------------------------------------------------------------------------------


def test_answer_time_report(official, operator, tree):
    march = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    device = DeviceFactory()
    other = DeviceFactory(elder=factories.ElderFactory(community_id=factories.COMMUNITY_B))
    for n, seconds in enumerate([10, 20, 30, 50, 70, 200, None]):
        incident = IncidentFactory(device=device if n % 2 else other, opened_at=march + dt.timedelta(hours=n))
        if seconds is not None:
            incident.acknowledged_at = incident.opened_at + dt.timedelta(seconds=seconds)
            incident.state = IncidentState.CLOSED
            incident.outcome = Outcome.FALSE_ALARM if n == 0 else Outcome.RESOLVED_BY_PHONE
            incident.save()
    IncidentFactory(device=device, opened_at=march, kind="low_battery", priority="maintenance")
    IncidentFactory(device=device, opened_at=march - dt.timedelta(days=30))
    [team] = workflow.answer_time_report(official, "2026-03")
    assert (team["team_code"], team["team"]) == (factories.DISTRICT, "昌邑区")
    assert (team["count"], team["answered"]) == (7, 6)
    assert (team["p50_seconds"], team["p95_seconds"]) == (30.0, 200.0)
    assert team["within_60s"] == round(4 / 7, 4) and team["within_180s"] == round(5 / 7, 4)
    assert team["target_60s"] == 0.975 and team["meets_60s"] is False
    assert team["false_alarm_rate"] == round(1 / 6, 4)
    assert (
        workflow.answer_time_report(factories.user("assessor", regions=(factories.DISTRICT,)), "2026-03")
        == []
    )
    with pytest.raises(ValidationFailed):
        workflow.answer_time_report(official, "March")


def test_an_over_long_responder_note_is_refused_whole(operator, incident):
    workflow.acknowledge(actor=operator, incident=incident)
    with pytest.raises(ValidationFailed) as refused:
        workflow.send_responder(actor=operator, incident=incident, kind="120", note="救" * 201)
    assert "note" in refused.value.errors
    incident.refresh_from_db()
    assert incident.responder_kind == "" and incident.responder_note == ""
