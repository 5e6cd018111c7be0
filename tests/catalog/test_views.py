"""The catalogue's console pages: the grouped list with filters, an item with its history, the editors'
forms with inline messages, and the roles that may only read or not open it at all."""

import pytest

from shouwang.catalog.models import ServiceItem
from tests import factories

pytestmark = pytest.mark.django_db

FORM = {
    "code": "meal_birthday",
    "name": "助餐·生日餐",
    "category": "daily_living",
    "unit": "meal",
    "standard_minutes": "30",
    "guide_price": "28.80",
    "required_certificate": "health_certificate",
    "required_skill": "",
    "subsidy_payable": "on",
    "position": "",
    "reason": "社区提议",
}


def test_list_is_grouped_by_category_in_chinese(client, worker_a):
    client.force_login(worker_a)
    response = client.get("/catalog/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "服务目录" in page or "Service catalogue" in page
    assert "助餐·送餐上门" in page and "15.00" in page and "居家环境评估" in page
    assert page.index('id="cat-daily_living"') < page.index('id="cat-home_adaptation"')
    assert "/catalog/new/" not in page


def test_list_filters_by_search_category_and_status(client, official):
    client.force_login(official)
    page = client.get("/catalog/", {"q": "助浴"}).content.decode()
    assert "助浴·上门助浴" in page and "助餐·送餐上门" not in page
    page = client.get("/catalog/", {"category": "errands"}).content.decode()
    assert "代购物品" in page and "陪伴聊天" not in page
    visit = ServiceItem.objects.get(code="visit_phone")
    client.post(f"/catalog/{visit.pk}/retire/", {"reason": "并入上门探访"}, follow=True)
    assert "电话探访" not in client.get("/catalog/").content.decode()
    assert "电话探访" in client.get("/catalog/", {"active": "false"}).content.decode()
    assert "电话探访" in client.get("/catalog/", {"active": "all"}).content.decode()


def test_item_page_shows_the_history(client, official):
    client.force_login(official)
    meal = ServiceItem.objects.get(code="meal")
    data = {**FORM, "code": "meal", "name": meal.name, "guide_price": "16.50", "reason": "物价调整"}
    assert client.post(f"/catalog/{meal.pk}/edit/", data).status_code == 302
    page = client.get(f"/catalog/{meal.pk}/").content.decode()
    assert "物价调整" in page and "15.00 → 16.50" in page and "初始服务目录" in page


def test_create_form_saves_and_redirects(client, official):
    client.force_login(official)
    response = client.post("/catalog/new/", FORM)
    item = ServiceItem.objects.get(code="meal_birthday")
    assert response.status_code == 302 and response["Location"] == f"/catalog/{item.pk}/"
    assert item.guide_price_fen == 2880 and item.subsidy_payable and item.versions.get().reason == "社区提议"


def test_create_form_shows_inline_messages_and_keeps_nothing(client, official):
    client.force_login(official)
    data = {**FORM, "guide_price": "28.888", "category": "", "code": "meal"}
    response = client.post("/catalog/new/", data)
    page = response.content.decode()
    assert response.status_code == 200 and page.count('class="field-error"') >= 2
    assert not ServiceItem.objects.filter(code="meal_birthday").exists()


def test_create_form_shows_a_duplicate_code_on_the_code_field(client, official):
    client.force_login(official)
    page = client.post("/catalog/new/", {**FORM, "code": "bathing"}).content.decode()
    assert page.count('class="field-error"') == 1 and "bathing" in page
    assert ServiceItem.objects.filter(code="bathing").count() == 1


def test_edit_form_cannot_change_the_code(client, admin_user):
    client.force_login(admin_user)
    meal = ServiceItem.objects.get(code="meal")
    assert client.get(f"/catalog/{meal.pk}/edit/").status_code == 200
    client.post(f"/catalog/{meal.pk}/edit/", {**FORM, "code": "hacked", "name": meal.name})
    assert (
        ServiceItem.objects.filter(code="meal").exists()
        and not ServiceItem.objects.filter(code="hacked").exists()
    )


def test_retire_form_needs_a_reason_and_reactivate_brings_it_back(client, official):
    client.force_login(official)
    visit = ServiceItem.objects.get(code="visit_phone")
    response = client.post(f"/catalog/{visit.pk}/retire/", {"reason": ""})
    assert response.status_code == 422 and 'class="field-error"' in response.content.decode()
    assert client.post(f"/catalog/{visit.pk}/retire/", {"reason": "停办"}).status_code == 302
    assert not ServiceItem.objects.get(pk=visit.pk).active
    assert client.post(f"/catalog/{visit.pk}/reactivate/").status_code == 302
    assert ServiceItem.objects.get(pk=visit.pk).active


def test_community_worker_reads_but_gets_403_on_writes(client, worker_a):
    client.force_login(worker_a)
    meal = ServiceItem.objects.get(code="meal")
    assert client.get(f"/catalog/{meal.pk}/").status_code == 200
    assert client.get("/catalog/new/").status_code == 403
    assert client.post("/catalog/new/", FORM).status_code == 403
    assert client.get(f"/catalog/{meal.pk}/edit/").status_code == 403
    assert client.post(f"/catalog/{meal.pk}/retire/", {"reason": "x"}).status_code == 403
    assert ServiceItem.objects.get(pk=meal.pk).active and not ServiceItem.objects.filter(code="meal_birthday")


def test_navigation_and_page_access_by_role(client, provider_admin_a, tree):
    client.force_login(provider_admin_a)
    assert "/catalog/" in client.get("/").content.decode()
    assert client.get("/catalog/").status_code == 200
    caregiver = factories.user("caregiver", provider_id=provider_admin_a.provider_id)
    client.force_login(caregiver)
    assert "/catalog/" not in client.get("/").content.decode()
    assert client.get("/catalog/").status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/catalog/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
