"""Matching (供需对接): which providers and caregivers MAY do an order, ranked, with every point explained.

A provider may take an order when it is admitted, holds a designated-provider contract in force on the day
of the service whose areas cover the elder's community (the community itself or a street, district … above
it) and whose services cover every item of the order, is not on the black list that day, has not already
declined this order, has a price for every item on that day, and has at least one caregiver who may do it.
A caregiver may do it when they are active, skilled for every item, hold every required certificate in
date, work a shift that contains the whole window and have no busy order (``states.BUSY_STATES``) that
overlaps it.

Ranking: each factor gives a fraction from 0 to 1, multiplied by its weight; the score is the sum (at most
100). The provider factors and their weights (``WEIGHTS``):

- ``distance`` (25): the elder's home to the nearest of the provider's base and its qualified caregivers'
  homes (great-circle km); full points next door, none at ``DISTANCE_HORIZON_KM`` or beyond.
- ``continuity`` (20): full points when a caregiver who served the elder before is among the qualified
  caregivers, half when the provider served the elder before with someone else.
- ``rating`` (20): the latest monthly evaluation score (0–100), else the average elder rating (1–5) of
  the last 90 days, else a neutral half.
- ``load`` (15): busy orders of the provider that day per active worker; none at
  ``LOAD_FULL_PER_WORKER`` or more.
- ``price`` (10): the order's total at the provider's prices against the guide prices; half at the guide
  price, full at half of it or less, none at one and a half times it or more.
- ``skill`` (10): how many caregivers are qualified and free (skilled and certified for every item), full
  points from ``SKILL_DEPTH`` on: a provider with spare qualified hands is likelier to serve well.

Caregivers within a provider are ranked the same way by ``CAREGIVER_WEIGHTS``: continuity (40: the
elder's last caregiver full, an earlier one 60 %), distance from their home (35, the provider's base when
their home is unknown) and their busy orders that day (25, none at ``CAREGIVER_DAY_FULL``).

Speed: seven set-based queries per call whatever the number of providers: the order's lines; the
designated providers with, per provider, black list, prices of the day, head count and latest score (as
subqueries the database answers by index); their staff skilled for every item (skills and shifts read as
JSON text, each distinct shift pattern parsed once); those staff's certificates in date; the providers' busy
orders that day; the elder's past orders; average ratings for providers without a score. The explanations
are written only for the candidates returned. Nothing is cached between calls.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    Func,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.catalog.models import Certificate
from shouwang.catalog.prices import fen_to_yuan
from shouwang.core.errors import Forbidden
from shouwang.core.geo import distance_km
from shouwang.core.text import listed
from shouwang.elders.models import Elder
from shouwang.providers.models import (
    Contract,
    ContractState,
    ListEntry,
    ListKind,
    Price,
    Provider,
    ProviderScore,
    ProviderState,
    StaffCertificate,
    StaffMember,
)
from shouwang.providers.staff import certificate_name, within_shifts
from shouwang.regions.models import PREFIX_LENGTH, Region

from .models import Order, OrderLine, OrderState
from .permissions import may_dispatch
from .selectors import get_order_for
from .states import BUSY_STATES

WEIGHTS = {"distance": 25, "continuity": 20, "rating": 20, "load": 15, "price": 10, "skill": 10}
CAREGIVER_WEIGHTS = {"continuity": 40, "distance": 35, "load": 25}
DISTANCE_HORIZON_KM = 15.0
LOAD_FULL_PER_WORKER = 4.0
CAREGIVER_DAY_FULL = 6
SKILL_DEPTH = 3
RATING_DAYS = 90
# How many of a provider's qualified caregivers a candidate lists (the best; the skill factor counts all).
CAREGIVERS_SHOWN = 5
# Orders that count as "served this elder" for continuity.
SERVED_STATES = frozenset({OrderState.COMPLETED, OrderState.CONFIRMED, OrderState.SETTLED})
# Roles that may see candidates and dispatch, each within its own region scope.


@dataclass
class CaregiverCandidate:
    id: int
    name: str
    score: float
    factors: dict


@dataclass
class Candidate:
    provider_id: int
    provider_name: str
    score: float
    factors: dict
    caregivers: list[CaregiverCandidate]
    prices: dict[str, int]  # item code → unit price in fen on the day of the service
    total_fen: int
    excluded_caregivers: list[dict] = field(default_factory=list)


@dataclass
class Exclusion:
    provider_id: int
    provider_name: str
    reason: str


@dataclass
class Shortlist:
    order_id: int
    day: dt.date
    candidates: list[Candidate]
    eligible_count: int
    excluded: list[Exclusion] = field(default_factory=list)

    def get(self, provider_id: int) -> Candidate | None:
        return next((c for c in self.candidates if c.provider_id == provider_id), None)

    def exclusion(self, provider_id: int) -> Exclusion | None:
        return next((e for e in self.excluded if e.provider_id == provider_id), None)


def covering_codes(community_code: str) -> list[str]:
    """The community's code and those of every region above it: a contract area covers the community
    when it is one of these."""
    return [community_code[:length].ljust(12, "0") for length in sorted(set(PREFIX_LENGTH.values()))]


# --- reading the order -----------------------------------------------------------------------------------


@dataclass
class _Order:
    order: Order
    lines: list[OrderLine]
    codes: list[str]
    start: dt.datetime
    end: dt.datetime
    day: dt.date
    last_day: dt.date
    day_start: dt.datetime
    day_end: dt.datetime
    location: tuple[float, float] | None
    at: dt.datetime


def _read_order(order: Order, at: dt.datetime | None) -> _Order:
    lines = list(OrderLine.objects.filter(order_id=order.pk).select_related("item"))
    local_start, local_end = timezone.localtime(order.window_start), timezone.localtime(order.window_end)
    day = local_start.date()
    day_start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return _Order(
        order=order,
        lines=lines,
        codes=[line.item.code for line in lines],
        start=order.window_start,
        end=order.window_end,
        day=day,
        last_day=local_end.date(),
        day_start=day_start,
        day_end=day_start + dt.timedelta(days=1),
        location=_location(order),
        at=at or timezone.now(),
    )


def _location(order: Order) -> tuple[float, float] | None:
    """Where the service happens: the order's point, else the elder's, else the community's centre."""
    if order.lat is not None and order.lon is not None:
        return order.lat, order.lon
    found = Elder.objects.filter(pk=order.elder_id).values_list("lat", "lon").first()
    if found and found[0] is not None and found[1] is not None:
        return found
    found = Region.objects.filter(pk=order.community_id).values_list("centre_lat", "centre_lon").first()
    if found and found[0] is not None and found[1] is not None:
        return found
    return None


# --- the providers -------------------------------------------------------------------------------------


@dataclass
class _Provider:
    id: int
    name: str
    lat: float | None
    lon: float | None
    prices: dict[str, int] = field(default_factory=dict)
    staff_count: int = 0
    black_listed: bool = False
    rating: tuple | None = None
    busy: int = 0
    caregivers: list = field(default_factory=list)  # _Caregiver, qualified and free
    refused: list = field(default_factory=list)  # (name, reason) of the others, when explaining
    base_km: float | None = None
    fractions: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    score: float = 0.0


@dataclass
class _Caregiver:
    id: int
    name: str
    provider_id: int
    home: tuple[float, float] | None
    busy: int = 0
    home_km: float | None = None
    fractions: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    score: float = 0.0


def _designated(o: _Order) -> tuple[dict[int, _Provider], dict[int, set[str]]]:
    """Admitted providers with a contract in force on the day covering the community: {id: provider} and
    the item codes their contracts cover there. The same query brings, per provider, what the later rules
    and factors need (black list, the day's price of each item, head count, latest score), so the database
    answers them with index seeks instead of one more round trip each."""
    provider = OuterRef("provider_id")
    black = ListEntry.objects.filter(provider_id=provider, kind=ListKind.BLACK, starts_on__lte=o.day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=o.day)
    )
    scores = ProviderScore.objects.filter(
        provider_id=provider, month__lte=o.day, month__gte=o.day - dt.timedelta(days=400), total__isnull=False
    ).order_by("-month")
    head_count = (
        StaffMember.objects.filter(provider_id=provider, active=True)
        .order_by()
        .values("provider_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    prices = {
        f"price_{index}": Subquery(
            Price.objects.filter(Price.in_force_on(o.day), provider_id=provider, item_id=line.item_id)
            .order_by()
            .values("price_fen")[:1]
        )
        for index, line in enumerate(o.lines)
    }
    rows = (
        Contract.objects.filter(
            state=ContractState.ACTIVE,
            starts_on__lte=o.day,
            ends_on__gte=o.last_day,
            provider__state=ProviderState.ADMITTED,
            areas__code__in=covering_codes(o.order.community_id),
        )
        .order_by()
        .annotate(
            black=Exists(black),
            score_total=Subquery(scores.values("total")[:1]),
            score_month=Subquery(scores.values("month")[:1]),
            head_count=Subquery(head_count),
            **prices,
        )
        .values_list(
            "provider_id",
            "services",
            "provider__name",
            "provider__lat",
            "provider__lon",
            "black",
            "score_total",
            "score_month",
            "head_count",
            *prices,
        )
    )
    providers: dict[int, _Provider] = {}
    services: dict[int, set[str]] = defaultdict(set)
    for provider_id, codes, name, lat, lon, black_listed, total, month, count, *fen in rows:
        if provider_id not in providers:
            found = providers[provider_id] = _Provider(provider_id, name, lat, lon)
            found.black_listed = bool(black_listed)
            found.rating = None if total is None else ("score", float(total), month)
            found.staff_count = count or 0
            found.prices = {
                line.item.code: value for line, value in zip(o.lines, fen, strict=True) if value is not None
            }
        services[provider_id].update(codes or [])
    return providers, services


class _Unindexed(Func):
    """The column as is; on SQLite behind a unary plus, which keeps the planner off that column's index.
    SQLite would otherwise walk the window_start index over every order before the day's end instead of
    seeking the (provider, state) index for the few providers asked about."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)


def _busy_orders(provider_ids, o: _Order) -> list[tuple]:
    """(provider, caregiver, overlaps this order's window, id) of the day's busy orders of these providers
    (not this one). The overlap is decided in SQL so no timestamps need converting."""
    overlaps = Q(window_start__lt=o.end, window_end__gt=o.start)
    return list(
        Order.objects.alias(starts=_Unindexed("window_start", output_field=DateTimeField()))
        .filter(
            provider_id__in=provider_ids,
            state__in=BUSY_STATES,
            starts__lt=o.day_end,
            window_end__gt=o.day_start,
        )
        .exclude(pk=o.order.pk)
        .annotate(
            overlaps=Case(When(overlaps, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .order_by()
        .values_list("provider_id", "caregiver_id", "overlaps", "pk")
    )


def _history(o: _Order) -> tuple[dict[int, dt.datetime], dict[int, dt.datetime], int | None]:
    """Who served the elder before: {provider: last time}, {caregiver: last time}, the last caregiver."""
    rows = (
        Order.objects.filter(elder_id=o.order.elder_id, state__in=SERVED_STATES, window_start__lt=o.at)
        .exclude(pk=o.order.pk)
        .order_by("-window_start")
        .values_list("provider_id", "caregiver_id", "window_start")[:100]
    )
    providers: dict[int, dt.datetime] = {}
    caregivers: dict[int, dt.datetime] = {}
    last_caregiver = None
    for provider_id, caregiver_id, start in rows:
        providers.setdefault(provider_id, start)
        if caregiver_id:
            caregivers.setdefault(caregiver_id, start)
            last_caregiver = last_caregiver or caregiver_id
    return providers, caregivers, last_caregiver


def _ratings(providers: dict[int, _Provider], o: _Order) -> dict[int, tuple[str, float, object]]:
    """{provider: ("score", total, month) | ("rating", average, count)} for those with either: the latest
    monthly score (read with the contracts), else the average elder rating of the last RATING_DAYS."""
    found = {pk: p.rating for pk, p in providers.items() if p.rating is not None}
    missing = [pk for pk in providers if pk not in found]
    if missing:
        averages = (
            Order.objects.alias(starts=_Unindexed("window_start", output_field=DateTimeField()))
            .filter(
                provider_id__in=missing,
                state__in=SERVED_STATES,
                rating__isnull=False,
                starts__gte=o.at - dt.timedelta(days=RATING_DAYS),
            )
            .order_by()
            .values("provider_id")
            .annotate(average=Avg("rating"), count=Count("id"))
        )
        for row in averages:
            found[row["provider_id"]] = ("rating", float(row["average"]), row["count"])
    return found


# --- caregivers ----------------------------------------------------------------------------------------


def _staff_rows(providers: dict[int, _Provider], o: _Order):
    """The providers' active staff as (id, provider, name, skills JSON, shifts JSON, home lat, lon).

    Skills and shifts come as JSON text: a skill is checked as its quoted code inside the text and a shift
    pattern is parsed once per distinct pattern, which keeps thousands of rows cheap."""
    return (
        StaffMember.objects.filter(provider_id__in=list(providers), active=True)
        .order_by()
        .annotate(skills_text=Cast("skills", TextField()), shifts_text=Cast("weekly_shifts", TextField()))
        .values_list("pk", "provider_id", "name", "skills_text", "shifts_text", "home_lat", "home_lon")
    )


def _caregivers(providers: dict[int, _Provider], o: _Order, explain: bool) -> None:
    """Fill each provider's qualified, free caregivers (and, explaining, why the others are not)."""
    items = [line.item for line in o.lines]
    required = {
        item.required_certificate
        for item in items
        if item.required_certificate and item.required_certificate != Certificate.NONE
    }
    on_shift: dict[str, bool] = {}
    possible: dict[int, _Caregiver] = {}
    for pk, provider_id, name, skills, shifts, home_lat, home_lon in _staff_rows(providers, o):
        provider = providers[provider_id]
        missing = [item.name for item in items if f'"{item.code}"' not in (skills or "")]
        if missing:
            if explain:
                provider.refused.append((name, _("not skilled for %(items)s") % {"items": listed(missing)}))
            continue
        if shifts not in on_shift:
            pattern = SimpleNamespace(weekly_shifts=json.loads(shifts) if shifts else {})
            on_shift[shifts] = within_shifts(pattern, o.start, o.end)
        if not on_shift[shifts]:
            if explain:
                provider.refused.append((name, _("not on shift at that time")))
            continue
        home = (home_lat, home_lon) if home_lat is not None and home_lon is not None else None
        possible[pk] = _Caregiver(pk, name, provider_id, home)
    if required and possible:
        _check_certificates(possible, required, o, providers, explain)
    overlapping: dict[int, int] = {}
    for provider_id, caregiver_id, overlaps, order_id in _busy_orders(list(providers), o):
        providers[provider_id].busy += 1
        if caregiver_id in possible:
            possible[caregiver_id].busy += 1
            if overlaps:
                overlapping.setdefault(caregiver_id, order_id)
    for pk, carer in possible.items():
        if pk in overlapping:
            if explain:
                providers[carer.provider_id].refused.append(
                    (carer.name, _("busy with order #%(order)s at that time") % {"order": overlapping[pk]})
                )
            continue
        providers[carer.provider_id].caregivers.append(carer)


def _check_certificates(possible, required, o: _Order, providers, explain: bool) -> None:
    """Drop the caregivers without every required certificate valid over the service (explaining: why).
    Unless explaining, only the certificates in date are read, as (staff, kind) pairs."""
    certificates = StaffCertificate.objects.filter(staff_id__in=list(possible), kind__in=required).order_by()
    if not explain:
        valid = certificates.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=o.last_day), issued_on__lte=o.day
        ).values_list("staff_id", "kind")
        held_valid: dict[int, set[str]] = defaultdict(set)
        for staff_id, kind in valid:
            held_valid[staff_id].add(kind)
        for pk in [pk for pk in possible if not required <= held_valid.get(pk, set())]:
            del possible[pk]
        return
    held: dict[int, dict[str, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    rows = certificates.values_list("staff_id", "kind", "issued_on", "expires_on")
    for staff_id, kind, issued_on, expires_on in rows:
        held[staff_id][kind].append((issued_on, expires_on))
    for pk in list(possible):
        problem = _certificate_problem(held.get(pk, {}), required, o)
        if problem:
            carer = possible.pop(pk)
            if explain:
                providers[carer.provider_id].refused.append((carer.name, problem))


def _certificate_problem(held: dict[str, list[tuple]], required, o: _Order) -> str:
    """The first required certificate the caregiver lacks in date, as a reason; "" when none."""
    for kind in sorted(required):
        spans = held.get(kind, [])
        if not spans:
            return _("holds no %(certificate)s certificate") % {"certificate": certificate_name(kind)}
        if any(first <= o.day and (last is None or o.last_day <= last) for first, last in spans):
            continue
        latest = max(spans, key=lambda span: span[1] or dt.date.max)
        if latest[0] > o.day:
            return _("%(certificate)s certificate valid only from %(date)s") % {
                "certificate": certificate_name(kind),
                "date": latest[0].isoformat(),
            }
        return _("%(certificate)s certificate expired on %(date)s") % {
            "certificate": certificate_name(kind),
            "date": latest[1].isoformat(),
        }
    return ""


# --- scoring -------------------------------------------------------------------------------------------


def _km(o: _Order, point: tuple[float, float] | None) -> float | None:
    if o.location is None or point is None:
        return None
    return distance_km(o.location[0], o.location[1], point[0], point[1])


def _distance_fraction(km: float | None) -> float:
    return 0.5 if km is None else max(0.0, 1.0 - km / DISTANCE_HORIZON_KM)


def _score_caregivers(provider: _Provider, o: _Order, served: dict[int, dt.datetime], last: int | None):
    base = (provider.lat, provider.lon) if provider.lat is not None and provider.lon is not None else None
    provider.base_km = _km(o, base)
    for carer in provider.caregivers:
        carer.home_km = _km(o, carer.home)
        km = provider.base_km if carer.home_km is None else carer.home_km
        continuity = 1.0 if carer.id == last else 0.6 if carer.id in served else 0.0
        carer.raw = {
            "distance": (km, carer.home is not None),
            "continuity": served.get(carer.id),
            "load": carer.busy,
        }
        carer.fractions = {
            "continuity": continuity,
            "distance": _distance_fraction(km),
            "load": max(0.0, 1.0 - carer.busy / CAREGIVER_DAY_FULL),
        }
        carer.score = round(sum(CAREGIVER_WEIGHTS[k] * f for k, f in carer.fractions.items()), 1)
    provider.caregivers.sort(key=lambda c: (-c.score, c.name, c.id))


def _score_provider(provider: _Provider, o: _Order, history, ratings, guide_total: int) -> None:
    served_providers, served_caregivers, _last = history
    distances = [(provider.base_km, None)] + [(c.home_km, c.name) for c in provider.caregivers]
    known = [(km, who) for km, who in distances if km is not None]
    km, nearest = min(known, key=lambda pair: pair[0]) if known else (None, None)
    familiar = [c for c in provider.caregivers if c.id in served_caregivers]
    continuity = 1.0 if familiar else 0.5 if provider.id in served_providers else 0.0
    rating = ratings.get(provider.id)
    if rating is None:
        rating_fraction = 0.5
    elif rating[0] == "score":
        rating_fraction = min(1.0, max(0.0, rating[1] / 100))
    else:
        rating_fraction = (rating[1] - 1) / 4
    per_worker = provider.busy / max(1, provider.staff_count)
    total = sum(provider.prices[line.item.code] * line.quantity for line in o.lines)
    ratio = total / guide_total if guide_total else (1.0 if total else 0.5)
    provider.raw = {
        "distance": (km, nearest),
        "continuity": (familiar[0].name if familiar else None, served_providers.get(provider.id)),
        "rating": rating,
        "load": (provider.busy, provider.staff_count),
        "price": (total, guide_total),
        "skill": len(provider.caregivers),
    }
    provider.fractions = {
        "distance": _distance_fraction(km),
        "continuity": continuity,
        "rating": rating_fraction,
        "load": max(0.0, 1.0 - per_worker / LOAD_FULL_PER_WORKER),
        "price": min(1.0, max(0.0, 1.5 - ratio)),
        "skill": min(len(provider.caregivers), SKILL_DEPTH) / SKILL_DEPTH,
    }
    provider.score = round(sum(WEIGHTS[k] * f for k, f in provider.fractions.items()), 1)


# --- explanations (only for what is returned) -----------------------------------------------------------


def _factor(value, weight: float, fraction: float, why: str) -> dict:
    return {"value": value, "points": round(weight * fraction, 1), "why": why}


def _km_text(km: float) -> str:
    return f"{km:.1f}"


def _provider_factors(provider: _Provider, _=_) -> dict:
    raw, fr, w = provider.raw, provider.fractions, WEIGHTS
    km, nearest = raw["distance"]
    if km is None:
        distance_why = _("The elder's or the provider's location is unknown: half points.")
    elif nearest:
        distance_why = _("%(km)s km from the home of %(name)s, the nearest qualified caregiver.") % {
            "km": _km_text(km),
            "name": nearest,
        }
    else:
        distance_why = _("%(km)s km from the provider's base.") % {"km": _km_text(km)}
    familiar, served_on = raw["continuity"]
    if familiar:
        continuity_why = _("%(name)s has served this elder before.") % {"name": familiar}
    elif served_on:
        continuity_why = _("The provider served this elder before (last on %(day)s).") % {
            "day": timezone.localtime(served_on).date().isoformat()
        }
    else:
        continuity_why = _("The provider has not served this elder before.")
    rating = raw["rating"]
    if rating is None:
        rating_value, rating_why = None, _("No evaluation score or rating yet: half points.")
    elif rating[0] == "score":
        rating_value = rating[1]
        rating_why = _("Evaluation score %(score)s for %(month)s.") % {
            "score": f"{rating[1]:.1f}",
            "month": f"{rating[2]:%Y-%m}",
        }
    else:
        rating_value = round(rating[1], 2)
        rating_why = _(
            "Average elder rating %(average)s from %(count)s orders in the last %(days)s days."
        ) % {
            "average": f"{rating[1]:.2f}",
            "count": rating[2],
            "days": RATING_DAYS,
        }
    busy, staff = raw["load"]
    total, guide = raw["price"]
    depth = raw["skill"]
    return {
        "distance": _factor(
            None if km is None else round(km, 2), w["distance"], fr["distance"], distance_why
        ),
        "continuity": _factor(fr["continuity"], w["continuity"], fr["continuity"], continuity_why),
        "rating": _factor(rating_value, w["rating"], fr["rating"], rating_why),
        "load": _factor(
            busy,
            w["load"],
            fr["load"],
            _("%(busy)s busy orders that day for %(staff)s active workers.") % {"busy": busy, "staff": staff},
        ),
        "price": _factor(
            total,
            w["price"],
            fr["price"],
            _("%(price)s yuan for the order against %(guide)s yuan at guide prices.")
            % {"price": fen_to_yuan(total), "guide": fen_to_yuan(guide)},
        ),
        "skill": _factor(
            depth,
            w["skill"],
            fr["skill"],
            _("%(count)s caregivers are skilled, certified and free for every item.") % {"count": depth},
        ),
    }


def _caregiver_factors(carer: _Caregiver, last: int | None, _=_) -> dict:
    raw, fr, w = carer.raw, carer.fractions, CAREGIVER_WEIGHTS
    km, from_home = raw["distance"]
    if km is None:
        distance_why = _("Location unknown: half points.")
    elif from_home:
        distance_why = _("%(km)s km from home.") % {"km": _km_text(km)}
    else:
        distance_why = _("%(km)s km from the provider's base (home unknown).") % {"km": _km_text(km)}
    served_on = raw["continuity"]
    if carer.id == last:
        continuity_why = _("The elder's last caregiver (%(day)s).") % {
            "day": timezone.localtime(served_on).date().isoformat()
        }
    elif served_on:
        continuity_why = _("Served this elder before (last on %(day)s).") % {
            "day": timezone.localtime(served_on).date().isoformat()
        }
    else:
        continuity_why = _("Has not served this elder before.")
    return {
        "continuity": _factor(fr["continuity"], w["continuity"], fr["continuity"], continuity_why),
        "distance": _factor(
            None if km is None else round(km, 2), w["distance"], fr["distance"], distance_why
        ),
        "load": _factor(
            raw["load"], w["load"], fr["load"], _("%(busy)s busy orders that day.") % {"busy": raw["load"]}
        ),
    }


class _Translations(dict):
    """Each message translated once per shortlist: its explanations repeat the same few dozen messages
    hundreds of times. Passed as ``_`` to the functions that write them."""

    def __missing__(self, message: str) -> str:
        self[message] = translated = _(message)
        return translated

    def __call__(self, message: str) -> str:
        return self[message]


def _candidate(provider: _Provider, last: int | None, explain: bool, texts: _Translations) -> Candidate:
    return Candidate(
        provider_id=provider.id,
        provider_name=provider.name,
        score=provider.score,
        factors=_provider_factors(provider, texts),
        caregivers=[
            CaregiverCandidate(c.id, c.name, c.score, _caregiver_factors(c, last, texts))
            for c in provider.caregivers[:CAREGIVERS_SHOWN]
        ],
        prices=dict(provider.prices),
        total_fen=provider.raw["price"][0],
        excluded_caregivers=[{"name": n, "reason": r} for n, r in provider.refused] if explain else [],
    )


# --- the shortlist ---------------------------------------------------------------------------------------


def shortlist(
    order: Order, *, at: dt.datetime | None = None, limit: int | None = 10, explain=False
) -> Shortlist:
    """The providers that may do ``order``, best first (at most ``limit``; None: all), each with its
    qualified caregivers and the points of every factor; with ``explain`` also the providers of the
    community that may not, each with its reason. No scope check: see ``candidates_for``."""
    o = _read_order(order, at)
    providers, services = _designated(o)
    excluded: list[Exclusion] = _not_designated(o, providers, services) if explain else []
    needed = set(o.codes)

    def drop(provider_id: int, reason) -> None:
        provider = providers.pop(provider_id)
        if explain:
            excluded.append(Exclusion(provider.id, provider.name, str(reason)))

    for provider_id in [pk for pk in providers if not needed <= services[pk]]:
        names = listed(line.item.name for line in o.lines if line.item.code not in services[provider_id])
        drop(provider_id, _("Its contract does not cover %(items)s.") % {"items": names})
    for provider_id in [pk for pk, p in providers.items() if p.black_listed]:
        drop(provider_id, _("It is on the black list."))
    for provider_id in set(o.order.declined_provider_ids or ()) & set(providers):
        drop(provider_id, _("It already had this order and did not take it."))
    for provider_id, provider in list(providers.items()):
        unpriced = [line.item.name for line in o.lines if line.item.code not in provider.prices]
        if unpriced:
            drop(
                provider_id,
                _("It has no price on %(day)s for %(items)s.")
                % {"day": o.day.isoformat(), "items": listed(unpriced)},
            )
    if providers:
        _caregivers(providers, o, explain)
    for provider_id in [pk for pk, p in providers.items() if not p.caregivers]:
        refused = providers[provider_id].refused
        detail = "; ".join(f"{name}: {reason}" for name, reason in refused[:5])
        drop(
            provider_id,
            _("No caregiver is skilled, certified, on shift and free for it (%(detail)s).")
            % {"detail": detail}
            if detail
            else _("It has no active caregiver."),
        )
    history = _history(o)
    ratings = _ratings(providers, o)
    guide_total = sum(line.item.guide_price_fen * line.quantity for line in o.lines)
    for provider in providers.values():
        _score_caregivers(provider, o, history[1], history[2])
        _score_provider(provider, o, history, ratings, guide_total)
    ranked = sorted(providers.values(), key=lambda p: (-p.score, p.raw["distance"][0] or 0.0, p.id))
    chosen = ranked if limit is None else ranked[:limit]
    texts = _Translations()
    return Shortlist(
        order_id=order.pk,
        day=o.day,
        candidates=[_candidate(p, history[2], explain, texts) for p in chosen],
        eligible_count=len(ranked),
        excluded=sorted(excluded, key=lambda e: (e.provider_name, e.provider_id)),
    )


def _not_designated(o: _Order, designated: dict, services) -> list[Exclusion]:
    """Providers linked to the community (a contract or service area there) that are not designated for
    it on the day, with the reason; only when explaining."""
    codes = covering_codes(o.order.community_id)
    linked = set(Contract.objects.filter(areas__code__in=codes).values_list("provider_id", flat=True))
    linked |= set(Provider.objects.filter(service_areas__code__in=codes).values_list("pk", flat=True))
    linked -= set(designated)
    if not linked:
        return []
    excluded = []
    for provider in Provider.objects.filter(pk__in=linked).only("pk", "name", "state", "exited_on"):
        if provider.state == ProviderState.EXITED:
            reason = _("It exited on %(day)s.") % {"day": provider.exited_on}
        elif provider.state != ProviderState.ADMITTED:
            reason = _("It is not admitted (%(state)s).") % {"state": provider.get_state_display()}
        else:
            reason = _("No designated-provider contract in force on %(day)s covers this community.") % {
                "day": o.day.isoformat()
            }
        excluded.append(Exclusion(provider.pk, provider.name, reason))
    return excluded


# --- scoped entry point -----------------------------------------------------------------------------------


def order_to_dispatch(actor, order_id: int) -> Order:
    """The order, when the actor dispatches (403 otherwise) and may see it (404 otherwise)."""
    if not may_dispatch(actor):
        raise Forbidden(_("Only operators, community workers and officials dispatch orders."))
    return get_order_for(actor, order_id)


def candidates_for(actor, order_id: int, *, limit: int | None = 10, explain: bool = False) -> Shortlist:
    """The ranked shortlist of an order the actor may dispatch (operator, community worker, official,
    admin, each within their region)."""
    return shortlist(order_to_dispatch(actor, order_id), limit=limit, explain=explain)
