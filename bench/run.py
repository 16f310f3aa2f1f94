"""The benchmark, in one run: `python -m bench` (flags: `python -m bench --help`).

At two sizes (1,000 contacts with the rest in proportion, then the full size from the flags)
it makes a database of its own, generates deterministic data with COPY (bench/data.py; or, for
the full size, copies one made earlier by `python -m bench.data NAME`: `--full-from NAME`), then
measures, in this order: each report and query next to its hand-written floor with both plans
(bench/floors.py); the three jobs and the export in child processes (bench/children.py); at
full size, reply times of signed requests into `crm serve` at both sizes, served at once and
asked in turn (bench/replies.py), then the CSV import of 100,000 contacts. The export runs
once more at a tenth of the full size, to compare its memory. It drops each database afterwards
(unless `--keep`) and writes the measured half of docs/performance.md (below its marker line)
with a PNG plot of reply time against data size.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import make_url, select, text

from bench.data import WORKSPACE, Size, generate
from bench.floors import FloorResult, measure_floors
from bench.replies import Book, Timing, measure_replies
from bench.report import write_report
from core.models import Lead
from core.platform.db import make_engine, make_sessions
from core.platform.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class SizeRun:
    """Everything measured at one size."""

    label: str
    size: Size
    generate_s: float = 0.0
    replies: list[Timing] = field(default_factory=list)
    floors: list[FloorResult] = field(default_factory=list)
    children: dict[str, dict[str, Any]] = field(default_factory=dict)
    interactions_exported: int = 0
    copied_from: str = ""
    url: str = ""


def log(line: str) -> None:
    print(line, flush=True)


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def _child(what: str, url: str, *extra: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.children", what, "--url", url, *extra],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _open_leads(url: str, n: int) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        ids = list(
            connection.scalars(
                select(Lead.lead_id)
                .where(Lead.workspace_id == WORKSPACE, Lead.status.in_(("new", "working")))
                .order_by(Lead.lead_id)
                .limit(n)
            )
        )
    engine.dispose()
    return ids


def _copy_database(admin_url: str, source: str, database: str, url: str, size: Size) -> float:
    """The full size as a copy of one `python -m bench.data` made, after checking it holds
    exactly the rows `generate` makes for this size; migrated to head and analyzed."""
    started = time.perf_counter()
    _admin(admin_url, f'CREATE DATABASE "{database}" TEMPLATE "{source}"')
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        held = {
            table: connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("contacts", "leads", "opportunities", "interactions")
        }
    expected = {
        "contacts": size.contacts,
        "leads": size.leads,
        "opportunities": size.opportunities,
        "interactions": size.interactions,
    }
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    if held != expected:
        raise SystemExit(f"{source} holds {held}, not the size asked for ({expected})")
    return time.perf_counter() - started


def run_size(
    run: SizeRun,
    admin_url: str,
    database: str,
    args: argparse.Namespace,
    small: SizeRun | None = None,
) -> None:
    """Measure `run` at its size; the full size measures its replies with the small size's
    (`small`, whose database `main` keeps until then), the two served at once."""
    url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    run.url = url
    copy = run.label == "full" and args.full_from
    if copy and args.full_from == database:
        raise SystemExit(
            f"--full-from {database} is the database this run makes: "
            "copy from one kept under another --database prefix"
        )
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    if not copy:
        _admin(admin_url, f'CREATE DATABASE "{database}"')
    try:
        log(f"== {run.label}: {run.size.label()}")
        if copy:
            run.generate_s = _copy_database(admin_url, args.full_from, database, url, run.size)
            run.copied_from = args.full_from
            log(f"  copied from {args.full_from} in {run.generate_s:.0f} s")
        else:
            run.generate_s = generate(url, run.size, log)
            log(f"  generated in {run.generate_s:.0f} s")
        if run.label == "export":
            run.children["export"] = _child("export", url)
            log(f"  export: {run.children['export']}")
            return
        engine = make_engine(url)
        run.floors = measure_floors(
            engine, make_sessions(engine), run.size.contacts, args.floor_tries
        )
        engine.dispose()
        for floor in run.floors:
            log(
                f"  {floor.name}: {floor.ours_ms:.2f} ms vs floor {floor.floor_ms:.2f} ms "
                f"(x{floor.ratio:.2f}, {floor.statements} statements)"
            )
        for what in ("daily", "weekly", "monthly", "export"):
            run.children[what] = _child(what, url)
            log(f"  {what}: {run.children[what]}")
        # The requests write leads and touches at the real clock, after the data's report time,
        # which the reports and jobs above must not see (they would be a report for a past day).
        if small is not None:
            sizes = [small, run]
            books = [
                Book(size.url, size.size.contacts, _open_leads(size.url, args.tries + 1))
                for size in sizes
            ]
            for size, timings in zip(sizes, measure_replies(books, args.tries), strict=True):
                size.replies = timings
                for timing in timings:
                    log(
                        f"  {size.label} {timing.request}: p50 {timing.p50:.1f} ms, "
                        f"p99 {timing.p99:.1f} ms"
                    )
        # The import rolls back its 100,000 contacts: the dead rows it leaves make planning
        # slower on those tables until autovacuum has been, so it comes after everything else.
        if run.label == "full":
            # The import pays for its own writes, not for flushing what the steps before it
            # (the copy of the database above all) left dirty.
            _admin(admin_url, "CHECKPOINT")
            run.children["csv-import"] = _child("csv-import", url, "--rows", str(args.csv_rows))
            log(f"  csv-import: {run.children['csv-import']}")
    finally:
        if not args.keep and run.label != "small":
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _machine(admin_url: str) -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.read_text().splitlines()
            if ln.startswith("model name")
        ]
        cpu = f"{len(names)} x {names[0]}" if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    with psycopg.connect(admin_url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    postgres = row[0] if row else "?"
    return (
        f"{cpu}{memory}; {platform.system()} {platform.release()}; Python "
        f"{platform.python_version()}; Postgres {postgres} on 127.0.0.1"
    )


def _scaled(full: Size, factor: float) -> Size:
    return Size(
        max(1, round(full.contacts * factor)),
        max(1, round(full.leads * factor)),
        round(full.opportunities * factor),
        round(full.interactions * factor),
        max(10, round(full.reminders * factor)),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=300_000)
    parser.add_argument("--opportunities", type=int, default=30_000)
    parser.add_argument("--interactions", type=int, default=2_000_000)
    parser.add_argument("--small-contacts", type=int, default=1_000, help="the small size")
    parser.add_argument("--tries", type=int, default=20, help="tries per request")
    parser.add_argument(
        "--floor-tries",
        type=int,
        default=200,
        help="tries per query next to its floor (a sub-millisecond ratio needs many)",
    )
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument(
        "--admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a Postgres URL that may CREATE and DROP DATABASE",
    )
    parser.add_argument("--database", default="crm_bench_perf", help="name prefix")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--full-from",
        metavar="DATABASE",
        help="copy the full size from this database (made by `python -m bench.data DATABASE` "
        "with the same sizes, never measured) instead of generating it",
    )
    args = parser.parse_args(argv)
    full = Size(args.contacts, args.leads, args.opportunities, args.interactions)
    small = _scaled(full, args.small_contacts / args.contacts)
    started = time.perf_counter()
    load_before = os.getloadavg()
    # The export's memory is compared at a tenth of the full size (200,000 interactions by
    # default) and at full size: flat when it streams.
    runs = [SizeRun("small", small), SizeRun("export", _scaled(full, 0.1)), SizeRun("full", full)]
    try:
        for run in runs:
            beside = runs[0] if run.label == "full" else None
            run_size(run, args.admin_url, f"{args.database}_{run.label}", args, beside)
    finally:
        if not args.keep:
            _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{args.database}_small" WITH (FORCE)')
    load = f"load average {load_before[1]:.1f} at the start, {os.getloadavg()[1]:.1f} at the end"
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    out = Path(args.out)
    machine = f"{_machine(args.admin_url)}; {load} (5-minute)"
    write_report(out, runs, machine=machine, command=command.strip())
    log(f"wrote {out} and its plot in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
