"""Demo service orders: three weeks of history and today's open orders.

The history is synthesised straight into the tables (services refuse to place orders in the past, as they
should): orders, their lines at the provider's prices, every transition with its time and actor, the EVV
visit with check-in and check-out near the elder's home, the exceptions a few visits broke, ratings and a
handful of complaints. The history's settled orders are written confirmed and then settled through the
real settlement service, after the benefits' vouchers are credited (the loader runs benefits first), so
their price splits into voucher and self-pay in the ledger as a real settlement's would. Today's orders
go through the real services: the operator places them, dispatch picks the provider, the provider accepts
and assigns the demo caregiver, so every role has live work. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.catalog.models import ServiceItem
from shouwang.core.errors import DomainError
from shouwang.elders.models import Elder, Status
from shouwang.orders import dispatch, services
from shouwang.orders.complaints import assign_complaint, close_complaint, file_complaint, resolve_complaint
from shouwang.orders.models import (
    ComplaintOutcome,
    ConfirmationMethod,
    ExceptionKind,
    ExceptionState,
    Order,
    OrderLine,
    OrderSource,
    OrderState,
    OrderTransition,
    Visit,
    VisitException,
)
from shouwang.providers import staff as staff_services
from shouwang.providers.models import Price, Provider, ProviderState, StaffJob, StaffMember

S = OrderState
logger = logging.getLogger(__name__)
# Everyday home services most orders are for (codes of the seeded catalogue, where a provider prices them).
COMMON_ITEMS = (
    "meal",
    "cleaning",
    "bathing",
    "medical_escort",
    "health",
    "companionship",
    "visit",
    "errands",
)
HISTORY_DAYS = 21
# The demo caregiver's working day (local hours).
DAY_STARTS, DAY_ENDS = 7, 23
# Today's open orders: half-hour visits, at most 45 and at least 20 minutes apart (closer in the evening, so
# that a demo started at 20:00 still has today's visits; the demo caregiver's every other one never overlap).
VISIT_LENGTH = dt.timedelta(minutes=30)
WIDEST_GAP, NARROWEST_GAP = dt.timedelta(minutes=45), dt.timedelta(minutes=20)
TODAYS_ORDERS = 16
ORDERS_PER_DAY = 30
# A history visit starts before this local hour (a caregiver's later ones move to another caregiver).
LAST_HISTORY_START = 18
METERS_PER_DEGREE = 111_000


@dataclass
class _Network:
    """What the history needs of the provider network, read once."""

    prices: dict[int, dict[str, int]]  # provider → item code → price in fen
    carers: dict[int, list[StaffMember]]  # provider → its caregivers
    items: dict[str, ServiceItem]


def _network(today: dt.date) -> _Network:
    providers = list(Provider.objects.filter(state=ProviderState.ADMITTED).values_list("pk", flat=True))
    prices: dict[int, dict[str, int]] = defaultdict(dict)
    for row in Price.objects.filter(Price.in_force_on(today), provider_id__in=providers).select_related(
        "item"
    ):
        prices[row.provider_id][row.item.code] = row.price_fen
    carers: dict[int, list[StaffMember]] = defaultdict(list)
    for member in StaffMember.objects.filter(provider_id__in=providers, active=True, job=StaffJob.CAREGIVER):
        carers[member.provider_id].append(member)
    items = {item.code: item for item in ServiceItem.objects.filter(active=True)}
    return _Network(prices=dict(prices), carers=dict(carers), items=items)


def _near(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    return (
        round(lat + rng.uniform(-metres, metres) / METERS_PER_DEGREE, 6),
        round(lon + rng.uniform(-metres, metres) / METERS_PER_DEGREE, 6),
    )


def _pick(rng: random.Random, network: _Network) -> tuple[int, StaffMember, list[str]] | None:
    """A provider, one of its caregivers and one or two items both offer."""
    provider_id = rng.choice(list(network.carers))
    carer = rng.choice(network.carers[provider_id])
    offered = [
        code
        for code in COMMON_ITEMS
        if code in network.prices.get(provider_id, {})
        and code in (carer.skills or [])
        and code in network.items
    ]
    if not offered:
        return None
    return provider_id, carer, rng.sample(offered, k=1 if rng.random() < 0.8 else min(2, len(offered)))


def _final_state(rng: random.Random, days_ago: int) -> str:
    roll = rng.random()
    if roll < 0.04:
        return S.CANCELLED
    if roll < 0.07:
        return S.DISPUTED
    if days_ago <= 2:
        return S.COMPLETED if roll < 0.4 else S.CONFIRMED
    return S.CONFIRMED if roll < 0.12 else S.SETTLED


class _History:
    """Collects the rows of the history and writes them in a few bulk inserts."""

    def __init__(self, rng: random.Random, network: _Network, actors: dict[str, User]):
        self.rng, self.network, self.actors = rng, network, actors
        self.orders: list[Order] = []
        self.plans: list[dict] = []
        # The history is clean unless a check is meant to find something (``demo.anomalies`` plants that):
        # an elder has at most one order a day (no double claim), and a caregiver's next visit of the day
        # starts once the last one is surely over with time to cross the district (no overlap, no
        # impossible journey).
        self.served: set[tuple[int, dt.date]] = set()
        self.free_from: dict[tuple[int, dt.date], dt.datetime] = {}

    def add_any(self, elders: list[Elder], day: dt.date) -> None:
        """An order on ``day`` for one of ``elders`` not yet served that day (a few are tried)."""
        for _try in range(3):
            elder = self.rng.choice(elders)
            if elder.lat is not None and (elder.pk, day) not in self.served:
                self.add(elder, day)
                return

    def add(self, elder: Elder, day: dt.date) -> None:
        if elder.lat is None or (elder.pk, day) in self.served:
            return
        rng = self.rng
        for _attempt in range(3):
            picked = _pick(rng, self.network)
            if picked is None:
                return
            provider_id, carer, codes = picked
            minutes = sum(self.network.items[code].standard_minutes for code in codes)
            start = timezone.make_aware(
                dt.datetime.combine(day, dt.time(rng.randrange(8, 16), rng.choice((0, 30))))
            )
            free = self.free_from.get((carer.pk, day))
            if free is not None and start < free:
                start = free + dt.timedelta(minutes=-free.minute % 30)  # the next half hour
            if timezone.localtime(start).hour < LAST_HISTORY_START:
                break
        else:
            return  # every caregiver tried is booked up that day
        self.served.add((elder.pk, day))
        # The latest a visit can end (a late check-in, 130 % of the time) and an hour to get anywhere.
        self.free_from[(carer.pk, day)] = start + dt.timedelta(minutes=60 + math.ceil(minutes * 1.3) + 60)
        end = start + dt.timedelta(minutes=minutes + 60)
        state = _final_state(rng, (timezone.localdate() - day).days)
        # An order to be settled is written confirmed and settled through the orders' settlement service
        # afterwards (``write``), so its price is split into vouchers and self-pay in the ledger.
        settle = state == S.SETTLED
        state = S.CONFIRMED if settle else state
        self.orders.append(
            Order(
                elder=elder,
                community_id=elder.community_id,
                source=rng.choice((OrderSource.PHONE,) * 5 + (OrderSource.COMMUNITY, OrderSource.FAMILY)),
                state=state,
                window_start=start,
                window_end=end,
                address=elder.address,
                lat=elder.lat,
                lon=elder.lon,
                provider_id=None if state == S.CANCELLED else provider_id,
                caregiver=None if state == S.CANCELLED else carer,
                created_by=self.actors["operator"],
            )
        )
        self.plans.append(
            {"codes": codes, "carer": carer, "provider_id": provider_id, "minutes": minutes, "settle": settle}
        )

    def write(self) -> int:
        created = Order.objects.bulk_create(self.orders)
        lines, transitions, visits, problems = [], [], [], []
        for order, plan in zip(created, self.plans, strict=True):
            prices = self.network.prices[plan["provider_id"]]
            for code in plan["codes"]:
                lines.append(
                    OrderLine(order=order, item=self.network.items[code], unit_price_fen=prices[code])
                )
            transitions += self._transitions(order)
            if order.state != S.CANCELLED:
                visit, kinds = self._visit(order, plan)
                visits.append(visit)
                problems += [(order, kind, plan["settle"]) for kind in kinds]
        OrderLine.objects.bulk_create(lines)
        OrderTransition.objects.bulk_create(transitions)
        Visit.objects.bulk_create(visits)
        VisitException.objects.bulk_create(self._exceptions(problems))
        self._settle(created)
        for order, plan in zip(created, self.plans, strict=True):
            if plan["settle"]:
                services.settle_order(actor=self.actors["official"], order_id=order.pk)
        return len(created)

    def _transitions(self, order: Order) -> list[OrderTransition]:
        rng, operator, provider = self.rng, self.actors["operator"], self.actors["provider"]
        at = order.window_start - dt.timedelta(hours=rng.randrange(6, 60))
        steps = [("", S.CREATED, operator, at)]
        if order.state == S.CANCELLED:
            return self._rows(order, steps + [(S.CREATED, S.CANCELLED, operator, at + dt.timedelta(hours=2))])
        path = [
            (S.CREATED, S.DISPATCHED, None, at + dt.timedelta(minutes=1)),
            (S.DISPATCHED, S.ACCEPTED, provider, at + dt.timedelta(minutes=rng.randrange(3, 28))),
            (S.ACCEPTED, S.ASSIGNED, provider, at + dt.timedelta(minutes=40)),
            (S.ASSIGNED, S.IN_SERVICE, None, order.window_start),
            (S.IN_SERVICE, S.COMPLETED, None, order.window_start + dt.timedelta(minutes=50)),
        ]
        if order.state in (S.CONFIRMED, S.SETTLED):
            path.append((S.COMPLETED, S.CONFIRMED, None, order.window_start + dt.timedelta(minutes=52)))
        if order.state == S.DISPUTED:
            path.append((S.COMPLETED, S.DISPUTED, None, order.window_start + dt.timedelta(minutes=52)))
        return self._rows(order, steps + path)

    @staticmethod
    def _rows(order: Order, steps) -> list[OrderTransition]:
        return [
            OrderTransition(
                order=order,
                from_state=before,
                to_state=after,
                at=at,
                actor=actor,
                actor_name=actor.username if actor else "system",
            )
            for before, after, actor, at in steps
        ]

    def _visit(self, order: Order, plan: dict) -> tuple[Visit, list[str]]:
        rng, kinds = self.rng, []
        late = rng.random() < 0.05
        checkin = order.window_start + dt.timedelta(
            minutes=rng.randrange(30, 60) if late else rng.randrange(-5, 12)
        )
        share = 0.3 if rng.random() < 0.03 else rng.uniform(0.95, 1.3)
        checkout = checkin + dt.timedelta(minutes=max(5, round(plan["minutes"] * share)))
        away = rng.random() < 0.03
        lat, lon = _near(rng, order.lat, order.lon, 600 if away else 40)
        kinds += [ExceptionKind.LATE] * late + [ExceptionKind.TOO_SHORT] * (share < 0.5)
        kinds += [ExceptionKind.OUTSIDE_RADIUS] * away
        out_lat, out_lon = _near(rng, order.lat, order.lon, 40)
        visit = Visit(
            order=order,
            caregiver=plan["carer"],
            checkin_at=checkin,
            checkin_lat=lat,
            checkin_lon=lon,
            checkin_accuracy_m=rng.randrange(5, 30),
            checkin_distance_m=abs(lat - order.lat) * METERS_PER_DEGREE,
            checkout_at=checkout,
            checkout_lat=out_lat,
            checkout_lon=out_lon,
            checkout_accuracy_m=rng.randrange(5, 30),
            checkout_distance_m=abs(out_lat - order.lat) * METERS_PER_DEGREE,
            checkout_method="gps",
        )
        return visit, kinds

    def _exceptions(self, problems) -> list[VisitException]:
        recent = timezone.now() - dt.timedelta(days=3)
        rows = []
        for order, kind, settled in problems:
            # A settled visit's exceptions were resolved by accepting the provider's explanation (an upheld
            # one would keep it from being paid: the unverified-settlement check's finding, not planted).
            done = settled or order.window_start < recent
            rows.append(
                VisitException(
                    order=order,
                    kind=kind,
                    detail="",
                    state=ExceptionState.ACCEPTED
                    if settled
                    else self.rng.choice((ExceptionState.ACCEPTED, ExceptionState.UPHELD))
                    if done
                    else ExceptionState.OPEN,
                    resolved_by=self.actors["provider"] if done else None,
                    resolved_at=order.window_end + dt.timedelta(days=1) if done else None,
                )
            )
        return rows

    def _settle(self, orders: list[Order]) -> None:
        """Ratings, confirmation methods and the settlement record of the finished orders."""
        rng = self.rng
        for order in orders:
            if order.state not in (S.CONFIRMED, S.SETTLED, S.DISPUTED):
                continue
            amount = sum(line.unit_price_fen * line.quantity for line in order.lines.all())
            rating = 2 if order.state == S.DISPUTED else rng.choice((5, 5, 5, 5, 4, 4, 4, 3))
            Order.objects.filter(pk=order.pk).update(
                amount_fen=amount,
                self_pay_fen=0,
                rating=rating,
                confirmed_via=rng.choice(list(ConfirmationMethod.values)),
                confirmed_at=order.window_start + dt.timedelta(minutes=52),
            )


def _complaints(rng: random.Random, actors: dict[str, User]) -> None:
    """A few complaints at different steps, about disputed or low-rated orders."""
    operator, official = actors["operator"], actors["official"]
    disputed = list(Order.objects.filter(state=S.DISPUTED).order_by("pk")[:6])
    for position, order in enumerate(disputed):
        complaint = file_complaint(
            actor=operator,
            order_id=order.pk,
            source=rng.choice(("elder", "family", "operator")),
            description=rng.choice(
                (
                    "护理员迟到近一个小时，也没有提前打电话。",
                    "送来的餐已经凉了，老人没法吃。",
                    "打扫不彻底，厨房没有清理就走了。",
                    "服务时间明显不够，签字时老人没看清。",
                )
            ),
        )
        if position % 3 == 0:
            continue  # left as received, for the official to take up
        assign_complaint(actor=official, complaint_id=complaint.pk, assignee_id=official.pk)
        if position % 3 == 2:
            resolve_complaint(
                actor=official,
                complaint_id=complaint.pk,
                outcome=rng.choice(list(ComplaintOutcome.values)),
                resolution="已约谈服务商负责人，安排上门致歉并补做服务。",
            )
            if position % 2 == 0:
                close_complaint(actor=official, complaint_id=complaint.pk)


def _link_demo_caregiver(provider_id: int) -> StaffMember | None:
    """The demo ``caregiver`` login becomes one of the first provider's caregivers, working a long day every
    day, so whoever opens the demo finds visits on the phone pages at any hour."""
    carer = (
        StaffMember.objects.filter(provider_id=provider_id, job=StaffJob.CAREGIVER, active=True)
        .order_by("pk")
        .first()
    )
    if carer is None:
        return None
    official = User.objects.get(username="official")
    account = User.objects.get(username="caregiver")
    # The staff member takes the account's name (吴桂芳, without the role in brackets): the board and the
    # caregiver's own pages then name the same person.
    staff_services.update_staff(
        actor=official, staff_id=carer.pk, user=account.pk, name=account.full_name.split("（")[0]
    )
    long_day = {day: [[f"{DAY_STARTS:02d}:00", f"{DAY_ENDS:02d}:00"]] for day in staff_services.WEEKDAYS}
    staff_services.set_shifts(actor=official, staff_id=carer.pk, shifts=long_day)
    return carer


def _slots(now: dt.datetime, count: int, length: dt.timedelta) -> list[dt.datetime]:
    """Start times from the next quarter hour of ``now`` (local), inside the working day: as many as fit on
    today's date, spaced to fit (``NARROWEST_GAP`` to ``WIDEST_GAP``), the rest on the next day."""
    start = (now + dt.timedelta(minutes=15 - now.minute % 15)).replace(second=0, microsecond=0)
    if start.hour < DAY_STARTS:
        start = start.replace(hour=DAY_STARTS, minute=0)
    room = start.replace(hour=DAY_ENDS, minute=0) - length - start
    gap = min(WIDEST_GAP, max(NARROWEST_GAP, room / max(count - 1, 1)))
    slots = []
    while len(slots) < count:
        if start.hour < DAY_STARTS:
            start = start.replace(hour=DAY_STARTS, minute=0)
        if start + length > start.replace(hour=DAY_ENDS, minute=0):
            start = (start + dt.timedelta(days=1)).replace(hour=DAY_STARTS, minute=0)
            continue
        slots.append(start)
        start += gap
    return slots


def _todays_orders(rng: random.Random, community_codes: list[str], provider_id: int, actors) -> int:
    """Open orders for the coming hours through the services: some wait for dispatch, some wait for a
    provider's answer, and the demo caregiver has visits assigned."""
    carer = _link_demo_caregiver(provider_id)
    operator, provider = actors["operator"], actors["provider"]
    length = VISIT_LENGTH
    elders = list(
        Elder.objects.filter(
            community_id__in=community_codes, status=Status.ACTIVE, lat__isnull=False
        ).order_by("pk")[:400]
    )
    rng.shuffle(elders)
    skills = [code for code in COMMON_ITEMS if carer is not None and code in (carer.skills or [])]
    placed = 0
    # A small district may have fewer elders in these communities than there are slots for today.
    slots = _slots(timezone.localtime(), min(TODAYS_ORDERS, len(elders)), length)
    for position, (elder, start) in enumerate(zip(elders[: len(slots)], slots, strict=True)):
        try:
            order = services.create_order(
                actor=operator,
                elder_id=elder.pk,
                items=[{"code": rng.choice(skills or list(COMMON_ITEMS)), "quantity": 1}],
                window_start=start,
                window_end=start + length,
                source=OrderSource.PHONE,
            )
            placed += 1
            if position % 4 == 3:
                continue  # waits for the operator to dispatch
            if carer is not None and position % 2 == 0:
                dispatch.dispatch_order(actor=operator, order_id=order.pk, provider_id=provider_id)
                services.accept_order(actor=provider, order_id=order.pk)
                services.assign_caregiver(actor=provider, order_id=order.pk, staff_id=carer.pk)
            else:
                dispatch.auto_dispatch(actor=operator, order_id=order.pk)
        except DomainError as error:  # e.g. nobody eligible then: the order waits, as it would in life
            logger.info("demo order left as it is: %s", error.message)
    return placed


def load_orders(*, community_codes: list[str], provider_id: int, seed: int) -> int:
    """History in ``community_codes`` over the last three weeks, then today's orders; returns the count."""
    rng = random.Random(f"{seed}-orders")
    actors = {name: User.objects.get(username=name) for name in ("operator", "provider", "official")}
    network = _network(timezone.localdate())
    if not network.carers:
        return 0
    elders = list(
        Elder.objects.filter(
            community_id__in=community_codes, status=Status.ACTIVE, lat__isnull=False
        ).order_by("pk")[:600]
    )
    if not elders:
        return 0
    history = _History(rng, network, actors)
    today = timezone.localdate()
    # At most half the elders are served on a day (an elder once a day at most), so that some elders'
    # last service is days old, settled: the late death ``demo.anomalies`` plants needs one.
    per_day = min(ORDERS_PER_DAY, max(1, len(elders) // 2))
    for days_ago in range(HISTORY_DAYS, 0, -1):
        for _ in range(per_day):
            history.add_any(elders, today - dt.timedelta(days=days_ago))
    written = history.write()
    _complaints(rng, actors)
    return written + _todays_orders(rng, community_codes, provider_id, actors)
