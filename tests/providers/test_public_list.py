"""The public list: only admitted providers under a contract in force for the community, with prices."""

import pytest
from django.utils import timezone

from shouwang.providers.admission import (
    add_licence,
    decide_admission,
    exit_provider,
    sign_contract,
    start_review,
)
from shouwang.providers.prices import set_price
from shouwang.providers.selectors import designated_for_community
from tests import factories

pytestmark = pytest.mark.django_db


def today():
    """The platform's date when the test runs (not when the module was imported: a run may cross midnight)."""
    return timezone.localdate()


def _designate(official, provider, community):
    add_licence(actor=official, provider_id=provider.pk, kind="business", number="B1")
    start_review(actor=official, provider_id=provider.pk)
    decide_admission(actor=official, provider_id=provider.pk, admit=True)
    sign_contract(
        actor=official, provider_id=provider.pk, number=f"C{provider.pk}", starts_on=today(), ends_on=today(),
        area_codes=[community], services=["meal", "cleaning"],
    )  # fmt: skip


def test_public_list_shows_designated_providers_with_prices(client, official, provider_a, provider_b):
    _designate(official, provider_a, factories.COMMUNITY_A)
    _designate(official, provider_b, factories.COMMUNITY_B)
    set_price(actor=official, provider_id=provider_a.pk, item_code="meal", price="15.50")
    listing = designated_for_community(factories.COMMUNITY_A)
    assert [entry["name"] for entry in listing] == ["甲服务商"]
    assert {s["code"]: s["price"] for s in listing[0]["services"]} == {"meal": "15.50", "cleaning": None}
    page = client.get("/public/providers/", {"community": factories.COMMUNITY_A}).content.decode()
    assert "甲服务商" in page and "15.50" in page and "乙服务商" not in page  # no login needed


def test_an_exited_provider_leaves_the_public_list(official, provider_a):
    _designate(official, provider_a, factories.COMMUNITY_A)
    exit_provider(actor=official, provider_id=provider_a.pk, kind="forced", reason="整改不到位")
    assert designated_for_community(factories.COMMUNITY_A) == []


def test_a_provider_applies_online_and_its_admin_logs_in(client, tree):
    data = {
        "name": "吉林市新康养老服务有限公司",
        "credit_code": factories.credit_code(990),
        "kind": "company",
        "region_code": factories.DISTRICT,
        "contact_name": "王经理",
        "contact_phone": "13800001111",
        "username": "xinkang",
        "password": "Correct-Horse-42",
    }
    assert client.post("/public/providers/apply/", data).status_code == 302
    from shouwang.providers.models import Provider, ProviderState

    provider = Provider.objects.get(name=data["name"])
    assert provider.state == ProviderState.APPLIED and provider.users.get().username == "xinkang"
    login = client.post("/accounts/login/", {"username": "xinkang", "password": "Correct-Horse-42"})
    assert login.status_code == 302  # the administrator can log in to add licences


def test_an_online_application_with_a_weak_password_saves_nothing(client, tree):
    from shouwang.providers.models import Provider

    data = {"name": "某公司", "credit_code": factories.credit_code(991), "kind": "company",
            "region_code": factories.DISTRICT, "username": "x1", "password": "123"}  # fmt: skip
    response = client.post("/public/providers/apply/", data)
    assert response.status_code == 200 and "alert-error" in response.content.decode()
    assert not Provider.objects.filter(name="某公司").exists()
