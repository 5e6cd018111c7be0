"""Closing an incident: no outcome is chosen for the operator, an urgent alarm closes only after someone
acted on it, a false alarm needs a note; refusals name what is missing and save nothing (service, API,
console), and the predicates behind them."""

import json

import pytest
from django.utils import translation

from shouwang.alarms import incidents as workflow
from shouwang.alarms.models import Incident, IncidentState, Priority
from shouwang.alarms.permissions import close_blockers, may_close_incident
from shouwang.core.errors import ValidationFailed
from shouwang.core.models import AuditLog
from tests import factories
from tests.alarms.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sos(device):
    return IncidentFactory(device=device)


def _unchanged(incident) -> None:
    """A refused close left the incident open, without outcome, and wrote no audit record of a close."""
    incident.refresh_from_db()
    assert incident.state != IncidentState.CLOSED and incident.outcome == "" and incident.closed_at is None
    assert not AuditLog.objects.filter(action="alarms.incident_closed", object_id=str(incident.pk)).exists()


def test_an_urgent_alarm_cannot_close_before_anyone_was_called(operator, sos):
    workflow.acknowledge(actor=operator, incident=sos)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        workflow.close(actor=operator, incident=sos, outcome="resolved_by_phone", notes="")
    assert set(refused.value.errors) == {"contact"}
    assert "紧急" in refused.value.message and "联系人" in refused.value.message
    _unchanged(sos)


def test_a_call_to_the_elder_or_a_contact_or_a_responder_lets_it_close(operator, device, elder_a):
    first, second, third = (IncidentFactory(device=device) for _ in range(3))
    for incident in (first, second, third):
        workflow.acknowledge(actor=operator, incident=incident)
    workflow.record_contact_attempt(actor=operator, incident=first, result="no_answer")
    workflow.record_contact_attempt(
        actor=operator, incident=second, contact=elder_a.contacts.get(), result="answered"
    )
    workflow.send_responder(actor=operator, incident=third, kind="community_worker")
    for incident in (first, second, third):
        workflow.close(actor=operator, incident=incident, outcome="resolved_by_phone")
        incident.refresh_from_db()
        assert incident.state == IncidentState.CLOSED


def test_starting_a_call_without_recording_it_is_not_enough(operator, sos):
    workflow.acknowledge(actor=operator, incident=sos)
    workflow.start_calling_elder(actor=operator, incident=sos)
    with pytest.raises(ValidationFailed) as refused:
        workflow.close(actor=operator, incident=sos, outcome="resolved_by_phone")
    assert "contact" in refused.value.errors
    _unchanged(sos)


def test_a_false_alarm_needs_a_note_and_every_missing_thing_is_named(operator, sos):
    workflow.acknowledge(actor=operator, incident=sos)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        workflow.close(actor=operator, incident=sos, outcome="false_alarm", notes="  ")
    assert set(refused.value.errors) == {"notes", "contact"}
    assert "误报" in refused.value.errors["notes"]
    _unchanged(sos)
    workflow.record_contact_attempt(actor=operator, incident=sos, result="answered")
    workflow.close(actor=operator, incident=sos, outcome="false_alarm", notes="老人误按，电话确认安好")
    sos.refresh_from_db()
    assert (sos.state, sos.outcome) == (IncidentState.CLOSED, "false_alarm")


def test_no_outcome_is_chosen_for_the_operator(operator, device):
    water = IncidentFactory(device=device, kind="water", priority=Priority.HIGH)
    workflow.acknowledge(actor=operator, incident=water)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        workflow.close(actor=operator, incident=water, outcome="")
    assert set(refused.value.errors) == {"outcome"}
    assert "处置结果" in refused.value.errors["outcome"]
    _unchanged(water)
    # not urgent: a water leak may close without a call
    workflow.close(actor=operator, incident=water, outcome="resolved_on_site")
    water.refresh_from_db()
    assert water.state == IncidentState.CLOSED


def test_the_api_refuses_with_the_fields_and_saves_nothing(client, operator, sos):
    client.force_login(operator)
    base = f"/api/v1/incidents/{sos.pk}"
    client.post(f"{base}/acknowledge")
    missing = client.post(f"{base}/close", data=json.dumps({"notes": "x"}), content_type="application/json")
    assert missing.status_code == 422  # the outcome has no default
    refused = client.post(
        f"{base}/close",
        data=json.dumps({"outcome": "false_alarm"}),
        content_type="application/json",
        headers={"Accept-Language": "zh-hans"},
    )
    assert refused.status_code == 422
    body = refused.json()
    assert set(body["errors"]) == {"notes", "contact"}
    _unchanged(sos)


def test_the_console_form_has_no_preselected_outcome_and_shows_the_refusal(client, tree, sos):
    operator = factories.user("operator", regions=(factories.COMMUNITY_A,), username="op_close")
    client.force_login(operator)
    url = f"/alarms/console/{sos.pk}/"
    client.post(f"{url}acknowledge/", headers={"HX-Request": "true"})
    page = client.get(url, headers={"Accept-Language": "zh-hans"}).content.decode()
    start = page.index('id="close-outcome"')
    select = page[start : page.index("</select>", start)]
    assert "required" in select
    assert select.index('<option value="" selected>') < select.index('value="false_alarm"')
    assert "data-close-needs" in page
    with translation.override("zh-hans"):
        headers = {"HX-Request": "true", "Accept-Language": "zh-hans"}
        panel = client.post(f"{url}close/", {"outcome": "false_alarm"}, headers=headers).content.decode()
    assert "data-error" in panel and "误报" in panel
    _unchanged(sos)


@pytest.mark.parametrize(
    ("priority", "answered", "outcome", "notes", "allowed"),
    [
        (Priority.URGENT, False, "resolved_by_phone", "", False),
        (Priority.URGENT, True, "resolved_by_phone", "", True),
        (Priority.URGENT, True, "false_alarm", "", False),
        (Priority.URGENT, True, "false_alarm", "误按", True),
        (Priority.URGENT, True, "", "", False),
        (Priority.URGENT, True, "other", "", False),
        (Priority.HIGH, False, "resolved_on_site", "", True),
        (Priority.HIGH, False, "false_alarm", "", False),
        (Priority.MAINTENANCE, False, "resolved_on_site", "", True),
    ],
)
def test_may_close_incident(operator, device, priority, answered, outcome, notes, allowed):
    incident = IncidentFactory(device=device, priority=priority)
    if answered:
        incident.responder_kind = "volunteer"
    assert may_close_incident(operator, incident, outcome=outcome, notes=notes) is allowed
    assert (close_blockers(incident, outcome=outcome, notes=notes) == {}) is allowed


def test_may_close_incident_needs_a_handler(tree, device):
    incident = IncidentFactory(device=device, priority=Priority.HIGH)
    family = factories.user("elder", regions=(factories.COMMUNITY_A,), username="family_close")
    assert not may_close_incident(family, incident, outcome="resolved_on_site")
    assert Incident.objects.filter(pk=incident.pk, state=IncidentState.RECEIVED).exists()
