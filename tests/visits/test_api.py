"""The visits API: the list with its filters, completing a visit, follow-ups, an elder's risk, the rules
and coverage; another community's worker gets 404 for everything of community A."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from shouwang.visits.generation import generate_visits
from shouwang.visits.models import VisitTask
from tests import factories
from tests.factories import error_fields

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def world(tree, worker_a, worker_b):
    today = timezone.localdate()
    alone = factories.ElderFactory(living_arrangement="alone", ability_level=3, name="甲独居")
    old = factories.ElderFactory(living_arrangement="alone", birth_date=dt.date(1930, 1, 1), name="甲高龄")
    other = factories.ElderFactory(
        community_id=factories.COMMUNITY_B, living_arrangement="alone", name="乙独居"
    )
    generate_visits(today=today)
    return {"alone": alone, "old": old, "other": other, "today": today}


def test_list_complete_and_scope(client, world, worker_a, worker_b, english):
    client.force_login(worker_a)
    items = client.get("/api/v1/visits?state=open").json()["items"]
    assert {item["elder_name"] for item in items} == {"甲独居", "甲高龄"}
    assert all(item["assignee_id"] == worker_a.pk for item in items)
    tomorrow = (world["today"] + dt.timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/visits?due_before={tomorrow}&community=220202001001").json()["count"] == 3
    assert client.get(f"/api/v1/visits?assignee={worker_b.pk}").json()["count"] == 0
    assert client.get("/api/v1/visits?state=bogus").status_code == 422

    home = VisitTask.objects.get(elder=world["alone"])
    refused = post(client, f"/api/v1/visits/{home.pk}/complete", {"outcome": "met"})
    assert refused.status_code == 422 and "position" in error_fields(refused.json())
    done = post(
        client,
        f"/api/v1/visits/{home.pk}/complete",
        {"outcome": "met", "findings": ["mood"], "notes": "想念儿子", "lat": 43.85, "lon": 126.55},
    )
    assert done.status_code == 200, done.json()
    assert (done.json()["state"], done.json()["findings"]) == ("done", ["mood"])
    alert = post(client, f"/api/v1/visits/{home.pk}/follow-up/incident", {"note": "请致电"})
    assert alert.status_code == 200 and alert.json()["visit"]["incident_id"] == alert.json()["created_id"]
    assert post(client, f"/api/v1/visits/{home.pk}/follow-up/incident").status_code == 409

    # another community's worker: every visit and elder of community A is a 404, the list is theirs only
    client.force_login(worker_b)
    assert [item["elder_name"] for item in client.get("/api/v1/visits").json()["items"]] == ["乙独居"] * 2
    assert client.get(f"/api/v1/visits/{home.pk}").status_code == 404
    assert (
        post(client, f"/api/v1/visits/{home.pk}/follow-up/order", {"items": [{"code": "meal"}]}).status_code
        == 404
    )
    other = VisitTask.objects.filter(elder=world["old"]).first()
    assert post(client, f"/api/v1/visits/{other.pk}/complete", {"outcome": "met"}).status_code == 404
    assert client.get(f"/api/v1/elders/{world['alone'].pk}/risk").status_code == 404
    assert VisitTask.objects.get(pk=other.pk).state == "open"


def test_risk_rules_and_coverage(client, world, worker_a, official, english):
    client.force_login(worker_a)
    risk = client.get(f"/api/v1/elders/{world['old'].pk}/risk").json()
    assert risk["tier"] == "medium"
    assert risk["rule"]["min_age"] == 80
    assert {(p["kind"], p["interval_days"]) for p in risk["plan"]} == {("phone", 7), ("home", 30)}
    assert len(risk["reasons"]) >= 2
    assert len(client.get("/api/v1/visits/rules").json()) == 6

    task = VisitTask.objects.get(elder=world["alone"])
    post(client, f"/api/v1/visits/{task.pk}/complete", {"outcome": "met", "lat": 43.85, "lon": 126.55})
    client.force_login(official)
    month = world["today"].strftime("%Y-%m")
    report = client.get(f"/api/v1/visits/coverage?month={month}&region=220202000000").json()
    community_a = next(row for row in report["communities"] if row["community"] == factories.COMMUNITY_A)
    cells = {cell["tier"]: cell for cell in community_a["tiers"]}
    assert (cells["high"]["elders_due"], cells["high"]["on_schedule"], cells["high"]["share"]) == (1, 1, 1.0)
    assert (cells["medium"]["elders_due"], cells["medium"]["on_schedule"]) == (1, 0)
    assert client.get("/api/v1/visits/coverage?month=2026-13").status_code == 422
    assert client.get(f"/api/v1/visits/coverage?month={month}&region=999999999999").status_code == 404
