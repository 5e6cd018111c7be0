import json

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_and_docs_page(client, official):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/me", "/api/v1/regions", "/api/v1/elders", "/api/v1/elders/{elder_id}/reveal"):
        assert path in schema["paths"]
    client.force_login(official)
    assert client.get("/api/v1/docs").status_code == 200


def test_regions_by_parent(client, official):
    client.force_login(official)
    children = client.get("/api/v1/regions", {"parent": "220202000000"}).json()
    assert [region["code"] for region in children] == ["220202001000", "220202002000", "220202100000"]
    assert client.get("/api/v1/regions", {"parent": "999999999999"}).status_code == 404


def test_domain_error_is_json_with_code_and_message(client, official):
    client.force_login(official)
    response = client.post(
        "/api/v1/users",
        data=json.dumps(
            {
                "username": "x1",
                "password": "Correct-Horse-42",
                "role": "community_worker",
                "region_codes": ["220202000000"],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error" and "社区" in body["message"]


def test_malformed_body_is_422_naming_the_field(client, official):
    client.force_login(official)
    response = client.post(
        "/api/v1/users", data=json.dumps({"username": "x"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert "password" in response.json()["message"]


def test_elder_list_is_masked(client, official, elder_a):
    client.force_login(official)
    item = client.get("/api/v1/elders").json()["items"][0]
    assert item["id_number_masked"] == elder_a.id_number[:6] + "********" + elder_a.id_number[-4:]
    assert elder_a.id_number not in json.dumps(item) and elder_a.phone not in json.dumps(item)


def test_patch_elder_with_bad_phone_changes_nothing(client, official, elder_a):
    client.force_login(official)
    response = client.patch(
        f"/api/v1/elders/{elder_a.pk}",
        data=json.dumps({"phone": "123", "address": "新地址"}),
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_phone"
    elder_a.refresh_from_db()
    assert elder_a.address != "新地址"


def test_session_writes_need_csrf(official):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(official)
    response = strict.post("/api/v1/users", data="{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


@pytest.mark.parametrize(
    "method, path", [("post", "/api/v1/users"), ("patch", "/api/v1/users/{id}"), ("post", "/api/v1/elders")]
)
def test_writes_without_a_login_are_401_as_documented(official, method, path):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = getattr(strict, method)(
        path.format(id=official.pk), data="{}", content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "query_of",
    [
        lambda elder: "zsf",  # pinyin initials of 张三丰
        lambda elder: "三丰",  # part of the name
        lambda elder: elder.id_number[-4:],  # ID tail
        lambda elder: elder.phone,  # whole phone
        lambda elder: "13900001111",  # an emergency contact's phone
    ],
)
def test_quick_search_finds_the_elder(client, official, elder_a, elder_b, query_of):
    from shouwang.elders.models import Elder

    Elder.objects.filter(pk=elder_a.pk).update(name_initials="zsf")
    client.force_login(official)
    found = client.get("/api/v1/elders", {"q": query_of(elder_a)}).json()["items"]
    assert [item["id"] for item in found] == [elder_a.pk]


def test_quick_search_stays_in_scope(client, worker_b, elder_a):
    client.force_login(worker_b)
    assert client.get("/api/v1/elders", {"q": elder_a.id_number[-4:]}).json()["count"] == 0
