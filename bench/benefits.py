"""Benefits benchmark: a monthly eligibility run of a whole district, then the next month's, and the
district's approval (which credits the vouchers), on a throwaway database.

    uv run --group bench python bench/benefits.py --elders 100000 --database sqlite
    uv run --group bench python bench/benefits.py --elders 1000000 --database postgres

Seeds ``--elders`` people of the demo district with the demo's generator (categories, living arrangements,
户籍) through the registry's bulk write path, gives a fifth of them an ability level (as approved
assessments would), and loads the demo's four policies (高龄津贴, 护理补贴 and two service subsidies). Then
times, each in a fresh child process so that its peak memory is its own:

1. the first month's run (no previous month to compare with);
2. the next month's run (every outcome compared with the first month's);
3. the same month again (idempotent: its results are replaced);
4. the three review steps of the first month, the last of which posts its allowances and credits every
   voucher account (one ledger transaction per kind).

Prints the wall time, the child's CPU time and its peak RSS of each, and writes
bench/results/benefits-<database>[-N].json.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from import_elders import load_now, load_regions, run_and_record, setup_django

BENCH = Path(__file__).resolve().parent
DISTRICT = "220202000000"
CITY = "220200000000"
BATCH = 5_000
STEPS = ("first month", "next month", "next month again", "approval of the first month")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--elders", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument(
        "--quiet-below",
        type=float,
        metavar="LOAD",
        help="before each timed step, wait (up to two hours) until the 1-minute load average is below LOAD: "
        "the seed may run on a busy machine, the steps are timed on a quiet one",
    )
    parser.add_argument("--step", type=int, help=argparse.SUPPRESS)  # a child: run one step
    args = parser.parse_args()
    if args.step is not None:
        setup_django()
        run_step(args.step)
        return
    suffix = "" if args.elders == 1_000_000 else f"-{args.elders}"
    run_and_record(args, f"benefits-{args.database}{suffix}", benchmark)


def benchmark(args) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection, connections

    call_command("migrate", verbosity=0)
    load_regions()
    started = time.perf_counter()
    seeded = seed(args.elders)
    print(f"benefits: {seeded:,} elders seeded in {time.perf_counter() - started:.0f} s, {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    connections.close_all()
    figures = {"elders": seeded, "database": connection.vendor, "cores": os.cpu_count(), "steps": {}}
    for number, name in enumerate(STEPS):
        with quiet_machine(args.quiet_below):
            figures["steps"][name] = measured_child(number, name)
    return figures


def seed(count: int) -> int:
    """``count`` demo people in the district's communities, a fifth assessed, and the four policies."""
    from django.db.models import F

    from shouwang.accounts.services import create_user
    from shouwang.core.actors import SYSTEM
    from shouwang.demo.benefits import load_policies
    from shouwang.demo.generator import community_centres, generate_people
    from shouwang.elders.models import Elder
    from shouwang.elders.services import bulk_register_elders
    from shouwang.regions.models import Level, Region

    communities = Region.objects.filter(level=Level.COMMUNITY, code__startswith=DISTRICT[:6]).order_by("code")
    placed = community_centres([(c.code, c.name, c.urban_rural_type) for c in communities], 7)
    people = generate_people(count, placed, seed=7)
    written = 0
    while batch := [person for _, person in zip(range(BATCH), people, strict=False)]:
        written += bulk_register_elders(actor=SYSTEM, people=batch, batch_label="benefits bench")
    rng = random.Random(7)
    highest = Elder.objects.order_by("-pk").values_list("pk", flat=True).first()
    for level in range(5):
        # Ids in steps of 25 from a different start per level: a fifth of the elders, spread evenly.
        start = rng.randrange(25)
        Elder.objects.filter(pk__in=range(start + level * 5, highest + 1, 25)).update(ability_level=level)
    Elder.objects.filter(ability_level__isnull=False).update(ability_assessed_on=F("birth_date"))
    load_policies(city=CITY, district=DISTRICT, effective_from="2026-01")
    street = Region.objects.filter(level=Level.STREET, code__startswith=DISTRICT[:6]).order_by("code").first()
    community = Region.objects.filter(parent=street).order_by("code").first()
    for username, role, region in (
        ("bench-worker", "community_worker", community.code),
        ("bench-street", "official", street.code),
        ("bench-district", "official", DISTRICT),
    ):
        create_user(
            actor=SYSTEM, username=username, password="bench-password-1", role=role, region_codes=[region]
        )
    return written


@contextlib.contextmanager
def quiet_machine(load: float | None, *, longest: float = 7200):
    """With ``load``: wait (up to ``longest`` seconds) until the 1-minute load average is below it, and hold
    a machine-wide lock while the step runs, so that two benchmarks waiting for the same quiet moment (say
    the SQLite and the PostgreSQL run) take turns instead of timing each other."""
    if load is None:
        yield
        return
    started = time.monotonic()
    with open(Path(tempfile.gettempdir()) / "shouwang-bench.lock", "w") as lock:
        while True:
            while os.getloadavg()[0] >= load and time.monotonic() - started < longest:
                time.sleep(15)
            fcntl.flock(lock, fcntl.LOCK_EX)
            if os.getloadavg()[0] < load or time.monotonic() - started >= longest:
                break
            fcntl.flock(lock, fcntl.LOCK_UN)  # another benchmark's step ran meanwhile: wait again
        waited = time.monotonic() - started
        if waited >= 15:
            print(f"  waited {waited:.0f} s for a load average below {load} (now {os.getloadavg()[0]:.1f})")
        yield


def measured_child(number: int, name: str) -> dict:
    """Run one step in a child process (same throwaway database, from the environment) and measure it."""
    command = [sys.executable, __file__, "--step", str(number)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=BENCH, stdout=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    report = process.stdout.read().strip()
    if status:
        raise SystemExit(f"step {name!r} failed ({status}): {report}")
    figures = {
        "wall_s": round(wall, 1),
        "step_s": float(report.split()[-1]),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "load_average": load_now(),
    }
    print(
        f"  {name}: {figures['step_s']} s (process {figures['wall_s']} s, CPU {figures['cpu_s']} s), "
        f"peak {figures['peak_rss_mb']} MB",
        flush=True,
    )
    return figures


def run_step(number: int) -> None:
    """In the child: one step, printing its own duration (without the interpreter's start) last."""
    from django.contrib.auth import get_user_model

    from shouwang.benefits import services
    from shouwang.benefits.models import EligibilityResult, EligibilityRun

    users = {user.username: user for user in get_user_model().objects.filter(username__startswith="bench-")}
    started = time.perf_counter()
    if number == 0:
        run = services.start_run(actor=users["bench-district"], month="2026-03", region_code=DISTRICT)
    elif number in (1, 2):
        run = services.start_run(actor=users["bench-district"], month="2026-04", region_code=DISTRICT)
    else:
        run = EligibilityRun.objects.get(month="2026-03-01")
        for username in ("bench-worker", "bench-street", "bench-district"):
            services.review_run(actor=users[username], run_id=run.pk)
    took = time.perf_counter() - started
    results = EligibilityResult.objects.filter(run=run).count()
    print(f"{run.elder_count} elders, {results} results, {run.eligible_count} with a benefit, {took:.2f}")


if __name__ == "__main__":
    main()
