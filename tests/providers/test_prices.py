"""Providers' own prices: a change adds a row and closes the previous one; the past is never rewritten."""

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.core.errors import Forbidden, NotFound, ValidationFailed
from shouwang.providers.models import Price
from shouwang.providers.prices import price_on, set_price

pytestmark = pytest.mark.django_db


def today():
    """The platform's date when the test runs (not when the module was imported: a run may cross midnight)."""
    return timezone.localdate()


def test_a_price_change_keeps_history(provider_admin_a, provider_a):
    first = set_price(actor=provider_admin_a, provider_id=provider_a.pk, item_code="meal", price="15.50")
    later = today() + dt.timedelta(days=10)
    set_price(
        actor=provider_admin_a, provider_id=provider_a.pk, item_code="meal", price="18", effective_from=later
    )
    first.refresh_from_db()
    assert (first.price_fen, first.effective_to) == (1550, later - dt.timedelta(days=1))
    assert price_on(provider_a.pk, "meal", today()) == 1550
    assert price_on(provider_a.pk, "meal", later) == 1800
    assert price_on(provider_a.pk, "meal", today() - dt.timedelta(days=1)) is None
    assert Price.objects.filter(provider=provider_a).count() == 2


def test_a_price_between_two_others_is_closed_before_the_next(provider_admin_a, provider_a):
    set_price(actor=provider_admin_a, provider_id=provider_a.pk, item_code="meal", price="15")
    set_price(
        actor=provider_admin_a, provider_id=provider_a.pk, item_code="meal", price="20",
        effective_from=today() + dt.timedelta(days=20),
    )  # fmt: skip
    middle = set_price(
        actor=provider_admin_a, provider_id=provider_a.pk, item_code="meal", price="17",
        effective_from=today() + dt.timedelta(days=10),
    )  # fmt: skip
    assert middle.effective_to == today() + dt.timedelta(days=19)
    assert [price_on(provider_a.pk, "meal", today() + dt.timedelta(days=d)) for d in (0, 10, 20)] == [
        1500,
        1700,
        2000,
    ]


def test_bad_prices_and_past_dates_are_refused(provider_admin_a, provider_a):
    with pytest.raises(ValidationFailed) as caught:
        set_price(actor=provider_admin_a, provider_id=provider_a.pk, item_code="meal", price="15.555")
    assert "price" in caught.value.errors
    with pytest.raises(ValidationFailed):
        set_price(
            actor=provider_admin_a, provider_id=provider_a.pk, item_code="meal", price="15",
            effective_from=today() - dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(NotFound):
        set_price(actor=provider_admin_a, provider_id=provider_a.pk, item_code="no_such_item", price="15")
    assert not Price.objects.exists()


def test_a_provider_admin_cannot_price_for_another_provider(provider_admin_a, provider_b, worker_a):
    with pytest.raises(NotFound):
        set_price(actor=provider_admin_a, provider_id=provider_b.pk, item_code="meal", price="15")
    with pytest.raises(Forbidden):
        set_price(actor=worker_a, provider_id=provider_b.pk, item_code="meal", price="15")
