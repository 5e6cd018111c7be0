"""Elder search benchmark: the registry list's queries on a million elders, as the district's official and
as community workers.

    uv run --group bench python bench/search_elders.py --elders 1000000 --database postgres

Sets up a throwaway database like ``import_elders.py`` (a fresh PostgreSQL database, dropped at the end),
loads ``--elders`` people by importing the cached benchmark spreadsheet with our import (the quickest way
in), lets the database gather statistics as autovacuum would, and times what the API's list does for each
query: ``search_elders(user, …)`` and ``search_page(…, page=1, page_size=50)`` (a count, estimated for
very broad searches, and the first page), which is what ``GET /api/v1/elders`` does; and, for the console's
list, that plus the per-status counts above the list (``count_by_status``).
Query values are taken from the stored data. Each query kind runs once to warm the caches, then
``--rounds`` times measured. Prints p50/p95/max per kind and overall, and writes
bench/results/search_elders-<database>.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from pathlib import Path

from import_elders import load_regions, run_and_record, setup_django, spreadsheet

BENCH = Path(__file__).resolve().parent
SAMPLES = 20  # distinct values per query kind
# In a sample, the community whose worker searches (the kinds named "worker: …"); the others search as an
# official of the whole district.
WORKER = "as_worker_of"
ESTIMATED = {True: 0, False: 0}  # pages whose count was estimated / exact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--elders", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the plan of each kind's first query")
    args = parser.parse_args()
    suffix = "" if args.elders == 1_000_000 else f"-{args.elders}"
    run_and_record(args, f"search_elders-{args.database}{suffix}", benchmark)


def benchmark(args) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from shouwang.accounts.services import create_user
    from shouwang.core.actors import SYSTEM

    call_command("migrate", verbosity=0)
    load_regions()
    loaded = load(args.elders)
    print(f"elder search: {loaded:,} elders, {connection.vendor}, {os.cpu_count()} cores")
    official = create_user(
        actor=SYSTEM, username="bench-official", password="bench-password-1", role="official",
        region_codes=["220202000000"],
    )  # fmt: skip
    queries = query_mix(random.Random(11))
    workers = {
        code: create_user(
            actor=SYSTEM,
            username=f"bench-worker-{code}",
            password="bench-password-1",
            role="community_worker",
            region_codes=[code],
        )  # fmt: skip
        for code in sorted(
            {filters[WORKER] for samples in queries.values() for filters in samples if WORKER in filters}
        )
    }
    timings: dict[str, list[float]] = {kind: [] for kind in queries}
    console: dict[str, list[float]] = {kind: [] for kind in queries}
    for round_number in range(args.rounds + 1):
        for kind, samples in queries.items():
            for number, sample in enumerate(samples):
                filters = {key: value for key, value in sample.items() if key != WORKER}
                user = workers[sample[WORKER]] if WORKER in sample else official
                if args.explain and round_number == 0 and number == 0:
                    explain(user, kind, filters)
                took, console_took = timed_search(user, filters)
                if round_number:  # round 0 warms the caches
                    timings[kind].append(took)
                    console[kind].append(console_took)
    rows = {kind: summary(values) for kind, values in timings.items()}
    rows["overall"] = summary([value for values in timings.values() for value in values])
    print(f"{'query':<36} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, row in rows.items():
        print(f"{kind:<36} {row['n']:>4} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['max_ms']:>8.1f}")
    console_rows = {kind: summary(values) for kind, values in console.items()}
    console_rows["overall"] = summary([value for values in console.values() for value in values])
    print("console list (the same page and the per-status counts):")
    for kind, row in console_rows.items():
        print(f"{kind:<36} {row['n']:>4} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['max_ms']:>8.1f}")
    print(f"counts estimated on {ESTIMATED[True]} pages, exact on {ESTIMATED[False]}")
    worst = max((row["p95_ms"], kind) for kind, row in rows.items())
    print(f"worst p95: {worst[0]:.1f} ms ({worst[1]}); target ≤ 100 ms per query kind")
    return {
        "benchmark": "search_elders",
        "database": args.database,
        "elders": loaded,
        "rounds": args.rounds,
        "samples_per_kind": SAMPLES,
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "queries": {
            kind: [describe(filters) for filters in samples[:3]] for kind, samples in queries.items()
        },
        "timings": rows,
        "console_list_timings": console_rows,
        "pages_with_estimated_count": ESTIMATED[True],
        "pages_with_exact_count": ESTIMATED[False],
    }


def load(count: int) -> int:
    """``count`` elders through our import of the cached benchmark file; then fresh planner statistics."""
    from django.db import connection

    from shouwang.core.actors import SYSTEM
    from shouwang.elders.imports import run_import, start_import
    from shouwang.elders.models import Elder

    sheet = spreadsheet(count, "csv")
    started = time.perf_counter()
    job = start_import(actor=SYSTEM, source=sheet, file_name=sheet.name, enqueue=False)
    run_import(job_id=job.pk)
    print(f"loaded {sheet.name} in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        # Autovacuum would do this within minutes of a load this size; the benchmark does not wait for it.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return Elder.objects.count()


def query_mix(rng: random.Random) -> dict[str, list[dict]]:
    """Per query kind, SAMPLES filter sets a desk worker might type, with values from the stored elders."""
    from shouwang.elders.models import Category, Elder, EmergencyContact
    from shouwang.regions.models import Level, Region

    highest = Elder.objects.order_by("-pk").values_list("pk", flat=True).first()
    people = []
    while len(people) < SAMPLES * 4:
        found = Elder.objects.filter(pk=rng.randrange(1, highest + 1)).values(
            "name", "name_initials", "id_number", "phone", "community_id"
        )
        people += list(found)
    three_char = [p for p in people if len(p["name"]) == 3]
    mobiles = [p for p in people if len(p["phone"]) == 11]
    contact_phones = list(
        EmergencyContact.objects.filter(
            elder_id__in=[rng.randrange(1, highest + 1) for _ in range(SAMPLES)]
        ).values_list("phone", flat=True)[:SAMPLES]
    )
    communities = list(Region.objects.filter(level=Level.COMMUNITY).values_list("code", flat=True))
    streets = list(Region.objects.filter(level=Level.STREET).values_list("code", flat=True))
    categories = list(Category.values)
    pick = rng.choice
    mix = {
        "name part (2 characters)": lambda i: {"q": three_char[i]["name"][1:]},
        "full name": lambda i: {"q": people[i]["name"]},
        "name filter (2 characters)": lambda i: {"name": three_char[i]["name"][:2]},
        "pinyin initials": lambda i: {"q": people[i]["name_initials"]},
        "ID last 4": lambda i: {"q": people[i]["id_number"][-4:]},
        "ID last 6": lambda i: {"q": people[i]["id_number"][-6:]},
        "full phone": lambda i: {"q": mobiles[i]["phone"]},
        "phone tail (last 8 digits)": lambda i: {"q": mobiles[i]["phone"][-8:]},
        "emergency contact's phone": lambda i: {"q": contact_phones[i % len(contact_phones)]},
        "community": lambda i: {"community": pick(communities)},
        "street": lambda i: {"community": pick(streets)},
        "category": lambda i: {"category": categories[i % len(categories)]},
        "age range": lambda i: {"age_min": 60 + 5 * (i % 7), "age_max": 64 + 5 * (i % 7)},
        "name + community": lambda i: {"q": people[i]["name"][:1], "community": people[i]["community_id"]},
        "one character": lambda i: {"q": people[i]["name"][i % 2 - 1]},  # a surname, or a name's last
        "category + name part": lambda i: {"category": pick(categories), "q": people[i]["name"][:1]},
        "initials + street": lambda i: {"q": people[i]["name_initials"][:2], "community": pick(streets)},
        "category + age range": lambda i: {"category": pick(categories), "age_min": 80},
        "street + living + age": lambda i: {
            "community": pick(streets),
            "living_arrangement": "alone",
            "age_min": 70,
            "age_max": 89,
        },  # fmt: skip
        # A community worker's own area, which is one community: they seldom name it.
        "worker: list": lambda i: {WORKER: people[i]["community_id"]},
        "worker: one character": lambda i: {WORKER: people[i]["community_id"], "q": people[i]["name"][:1]},
        "worker: name part (2 characters)": lambda i: {
            WORKER: three_char[i]["community_id"],
            "q": three_char[i]["name"][1:],
        },  # fmt: skip
        "worker: pinyin initials": lambda i: {
            WORKER: people[i]["community_id"],
            "q": people[i]["name_initials"][:2],
        },  # fmt: skip
        "worker: category": lambda i: {WORKER: people[i]["community_id"], "category": pick(categories)},
    }
    return {kind: [make(i) for i in range(SAMPLES)] for kind, make in mix.items()}


def timed_search(user, filters: dict) -> tuple[float, float]:
    """Seconds for what the API's list does with these filters: the search, its count (estimated for
    very broad searches) and page 1 of 50, with each elder's community (``selectors.search_page``); and
    for what the console's list does: that and the per-status counts (``selectors.count_by_status``)."""
    from shouwang.elders.selectors import count_by_status, search_elders, search_page

    started = time.perf_counter()
    elders = search_elders(user, **filters)
    page = search_page(elders, page=1, page_size=50)
    ESTIMATED[page.count_is_estimate] += 1
    for elder in page.items:
        elder.community.name  # noqa: B018 - the list shows the community, fetched with the page
    api = time.perf_counter() - started
    count_by_status(elders, total_is_estimate=page.count_is_estimate)
    return api, time.perf_counter() - started


def explain(user, kind: str, filters: dict) -> None:
    from shouwang.elders.selectors import search_elders

    queryset = search_elders(user, **filters)
    print(f"--- {kind}: {describe(filters)}")
    print(queryset.explain(analyze=True) if os.environ.get("DATABASE_URL") else queryset.explain())


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def describe(filters: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in filters.items())


if __name__ == "__main__":
    main()
