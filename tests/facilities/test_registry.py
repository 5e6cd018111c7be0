"""The facility registry: the bureau registers and edits, an operator proposes and an official decides,
every change audited, and nobody outside the facility's region or operator reaches it (404)."""

import pytest

from shouwang.core.models import AuditLog
from shouwang.facilities.models import Facility, FacilityChange
from tests import factories
from tests.factories import error_fields

pytestmark = pytest.mark.django_db

URL = "/api/v1/facilities"


def test_official_registers_a_facility_with_its_checks(w, api):
    client = api(w.official)
    body = {
        "name": "甲社区养老服务站",
        "kind": "service_centre",
        "provider": w.provider_a.pk,
        "community": factories.COMMUNITY_A,
        "address": "解放北路9号",
        "lat": 43.86,
        "lon": 126.56,
        "services": ["daily_living", "emotional"],
        "beds_total": 4,
        "operating_subsidy_fen": 2_000_000,
    }
    response = client.post(URL, body)
    assert response.status_code == 201, response.json()
    made = response.json()
    assert made["kind_name"].startswith("community elderly-care service centre")
    assert made["provider_name"] == "甲服务商" and made["services"] == ["daily_living", "emotional"]
    assert AuditLog.objects.filter(action="facilities.register", object_id=str(made["id"])).exists()

    refused = client.post(URL, {**body, "beds_occupied": 9, "kind": "institution", "lon": None})
    assert refused.status_code == 422
    assert set(error_fields(refused.json())) == {"beds_occupied", "ownership", "lat"}


def test_an_operator_proposes_and_an_official_approves(w, api):
    operator = api(w.padmin_a)
    response = operator.patch(f"{URL}/{w.day_care.pk}", {"beds_occupied": 7, "opening_hours": "8:00-17:00"})
    assert response.status_code == 202, response.json()
    change = response.json()
    assert change["state"] == "pending" and change["values"] == {
        "beds_occupied": 7,
        "opening_hours": "8:00-17:00",
    }
    assert Facility.objects.get(pk=w.day_care.pk).beds_occupied == 0  # not before review

    # The operator cannot move its facility or hand it to another operator, nor decide its own change.
    assert operator.patch(f"{URL}/{w.day_care.pk}", {"community": factories.COMMUNITY_B}).status_code == 422
    assert operator.post(f"{URL}/changes/{change['id']}/decision", {"approve": True}).status_code == 403

    official = api(w.official)
    assert [c["id"] for c in official.get(f"{URL}/changes", state="pending").json()] == [change["id"]]
    decided = official.post(f"{URL}/changes/{change['id']}/decision", {"approve": True})
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    facility = Facility.objects.get(pk=w.day_care.pk)
    assert (facility.beds_occupied, facility.opening_hours) == (7, "8:00-17:00")
    log = AuditLog.objects.get(action="facilities.change_approved")
    assert log.before == {"beds_occupied": 0, "opening_hours": ""} and log.after["change"] == change["id"]
    assert (
        official.post(f"{URL}/changes/{change['id']}/decision", {"approve": False, "note": "x"}).status_code
        == 409
    )


def test_a_refusal_needs_a_reason_and_changes_nothing(w, api):
    change = api(w.padmin_a).patch(f"{URL}/{w.day_care.pk}", {"name": "改名中心"}).json()
    official = api(w.official)
    assert official.post(f"{URL}/changes/{change['id']}/decision", {"approve": False}).status_code == 422
    refused = official.post(
        f"{URL}/changes/{change['id']}/decision", {"approve": False, "note": "名称未备案"}
    )
    assert refused.json()["state"] == "refused" and refused.json()["note"] == "名称未备案"
    assert Facility.objects.get(pk=w.day_care.pk).name == "甲日间照料中心"
    assert AuditLog.objects.filter(action="facilities.change_refused").count() == 1


def test_scope_another_operator_and_another_regions_official_get_404(w, api):
    for user in (w.padmin_b, w.official_b):
        client = api(user)
        assert client.get(f"{URL}/{w.day_care.pk}").status_code == 404
        assert client.patch(f"{URL}/{w.day_care.pk}", {"beds_occupied": 1}).status_code == 404
        assert client.post(f"{URL}/{w.day_care.pk}/figures", {"month": "2026-01"}).status_code == 404
        assert client.get(f"/facilities/{w.day_care.pk}/").status_code == 404
        names = {f["name"] for f in client.get(URL).json()["items"]}
        assert names == {"乙老年食堂"}
    change = FacilityChange.objects.create(facility=w.day_care, values={"name": "x"}, requested_by=w.padmin_a)
    assert api(w.official_b).post(f"{URL}/changes/{change.pk}/decision", {"approve": True}).status_code == 404
    assert {f["name"] for f in api(w.padmin_a).get(URL).json()["items"]} == {"甲日间照料中心", "甲养老院"}
    assert api(w.official).get(URL, kind="institution").json()["count"] == 1


def test_monthly_figures_are_reported_once_a_month(w, api):
    client = api(w.padmin_a)
    first = client.post(
        f"{URL}/{w.home.pk}/figures", {"month": "2026-01", "beds_occupied": 80, "people_served": 95}
    )
    assert first.status_code == 200, first.json()
    again = client.post(f"{URL}/{w.home.pk}/figures", {"month": "2026-01", "beds_occupied": 82})
    assert again.json()["beds_occupied"] == 82
    assert (
        client.post(f"{URL}/{w.home.pk}/figures", {"month": "2026-01", "beds_occupied": 101}).status_code
        == 422
    )
    assert client.post(f"{URL}/{w.home.pk}/figures", {"month": "26-1"}).status_code == 422
    assert [row["beds_occupied"] for row in client.get(f"{URL}/{w.home.pk}/figures").json()] == [82]


def test_console_pages(w, client):
    client.force_login(w.official)
    assert "甲日间照料中心" in client.get("/facilities/").content.decode()
    assert client.get(f"/facilities/{w.home.pk}/").status_code == 200
    assert client.get(f"/facilities/{w.home.pk}/edit/").status_code == 200
    assert client.get("/facilities/new/").status_code == 200
    assert client.get("/facilities/changes/").status_code == 200
    created = client.post(
        "/facilities/new/",
        {
            "name": "丙农村幸福院",
            "kind": "rural_home",
            "provider": str(w.provider_a.pk),
            "community": factories.VILLAGE,
            "address": "丙村1号",
            "services": ["daily_living"],
            "beds_total": "0",
            "operating_subsidy_yuan": "20000",
        },
    )
    assert created.status_code == 302
    assert Facility.objects.get(name="丙农村幸福院").operating_subsidy_fen == 2_000_000
    client.force_login(w.padmin_a)
    response = client.post(
        f"/facilities/{w.day_care.pk}/edit/",
        {
            "name": "甲日照中心",
            "kind": "day_care",
            "address": "解放北路1号",
            "services": ["daily_living", "meal"],
            "beds_total": "10",
            "beds_occupied": "0",
            "beds_reserved": "0",
            "lat": "43.85",
            "lon": "126.55",
            "active": "on",
            "operating_subsidy_yuan": "0",
            "construction_subsidy_yuan": "0",
        },
    )
    assert response.status_code == 302
    assert FacilityChange.objects.get(facility=w.day_care).values == {"name": "甲日照中心"}
    assert client.get("/facilities/new/").status_code == 403
    assert client.get("/facilities/changes/").status_code == 403
