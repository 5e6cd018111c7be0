"""The assessment workflow and care plans through the API, with scope."""

import json

import pytest

from shouwang.assessments.scoring import ITEMS
from shouwang.assessments.services import assign_assessor
from tests import factories

pytestmark = pytest.mark.django_db


def _send(client, method, url, body=None):
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def test_from_draft_to_approved_level_and_a_care_plan(client, worker_a, official, elder_a):
    first = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    second = factories.user("assessor", regions=(factories.DISTRICT,), username="a2")
    assign_assessor(actor=worker_a, elder_id=elder_a.pk, assessor_id=first.pk)
    client.force_login(first)
    created = _send(client, "post", "/api/v1/assessments", {"elder_id": elder_a.pk})
    assert created.status_code == 201
    url = f"/api/v1/assessments/{created.json()['id']}"
    scores = {item.key: 0 for item in ITEMS}  # fully dependent: total 0, level 4
    body = {"assessor_2": second.pk, "informant_name": "张小明", "items": scores, "risk_events": {"fall": 1}}
    assert _send(client, "patch", url, body).status_code == 200
    submitted = _send(client, "post", f"{url}/submit")
    assert submitted.status_code == 200 and submitted.json()["final_level"] == 4
    assert _send(client, "post", f"{url}/approve").status_code == 403  # an assessor does not approve

    client.force_login(official)
    assert _send(client, "post", f"{url}/approve").json()["state"] == "approved"
    assert _send(client, "post", f"{url}/approve").status_code == 409

    client.force_login(worker_a)
    plan = _send(
        client, "post", "/api/v1/assessments/care-plans", {"elder_id": elder_a.pk, "needs": ["meal"]}
    )
    assert plan.status_code == 201
    services = {item["service"] for item in plan.json()["items"]}
    assert {"basic_care", "meal", "cleaning", "visit"} <= services  # level 4, living alone, asked for meals
    plan_url = f"/api/v1/assessments/care-plans/{plan.json()['id']}"
    edited = _send(client, "put", f"{plan_url}/items", [{"service": "meal", "times": 5, "per": "week"}])
    assert [(i["service"], i["times"]) for i in edited.json()["items"]] == [("meal", 5)]
    assert _send(client, "post", f"{plan_url}/approve").json()["state"] == "approved"


def test_missing_items_are_named_on_submit(client, worker_a, elder_a):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    assign_assessor(actor=worker_a, elder_id=elder_a.pk, assessor_id=assessor.pk)
    client.force_login(assessor)
    created = _send(client, "post", "/api/v1/assessments", {"elder_id": elder_a.pk}).json()
    response = _send(client, "post", f"/api/v1/assessments/{created['id']}/submit")
    assert response.status_code == 422 and "eating" in json.dumps(response.json()["errors"])


def test_worker_of_another_community_reaches_nothing(client, worker_a, worker_b, elder_a):
    assessor = factories.user("assessor", regions=(factories.DISTRICT,), username="a1")
    client.force_login(worker_a)
    start = {"elder_id": elder_a.pk, "assessor_id": assessor.pk}
    created = _send(client, "post", "/api/v1/assessments", start).json()
    client.force_login(worker_b)
    assert client.get(f"/api/v1/assessments/{created['id']}").status_code == 404
    assert client.get("/api/v1/assessments").json()["count"] == 0
    assert _send(client, "post", "/api/v1/assessments", start).status_code == 404
    assert (
        _send(client, "post", f"/api/v1/assessments/{created['id']}/discard", {"reason": "x"}).status_code
        == 404
    )
    due = client.get("/api/v1/assessments/due").json()
    assert elder_a.pk not in [elder["id"] for elder in due["items"]]
