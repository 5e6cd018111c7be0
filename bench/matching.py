"""Matching benchmark: the ranked, explained shortlist of an order against 2,000 providers and 20,000
caregivers.

    uv run python bench/matching.py --database sqlite
    uv run python bench/matching.py --database postgres

Sets up a throwaway database like the other benchmarks (``import_elders.run_and_record``), generates
``--communities`` communities (10 a street; 300 by default, about a city's urban districts), ``--providers``
admitted providers (each designated by one contract for a whole street or 3–8 communities and 6–12
catalogue items, with prices, 2 % black-listed, 95 % with a monthly score) and ``--caregivers`` caregivers
spread over them (skills, certificates — a few expired —, weekly shifts, homes), 5,000 elders, 60 days of
served orders (continuity and ratings) and the day's busy orders (load and overlaps). Then it places
``--calls`` orders for random elders, items and times on the service day and times
``shortlist(order, limit=10)`` for each (after 20 warm-up calls), and a tenth as many with
``explain=True``. Prints p50/p95/p99/max and writes bench/results/matching-<database>.json
(matching-<database>-c<N>.json with a non-default ``--communities``: ``--communities 100`` packs about
130 designated providers into every community, a dense worst case).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import time

from import_elders import run_and_record, setup_django

CENTRE = (43.85, 126.55)  # 吉林市昌邑区
COMMUNITIES_PER_STREET = 10
ELDERS = 5_000
PAST_ORDERS = 40_000
BUSY_ORDERS = 8_000
ITEMS = [
    "meal",
    "cleaning",
    "cleaning_laundry",
    "bathing",
    "bathing_grooming",
    "walking",
    "medical_escort",
    "medical_prescription",
    "basic_care",
    "basic_care_feeding",
    "health",
    "visit",
    "companionship",
    "errands",
    "errands_bills",
]
SHIFT_PATTERNS = [
    {day: [["08:00", "12:00"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    {day: [["07:00", "15:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
    {day: [["12:00", "20:00"]] for day in ("tue", "wed", "thu", "fri", "sat", "sun")},
    {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--providers", type=int, default=2_000)
    parser.add_argument("--caregivers", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=1_000)
    parser.add_argument(
        "--communities",
        type=int,
        default=300,
        help="communities the providers share (10 a street): fewer means more providers per community",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    suffix = "" if args.communities == 300 else f"-c{args.communities}"
    run_and_record(args, f"matching-{args.database}{suffix}", benchmark)


def benchmark(args) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    day = service_day()
    world = generate(rng, args, day)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    generated_s = time.perf_counter() - started
    print(f"generated in {generated_s:.0f} s: {world}", flush=True)
    orders = place_orders(rng, args.calls + 20, day)
    timings, candidates, queries = time_shortlists(orders, explain=False)
    explain_timings, _, explain_queries = time_shortlists(
        orders[: max(20, args.calls // 10) + 20], explain=True
    )
    rows = {
        "shortlist (wall)": summary(timings["wall"]),
        "shortlist (cpu)": summary(timings["cpu"]),
        "shortlist explain (wall)": summary(explain_timings["wall"]),
        "shortlist explain (cpu)": summary(explain_timings["cpu"]),
    }
    print(f"matching: {args.providers:,} providers, {args.caregivers:,} caregivers, {connection.vendor}")
    print(f"eligible providers per order: median {statistics.median(candidates):.0f}, max {max(candidates)}")
    print(f"queries per call: {queries} (explain: {explain_queries}); load average {os.getloadavg()[0]:.1f}")
    print(f"{'call':<26} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, row in rows.items():
        print(
            f"{kind:<26} {row['n']:>5} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f}"
            f" {row['max_ms']:>8.1f}"
        )
    wall, cpu = rows["shortlist (wall)"]["p99_ms"], rows["shortlist (cpu)"]["p99_ms"]
    print(
        f"target: p99 ≤ 50 ms for the ranked, explained shortlist; p99 {wall:.1f} ms wall, {cpu:.1f} ms CPU"
    )
    return {
        "benchmark": "matching",
        "database": args.database,
        "world": world,
        "calls": args.calls,
        "seed": args.seed,
        "generated_s": round(generated_s, 1),
        "eligible_providers_per_order": {
            "median": statistics.median(candidates),
            "max": max(candidates),
            "min": min(candidates),
        },
        "queries_per_call": {"shortlist": queries, "shortlist_explain": explain_queries},
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "timings": rows,
    }


def service_day() -> dt.date:
    """A weekday a few days ahead (so every shift pattern has people at work)."""
    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, minutes: int) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes))


def near(rng: random.Random, point: tuple[float, float], spread: float) -> tuple[float, float]:
    return point[0] + rng.uniform(-spread, spread), point[1] + rng.uniform(-spread, spread)


# --- the world -------------------------------------------------------------------------------------------


def generate(rng: random.Random, args, day: dt.date) -> dict:
    communities = regions(rng, args.communities // COMMUNITIES_PER_STREET)
    providers = make_providers(rng, args.providers, communities, day)
    staff = make_caregivers(rng, args.caregivers, providers)
    elders = make_elders(rng, communities)
    past, busy = make_orders(rng, elders, providers, staff, day)
    return {
        "communities": len(communities),
        "providers": len(providers),
        "caregivers": len(staff),
        "elders": len(elders),
        "past_orders": past,
        "busy_orders_that_day": busy,
    }


def regions(rng: random.Random, streets: int) -> dict[str, tuple[float, float]]:
    """A district of ``streets`` streets × COMMUNITIES_PER_STREET communities, each with a centre point."""
    from shouwang.regions.models import Region

    rows = [
        Region(code="220000000000", name="吉林省", level=1),
        Region(code="220200000000", name="吉林市", level=2, parent_id="220000000000"),
        Region(code="220202000000", name="昌邑区", level=3, parent_id="220200000000"),
    ]
    communities = {}
    for s in range(1, streets + 1):
        street = f"220202{s:03d}000"
        rows.append(Region(code=street, name=f"街道{s}", level=4, parent_id="220202000000"))
        street_centre = near(rng, CENTRE, 0.08)
        for c in range(1, COMMUNITIES_PER_STREET + 1):
            code = f"220202{s:03d}{c:03d}"
            centre = near(rng, street_centre, 0.015)
            communities[code] = centre
            rows.append(
                Region(
                    code=code,
                    name=f"社区{s}-{c}",
                    level=5,
                    parent_id=street,
                    urban_rural_type="111",
                    centre_lat=centre[0],
                    centre_lon=centre[1],
                )
            )
    Region.objects.bulk_create(rows)
    return communities


def make_providers(rng, count: int, communities: dict, day: dt.date) -> list[dict]:
    from shouwang.catalog.models import ServiceItem
    from shouwang.providers.models import (
        Contract,
        EvaluationScheme,
        ListEntry,
        Price,
        Provider,
        ProviderScore,
    )

    items = {item.code: item for item in ServiceItem.objects.filter(code__in=ITEMS)}
    codes = list(communities)
    made = Provider.objects.bulk_create(
        Provider(
            name=f"服务商{n:04d}",
            credit_code=f"91220202{n:010d}",
            kind="company",
            region_id="220202000000",
            state="admitted",
            lat=(point := near(rng, CENTRE, 0.1))[0],
            lon=point[1],
        )
        for n in range(count)
    )
    providers, contracts = [], []
    for provider in made:
        services = rng.sample(ITEMS, rng.randint(6, 12))
        if rng.random() < 0.3:
            street = rng.randrange(1, len(communities) // COMMUNITIES_PER_STREET + 1)
            areas = [f"220202{street:03d}000"]
        else:
            areas = rng.sample(codes, rng.randint(3, 8))
        providers.append(
            {"id": provider.pk, "services": services, "areas": areas, "base": (provider.lat, provider.lon)}
        )
        contracts.append(
            Contract(
                provider=provider,
                number=f"C-{provider.pk}",
                starts_on=day - dt.timedelta(days=200),
                ends_on=day + dt.timedelta(days=165),
                services=sorted(services),
            )
        )
    contracts = Contract.objects.bulk_create(contracts)
    Through = Contract.areas.through
    Through.objects.bulk_create(
        Through(contract_id=contract.pk, region_id=code)
        for contract, provider in zip(contracts, providers, strict=True)
        for code in provider["areas"]
    )
    since = day - dt.timedelta(days=300)
    Price.objects.bulk_create(
        Price(
            provider_id=p["id"],
            item=items[code],
            effective_from=since,
            price_fen=max(0, int(items[code].guide_price_fen * rng.uniform(0.7, 1.3))),
        )
        for p in providers
        for code in p["services"]
        if rng.random() < 0.97  # a few items left unpriced
    )
    ListEntry.objects.bulk_create(
        ListEntry(provider_id=p["id"], kind="black", reason="bench", starts_on=day - dt.timedelta(days=10))
        for p in providers
        if rng.random() < 0.02
    )
    scheme = EvaluationScheme.objects.order_by("effective_from").first()
    month = (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    ProviderScore.objects.bulk_create(
        ProviderScore(
            provider_id=p["id"],
            month=month,
            scheme=scheme,
            components={},
            total=round(rng.uniform(55, 98), 1),
            stars=3,
        )
        for p in providers
        if rng.random() < 0.95  # the monthly job scores every admitted provider; new ones have none yet
    )
    return providers


def make_caregivers(rng, count: int, providers: list[dict]) -> list[dict]:
    from shouwang.providers.models import StaffCertificate, StaffMember

    made = []
    rows = []
    for n in range(count):
        provider = providers[n % len(providers)]
        skills = rng.sample(
            provider["services"], rng.randint(min(3, len(provider["services"])), len(provider["services"]))
        )
        home = near(rng, provider["base"], 0.04)
        rows.append(
            StaffMember(
                provider_id=provider["id"],
                name=f"护理员{n:05d}",
                id_number=f"2202{n:014d}",
                skills=skills,
                weekly_shifts=rng.choice(SHIFT_PATTERNS),
                home_lat=home[0],
                home_lon=home[1],
            )
        )
    for staff, row in zip(StaffMember.objects.bulk_create(rows, batch_size=2000), rows, strict=True):
        made.append({"id": staff.pk, "provider_id": row.provider_id, "skills": row.skills})
    today = dt.date.today()
    certificates = []
    for staff in made:
        for kind, share in (("elder_caregiver", 0.9), ("health_certificate", 0.75)):
            if rng.random() < share:
                expired = rng.random() < 0.05
                certificates.append(
                    StaffCertificate(
                        staff_id=staff["id"],
                        kind=kind,
                        number=f"{kind[:2]}{staff['id']}",
                        level="中级",
                        issued_on=today - dt.timedelta(days=900),
                        expires_on=today - dt.timedelta(days=5)
                        if expired
                        else today + dt.timedelta(days=700),
                    )
                )
    StaffCertificate.objects.bulk_create(certificates, batch_size=5000)
    return made


def make_elders(rng, communities: dict) -> list[dict]:
    from shouwang.elders.models import Elder

    codes = list(communities)
    rows = []
    for n in range(ELDERS):
        code = rng.choice(codes)
        home = near(rng, communities[code], 0.006)
        rows.append(
            Elder(
                name=f"老人{n:05d}",
                name_initials="lr",
                id_number=f"2202{n:014d}",
                sex="F",
                birth_date=dt.date(1940, 1, 1),
                community_id=code,
                lat=home[0],
                lon=home[1],
            )
        )
    return [
        {"id": e.pk, "community": e.community_id, "lat": e.lat, "lon": e.lon}
        for e in Elder.objects.bulk_create(rows, batch_size=2000)
    ]


def make_orders(rng, elders, providers, staff, day: dt.date) -> tuple[int, int]:
    """Served orders of the last 60 days (a regular provider and caregiver per elder, so continuity has
    something to find) and the service day's busy orders (load and overlaps)."""
    from shouwang.orders.models import Order

    by_provider: dict[int, list[dict]] = {}
    for person in staff:
        by_provider.setdefault(person["provider_id"], []).append(person)
    covering: dict[str, list[dict]] = {}
    for provider in providers:
        for area in provider["areas"]:
            covering.setdefault(area, []).append(provider)

    def regular_for(elder):
        choices = covering.get(elder["community"], []) + covering.get(elder["community"][:9] + "000", [])
        provider = rng.choice(choices) if choices else rng.choice(providers)
        return provider, rng.choice(by_provider[provider["id"]])

    regulars = {elder["id"]: regular_for(elder) for elder in elders}
    rows = []
    for _ in range(PAST_ORDERS):
        elder = rng.choice(elders)
        provider, carer = regulars[elder["id"]] if rng.random() < 0.7 else regular_for(elder)
        start = at(day - dt.timedelta(days=rng.randint(4, 63)), rng.randrange(8 * 60, 17 * 60, 30))
        rows.append(
            _order(
                elder,
                provider["id"],
                carer["id"],
                start,
                rng.choice(["completed", "confirmed", "settled"]),
                rating=rng.choice([None, 3, 4, 5, 5]),
            )
        )
    for _ in range(BUSY_ORDERS):
        elder = rng.choice(elders)
        provider, carer = regular_for(elder)
        start = at(day, rng.randrange(7 * 60, 19 * 60, 30))
        state = rng.choice(["dispatched", "accepted", "assigned", "assigned"])
        rows.append(
            _order(elder, provider["id"], None if state == "dispatched" else carer["id"], start, state)
        )
    Order.objects.bulk_create(rows, batch_size=5000)
    return PAST_ORDERS, BUSY_ORDERS


def _order(elder, provider_id, caregiver_id, start, state, rating=None):
    from shouwang.orders.models import Order

    return Order(
        elder_id=elder["id"],
        community_id=elder["community"],
        source="phone",
        state=state,
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        lat=elder["lat"],
        lon=elder["lon"],
        provider_id=provider_id,
        caregiver_id=caregiver_id,
        rating=rating,
    )


def place_orders(rng, count: int, day: dt.date) -> list:
    """New orders (created) for random elders, one or two common items, one hour between 08:00 and 16:00."""
    from shouwang.catalog.models import ServiceItem
    from shouwang.elders.models import Elder
    from shouwang.orders.models import Order, OrderLine

    items = {item.code: item for item in ServiceItem.objects.filter(code__in=ITEMS)}
    common = ["cleaning", "meal", "visit", "companionship", "bathing", "basic_care", "health", "errands"]
    elders = list(Elder.objects.values("pk", "community_id", "lat", "lon"))
    orders = []
    for _ in range(count):
        elder = rng.choice(elders)
        start = at(day, rng.randrange(8 * 60, 16 * 60, 30))
        orders.append(
            Order(
                elder_id=elder["pk"],
                community_id=elder["community_id"],
                source="phone",
                window_start=start,
                window_end=start + dt.timedelta(hours=1),
                lat=elder["lat"],
                lon=elder["lon"],
            )
        )
    orders = Order.objects.bulk_create(orders)
    OrderLine.objects.bulk_create(
        OrderLine(order=order, item=items[code])
        for order in orders
        for code in rng.sample(common, 1 if rng.random() < 0.7 else 2)
    )
    return orders


# --- timing ------------------------------------------------------------------------------------------------


def time_shortlists(orders, *, explain: bool) -> tuple[dict[str, list[float]], list[int], int]:
    """Wall-clock and this process's CPU time of each call after the first 20. On SQLite the database runs
    inside this process, so the CPU time is what a call costs whatever else keeps the cores busy; on
    PostgreSQL the server's share is only in the wall-clock time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shouwang.orders.matching import shortlist
    from shouwang.orders.models import Order

    fresh = list(Order.objects.filter(pk__in=[o.pk for o in orders]).order_by("pk"))
    with CaptureQueriesContext(connection) as captured:
        shortlist(fresh[0], limit=10, explain=explain)
    timings: dict[str, list[float]] = {"wall": [], "cpu": []}
    candidates = []
    for number, order in enumerate(fresh):
        started, cpu = time.perf_counter(), time.process_time()
        listed = shortlist(order, limit=10, explain=explain)
        took, cpu_took = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        if number >= 20:  # the first calls warm the caches
            timings["wall"].append(took)
            timings["cpu"].append(cpu_took)
            candidates.append(listed.eligible_count)
    return timings, candidates, len(captured.captured_queries)


def summary(values: list[float]) -> dict:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {
        "n": len(ordered),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "p50_ms": round(pct(50), 2),
        "p95_ms": round(pct(95), 2),
        "p99_ms": round(pct(99), 2),
        "max_ms": round(ordered[-1], 2),
    }


if __name__ == "__main__":
    main()
