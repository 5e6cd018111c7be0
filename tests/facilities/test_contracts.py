"""公建民营: the bureau records the contract of a publicly built facility with its operator; the operator
reports under it; periodic reports past their due date are listed; nobody else reaches the contract."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.facilities.contracts import overdue_reports

pytestmark = pytest.mark.django_db


def _months_ago(months: int) -> dt.date:
    day = timezone.localdate().replace(day=1)
    for _ in range(months):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return day


def test_contract_reports_and_overdue(w, api):
    official = api(w.official)
    body = {
        "public_owner": "昌邑区民政局",
        "number": "GJMY-2026-01",
        "starts_on": _months_ago(7).isoformat(),
        "ends_on": (timezone.localdate() + dt.timedelta(days=3 * 365)).isoformat(),
        "reserved_beds": 20,
        "report_every_months": 3,
    }
    assert (
        official.post(f"/api/v1/facilities/{w.day_care.pk}/contracts", body).status_code == 422
    )  # not 公建民营
    assert (
        official.post(f"/api/v1/facilities/{w.home.pk}/contracts", {**body, "reserved_beds": 101}).status_code
        == 422
    )
    made = official.post(f"/api/v1/facilities/{w.home.pk}/contracts", body)
    assert made.status_code == 201, made.json()
    contract = made.json()
    assert contract["operator"] == "甲服务商" and contract["reports"] == []

    # Two quarters have ended (and their 15 days of grace): both reports are overdue.
    late = official.get("/api/v1/facilities/reports/overdue").json()
    assert [item["period"] for item in late] == [_months_ago(7).isoformat(), _months_ago(4).isoformat()]

    operator = api(w.padmin_a)
    url = f"/api/v1/facilities/contracts/{contract['id']}/reports"
    first = operator.post(
        url, {"period": (_months_ago(7) + dt.timedelta(days=40)).isoformat(), "summary": "一季度运营正常"}
    )
    assert first.status_code == 201 and first.json()["period"] == _months_ago(7).isoformat()
    assert operator.post(url, {"period": _months_ago(6).isoformat(), "summary": "重复"}).status_code == 422
    incident = operator.post(
        url, {"kind": "incident", "period": _months_ago(5).isoformat(), "summary": "老人跌倒送医"}
    )
    assert incident.status_code == 201
    assert [item.period for item in overdue_reports(w.padmin_a)] == [_months_ago(4)]

    assert api(w.padmin_b).get(f"/api/v1/facilities/contracts/{contract['id']}").status_code == 404
    assert (
        api(w.official_b).post(url, {"period": _months_ago(4).isoformat(), "summary": "x"}).status_code == 404
    )
    assert api(w.padmin_b).get("/api/v1/facilities/reports/overdue").json() == []

    client = api(w.official).client
    page = client.get("/facilities/contracts/").content.decode()
    assert "GJMY-2026-01" in page and "老人跌倒送医" in page


def test_monthly_figures_past_their_due_day_are_listed_in_scope(w, api):
    """The latest month past its due day (the 15th of the next): a facility that reported an earlier month
    but not that one is listed with its last report; one that reported it is not; one registered since
    owes nothing until it is older. An operator sees only its own."""
    from shouwang.facilities.models import Facility
    from shouwang.facilities.selectors import FIGURES_DUE_DAY, _last_month_due, missing_figures

    assert _last_month_due(dt.date(2026, 3, 16)) == (dt.date(2026, 2, 1), dt.date(2026, 3, 15))
    assert _last_month_due(dt.date(2026, 3, 15)) == (dt.date(2026, 1, 1), dt.date(2026, 2, 15))
    assert _last_month_due(dt.date(2026, 1, 10)) == (dt.date(2025, 11, 1), dt.date(2025, 12, 15))
    month, due = _last_month_due(timezone.localdate())
    earlier = (month - dt.timedelta(days=1)).replace(day=1)
    figures = {"beds_occupied": 0, "people_served": 30, "service_visits": 120, "meals_served": 0}
    assert (
        api(w.padmin_a)
        .post(f"/api/v1/facilities/{w.day_care.pk}/figures", {"month": f"{earlier:%Y-%m}", **figures})
        .status_code
        == 200
    )
    assert (
        api(w.padmin_b)
        .post(f"/api/v1/facilities/{w.meal_point.pk}/figures", {"month": f"{month:%Y-%m}", **figures})
        .status_code
        == 200
    )

    listed = api(w.official).get("/api/v1/facilities/figures/overdue").json()
    assert [(row["facility_id"], row["last_reported"]) for row in listed] == [
        (w.day_care.pk, earlier.isoformat())
    ]
    assert listed[0]["month"] == month.isoformat() and listed[0]["due"] == due.isoformat()
    assert due.day == FIGURES_DUE_DAY

    Facility.objects.filter(pk=w.home.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    assert {item.facility.pk for item in missing_figures(w.official)} == {w.day_care.pk, w.home.pk}
    assert {item.facility.pk for item in missing_figures(w.padmin_a)} == {w.day_care.pk, w.home.pk}
    assert api(w.padmin_b).get("/api/v1/facilities/figures/overdue").json() == []
    page = api(w.official).client.get("/facilities/contracts/").content.decode()
    section = page.split("Monthly figures not reported")[1]
    assert w.home.name in section and w.day_care.name in section and w.meal_point.name not in section
