"""The provider pages and API: an official takes an applicant through admission to a contract; a provider
admin sees only their own organisation."""

import json

import pytest

from shouwang.providers.models import ProviderState
from tests import factories

pytestmark = pytest.mark.django_db


def test_official_admits_and_contracts_through_the_console(client, official, provider_a):
    client.force_login(official)
    base = f"/providers/{provider_a.pk}"
    client.post(f"{base}/licence/", {"kind": "business", "number": "91220202MA00000001", "expires_on": ""})
    client.post(f"{base}/review/")
    client.post(f"{base}/admit/", {"reasons": ""})
    client.post(
        f"{base}/contract/",
        {
            "number": "CY-1",
            "starts_on": "2026-01-01",
            "ends_on": "2030-12-31",
            "areas": [factories.COMMUNITY_A],
            "services": ["meal"],
        },  # fmt: skip
    )
    page = client.get(f"{base}/").content.decode()
    provider_a.refresh_from_db()
    assert provider_a.state == ProviderState.ADMITTED and "CY-1" in page


def test_a_refused_step_shows_a_message_and_changes_nothing(client, official, provider_a):
    client.force_login(official)
    response = client.post(f"/providers/{provider_a.pk}/admit/", {"reasons": ""}, follow=True)
    assert response.status_code == 200 and b"alert-error" in response.content
    provider_a.refresh_from_db()
    assert provider_a.state == ProviderState.APPLIED


def test_register_an_applicant_with_a_bad_credit_code(client, official):
    client.force_login(official)
    data = {"name": "新服务商", "credit_code": "123", "kind": "company", "region_code": factories.DISTRICT}
    response = client.post("/providers/new/", data)
    assert response.status_code == 200 and "alert-error" in response.content.decode()


def test_api_workflow_and_provider_admin_scope(client, official, provider_a, provider_b, provider_admin_a):
    client.force_login(official)
    url = f"/api/v1/providers/{provider_a.pk}"
    body = {"kind": "business", "number": "X-1"}
    assert (
        client.post(f"{url}/licences", json.dumps(body), content_type="application/json").status_code == 201
    )
    assert client.post(f"{url}/review").json()["state"] == "reviewing"
    decision = client.post(f"{url}/decision", json.dumps({"admit": True}), content_type="application/json")
    assert decision.json()["state"] == "admitted" and decision.json()["may_take_orders"] is False
    client.force_login(provider_admin_a)
    assert [p["id"] for p in client.get("/api/v1/providers").json()["items"]] == [provider_a.pk]
    assert client.get(f"/api/v1/providers/{provider_b.pk}").status_code == 404
    assert client.post(f"/api/v1/providers/{provider_b.pk}/apply").status_code == 404


def test_prices_through_the_api_and_the_page(client, provider_admin_a, provider_a):
    client.force_login(provider_admin_a)
    url = f"/api/v1/providers/{provider_a.pk}/prices"
    response = client.post(
        url, json.dumps({"item_code": "meal", "price": "15.50"}), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["price_fen"] == 1550
    assert [p["price_yuan"] for p in client.get(url).json()] == ["15.50"]
    assert "15.50" in client.get(f"/providers/{provider_a.pk}/").content.decode()
