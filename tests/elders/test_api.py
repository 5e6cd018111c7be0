"""The registry API: search filters, masking, create, life events, imports and exports, scope."""

import datetime as dt
import json

import pytest

from shouwang.core.idnumbers import make_resident_id
from shouwang.core.models import AuditLog
from shouwang.elders.imports import run_import
from shouwang.elders.models import Elder, SpreadsheetJob
from tests import factories

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_search_by_pinyin_initials_name_part_and_id_tail(client, official, elder_a, elder_b):
    client.force_login(official)
    assert [i["name"] for i in client.get("/api/v1/elders", {"q": "zsf"}).json()["items"]] == ["张三丰"]
    assert [i["name"] for i in client.get("/api/v1/elders", {"name": "四"}).json()["items"]] == ["李四光"]
    tail = elder_b.id_number[-6:]
    assert [i["id"] for i in client.get("/api/v1/elders", {"q": tail}).json()["items"]] == [elder_b.pk]


def test_search_by_category_age_and_community(client, official, elder_a, elder_b, worker_a):
    client.force_login(official)
    client.patch(
        f"/api/v1/elders/{elder_a.pk}",
        data=json.dumps({"categories": ["低保"]}),
        content_type="application/json",
    )
    assert client.get("/api/v1/elders", {"category": "dibao"}).json()["count"] == 1
    age = elder_a.age
    assert client.get("/api/v1/elders", {"age_min": age, "age_max": age}).json()["count"] == 2
    assert client.get("/api/v1/elders", {"age_min": age + 1}).json()["count"] == 0
    assert client.get("/api/v1/elders", {"community": factories.STREET_A}).json()["count"] == 1


def test_detail_is_masked_and_complete(client, official, elder_a):
    client.force_login(official)
    body = client.get(f"/api/v1/elders/{elder_a.pk}").json()
    assert body["contacts"][0]["phone_masked"] == "139****1111"
    assert elder_a.id_number not in json.dumps(body) and "13900001111" not in json.dumps(body)


def test_create_returns_201_and_a_duplicate_409_with_the_existing_id(client, worker_a):
    client.force_login(worker_a)
    body = {
        "name": "王大明",
        "id_number": make_resident_id("220202", dt.date(1948, 3, 2), 13),
        "community": factories.COMMUNITY_A,
        "categories": ["dibao"],
        "contacts": [{"name": "王小", "relation": "儿子", "phone": "13900001111", "is_keyholder": True}],
    }
    created = _post(client, "/api/v1/elders", body)
    assert created.status_code == 201 and created.json()["categories"] == ["dibao"]
    again = _post(client, "/api/v1/elders", body)
    assert again.status_code == 409
    assert (
        again.json()["code"] == "duplicate_id_number" and again.json()["existing_id"] == created.json()["id"]
    )


def test_life_events_through_the_api(client, worker_a, elder_a):
    client.force_login(worker_a)
    response = _post(
        client, f"/api/v1/elders/{elder_a.pk}/events", {"event": "deceased", "date": "2026-02-01"}
    )
    assert response.status_code == 201 and response.json()["status_after"] == "deceased"
    again = _post(client, f"/api/v1/elders/{elder_a.pk}/events", {"event": "moved_out", "date": "2026-02-02"})
    assert again.status_code == 409
    history = client.get(f"/api/v1/elders/{elder_a.pk}/events").json()
    assert [change["event"] for change in history] == ["deceased"]


def test_import_through_the_api_then_follow_the_job(client, worker_a, tmp_path):
    client.force_login(worker_a)
    person = make_resident_id("220202", dt.date(1950, 5, 6), 21)
    community = factories.COMMUNITY_A
    content = f"姓名,身份证号码,现居住社区代码\n李大爷,{person},{community}\n错行,123,{community}\n"
    path = tmp_path / "elders.csv"
    path.write_text(content, encoding="utf-8")
    with path.open("rb") as upload:
        response = client.post("/api/v1/elders/imports", {"file": upload, "dry_run": "false"})
    assert response.status_code == 202
    job_id = response.json()["id"]
    run_import(job_id=job_id)  # what the worker does; tests run it here
    job = client.get(f"/api/v1/elders/jobs/{job_id}").json()
    assert (job["state"], job["created"], job["rejected"]) == ("done", 1, 1)
    assert client.get(job["result_url"]).status_code == 200
    assert Elder.objects.filter(id_number=person, community_id=factories.COMMUNITY_A).exists()


def test_jobs_of_others_are_not_found(client, worker_a, worker_b):
    client.force_login(worker_a)
    response = _post(client, "/api/v1/elders/exports", {"category": "dibao"})
    assert response.status_code == 202
    client.force_login(worker_b)
    assert client.get(f"/api/v1/elders/jobs/{response.json()['id']}").status_code == 404


def test_unmasked_export_request_is_refused_to_an_assessor(client, tree):
    client.force_login(factories.user("assessor", regions=(factories.DISTRICT,)))
    response = _post(client, "/api/v1/elders/exports", {"unmasked": True})
    assert response.status_code == 403 and not SpreadsheetJob.objects.exists()


def test_worker_of_another_community_sees_and_changes_nothing(client, worker_b, elder_a):
    client.force_login(worker_b)
    assert client.get("/api/v1/elders", {"q": "zsf"}).json()["count"] == 0
    assert client.get(f"/api/v1/elders/{elder_a.pk}").status_code == 404
    assert _post(client, f"/api/v1/elders/{elder_a.pk}/reveal", {}).status_code == 404
    response = _post(
        client, f"/api/v1/elders/{elder_a.pk}/events", {"event": "deceased", "date": "2026-02-01"}
    )
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action__in=["elders.reveal", "elders.deceased"]).exists()


def test_a_filter_no_elder_could_match_is_refused_saying_which(client, official, elder_a):
    client.force_login(official)
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

    unknown = client.get("/api/v1/elders", {"category": "tekum", "status": "gone"}, **zh)
    assert unknown.status_code == 422
    assert set(unknown.json()["errors"]) == {"category", "status"}
    assert (
        "“tekum”" in unknown.json()["errors"]["category"] and "特困" in unknown.json()["errors"]["category"]
    )

    ages = client.get("/api/v1/elders", {"age_min": 90, "age_max": 80}, **zh).json()
    assert list(ages["errors"]) == ["age_max"]
    assert list(client.get("/api/v1/elders", {"age_min": 200}).json()["errors"]) == ["age_min"]
    assert list(client.get("/api/v1/elders", {"community": "兴华社区"}).json()["errors"]) == ["community"]


def test_an_export_with_a_bad_filter_is_refused_before_any_job(client, official, elder_a):
    client.force_login(official)
    refused = _post(client, "/api/v1/elders/exports", {"living_arrangement": "alone-ish"})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["living_arrangement"]
    assert not SpreadsheetJob.objects.exists()
