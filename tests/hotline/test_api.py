"""The calls API: the contract (``GET /calls?reason=&since=``, ``POST /calls``), the caller pop-up, call-
backs, the active-care list, statistics and the knowledge search; another region's call is a 404."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from shouwang.core.actors import SYSTEM
from shouwang.hotline import services
from tests.factories import error_fields
from tests.hotline.conftest import minutes_ago

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_record_and_list_calls_with_filters(client, desk, english):
    client.force_login(desk.operator)
    answer = post(
        client,
        "/api/v1/calls",
        {
            "reason": "information",
            "outcome": "resolved",
            "caller_number": "13800000001",
            "elder_id": desk.elder_a.pk,
            "duration_seconds": 95,
            "summary": "问高龄津贴",
            "started_at": minutes_ago(5).isoformat(),
        },
    )
    assert answer.status_code == 201, answer.content
    first = answer.json()
    assert (first["caller_number"], first["caller_kind"], first["elder_id"], first["reason_label"]) == (
        "138****0001",
        "elder",
        desk.elder_a.pk,
        "information and policy (信息咨询)",
    )
    old = services.record_call(
        actor=desk.operator, reason="complaint", outcome="referred", started_at=minutes_ago(3 * 24 * 60)
    )
    assert ids(client.get("/api/v1/calls")) == [first["id"], old.pk]
    assert ids(client.get("/api/v1/calls?reason=complaint")) == [old.pk]
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert ids(client.get(f"/api/v1/calls?since={yesterday}")) == [first["id"]]  # a date: Shanghai midnight
    since = (timezone.now() - dt.timedelta(minutes=10)).isoformat().replace("+", "%2B")
    assert ids(client.get(f"/api/v1/calls?since={since}&reason=information")) == [first["id"]]
    assert ids(client.get(f"/api/v1/calls?elder={desk.elder_a.pk}")) == [first["id"]]
    refused = client.get("/api/v1/calls?reason=gossip")
    assert refused.status_code == 422 and "reason" in error_fields(refused.json())


def test_bad_call_is_a_422_naming_the_fields(client, desk):
    client.force_login(desk.operator)
    answer = post(client, "/api/v1/calls", {"reason": "order", "outcome": "call_back", "caller_number": "12"})
    assert answer.status_code == 422
    assert {"caller_number", "call_back_due"} <= set(error_fields(answer.json()))
    answer = post(client, "/api/v1/calls", {"reason": "order", "outcome": "resolved", "duration_seconds": -1})
    assert answer.status_code == 422 and "duration_seconds" in error_fields(answer.json())


def test_another_regions_call_is_not_found(client, desk):
    call = services.record_call(
        actor=desk.operator, reason="order", outcome="resolved", elder_id=desk.elder_b.pk
    )
    client.force_login(desk.worker_b)
    assert client.get(f"/api/v1/calls/{call.pk}").json()["elder_id"] == desk.elder_b.pk
    for outsider in (desk.worker_a, desk.other_operator):
        client.force_login(outsider)
        assert client.get(f"/api/v1/calls/{call.pk}").status_code == 404
        assert ids(client.get("/api/v1/calls")) == []
        answer = post(
            client, "/api/v1/calls", {"reason": "order", "outcome": "resolved", "elder_id": desk.elder_b.pk}
        )
        assert answer.status_code == 404
    client.force_login(desk.family)  # a family account is no desk
    assert post(client, "/api/v1/calls", {"reason": "order", "outcome": "resolved"}).status_code == 403
    assert ids(client.get("/api/v1/calls")) == []


def test_caller_pop_up_call_backs_care_and_stats(client, desk):
    client.force_login(desk.operator)
    found = client.get("/api/v1/calls/caller?number=13900001111").json()
    assert found["number"] == "139****1111"
    assert [(m["kind"], [e["id"] for e in m["elders"]]) for m in found["matches"]] == [
        ("contact", [desk.elder_a.pk])
    ]
    assert found["matches"][0]["elders"][0]["phone"] == "138****0001"

    call = post(
        client,
        "/api/v1/calls",
        {
            "reason": "order",
            "outcome": "call_back",
            "elder_id": desk.elder_a.pk,
            "call_back_due": minutes_ago(1).isoformat(),
        },
    ).json()
    overdue = client.get("/api/v1/calls/callbacks?overdue=true").json()
    assert [(cb["call_id"], cb["overdue"]) for cb in overdue] == [(call["id"], True)]
    closed = post(client, f"/api/v1/calls/callbacks/{overdue[0]['id']}/close", {"note": "已回电"})
    assert closed.status_code == 200 and closed.json()["done_note"] == "已回电"
    assert post(client, f"/api/v1/calls/callbacks/{overdue[0]['id']}/close", {}).status_code == 409
    assert client.get("/api/v1/calls/callbacks").json() == []

    services.generate_care_calls(actor=SYSTEM)
    care = client.get("/api/v1/calls/care").json()
    assert [(c["elder_id"], c["phone"], c["done_at"]) for c in care] == [
        (desk.elder_a.pk, "138****0001", None)
    ]
    done = post(client, f"/api/v1/calls/care/{care[0]['id']}/done", {"outcome": "resolved", "summary": "好"})
    assert done.status_code == 200 and done.json()["call_id"] is not None

    stats = client.get("/api/v1/calls/stats").json()
    assert [(row["day"], row["order"], row["emotional"], row["total"]) for row in stats] == [
        (timezone.localdate().isoformat(), 1, 1, 2)
    ]
    client.force_login(desk.worker_b)
    assert client.get("/api/v1/calls/stats").json() == []
    assert (
        post(client, f"/api/v1/calls/care/{care[0]['id']}/done", {"outcome": "resolved"}).status_code == 404
    )


def test_knowledge_search_by_characters_and_initials(client, desk):
    services.create_article(
        actor=desk.official, question="高龄津贴怎么申请？", answer="年满80周岁…", keywords="高龄 补贴"
    )
    client.force_login(desk.operator)
    for q in ("高龄", "glj", "补贴", "gl"):
        assert [a["question"] for a in client.get(f"/api/v1/calls/knowledge?q={q}").json()] == [
            "高龄津贴怎么申请？"
        ], q
    assert client.get("/api/v1/calls/knowledge?q=助浴").json() == []


def test_a_check_in_on_the_elders_behalf_through_the_api(client, desk):
    from shouwang.alarms.models import CheckIn

    with_elder = services.record_call(
        actor=desk.operator, reason="emotional", outcome="resolved", elder_id=desk.elder_a.pk
    )
    without = services.record_call(actor=desk.operator, reason="information", outcome="resolved")
    client.force_login(desk.worker_b)
    assert client.post(f"/api/v1/calls/{with_elder.pk}/checkin").status_code == 404
    client.force_login(desk.operator)

    made = client.post(f"/api/v1/calls/{with_elder.pk}/checkin")
    refused = client.post(f"/api/v1/calls/{without.pk}/checkin")

    assert made.status_code == 201
    assert made.json()["elder_id"] == desk.elder_a.pk and made.json()["channel"] == "desk"
    assert refused.status_code == 422 and "elder" in error_fields(refused.json())
    assert list(CheckIn.objects.values_list("elder_id", flat=True)) == [desk.elder_a.pk]
