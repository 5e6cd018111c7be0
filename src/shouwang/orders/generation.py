"""Orders from approved care plans: the daily job makes the coming days' visits.

Each line of a plan (``service`` × ``times`` per day, week or month) is spread over its period at usual
local hours; each visit gets a key ``p<elder>:<service>:<day>:<n>`` in ``Order.plan_key``, so running the
job again creates nothing twice. The key names the elder rather than the plan: approving an edited plan
supersedes the old one, and a visit both plans ask for must stay the same order (it may already be
dispatched). Visits the current plan no longer asks for are cancelled while still waiting for dispatch
(``created``), with the reason "care plan changed"; dispatched, started and past orders are left alone.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.assessments.models import CarePlan, Frequency, PlanState
from shouwang.catalog.models import ServiceItem
from shouwang.elders.models import Elder, Status

from .models import Order, OrderSource, OrderState
from .services import create_for_elder, redispatch
from .states import advance

logger = logging.getLogger(__name__)

# Local hours of the visits of one day, by how many there are; meals at meal times.
DAY_HOURS = {1: [9], 2: [9, 15], 3: [8, 12, 16], 4: [8, 11, 14, 17]}
MEAL_HOURS = {1: [11], 2: [11, 17], 3: [7, 11, 17]}
MIN_WINDOW = dt.timedelta(hours=1)


def days_ahead() -> int:
    return settings.SHOUWANG_ORDER_PLAN_DAYS_AHEAD


def _hours(service: str, count: int) -> list[int]:
    table = MEAL_HOURS if service.startswith("meal") else DAY_HOURS
    if count in table:
        return table[count]
    # More than the table knows: evenly from 07:00 to 19:00.
    return [7 + (12 * index) // count for index in range(count)]


def _period(day: dt.date, per: str) -> tuple[dt.date, int]:
    """The first day and the length of the period (day, ISO week, month) that contains ``day``."""
    if per == Frequency.WEEKLY:
        return day - dt.timedelta(days=day.weekday()), 7
    if per == Frequency.MONTHLY:
        return day.replace(day=1), calendar.monthrange(day.year, day.month)[1]
    return day, 1


def visits_on(day: dt.date, service: str, times: int, per: str) -> list[int]:
    """The local hours of this line's visits on ``day``: the ``times`` visits of the period fall on the
    days ``floor(i × length / times)`` after its start, so they are spread evenly over it."""
    start, length = _period(day, per)
    offset = (day - start).days
    today_count = sum(1 for index in range(times) if (index * length) // times == offset)
    if not today_count:
        return []
    # Days with several visits (e.g. 10 a week) take them at the hours of a day with that many.
    return _hours(service, today_count)


def plan_key(elder_id: int, service: str, day: dt.date, n: int) -> str:
    return f"p{elder_id}:{service}:{day.isoformat()}:{n}"


def wanted_visits(plan: CarePlan, days: list[dt.date], items: dict[str, ServiceItem]) -> dict[str, tuple]:
    """``{plan_key: (item, window_start, window_end)}`` for the plan's visits on ``days``."""
    wanted = {}
    for line in plan.items.all():
        item = items.get(line.service)
        if item is None:  # a service the catalogue has retired: nothing to order
            continue
        length = max(MIN_WINDOW, dt.timedelta(minutes=item.standard_minutes))
        for day in days:
            for n, hour in enumerate(visits_on(day, line.service, line.times, line.per), start=1):
                start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
                wanted[plan_key(plan.elder_id, line.service, day, n)] = (item, start, start + length)
    return wanted


def generate_orders(*, today: dt.date | None = None) -> dict[str, int]:
    """Create the coming ``SHOUWANG_ORDER_PLAN_DAYS_AHEAD`` days' orders (from tomorrow) of every approved
    plan of an active elder and cancel generated orders still waiting for dispatch that no plan asks for
    any more, then offers each new order to the matching's auto-dispatch (one that nobody may take waits
    in ``created`` for the operator). Idempotent; a system job (``actor=None``). Returns
    ``{"created": n, "cancelled": m, "dispatched": d}``."""
    today = today or timezone.localdate()
    days = [today + dt.timedelta(days=offset) for offset in range(1, days_ahead() + 1)]
    horizon_start = timezone.make_aware(dt.datetime.combine(days[0], dt.time.min))
    items = {item.code: item for item in ServiceItem.objects.filter(active=True)}
    plans = (
        CarePlan.objects.filter(state=PlanState.APPROVED, elder__status=Status.ACTIVE)
        .select_related("elder")
        .prefetch_related("items")
        .order_by("elder_id", "-approved_at", "-id")
    )
    totals = {"created": 0, "cancelled": 0, "dispatched": 0}
    new_orders: list[Order] = []
    seen_elders: set[int] = set()
    for plan in plans:
        if plan.elder_id in seen_elders:  # an elder has one approved plan; the newest wins if not
            continue
        seen_elders.add(plan.elder_id)
        created, cancelled = _sync_elder(plan.elder, plan, wanted_visits(plan, days, items), horizon_start)
        new_orders += created
        totals["created"] += len(created)
        totals["cancelled"] += cancelled
    # Elders with generated orders waiting but no approved plan any more (or no longer active).
    orphaned = (
        _waiting(horizon_start)
        .exclude(elder_id__in=seen_elders)
        .values_list("elder_id", flat=True)
        .distinct()
    )
    for elder in Elder.objects.filter(pk__in=list(orphaned)):
        totals["cancelled"] += _sync_elder(elder, None, {}, horizon_start)[1]
    for order in new_orders:
        redispatch(order)
    totals["dispatched"] = Order.objects.filter(
        pk__in=[order.pk for order in new_orders], state=OrderState.DISPATCHED
    ).count()
    return totals


def _waiting(after: dt.datetime):
    """Generated orders from ``after`` on that are still waiting for dispatch."""
    return Order.objects.filter(
        source=OrderSource.CARE_PLAN,
        state=OrderState.CREATED,
        window_start__gte=after,
        plan_key__isnull=False,
    )


def _sync_elder(
    elder: Elder, plan: CarePlan | None, wanted: dict, after: dt.datetime
) -> tuple[list[Order], int]:
    """Make one elder's generated orders match ``wanted``: one transaction per elder, so a failure leaves
    the others done."""
    created: list[Order] = []
    cancelled = 0
    with transaction.atomic():
        existing = set(
            Order.objects.filter(elder=elder, plan_key__in=list(wanted)).values_list("plan_key", flat=True)
        )
        for key, (item, start, end) in sorted(wanted.items(), key=lambda pair: pair[1][1]):
            if key in existing:
                continue
            try:
                with transaction.atomic():
                    order = create_for_elder(
                        actor=None,
                        elder=elder,
                        lines=[(item, 1)],
                        window_start=start,
                        window_end=end,
                        source=OrderSource.CARE_PLAN,
                        care_plan=plan,
                        plan_key=key,
                    )
                created.append(order)
            except IntegrityError:  # another run made it meanwhile
                logger.info("plan order %s already exists", key)
        for order in (
            _waiting(after).filter(elder=elder).exclude(plan_key__in=list(wanted)).select_for_update()
        ):
            # The key is released so that a later plan asking for this visit again can make it anew.
            key = order.plan_key
            advance(
                order,
                OrderState.CANCELLED,
                actor=None,
                reason=_("care plan changed"),
                details={"plan_key": key},
                fields={"plan_key": None},
            )
            cancelled += 1
    return created, cancelled
