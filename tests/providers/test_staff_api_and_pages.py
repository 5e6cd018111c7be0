"""Staff through the API and the console: masked ID numbers and phones, scope, eligibility reasons."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from shouwang.core.masking import mask_id_number
from shouwang.providers.models import StaffMember
from shouwang.providers.staff import add_certificate, add_staff
from tests import factories
from tests.providers.test_staff import MONDAY, WEEKDAY_SHIFTS, admit, id_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def today():
    """The platform's date when the test runs (not when the module was imported: a run may cross midnight)."""
    return timezone.localdate()


JSON = "application/json"


@pytest.fixture
def member(provider_admin_a, provider_a):
    staff = add_staff(
        actor=provider_admin_a,
        provider_id=provider_a.pk,
        name="王护理",
        id_number=id_number(41),
        phone="13812345678",
        skills=["bathing"],
        weekly_shifts=WEEKDAY_SHIFTS,
    )
    add_certificate(
        actor=provider_admin_a,
        staff_id=staff.pk,
        kind="elder_caregiver",
        number="YL-1",
        level="中级",
        issued_on=dt.date(2020, 1, 1),
        expires_on=today() + dt.timedelta(days=10),
    )
    return staff


# --- API -----------------------------------------------------------------------------------------------


def test_api_register_and_list_masked(client, provider_admin_a, provider_a):
    client.force_login(provider_admin_a)
    url = f"/api/v1/providers/{provider_a.pk}/staff"
    body = {"name": "李四", "id_number": id_number(43), "phone": "13900001234", "job": "cook"}
    created = client.post(url, json.dumps(body), content_type=JSON)
    assert created.status_code == 201, created.content
    assert created.json()["id_number_masked"] == mask_id_number(id_number(43))
    listing = client.get(url)
    assert listing.json()["count"] == 1
    item = listing.json()["items"][0]
    assert item["phone_masked"] == "139****1234"
    assert id_number(43) not in listing.content.decode() and "13900001234" not in listing.content.decode()


def test_api_refuses_a_bad_id_number_naming_the_field(client, provider_admin_a, provider_a):
    client.force_login(provider_admin_a)
    body = {"name": "李四", "id_number": "123", "phone": "13900001234"}
    response = client.post(f"/api/v1/providers/{provider_a.pk}/staff", json.dumps(body), content_type=JSON)
    assert response.status_code == 422 and "id_number" in response.json()["errors"]
    body = {"name": "李四", "id_number": id_number(45), "phone": "99"}
    response = client.post(f"/api/v1/providers/{provider_a.pk}/staff", json.dumps(body), content_type=JSON)
    assert response.status_code == 422 and "phone" in response.json()["errors"]


def test_api_detail_changes_and_eligibility(client, official, provider_admin_a, provider_a, member):
    admit(official, provider_a)
    client.force_login(provider_admin_a)
    url = f"/api/v1/providers/staff/{member.pk}"
    detail = client.get(url).json()
    assert detail["certificates"][0]["level"] == "中级" and id_number(41) not in json.dumps(detail)
    certificate = {"kind": "elder_caregiver", "number": "YL-2", "level": "高级", "issued_on": str(today())}
    assert client.post(f"{url}/certificates", json.dumps(certificate), content_type=JSON).status_code == 201
    training = {"title": "助浴安全", "trained_on": str(today()), "hours": "4.5"}
    assert client.post(f"{url}/trainings", json.dumps(training), content_type=JSON).json()["hours"] == "4.5"
    skills = client.put(f"{url}/skills", json.dumps({"codes": ["bathing", "meal"]}), content_type=JSON)
    assert skills.json()["skills"] == ["bathing", "meal"]
    bad = client.put(f"{url}/shifts", json.dumps({"weekly_shifts": {"xyz": []}}), content_type=JSON)
    assert bad.status_code == 422 and "weekly_shifts" in bad.json()["errors"]
    shifts = {"weekly_shifts": {"mon": [["08:00", "12:00"]]}}
    assert client.put(f"{url}/shifts", json.dumps(shifts), content_type=JSON).json()["weekly_shifts"] == {
        "mon": [["08:00", "12:00"]]
    }
    query = {"item": "bathing", "start": f"{MONDAY}T09:00:00", "end": f"{MONDAY}T10:00:00"}
    assert client.get(f"{url}/eligibility", query).json() == {"eligible": True, "reasons": []}
    query.update(start=f"{MONDAY}T13:00:00", end=f"{MONDAY}T14:00:00")
    answer = client.get(f"{url}/eligibility", query, headers={"Accept-Language": "zh-hans"}).json()
    assert answer["eligible"] is False and "排班" in answer["reasons"][0]  # in the caller's language
    patched = client.patch(url, json.dumps({"active": False, "job": "nurse"}), content_type=JSON).json()
    assert (patched["active"], patched["job"]) == (False, "nurse")
    expiring = client.get("/api/v1/providers/staff/certificates/expiring").json()
    assert expiring == []  # renewed by YL-2 (long-term) — and the member is inactive now


def test_api_scope_between_providers(client, provider_admin_b, provider_b, provider_a, member):
    client.force_login(provider_admin_b)
    url = f"/api/v1/providers/staff/{member.pk}"
    assert client.get(f"/api/v1/providers/{provider_a.pk}/staff").status_code == 404
    assert client.get(url).status_code == 404
    assert client.patch(url, json.dumps({"name": "改"}), content_type=JSON).status_code == 404
    assert client.put(f"{url}/skills", json.dumps({"codes": []}), content_type=JSON).status_code == 404
    eligibility = {"item": "bathing", "start": f"{MONDAY}T09:00:00", "end": f"{MONDAY}T10:00:00"}
    assert client.get(f"{url}/eligibility", eligibility).status_code == 404
    body = {"name": "x", "id_number": id_number(47)}
    response = client.post(f"/api/v1/providers/{provider_a.pk}/staff", json.dumps(body), content_type=JSON)
    assert response.status_code == 404
    assert client.get(f"/api/v1/providers/{provider_b.pk}/staff").json()["count"] == 0
    assert StaffMember.objects.get(pk=member.pk).name == "王护理"


def test_api_a_caregiver_sees_only_themselves(client, provider_admin_a, provider_a, member):
    account = factories.user("caregiver", provider_id=provider_a.pk)
    other = add_staff(actor=provider_admin_a, provider_id=provider_a.pk, name="同事", id_number=id_number(49))
    client.force_login(account)
    assert client.get(f"/api/v1/providers/{provider_a.pk}/staff").status_code == 404
    member.user = account
    member.save()
    assert [s["id"] for s in client.get(f"/api/v1/providers/{provider_a.pk}/staff").json()["items"]] == [
        member.pk
    ]
    assert client.get(f"/api/v1/providers/staff/{other.pk}").status_code == 404
    response = client.patch(
        f"/api/v1/providers/staff/{member.pk}", json.dumps({"name": "改"}), content_type=JSON
    )
    assert response.status_code == 403


# --- console -------------------------------------------------------------------------------------------


def test_staff_list_page_masks_and_warns(client, provider_admin_a, provider_a, member):
    client.force_login(provider_admin_a)
    assert f"/providers/{provider_a.pk}/staff/" in client.get(f"/providers/{provider_a.pk}/").content.decode()
    page = client.get(f"/providers/{provider_a.pk}/staff/").content.decode()
    assert "王护理" in page and mask_id_number(id_number(41)) in page and "138****5678" in page
    assert id_number(41) not in page and "13812345678" not in page
    assert "YL-1" not in page and (today() + dt.timedelta(days=10)).isoformat() in page  # the warning
    detail = client.get(f"/providers/staff/{member.pk}/").content.decode()
    assert id_number(41) not in detail and "中级" in detail


def test_staff_form_shows_field_errors_and_saves(client, provider_admin_a, provider_a):
    client.force_login(provider_admin_a)
    url = f"/providers/{provider_a.pk}/staff/new/"
    response = client.post(url, {"name": "新人", "id_number": "123", "phone": "13812345678", "job": "cook"})
    assert response.status_code == 200 and "field-error" in response.content.decode()
    assert not StaffMember.objects.exists()
    response = client.post(
        url, {"name": "新人", "id_number": id_number(51), "phone": "13812345678", "job": "cook"}
    )
    staff = StaffMember.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/providers/staff/{staff.pk}/"
    edit = client.post(
        f"/providers/staff/{staff.pk}/edit/", {"name": "新人", "id_number": "", "phone": "", "job": "cleaner"}
    )
    staff.refresh_from_db()
    assert edit.status_code == 302 and (staff.job, staff.phone, staff.id_number) == (
        "cleaner",
        "",
        id_number(51),
    )


def test_staff_page_actions(client, provider_admin_a, member):
    client.force_login(provider_admin_a)
    base = f"/providers/staff/{member.pk}"
    client.post(f"{base}/shifts/", {"mon": "8:00-12:00, 13:30-17:30", "sat": "09:00-11:00"})
    client.post(f"{base}/skills/", {"skills": ["meal"]})
    client.post(f"{base}/training/", {"title": "消防", "trained_on": str(today()), "hours": "2"})
    refused = client.post(f"{base}/shifts/", {"mon": "12:00-08:00"}, follow=True)
    assert b"alert-error" in refused.content
    member.refresh_from_db()
    assert member.weekly_shifts == {
        "mon": [["08:00", "12:00"], ["13:30", "17:30"]],
        "sat": [["09:00", "11:00"]],
    }
    assert member.skills == ["meal"] and member.trainings.count() == 1
    query = {"item": "meal", "day": str(MONDAY), "start": "09:00", "end": "10:00"}
    check = client.get(f"{base}/", query, headers={"Accept-Language": "zh-hans"})
    assert "不能接单" in check.content.decode() or "不得接单" in check.content.decode()


def test_staff_pages_of_another_provider_are_not_found(client, provider_admin_b, provider_a, member):
    client.force_login(provider_admin_b)
    assert client.get(f"/providers/{provider_a.pk}/staff/").status_code == 404
    assert client.get(f"/providers/staff/{member.pk}/").status_code == 404
    assert client.get(f"/providers/staff/{member.pk}/edit/").status_code == 404
    assert client.post(f"/providers/staff/{member.pk}/skills/", {"skills": []}).status_code == 404
    member.refresh_from_db()
    assert member.skills == ["bathing"]
