"""A home-care world: elders in communities A and B with approved assessments and alarm devices,
providers A and B, an official of another district, and the months before this one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shouwang.assessments.models import Assessment
from shouwang.core.actors import SYSTEM
from shouwang.orders.models import OrderState
from shouwang.regions.services import load_regions
from tests import factories
from tests.alarms.factories import DeviceFactory
from tests.orders.factories import OrderFactory, local

OTHER_DISTRICT = "220203000000"


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def assessed(elder, level: int = 3) -> Assessment:
    return Assessment.objects.create(
        elder=elder,
        assessed_on=timezone.localdate() - dt.timedelta(days=30),
        state="approved",
        final_level=level,
    )


def served(elder, provider, *, items, amount_fen: int = 10_000, day: dt.date | None = None):
    """A completed order of ``elder`` with ``provider`` in the month before this one."""
    day = day or last_month() + dt.timedelta(days=9)
    return OrderFactory(
        elder=elder,
        provider=provider,
        state=OrderState.COMPLETED,
        window_start=local(day, "09:00"),
        items=items,
        amount_fen=amount_fen,
    )


@pytest.fixture
def official_elsewhere(tree):
    load_regions(
        actor=SYSTEM,
        rows=[
            {"code": OTHER_DISTRICT, "name": "龙潭区", "urban_rural_type": ""},
            {"code": "220203001000", "name": "新安街道", "urban_rural_type": ""},
            {"code": "220203001001", "name": "丁社区", "urban_rural_type": "111"},
        ],
    )
    return factories.user("official", regions=(OTHER_DISTRICT,), username="official_elsewhere")


@pytest.fixture
def ready_elder(elder_a):
    """Elder A with an approved level-3 assessment and an SOS pendant bound."""
    assessed(elder_a)
    DeviceFactory(elder=elder_a)
    return elder_a
