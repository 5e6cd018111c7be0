"""Assistive-device rentals (deposit, due day, return, overdue list) and respite days against the yearly
entitlement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from shouwang.core.errors import Conflict, ValidationFailed
from shouwang.homecare import services
from shouwang.homecare.selectors import overdue_rentals, rentals_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_a_rental_is_overdue_until_returned_and_the_deposit_refund_is_at_most_the_deposit(
    client, worker_a, provider_a, provider_admin_a, provider_admin_b, elder_a
):
    late = services.record_rental(
        actor=worker_a,
        elder_id=elder_a.pk,
        provider_id=provider_a.pk,
        item="轮椅",
        deposit_fen=50_000,
        starts_on=TODAY - dt.timedelta(days=40),
        due_on=TODAY - dt.timedelta(days=10),
    )
    services.record_rental(
        actor=worker_a,
        elder_id=elder_a.pk,
        provider_id=provider_a.pk,
        item="助行器",
        deposit_fen=0,
        starts_on=TODAY,
        due_on=TODAY + dt.timedelta(days=30),
    )
    assert list(overdue_rentals(worker_a)) == [late]
    client.force_login(provider_admin_a)
    assert [r["item"] for r in client.get("/api/v1/homecare/rentals?overdue=true").json()] == ["轮椅"]
    assert list(rentals_for(provider_admin_b)) == []

    with pytest.raises(ValidationFailed):
        services.return_rental(
            actor=worker_a, rental_id=late.pk, returned_on=TODAY, deposit_refunded_fen=60_000
        )
    back = services.return_rental(
        actor=worker_a, rental_id=late.pk, returned_on=TODAY, deposit_refunded_fen=45_000
    )
    assert back.deposit_refunded_fen == 45_000 and list(overdue_rentals(worker_a)) == []
    with pytest.raises(Conflict):
        services.return_rental(actor=worker_a, rental_id=late.pk, returned_on=TODAY)


def test_a_rental_due_before_it_starts_is_refused(worker_a, provider_a, elder_a):
    with pytest.raises(ValidationFailed) as refused:
        services.record_rental(
            actor=worker_a,
            elder_id=elder_a.pk,
            provider_id=provider_a.pk,
            item="轮椅",
            deposit_fen=0,
            starts_on=TODAY,
            due_on=TODAY - dt.timedelta(days=1),
        )
    assert "due_on" in refused.value.errors


@override_settings(SHOUWANG_HOMECARE_RESPITE_DAYS_A_YEAR=10)
def test_respite_days_beyond_the_yearly_entitlement_are_refused(client, worker_a, provider_a, elder_a):
    services.record_respite(
        actor=worker_a,
        elder_id=elder_a.pk,
        provider_id=provider_a.pk,
        starts_on=dt.date(TODAY.year, 1, 5),
        days=7,
    )
    client.force_login(worker_a)
    refused = client.post(
        "/api/v1/homecare/respite",
        {"elder_id": elder_a.pk, "provider_id": provider_a.pk, "starts_on": f"{TODAY.year}-03-01", "days": 4},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "entitlement_exceeded"
    assert "7" in refused.json()["message"] and "10" in refused.json()["message"]
    allowed = client.post(
        "/api/v1/homecare/respite",
        {"elder_id": elder_a.pk, "provider_id": provider_a.pk, "starts_on": f"{TODAY.year}-03-01", "days": 3},
        content_type="application/json",
    )
    assert allowed.status_code == 201
    summary = client.get(f"/api/v1/homecare/respite/{elder_a.pk}/summary?year={TODAY.year}").json()
    assert summary == {"year": TODAY.year, "entitlement": 10, "used": 10, "left": 0}
    # A new year brings a new entitlement.
    services.record_respite(
        actor=worker_a,
        elder_id=elder_a.pk,
        provider_id=provider_a.pk,
        starts_on=dt.date(TODAY.year + 1, 1, 2),
        days=10,
    )


def test_another_community_cannot_record_for_an_elder_it_does_not_see(worker_b, provider_a, elder_a):
    from shouwang.core.errors import NotFound

    with pytest.raises(NotFound):
        services.record_respite(
            actor=worker_b, elder_id=elder_a.pk, provider_id=provider_a.pk, starts_on=TODAY, days=1
        )
