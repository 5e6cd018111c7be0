"""The catalogue API: list shapes and filters, one item with its history, categories, the editors'
writes with errors naming the field, and readers who may not write."""

import json

import pytest

from shouwang.catalog.models import ServiceItem
from shouwang.core.models import AuditLog

pytestmark = pytest.mark.django_db

NEW_ITEM = {
    "code": "cleaning_windows",
    "name": "助洁·擦窗",
    "category": "daily_living",
    "unit": "hour",
    "standard_minutes": 60,
    "guide_price": "45.50",
    "required_skill": "高处作业安全",
}


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def test_list_is_paginated_and_shows_prices_in_fen_and_yuan(client, worker_a):
    client.force_login(worker_a)
    body = client.get("/api/v1/catalog/items", {"page_size": 5}).json()
    assert set(body) == {"count", "page", "page_size", "items"}
    assert body["count"] == ServiceItem.objects.filter(active=True).count() and len(body["items"]) == 5
    meal = body["items"][0]
    assert meal["code"] == "meal"
    assert (meal["guide_price_fen"], meal["guide_price_yuan"], meal["price_text"]) == (
        1500,
        "15.00",
        "15.00元/餐",
    )
    assert meal["category"] == "daily_living" and meal["category_name"] == "生活照料"
    assert meal["unit"] == "meal" and meal["unit_name"] == "餐" and meal["active"] is True


def test_list_filters(client, worker_a):
    client.force_login(worker_a)
    codes = [i["code"] for i in client.get("/api/v1/catalog/items", {"category": "errands"}).json()["items"]]
    assert codes == ["errands", "errands_paperwork", "errands_bills"]
    assert client.get("/api/v1/catalog/items", {"q": "助浴"}).json()["count"] == 2
    assert client.get("/api/v1/catalog/items", {"active": "false"}).json()["count"] == 0


def test_categories(client, provider_admin_a):
    client.force_login(provider_admin_a)
    body = client.get("/api/v1/catalog/categories").json()
    assert len(body) == 7
    assert body[0] == {
        "code": "daily_living",
        "label": body[0]["label"],
        "name": "生活照料",
        "active_items": 13,
    }
    assert [c["name"] for c in body][-1] == "适老化改造"


def test_detail_carries_the_history(client, official):
    client.force_login(official)
    meal = ServiceItem.objects.get(code="meal")
    _patch(client, f"/api/v1/catalog/items/{meal.pk}", {"guide_price": "16.5", "reason": "物价调整"})
    body = client.get(f"/api/v1/catalog/items/{meal.pk}").json()
    assert body["guide_price_fen"] == 1650 and body["version"] == 2
    assert [(v["version"], v["action"]) for v in body["history"]] == [(1, "created"), (2, "updated")]
    assert body["history"][0]["changed_by"] == "system"
    assert body["history"][1] == {
        **body["history"][1],
        "changed_by": "official",
        "reason": "物价调整",
        "changes": {"guide_price_fen": [1500, 1650]},
    }


def test_create_returns_201_with_the_item(client, official):
    client.force_login(official)
    response = _post(client, "/api/v1/catalog/items", {**NEW_ITEM, "reason": "新增"})
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "cleaning_windows" and body["guide_price_fen"] == 4550
    assert body["required_certificate"] == "none" and body["subsidy_payable"] is True
    assert [v["reason"] for v in body["history"]] == ["新增"]
    assert AuditLog.objects.filter(action="catalog.item.create", object_id=str(body["id"])).exists()


def test_create_accepts_a_json_number_price_exactly(client, admin_user):
    client.force_login(admin_user)
    response = _post(client, "/api/v1/catalog/items", {**NEW_ITEM, "guide_price": 45.1})
    assert response.status_code == 201 and response.json()["guide_price_fen"] == 4510


def test_bad_price_unknown_category_and_duplicate_code_name_the_field(client, official):
    client.force_login(official)
    bad_price = _post(client, "/api/v1/catalog/items", {**NEW_ITEM, "guide_price": "45.505"})
    assert bad_price.status_code == 422
    assert bad_price.json()["code"] == "validation_error" and list(bad_price.json()["errors"]) == [
        "guide_price"
    ]
    assert "指导价" in bad_price.json()["message"]  # the API speaks the default language, Chinese
    bad_category = _post(client, "/api/v1/catalog/items", {**NEW_ITEM, "category": "cooking"})
    assert bad_category.status_code == 422 and list(bad_category.json()["errors"]) == ["category"]
    duplicate = _post(client, "/api/v1/catalog/items", {**NEW_ITEM, "code": "bathing"})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate_code" and list(duplicate.json()["errors"]) == ["code"]
    assert not ServiceItem.objects.filter(code="cleaning_windows").exists()


def test_patch_changes_only_what_is_sent(client, official):
    client.force_login(official)
    cleaning = ServiceItem.objects.get(code="cleaning")
    body = _patch(client, f"/api/v1/catalog/items/{cleaning.pk}", {"standard_minutes": 90}).json()
    assert (
        body["standard_minutes"] == 90 and body["guide_price_fen"] == 4000 and body["name"] == "助洁·居室保洁"
    )
    refused = _patch(client, f"/api/v1/catalog/items/{cleaning.pk}", {"guide_price": "forty"})
    assert refused.status_code == 422 and "guide_price" in refused.json()["errors"]


def test_retire_and_reactivate(client, official, worker_a):
    client.force_login(official)
    visit = ServiceItem.objects.get(code="visit_phone")
    no_reason = _post(client, f"/api/v1/catalog/items/{visit.pk}/retire", {})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    retired = _post(client, f"/api/v1/catalog/items/{visit.pk}/retire", {"reason": "并入上门探访"})
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert _post(client, f"/api/v1/catalog/items/{visit.pk}/retire", {"reason": "x"}).status_code == 409
    client.force_login(worker_a)
    codes = {i["code"] for i in client.get("/api/v1/catalog/items", {"page_size": 200}).json()["items"]}
    assert "visit_phone" not in codes
    retired_list = client.get("/api/v1/catalog/items", {"active": "false"}).json()["items"]
    assert [i["code"] for i in retired_list] == ["visit_phone"]
    assert (
        client.get("/api/v1/catalog/items", {"active": "all"}).json()["count"] == ServiceItem.objects.count()
    )
    client.force_login(official)
    back = _post(client, f"/api/v1/catalog/items/{visit.pk}/reactivate", {})
    assert back.json()["active"] is True
    assert [v["action"] for v in back.json()["history"]] == ["created", "retired", "reactivated"]


def test_community_worker_reads_but_cannot_write(client, worker_a):
    client.force_login(worker_a)
    meal = ServiceItem.objects.get(code="meal")
    assert client.get(f"/api/v1/catalog/items/{meal.pk}").status_code == 200
    assert _post(client, "/api/v1/catalog/items", NEW_ITEM).status_code == 403
    response = _patch(client, f"/api/v1/catalog/items/{meal.pk}", {"guide_price": "1"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert _post(client, f"/api/v1/catalog/items/{meal.pk}/retire", {"reason": "x"}).status_code == 403
    assert ServiceItem.objects.get(pk=meal.pk).guide_price_fen == 1500


def test_missing_item_is_404_and_anonymous_is_401(client, worker_a):
    assert client.get("/api/v1/catalog/items").status_code == 401
    client.force_login(worker_a)
    assert client.get("/api/v1/catalog/items/999999").status_code == 404
