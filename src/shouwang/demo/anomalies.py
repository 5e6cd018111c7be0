"""Demo anomalies: two things in the demo's history that should not have happened, and the checks run over
them by the district official, so the cases page has findings waiting for review.

- A death reported late: an elder whose last order was served and settled days ago is recorded in the
  registry (through the registry's service) as having died the day before that visit.
- An impossible journey: one caregiver's visit is moved (with its order) to begin a minute or two after the
  same caregiver left another elder's home kilometres away, a pace no one keeps across the city.

The rows are the history's own (the history is synthesised straight into the tables, see ``orders``); no
case is written here: the checks find them (with whatever else the random history holds). Deterministic.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.benefits.anomalies import run_checks
from shouwang.core.geo import distance_m
from shouwang.elders.services import record_life_event
from shouwang.orders.models import Order, OrderState, Visit
from shouwang.orders.states import SERVED_STATES

S = OrderState


def _late_death(official: User, communities: list[str]) -> Order | None:
    """A settled order, its elder's last service if one is (else the latest): the elder died the day
    before it."""
    last: dict[int, tuple] = {}
    served = Order.objects.filter(
        elder__community_id__in=communities, state__in=SERVED_STATES, elder__status="active"
    ).order_by("window_start", "pk")
    for pk, elder_id, state, start in served.values_list("pk", "elder_id", "state", "window_start"):
        last[elder_id] = (start, pk, state)
    settled = sorted(row for row in last.values() if row[2] == S.SETTLED)
    chosen = settled[-1][1] if settled else served.filter(state=S.SETTLED).values_list("pk", flat=True).last()
    if chosen is None:
        return None
    order = Order.objects.get(pk=chosen)
    day = timezone.localtime(order.window_start).date() - dt.timedelta(days=1)
    record_life_event(
        actor=official, elder_id=order.elder_id, event="deceased", date=day, note="家属补报死亡（迟报）"
    )
    return order


def _rushed_visit(communities: list[str]) -> tuple[Visit, Visit] | None:
    """Of the settled visits, the first one that is its caregiver's last of the day, and the farthest visit
    of the same provider whose elder has no order that day: the second is given to the first one's
    caregiver, starting just after they left, too soon for the distance (one finding, and nothing else:
    no later visit of the caregiver that day, no second order of the elder)."""
    visits = list(
        Visit.objects.filter(
            order__community_id__in=communities, order__state=S.SETTLED, checkout_at__isnull=False
        )
        .select_related("order")
        .order_by("checkin_at", "pk")
    )
    last_of_day = {(v.caregiver_id, _day(v.checkin_at)): v for v in visits}
    first = next((v for v in visits if last_of_day[v.caregiver_id, _day(v.checkin_at)] is v), None)
    if first is None:
        return None
    day = _day(first.checkin_at)
    busy = set(
        Order.objects.filter(elder__community_id__in=communities).values_list("elder_id", "window_start")
    )
    taken = {elder_id for elder_id, start in busy if _day(start) == day}
    same_provider = [
        v
        for v in visits
        if v is not first and v.order.provider_id == first.order.provider_id and v.order.elder_id not in taken
    ]
    if not same_provider:
        return None
    farthest = max(same_provider, key=lambda v: (_apart(first, v), -v.pk))
    metres = _apart(first, farthest)
    if metres <= 2 * settings.SHOUWANG_EVV_RADIUS_M:
        return None
    # Three times the fastest pace allowed, and never less than a minute.
    minutes = max(1, int(metres / 1000 / (3 * settings.SHOUWANG_EVV_MAX_TRAVEL_KMH) * 60))
    checkin = first.checkout_at + dt.timedelta(minutes=minutes)
    length = farthest.checkout_at - farthest.checkin_at
    window = farthest.order.window_end - farthest.order.window_start
    Order.objects.filter(pk=farthest.order_id).update(
        caregiver_id=first.caregiver_id, window_start=checkin, window_end=checkin + window
    )
    Visit.objects.filter(pk=farthest.pk).update(
        caregiver_id=first.caregiver_id, checkin_at=checkin, checkout_at=checkin + length
    )
    return first, farthest


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _apart(one: Visit, other: Visit) -> float:
    return distance_m(one.checkout_lat, one.checkout_lon, other.checkin_lat, other.checkin_lon)


def load_anomalies(*, community_codes: list[str]) -> int:
    """Plant the two anomalies in the history of ``community_codes``, then let the district official run the
    checks over the months the history covers; returns the number of cases waiting for review."""
    official = User.objects.get(username="official")
    _rushed_visit(community_codes)
    _late_death(official, community_codes)
    today = timezone.localdate()
    earliest = Order.objects.filter(community_id__in=community_codes).order_by("window_start").first()
    if earliest is None:
        return 0
    month = timezone.localtime(earliest.window_start).date().replace(day=1)
    new = 0
    while month <= today:
        run = run_checks(actor=official, month=month, region_code=official.regions.order_by("code")[0].code)
        new += run.new
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return new
