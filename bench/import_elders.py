"""Registry import benchmark: our import against django-import-export on the same file, model and database.

    uv run --group bench python bench/import_elders.py --rows 1000000 --format csv --database sqlite
    uv run --group bench python bench/import_elders.py --rows 1000000 --format csv --database postgres

Sets up a throwaway database (a temporary SQLite file, or a fresh PostgreSQL database on
postgres://postgres@127.0.0.1:5432 that is dropped at the end), loads the demo district's regions, and
generates the spreadsheet with ``bench/elder_sheet.py`` (cached in bench/data/). Then:

1. the peer, django-import-export, imports the file's first ``--peer-rows`` rows into the empty elders
   table (it is far too slow for the whole file), doing the same validation as ours through ``RowReader``;
   its rows are deleted again;
2. our import reads the whole file in a child process, so that the child's peak memory is its own;
3. our import reads the same file again, which must change nothing.

Prints the figures and writes them to bench/results/import_elders-<database>-<format>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--peer-rows", type=int, default=20_000)
    parser.add_argument("--profile", metavar="PATH", help="cProfile the first import into PATH")
    parser.add_argument("--child-job", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_job is not None:
        child(args.child_job, args.profile)
        return
    suffix = "" if args.rows == 1_000_000 else f"-{args.rows}"
    run_and_record(args, f"import_elders-{args.database}-{args.format}{suffix}", benchmark)


def run_and_record(args, name: str, benchmark) -> None:
    """Run ``benchmark(args)`` on a throwaway database and write its figures to bench/results/NAME.json."""
    database = throwaway_database(args.database)
    load_before = os.getloadavg()
    try:
        results = benchmark(args)
    finally:
        database.drop()
    # Other people's work shares the machine's cores: the load averages say how much, at start and end.
    results["load_average"] = {"start": [round(x, 1) for x in load_before], "end": load_now()}
    print(f"load average at start {load_before[0]:.1f}, at end {os.getloadavg()[0]:.1f}")
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{name}.json"
    target.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {target.relative_to(BENCH.parent)}")


def load_now() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


# --- the throwaway database --------------------------------------------------------------------------------
class throwaway_database:  # noqa: N801 - used like a function
    """Points the settings at a new empty database; must run before ``django.setup()``."""

    def __init__(self, kind: str):
        self.kind = kind
        self.name = None
        self.var_dir = tempfile.mkdtemp(prefix="shouwang-bench-")
        os.environ["SHOUWANG_VAR_DIR"] = self.var_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
        os.environ.pop("DATABASE_URL", None)
        if kind == "postgres":
            self.name = f"shouwang_bench_{uuid.uuid4().hex[:8]}"
            self._server(f'CREATE DATABASE "{self.name}"')
            os.environ["DATABASE_URL"] = f"{POSTGRES_SERVER}/{self.name}"

    def _server(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(statement)

    def drop(self) -> None:
        from django.db import connections

        connections.close_all()
        if self.name:
            self._server(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        # The SQLite file, the uploaded copies and the error reports: a gigabyte after a million rows.
        shutil.rmtree(self.var_dir, ignore_errors=True)


def setup_django() -> None:
    import django

    django.setup()


def load_regions() -> None:
    """The demo district's regions, all the registry import needs (the rest of the demo is not)."""
    from shouwang.demo.loader import _load_regions

    _load_regions()


# --- the benchmark -----------------------------------------------------------------------------------------
def benchmark(args) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    load_regions()
    sheet = spreadsheet(args.rows, args.format)
    header = (
        f"registry import: {args.rows:,} rows, {args.format}, {connection.vendor}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(header)
    results = {
        "benchmark": "import_elders",
        "database": args.database,
        "format": args.format,
        "rows": args.rows,
        "file": sheet.name,
        "file_mb": round(sheet.stat().st_size / 2**20, 1),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    if args.peer_rows:
        results["peer"] = run_peer(sheet, args.peer_rows)
        delete_elders()
    first = run_ours(sheet, "first import", args.profile)
    second = run_ours(sheet, "second import of the same file", None)
    unchanged = second["created"] == 0 and second["updated"] == 0
    print(f"  second import changed nothing: {'yes' if unchanged else 'NO'}")
    results.update(ours=first, ours_again=second, second_import_changed_nothing=unchanged)
    if args.peer_rows:
        ratio = first["rows_per_s"] / results["peer"]["rows_per_s"]
        results["ratio_ours_to_peer"] = round(ratio, 1)
        print(f"ratio ours/peer (rows/s): {ratio:.1f}×")
        # The same comparison in CPU seconds per row (ours: both processes; each plus its database
        # server's share), which other work on the machine disturbs far less than elapsed time.
        peer = results["peer"]
        peer_cost = (peer["cpu_s"] + peer["db_server_cpu_s"]) / peer["rows"]
        our_cost = (first["cpu_s"] + first["db_server_cpu_s"]) / first["rows"]
        results["cpu_ratio_ours_to_peer"] = round(peer_cost / our_cost, 1)
        print(f"ratio ours/peer (CPU seconds per row): {peer_cost / our_cost:.1f}×")
    return results


def spreadsheet(rows: int, fmt: str) -> Path:
    """The benchmark file, generated once and kept in bench/data/ (the generator is deterministic)."""
    path = DATA / f"elders-{rows}.{fmt}"
    if path.exists():
        return path
    sys.path.insert(0, str(BENCH))
    import elder_sheet

    from shouwang.demo.generator import community_centres
    from shouwang.regions.models import Level, Region

    communities = community_centres(
        [(c.code, c.name, c.urban_rural_type) for c in Region.objects.filter(level=Level.COMMUNITY)]
    )
    DATA.mkdir(exist_ok=True)
    partial = path.with_name(f"{path.stem}.partial{path.suffix}")
    print(f"generating {path.relative_to(BENCH.parent)} (kept for later runs)…", flush=True)
    started = time.perf_counter()
    elder_sheet.write(partial, rows, communities)
    partial.rename(path)
    print(f"  generated in {time.perf_counter() - started:.0f} s")
    return path


def delete_elders() -> None:
    """Empty the registry tables, children first (quicker than the ORM's cascade at this size)."""
    from django.db import connection, transaction

    from shouwang.elders.models import Elder, ElderCategory, EmergencyContact

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (ElderCategory, EmergencyContact, Elder):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}"')  # noqa: S608 - names from _meta


# --- ours --------------------------------------------------------------------------------------------------
def run_ours(sheet: Path, label: str, profile: str | None) -> dict:
    """Run our import of ``sheet`` in a child process and report what it did and its peak memory."""
    from shouwang.core.actors import SYSTEM
    from shouwang.elders.imports import start_import
    from shouwang.elders.models import SpreadsheetJob

    job = start_import(actor=SYSTEM, source=sheet, file_name=sheet.name, enqueue=False)
    command = [sys.executable, __file__, "--child-job", str(job.pk)]
    if profile:
        command += ["--profile", profile]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    sampler = TreeMemory(process.pid)
    output = process.stdout.read()
    # wait4 gives this child's own rusage: its peak RSS, not the parent's or another child's.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    sampler.stop()
    if process.returncode:
        raise SystemExit(f"the import child failed with exit code {process.returncode}")
    reported = json.loads(output.strip().splitlines()[-1])
    seconds = reported["seconds"]
    job = SpreadsheetJob.objects.get(pk=job.pk)
    figures = {
        "state": job.state,
        "rows": job.processed_rows,
        "seconds": round(seconds, 1),
        "process_seconds": round(wall, 1),
        "rows_per_s": round(job.processed_rows / seconds),
        # CPU time of the import process and its reader (waited for, so counted in its usage): what the
        # import costs whatever else runs on the machine; the database server's share is not in it.
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "import_process_cpu_s": round(reported["import_cpu_s"], 1),
        "reader_process_cpu_s": round(reported["reader_cpu_s"], 1),
        "db_server_cpu_s": round(reported["server_cpu_s"], 1),
        "index_build_s": round(reported["index_build_s"], 1),
        "index_build_each_s": reported["index_build_each_s"],
        "load_average_after": load_now(),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "peak_tree_rss_mb": sampler.peak_mb,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
    }
    print(
        f"ours, {label}: {figures['rows']:,} rows in {seconds:.1f} s = {figures['rows_per_s']:,} rows/s, "
        f"CPU {figures['cpu_s']} s (import {figures['import_process_cpu_s']} s, reader "
        f"{figures['reader_process_cpu_s']} s, database server {figures['db_server_cpu_s']} s), "
        f"deferred indexes rebuilt in {figures['index_build_s']} s, "
        f"peak {figures['peak_rss_mb']} MB (with its reader {sampler.peak_mb} MB); "
        f"created {job.created_count:,}, updated {job.updated_count:,}, "
        f"unchanged {job.unchanged_count:,}, rejected {job.rejected_count:,} ({job.state})",
        flush=True,
    )
    return figures


class TreeMemory:
    """Samples the summed RSS of a process and its descendants (the import forks a reader), 5 times a second.

    Pages the processes share after the fork count twice, so the sum overstates the memory really used.
    """

    def __init__(self, pid: int):
        self.pid, self.peak_mb, self.done = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(0.2):
            self.peak_mb = max(self.peak_mb, round(sum(_rss_kb(pid) for pid in _tree(self.pid)) / 1024))

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def _tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        for task in Path(f"/proc/{pids[index]}/task").glob("*/children"):
            with contextlib.suppress(OSError):  # the process ended meanwhile
                pids += [int(child) for child in task.read_text().split()]
        index += 1
    return pids


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1])


def child(job_id: int, profile: str | None) -> None:
    """The import job, alone in this process; prints its duration as JSON on the last line."""
    setup_django()
    from shouwang.elders.imports import run_import

    server = _server_process()
    server_cpu = _cpu_seconds(server)
    index_build = _time_index_builds()
    started = time.perf_counter()
    if profile:
        import cProfile

        # The import forks its reader; a profiler inherited by the reader would slow it about threefold
        # and make the import process look as if it waited for rows. Only the import process is profiled.
        os.register_at_fork(after_in_child=lambda: sys.setprofile(None))
        cProfile.runctx(
            "run_import(job_id=job_id)", globals(), {"run_import": run_import, "job_id": job_id}, profile
        )
    else:
        run_import(job_id=job_id)
    seconds = time.perf_counter() - started
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    reader = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "server_cpu_s": _cpu_seconds(server) - server_cpu,
                "index_build_s": index_build["seconds"],
                "index_build_each_s": index_build["each"],
                "import_cpu_s": own.ru_utime + own.ru_stime,
                "reader_cpu_s": reader.ru_utime + reader.ru_stime,
            }
        )
    )


def _time_index_builds() -> dict:
    """Wrap core.bulk's index build so that the seconds spent rebuilding deferred indexes at the end of a
    first import are known: they run on one core while the reader is done (SQLite has one writer)."""
    from shouwang.core import bulk

    spent = {"seconds": 0.0, "each": {}}
    build = bulk._build_deferred_index

    def timed(name: str) -> bool:
        started = time.perf_counter()
        try:
            return build(name)
        finally:
            seconds = time.perf_counter() - started
            spent["seconds"] += seconds
            spent["each"][name] = round(seconds, 2)

    bulk._build_deferred_index = timed
    return spent


def _server_process() -> int | None:
    """The PostgreSQL backend serving this process's connection (on this machine), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_seconds(pid: int | None) -> float:
    """User and system CPU seconds of a process so far (0 when there is none or it cannot be read)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the peer: django-import-export ------------------------------------------------------------------------
def run_peer(sheet: Path, rows: int) -> dict:
    """django-import-export on the file's first ``rows`` rows, into the empty elders table."""
    import tablib

    from shouwang.core.spreadsheets import open_sheet

    print(f"peer (django-import-export): the first {rows:,} rows only; the whole file would take it hours")
    started, cpu_started = time.perf_counter(), time.process_time()
    server = _server_process()
    server_cpu = _cpu_seconds(server)
    # tablib would load the whole file before the first row is imported; the peer gets the rows it imports.
    with open_sheet(sheet) as opened:
        dataset = tablib.Dataset(headers=opened.header)
        for cells in opened.rows:
            dataset.append(["" if cell is None else cell for cell in cells])
            if len(dataset) == rows:
                break
    resource = peer_resource()(opened.header)
    result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    totals = result.totals
    if result.has_errors():
        first = result.base_errors or [error for _, errors in result.row_errors() for error in errors]
        raise SystemExit(f"the peer failed: {first[0].error!r}\n{first[0].traceback}")
    figures = {
        "rows": len(dataset),
        "seconds": round(seconds, 1),
        "rows_per_s": round(len(dataset) / seconds),
        "cpu_s": round(cpu, 1),
        "db_server_cpu_s": round(_cpu_seconds(server) - server_cpu, 1),
        "created": totals["new"],
        "updated": totals["update"],
        "unchanged": totals["skip"],
        "rejected": totals["invalid"],
    }
    print(
        f"peer: {figures['rows']:,} rows in {seconds:.1f} s = {figures['rows_per_s']:,} rows/s; "
        f"created {figures['created']:,}, updated {figures['updated']:,}, rejected {figures['rejected']:,}",
        flush=True,
    )
    return figures


def peer_resource():
    """The resource a team would write with django-import-export 4 for the registry template.

    Validation is ours (``RowReader`` in ``before_import_row``), so both sides do the same checks; a row
    that fails them, or repeats an ID number of the file, is an invalid row and is skipped. The first
    emergency contact and the categories are created in ``after_save_instance``.
    """
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from import_export import fields, resources, widgets
    from import_export.instance_loaders import CachedInstanceLoader

    from shouwang.elders.importing import RowReader, RowRejected, map_columns
    from shouwang.elders.imports import _Import
    from shouwang.elders.models import Elder, ElderCategory, EmergencyContact, SpreadsheetJob
    from shouwang.regions.models import Region

    def column(attribute, name, widget=None):
        return fields.Field(attribute=attribute, column_name=name, widget=widget or widgets.CharWidget())

    class ElderResource(resources.ModelResource):
        name = column("name", "姓名")
        name_initials = column("name_initials", "name_initials")
        id_number = column("id_number", "身份证号码")
        sex = column("sex", "性别")
        birth_date = column("birth_date", "出生日期", widgets.DateWidget())
        ethnicity = column("ethnicity", "民族")
        phone = column("phone", "联系电话")
        hukou_region_code = column("hukou_region_code", "户籍地区划代码")
        community = column("community", "现居住社区代码", widgets.ForeignKeyWidget(Region, field="code"))
        address = column("address", "详细地址")
        lon = column("lon", "经度", widgets.FloatWidget())
        lat = column("lat", "纬度", widgets.FloatWidget())
        living_arrangement = column("living_arrangement", "居住状况")
        disability_grade = column("disability_grade", "残疾等级", widgets.IntegerWidget())
        chronic_conditions = column("chronic_conditions", "慢性病", widgets.JSONWidget())
        family_doctor_contract = column("family_doctor_contract", "家庭医生签约", widgets.BooleanWidget())

        class Meta:
            model = Elder
            fields = (
                "name", "name_initials", "id_number", "sex", "birth_date", "ethnicity", "phone",
                "hukou_region_code", "community", "address", "lon", "lat", "living_arrangement",
                "disability_grade", "chronic_conditions", "family_doctor_contract",
            )  # fmt: skip
            import_id_fields = ["id_number"]
            instance_loader_class = CachedInstanceLoader
            skip_diff = True  # no per-row diff: the fastest way the library offers for non-bulk imports
            skip_unchanged = False

        def __init__(self, header):
            super().__init__()
            self.header = header
            # The same community table and checks as our import (its _communities() builds them).
            job = SpreadsheetJob(created_by=None)
            self.reader = RowReader(map_columns(header), _Import(job)._communities(), timezone.localdate())
            self.seen = set()

        def before_import_row(self, row, **kwargs):
            cells = [row.get(name) for name in self.header]
            try:
                record = self.reader.read(kwargs.get("row_number", 0) + 1, cells)
            except RowRejected as rejected:
                raise ValidationError(rejected.reasons) from None
            if record.id_number[:17] in self.seen:
                raise ValidationError("The same ID number is already in this file.")
            self.seen.add(record.id_number[:17])
            values = record.values
            row.update(
                {
                    "姓名": record.name,
                    "name_initials": record.name_initials,
                    "身份证号码": record.id_number,
                    "性别": record.sex,
                    "出生日期": record.birth_date,
                    "民族": values.get("ethnicity", ""),
                    "联系电话": values.get("phone", ""),
                    "户籍地区划代码": values.get("hukou_region_code", ""),
                    "现居住社区代码": record.community_code,
                    "详细地址": values.get("address", ""),
                    "经度": values.get("lon"),
                    "纬度": values.get("lat"),
                    "居住状况": values.get("living_arrangement", ""),
                    "残疾等级": values.get("disability_grade"),
                    "慢性病": json.dumps(values.get("chronic_conditions", []), ensure_ascii=False),
                    "家庭医生签约": bool(values.get("family_doctor_contract")),
                    "_record": record,
                }
            )

        def after_init_instance(self, instance, new, row, **kwargs):
            row["_new"] = new

        def after_save_instance(self, instance, row, **kwargs):
            if not row["_new"]:
                return
            record = row["_record"]
            if record.contacts:
                contact = record.contacts[0]
                EmergencyContact.objects.create(
                    elder=instance,
                    priority=1,
                    name=contact.name,
                    relation=contact.relation,
                    phone=contact.phone,
                    is_keyholder=bool(contact.is_keyholder),
                )
            if record.categories:
                ElderCategory.objects.bulk_create(
                    ElderCategory(elder=instance, code=code) for code in record.categories
                )

    return ElderResource


if __name__ == "__main__":
    main()
