"""The incidents API: list with filters and scope, detail, workflow endpoints (409 on illegal steps),
the report, and the stream payload."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from shouwang.alarms.selectors import incident_payload, incidents_for
from tests import factories
from tests.alarms.factories import DeviceFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_list_filters_and_scope(client, operator, worker_a, worker_b, device, device_b):
    urgent = IncidentFactory(device=device)
    water = IncidentFactory(device=device, kind="water", priority="high")
    other = IncidentFactory(device=device_b)
    client.force_login(operator)
    ids = lambda response: [item["id"] for item in response.json()["items"]]  # noqa: E731
    assert sorted(ids(client.get("/api/v1/incidents"))) == sorted([urgent.pk, water.pk, other.pk])
    assert ids(client.get("/api/v1/incidents?priority=high")) == [water.pk]
    assert ids(client.get(f"/api/v1/incidents?elder={device_b.elder_id}")) == [other.pk]
    assert ids(client.get("/api/v1/incidents?kind=water&state=received")) == [water.pk]
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat().replace("+", "%2B")
    assert ids(client.get(f"/api/v1/incidents?since={future}")) == []
    page = client.get("/api/v1/incidents?page_size=2").json()
    assert (page["count"], len(page["items"])) == (3, 2)
    client.force_login(worker_b)
    assert ids(client.get("/api/v1/incidents")) == [other.pk]
    assert client.get(f"/api/v1/incidents/{urgent.pk}").status_code == 404
    assert post(client, f"/api/v1/incidents/{urgent.pk}/acknowledge").status_code == 404


def test_roles_outside_alarms_see_nothing(tree, device):
    IncidentFactory(device=device)
    family = factories.user("elder", regions=(factories.COMMUNITY_A,))
    assert incidents_for(family).count() == 0
    assert incidents_for(factories.user("admin")).count() == 1


def test_workflow_over_the_api(client, operator, device, elder_a):
    incident = IncidentFactory(device=device)
    client.force_login(operator)
    base = f"/api/v1/incidents/{incident.pk}"
    illegal = post(client, f"{base}/on-site")
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    assert post(client, f"{base}/acknowledge").json()["state"] == "acknowledged"
    assert post(client, f"{base}/call-elder").json()["state"] == "calling_elder"
    contact = elder_a.contacts.get()
    assert post(client, f"{base}/contact", {"contact_id": contact.pk, "result": "no_answer"}).json()[
        "state"
    ] == ("calling_contacts")
    assert post(client, f"{base}/contact", {"result": "maybe"}).status_code == 422
    assert (
        post(client, f"{base}/responder", {"kind": "119", "note": "烟雾"}).json()["state"] == "responder_sent"
    )
    assert post(client, f"{base}/on-site").json()["state"] == "on_site"
    closed = post(client, f"{base}/close", {"outcome": "hospital", "notes": "送医"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    detail = client.get(base).json()
    assert [step["step"] for step in detail["steps"]] == [
        "acknowledged",
        "calling_elder",
        "contact",
        "responder_sent",
        "on_site",
        "closed",
    ]
    assert detail["contact_attempts"][0]["result"] == "no_answer"
    assert detail["steps"][0]["actor"] == operator.username


def test_detail_lists_the_device_events(client, operator, device):
    from shouwang.alarms.ingestion import ingest
    from tests.alarms.factories import signed

    body, signature = signed(device, type="fall")
    incident = ingest(body, signature=signature, via="http").incident
    client.force_login(operator)
    detail = client.get(f"/api/v1/incidents/{incident.pk}").json()
    assert [event["type"] for event in detail["events"]] == ["fall"]


def test_report_endpoint(client, official, device):
    client.force_login(official)
    month = timezone.localdate().strftime("%Y-%m")
    IncidentFactory(device=device)
    teams = client.get(f"/api/v1/incidents/report?month={month}").json()["teams"]
    assert teams[0]["count"] == 1 and teams[0]["answered"] == 0
    assert client.get("/api/v1/incidents/report?month=13-2026").status_code == 422


def test_bearer_token_reads_incidents(client, operator, device):
    from shouwang.accounts.services import create_api_token

    IncidentFactory(device=device)
    _token, key = create_api_token(actor=operator, user=operator, name="cad")
    response = client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.json()["count"] == 1


def test_payload_is_json_safe_and_masks_the_phone(device):
    incident = IncidentFactory(device=device)
    payload = incident_payload(incident)
    json.dumps(payload)
    assert payload["elder_phone"].count("*") == 4 and payload["elder_phone"] != device.elder.phone
    assert payload["device_id"] == device.device_id and payload["community_name"] == "甲社区"
    assert payload["escalation_level"] == 0 and payload["event_count"] == 1


def test_incident_without_community_is_seen_by_admins_only(tree, operator):
    IncidentFactory(device=DeviceFactory(elder=False))
    assert incidents_for(operator).count() == 0
    assert incidents_for(factories.user("admin")).count() == 1
