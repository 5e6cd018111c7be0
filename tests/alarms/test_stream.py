"""GET /api/v1/incidents/stream: one JSON message per incident created or changed, in the caller's scope."""

import json

import pytest
from django.utils import timezone

from shouwang.accounts.services import create_api_token
from shouwang.alarms import incidents as workflow
from shouwang.alarms.ingestion import ingest, sign
from shouwang.core import live
from shouwang.core.actors import SYSTEM
from tests import factories
from tests.alarms.factories import DeviceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_a(tree):
    return factories.user("operator", regions=(factories.COMMUNITY_A,), username="operator_a")


def _sos(device, event_id: str, kind: str = "sos"):
    body = json.dumps(
        {"device_id": device.device_id, "event_id": event_id, "type": kind, "ts": timezone.now().isoformat()}
    ).encode()
    return ingest(body, signature=sign(body, device.secret), via="http")


def _messages(response, n):
    """The first ``n`` data messages of a stream (skipping the retry line and heartbeats)."""
    messages, chunks = [], iter(response.streaming_content)
    while len(messages) < n:
        chunk = next(chunks).decode()
        if chunk.startswith("id: "):
            event_id, data = chunk.strip().split("\n")
            messages.append((int(event_id[4:]), json.loads(data[6:])))
    response.close()
    return messages


@pytest.fixture
def alarms_in_both_communities(elder_a, elder_b, django_capture_on_commit_callbacks):
    """An SOS in community A, a fall in community B, then A's incident acknowledged."""
    device_a, device_b = DeviceFactory(elder=elder_a), DeviceFactory(elder=elder_b)
    admin = factories.user("admin", username="root")
    with django_capture_on_commit_callbacks(execute=True):
        first = _sos(device_a, "e-1")
    with django_capture_on_commit_callbacks(execute=True):
        _sos(device_b, "e-2", kind="fall")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.acknowledge(actor=admin, incident=first.incident.pk)
    return first.incident


def test_session_stream_sends_created_and_changed_incidents_in_scope(
    client, operator_a, alarms_in_both_communities
):
    client.force_login(operator_a)
    response = client.get("/api/v1/incidents/stream", headers={"Last-Event-ID": "0"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    (first_id, created), (second_id, acknowledged) = _messages(response, 2)
    assert created["id"] == acknowledged["id"] == alarms_in_both_communities.pk
    assert (created["change"], created["state"], created["priority"]) == ("created", "received", "urgent")
    assert (acknowledged["change"], acknowledged["state"]) == ("acknowledged", "acknowledged")
    assert created["community"] == factories.COMMUNITY_A
    assert second_id > first_id
    assert "id_number" not in created and "****" in created["elder_phone"]


def test_bearer_token_stream_replays_after_an_id(client, operator_a, alarms_in_both_communities):
    _, raw = create_api_token(actor=SYSTEM, user=operator_a, name="dispatch system")
    first_id = live.events_after(["incidents"], 0)[0].pk
    response = client.get(
        "/api/v1/incidents/stream", {"after": first_id}, headers={"Authorization": f"Bearer {raw}"}
    )
    [(_, message)] = _messages(response, 1)
    assert message["change"] == "acknowledged"


def test_operator_of_another_community_gets_only_its_own(client, tree, alarms_in_both_communities):
    other = factories.user("operator", regions=(factories.COMMUNITY_B,), username="operator_b")
    client.force_login(other)
    [(_, message)] = _messages(client.get("/api/v1/incidents/stream", {"after": 0}), 1)
    assert (message["kind"], message["community"]) == ("fall", factories.COMMUNITY_B)


def test_roles_without_alarms_get_no_messages(alarms_in_both_communities, provider_admin_a):
    from shouwang.alarms.live import visible_to

    payloads = [event.payload for event in live.events_after(["incidents"], 0)]
    assert len(payloads) == 3
    assert not any(visible_to(provider_admin_a)(p) for p in payloads)


def test_stream_needs_authentication(client):
    response = client.get("/api/v1/incidents/stream")
    assert response.status_code == 401
