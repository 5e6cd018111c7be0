"""Home care beds: the lifecycle (every move through one table; an illegal step is 409), the package
against monthly delivery, the bed subsidy on the ledger, and scope."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shouwang.benefits import ledger
from shouwang.core.audit import AuditLog
from shouwang.core.errors import Conflict, ValidationFailed
from shouwang.homecare import services
from shouwang.homecare.models import BedState, HomeCareBed
from shouwang.homecare.selectors import beds_for

from .conftest import assessed, last_month, served

pytestmark = pytest.mark.django_db


def _apply(client, elder, provider):
    return client.post(
        "/api/v1/homecare/beds",
        {"elder_id": elder.pk, "provider_id": provider.pk},
        content_type="application/json",
    )


def _in_service(official, padmin, elder, provider, subsidy=60_000):
    bed = services.apply_for_bed(actor=official, elder_id=elder.pk, provider_id=provider.pk)
    services.assess_bed(actor=official, bed_id=bed.pk)
    services.equip_bed(
        actor=padmin,
        bed_id=bed.pk,
        adaptation_done_on=timezone.localdate(),
        adaptation_note="卫生间扶手、防滑地面",
    )
    services.set_package(actor=padmin, bed_id=bed.pk, items=[("cleaning", 2), ("bathing", 1)])
    started = last_month()
    return services.start_service(
        actor=official, bed_id=bed.pk, service_from=started, monthly_subsidy_fen=subsidy
    )


def test_the_lifecycle_through_the_api_and_an_illegal_step_is_409(
    client, official, provider_admin_a, provider_a, ready_elder
):
    client.force_login(official)
    created = _apply(client, ready_elder, provider_a)
    assert created.status_code == 201 and created.json()["state"] == "applied"
    bed_id = created.json()["id"]

    early = client.post(
        f"/api/v1/homecare/beds/{bed_id}/start",
        {"service_from": "2026-01-01", "monthly_subsidy_fen": 1},
        content_type="application/json",
    )
    assert early.status_code == 409 and early.json()["code"] == "illegal_transition"
    assert "cannot become" in early.json()["message"] or "不能" in early.json()["message"]

    assert client.post(f"/api/v1/homecare/beds/{bed_id}/assess").json()["level"] == 3
    again = client.post(f"/api/v1/homecare/beds/{bed_id}/assess")
    assert again.status_code == 409

    client.force_login(provider_admin_a)
    equip = client.post(
        f"/api/v1/homecare/beds/{bed_id}/equip",
        {"adaptation_done_on": timezone.localdate().isoformat(), "adaptation_note": "扶手"},
        content_type="application/json",
    )
    assert equip.status_code == 200 and len(equip.json()["devices"]) == 1
    no_package = client.post(
        f"/api/v1/homecare/beds/{bed_id}/start",
        {"service_from": "2026-01-01", "monthly_subsidy_fen": 1},
        content_type="application/json",
    )
    assert no_package.status_code == 403  # the bureau starts the service
    package = client.put(
        f"/api/v1/homecare/beds/{bed_id}/package",
        {"items": [{"code": "cleaning", "quantity": 4}]},
        content_type="application/json",
    ).json()["package"]
    assert [(line["code"], line["quantity"]) for line in package] == [("cleaning", 4)]

    client.force_login(official)
    started = client.post(
        f"/api/v1/homecare/beds/{bed_id}/start",
        {"service_from": last_month().isoformat(), "monthly_subsidy_fen": 50_000},
        content_type="application/json",
    )
    assert started.status_code == 200 and started.json()["state"] == "in_service"
    ended = client.post(
        f"/api/v1/homecare/beds/{bed_id}/end", {"reason": "入住养老机构"}, content_type="application/json"
    )
    assert ended.json()["state"] == "ended"
    assert (
        client.post(
            f"/api/v1/homecare/beds/{bed_id}/end", {"reason": "again"}, content_type="application/json"
        ).status_code
        == 409
    )

    history = client.get(f"/api/v1/homecare/beds/{bed_id}/transitions").json()
    assert [t["to_state"] for t in history] == ["applied", "assessed", "equipped", "in_service", "ended"]
    assert AuditLog.objects.filter(action="homecare.bed.in_service", object_id=str(bed_id)).count() == 1


def test_a_bed_needs_an_assessment_and_a_device_and_one_open_bed_per_elder(
    official, provider_admin_a, provider_a, elder_a
):
    bed = services.apply_for_bed(actor=official, elder_id=elder_a.pk, provider_id=provider_a.pk)
    with pytest.raises(ValidationFailed) as unassessed:
        services.assess_bed(actor=official, bed_id=bed.pk)
    assert "请先评估" in unassessed.value.message
    assessed(elder_a, level=0)
    with pytest.raises(ValidationFailed) as too_low:
        services.assess_bed(actor=official, bed_id=bed.pk)
    assert "1 级及以上" in too_low.value.message
    assessed(elder_a, level=2)
    services.assess_bed(actor=official, bed_id=bed.pk)
    with pytest.raises(ValidationFailed, match="报警设备"):
        services.equip_bed(
            actor=provider_admin_a,
            bed_id=bed.pk,
            adaptation_done_on=timezone.localdate(),
            adaptation_note="扶手",
        )
    assert HomeCareBed.objects.get(pk=bed.pk).state == BedState.ASSESSED
    with pytest.raises(Conflict):
        services.apply_for_bed(actor=official, elder_id=elder_a.pk, provider_id=provider_a.pk)


def test_the_month_lists_shortfalls_and_pays_the_subsidy_in_proportion(
    official, provider_admin_a, provider_a, provider_b, ready_elder
):
    bed = _in_service(official, provider_admin_a, ready_elder, provider_a, subsidy=60_000)
    served(ready_elder, provider_a, items=[("cleaning", 2)])
    served(ready_elder, provider_a, items=[("meal", 1)])  # outside the package: listed, pays nothing
    served(ready_elder, provider_b, items=[("bathing", 1)])  # another provider's: not this bed's

    rows = {row["code"]: row for row in services.delivery(bed, last_month())}
    assert (
        rows["cleaning"]["shortfall"] == 0
        and rows["bathing"]["shortfall"] == 1
        and rows["meal"]["package"] == 0
    )

    closed = services.close_month(actor=official, bed_id=bed.pk, month=last_month())
    assert closed.subsidy_fen == 40_000  # 2 of the 3 services delivered
    assert [row["code"] for row in closed.shortfalls] == ["bathing"]
    assert ledger.balance(ledger.provider_account(provider_a).pk) == 40_000
    with pytest.raises(Conflict, match="已结算"):
        services.close_month(actor=official, bed_id=bed.pk, month=last_month())
    with pytest.raises(ValidationFailed):
        services.close_month(actor=official, bed_id=bed.pk, month=timezone.localdate())


def test_the_package_is_fixed_once_in_service(official, provider_admin_a, provider_a, ready_elder):
    bed = _in_service(official, provider_admin_a, ready_elder, provider_a)
    with pytest.raises(Conflict):
        services.set_package(actor=provider_admin_a, bed_id=bed.pk, items=[("cleaning", 9)])


def test_scope_a_provider_sees_its_own_beds_and_another_district_nothing(
    client, official, provider_admin_a, provider_admin_b, provider_a, ready_elder, official_elsewhere
):
    bed = services.apply_for_bed(actor=official, elder_id=ready_elder.pk, provider_id=provider_a.pk)
    assert list(beds_for(provider_admin_a)) == [bed]
    assert list(beds_for(provider_admin_b)) == []
    assert list(beds_for(official_elsewhere)) == []
    for user in (provider_admin_b, official_elsewhere):
        client.force_login(user)
        assert client.get("/api/v1/homecare/beds").json()["count"] == 0
        assert client.get(f"/api/v1/homecare/beds/{bed.pk}").status_code == 404
        assert client.post(
            f"/api/v1/homecare/beds/{bed.pk}/end", {"reason": "x"}, content_type="application/json"
        ).status_code in (403, 404)
    client.force_login(official_elsewhere)
    assert _apply(client, ready_elder, provider_a).status_code == 404


def test_the_console_shows_an_illegal_step_as_a_message(client, official, provider_a, ready_elder):
    bed = services.apply_for_bed(actor=official, elder_id=ready_elder.pk, provider_id=provider_a.pk)
    client.force_login(official)
    response = client.post(
        f"/homecare/beds/{bed.pk}/start/",
        {"service_from": "2026-01-01", "monthly_subsidy_yuan": "100"},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "不能改为" in page or "cannot become" in page
    assert HomeCareBed.objects.get(pk=bed.pk).state == BedState.APPLIED


def test_the_daily_job_closes_last_month_of_beds_in_service_once(
    official, provider_admin_a, provider_a, ready_elder
):
    bed = _in_service(official, provider_admin_a, ready_elder, provider_a, subsidy=30_000)
    served(ready_elder, provider_a, items=[("cleaning", 2), ("bathing", 1)])

    assert services.close_last_month() == 1
    assert services.close_last_month() == 0
    closed = bed.months.get()
    assert closed.month == last_month() and closed.subsidy_fen == 30_000 and closed.shortfalls == []
