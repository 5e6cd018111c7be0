"""Data for the anomaly-check tests: served orders with their EVV visits in March 2026, made directly (the
services refuse to place orders in the past, as they should)."""

from __future__ import annotations

import datetime as dt

from shouwang.orders.models import OrderState, Visit
from tests.orders import factories as of

MONTH = dt.date(2026, 3, 1)
HOME = (43.85, 126.55)
# About 11 km north of HOME.
FAR = (43.95, 126.55)


def at(day: int, hhmm: str, month: dt.date = MONTH) -> dt.datetime:
    return of.local(month.replace(day=day), hhmm)


def served(
    elder,
    carer,
    start: dt.datetime,
    *,
    state=OrderState.SETTLED,
    items=("cleaning",),
    minutes: int = 60,
    visit: bool = True,
    place=HOME,
    **visit_fields,
):
    """An order of ``carer`` for ``elder`` from ``start`` in ``state``, with a checked-in-and-out visit at
    ``place`` (unless ``visit`` is False); ``visit_fields`` override the visit's."""
    order = of.OrderFactory(
        elder=elder,
        state=state,
        provider=carer.provider,
        caregiver=carer,
        window_start=start,
        window_end=start + dt.timedelta(minutes=minutes),
        items=list(items),
    )
    if visit:
        fields = {
            "checkin_at": start,
            "checkin_lat": place[0],
            "checkin_lon": place[1],
            "checkout_at": start + dt.timedelta(minutes=minutes - 5),
            "checkout_lat": place[0],
            "checkout_lon": place[1],
            **visit_fields,
        }
        Visit.objects.create(order=order, caregiver=carer, **fields)
    return order
