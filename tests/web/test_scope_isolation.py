"""A user of community A (or provider A) sees and changes nothing of community B (or provider B),
through the API or the console: 404 on open and change, absent from lists and counts."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_worker_lists_only_own_community_through_api(client, worker_a, elder_a, elder_b):
    client.force_login(worker_a)
    body = client.get("/api/v1/elders").json()
    assert body["count"] == 1
    assert [item["id"] for item in body["items"]] == [elder_a.pk]


def test_worker_cannot_find_other_community_by_filter(client, worker_a, elder_b):
    client.force_login(worker_a)
    body = client.get("/api/v1/elders", {"community": elder_b.community_id}).json()
    assert body["count"] == 0 and body["items"] == []


def test_worker_cannot_open_other_community_elder(client, worker_a, elder_b):
    client.force_login(worker_a)
    response = client.get(f"/api/v1/elders/{elder_b.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "李四光" not in response.content.decode()


def test_worker_cannot_change_other_community_elder(client, worker_a, elder_b):
    client.force_login(worker_a)
    response = client.patch(
        f"/api/v1/elders/{elder_b.pk}",
        data=json.dumps({"phone": "13912345678"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    elder_b.refresh_from_db()
    assert elder_b.phone != "13912345678"


def test_worker_cannot_reveal_other_community_elder(client, worker_a, elder_b):
    client.force_login(worker_a)
    response = client.post(f"/api/v1/elders/{elder_b.pk}/reveal", data="{}", content_type="application/json")
    assert response.status_code == 404
    assert elder_b.id_number not in response.content.decode()


def test_worker_pages_hide_other_community(client, worker_a, elder_a, elder_b):
    client.force_login(worker_a)
    listing = client.get("/elders/").content.decode()
    assert "张三丰" in listing and "李四光" not in listing
    assert client.get(f"/elders/{elder_b.pk}/").status_code == 404
    assert client.post(f"/elders/{elder_b.pk}/reveal/").status_code == 404


def test_home_counts_only_own_community(client, worker_a, elder_a, elder_b):
    client.force_login(worker_a)
    response = client.get("/")
    assert response.context["elder_count"] == 1
    assert response.context["community_count"] == 1


def test_official_sees_whole_district(client, official, elder_a, elder_b):
    client.force_login(official)
    assert client.get("/api/v1/elders").json()["count"] == 2


def test_user_without_scope_sees_nothing(client, tree, elder_a):
    from tests.factories import user

    assessor = user("assessor", regions=("220202001001",))
    client.force_login(assessor)
    assert client.get("/api/v1/elders").json()["count"] == 0
    assert client.get(f"/api/v1/elders/{elder_a.pk}").status_code == 404


def test_provider_admin_sees_only_own_provider(client, provider_admin_a, provider_a, provider_b):
    client.force_login(provider_admin_a)
    listing = client.get("/api/v1/providers").json()
    assert [item["id"] for item in listing["items"]] == [provider_a.pk]
    assert client.get(f"/api/v1/providers/{provider_b.pk}").status_code == 404
    assert "乙服务商" not in client.get("/providers/").content.decode()


def test_provider_admin_sees_only_own_staff(client, provider_admin_a, provider_admin_b):
    client.force_login(provider_admin_a)
    usernames = [item["username"] for item in client.get("/api/v1/users").json()["items"]]
    assert usernames == ["padmin_a"]
    assert client.get(f"/api/v1/users/{provider_admin_b.pk}").status_code == 404
    response = client.patch(
        f"/api/v1/users/{provider_admin_b.pk}",
        data=json.dumps({"full_name": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_provider_admin_never_reaches_elders(client, provider_admin_a, elder_a):
    client.force_login(provider_admin_a)
    assert client.get("/api/v1/elders").json()["count"] == 0
    assert client.get("/elders/").status_code == 403


def test_worker_cannot_open_other_workers_account_page(client, official, worker_a, worker_b):
    client.force_login(worker_a)
    assert client.get(f"/accounts/users/{worker_b.pk}/").status_code == 403
    assert client.get(f"/api/v1/users/{worker_b.pk}").status_code == 404
