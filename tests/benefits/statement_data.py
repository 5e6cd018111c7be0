"""Test data for statements and reconciliation: March 2026 approved (vouchers credited) and a provider's
orders of March served, verified by EVV and settled through the orders' own service."""

from __future__ import annotations

import datetime as dt

from shouwang.benefits import services
from shouwang.core.actors import SYSTEM
from shouwang.orders import services as order_services
from shouwang.orders.models import Visit
from tests import factories
from tests.benefits import factories as bf
from tests.benefits.conftest import approved
from tests.orders import factories as of

MARCH = "2026-03"


def credit_march(*, worker, street, district):
    """Elders (特困 with ¥300 vouchers, 低保 with ¥300, one without vouchers) and March approved."""
    people = {
        "tekun": bf.elder(born=dt.date(1940, 1, 1), categories=("tekun",)),
        "dibao": bf.elder(born=dt.date(1950, 1, 1), categories=("dibao",)),
        "none": bf.elder(born=dt.date(1960, 1, 1)),
    }
    run = services.start_run(actor=SYSTEM, month=MARCH, region_code=factories.DISTRICT)
    approved(run, worker=worker, street=street, district=district)
    return people


def served(provider, carer, elder, day: dt.date, *, checked_out: bool = True, state: str = "confirmed"):
    """An order of ``provider`` for ``elder`` on ``day`` (cleaning, ¥40), with its EVV visit."""
    start = of.local(day, "09:00")
    order = of.OrderFactory(elder=elder, state=state, provider=provider, caregiver=carer, window_start=start)
    Visit.objects.create(
        order=order,
        caregiver=carer,
        checkin_at=start,
        checkout_at=start + dt.timedelta(minutes=55) if checked_out else None,
    )
    return order


def settled(official, provider, carer, elder, day: dt.date, **kwargs):
    order = served(provider, carer, elder, day, **kwargs)
    return order_services.settle_order(actor=official, order_id=order.pk)
