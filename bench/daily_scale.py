"""Benchmark the digests at scale: 50,000 open leads and 2,000,000 interactions.

    .venv/bin/python bench/daily_scale.py --url postgresql://postgres@127.0.0.1:5432/crm_bench
    .venv/bin/python bench/daily_scale.py --url sqlite:////tmp/crm_bench.db
    .venv/bin/python bench/daily_scale.py --url ... --leads 5000 --interactions 200000
    .venv/bin/python bench/daily_scale.py measure --url ... --only daily

The data is made in a child process (COPY on Postgres, executemany on SQLite), and each
measurement runs in a child of its own, so the peak RSS printed is that path's alone: the three
jobs (`run_daily` and `run_weekly` for Mon 2026-11-30 08:00 New York, `run_monthly` for Tue
Dec 1, forced, against a local Slack stand-in), and two queries on their own (`stale_leads`
for the daily post's page of 10, `pipeline_summary` as `/pipeline` runs it). Each prints the SQL
statements sent, the wall time, the peak RSS, and what was posted. An existing benchmark
workspace is reused (delete the database to regenerate). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, event, text  # noqa: E402

from core.models import Contact, Interaction, Lead, Opportunity, Reminder, Workspace  # noqa: E402
from core.platform.db import make_engine, make_sessions  # noqa: E402
from core.platform.migrate import upgrade  # noqa: E402

WORKSPACE = "TBENCH"
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
FIRST_OF_MONTH = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # Tuesday 08:00 in New York
PATHS = ("daily", "weekly", "monthly", "stale-leads", "pipeline-summary")
HISTORY_DAYS = 730
BATCH = 20_000
OPEN = ("new", "working", "qualified")
STAGES = ("inquiry", "needs_analysis", "estimate_sent", "follow_up", "scheduled_visit")
TYPES = ("phone_call", "email_inbound", "email_outbound", "sms", "meeting", "note")
DEAL_STAGES = ("won", "won", "lost", "lost", "proposal_sent", "estimating", "scheduled")
LOSS_REASONS = ("price", "competition", "timing", "no_decision", "scope", "other")
SOURCES = ("phone_call", "email", "web_form", "referral", "ad", "other")


def _contacts(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "contact_id": f"ct_b{i:07d}",
            "workspace_id": WORKSPACE,
            "first_name": f"Person{i}",
            "last_name": "Bench",
            "lifecycle_stage": "prospect",
            "tags": [],
            "archived": False,
            "created_at": NOW - timedelta(days=HISTORY_DAYS),
            "updated_at": NOW - timedelta(days=HISTORY_DAYS),
        }


def _leads(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(n):
        created = NOW - timedelta(minutes=rng.randrange(60, HISTORY_DAYS * 1440))
        yield {
            "lead_id": f"ld_b{i:07d}",
            "workspace_id": WORKSPACE,
            "title": f"Job {i} at {i} Main St",
            "contact_id": f"ct_b{i:07d}",
            "source": "phone_call",
            "status": OPEN[i % 3],
            "estimated_value": Decimal(rng.randrange(100, 500_000)) / 100,
            "pipeline_stage": STAGES[i % 5],
            "created_at": created,
            "updated_at": created,
        }


def _interactions(n: int, leads: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    today = date(2026, 11, 30)
    for i in range(n):
        k = rng.randrange(leads)
        at = NOW - timedelta(minutes=rng.randrange(1, HISTORY_DAYS * 1440))
        pending = i % 1000 == 0  # 2,000 pending follow-ups, most of them overdue
        yield {
            "interaction_id": f"ix_b{i:08d}",
            "workspace_id": WORKSPACE,
            "type": TYPES[i % len(TYPES)],
            "timestamp": at,
            "contact_id": f"ct_b{k:07d}",
            "lead_id": f"ld_b{k:07d}",
            "subject": f"Touch {i}",
            "body": "Talked about the job and the next steps.",
            "outcome": "spoke",
            "follow_up_date": today - timedelta(days=rng.randrange(0, 60)) if pending else None,
            "follow_up_status": "pending" if pending else "none",
            "created_at": at,
            "updated_at": at,
        }


def _deals(leads: int, deals: int, rng: random.Random) -> list[dict[str, Any]]:
    """Converted leads and their opportunities: created over two years, closed 1-60 days later."""
    made = []
    for j in range(deals):
        created = NOW - timedelta(minutes=rng.randrange(60 * 1440, HISTORY_DAYS * 1440))
        stage = DEAL_STAGES[j % len(DEAL_STAGES)]
        closed = (created + timedelta(days=rng.randrange(1, 60))).date()
        made.append(
            {
                "n": leads + j,
                "contact": j % leads,
                "created": created,
                "stage": stage,
                "close_date": closed if stage in ("won", "lost") else None,
                "amount": Decimal(rng.randrange(10_000, 2_000_000)) / 100,
                "source": SOURCES[j % len(SOURCES)],
            }
        )
    return made


def _converted_leads(deals: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for deal in deals:
        yield {
            "lead_id": f"ld_b{deal['n']:07d}",
            "workspace_id": WORKSPACE,
            "title": f"Job {deal['n']}",
            "contact_id": f"ct_b{deal['contact']:07d}",
            "source": deal["source"],
            "status": "converted",
            "estimated_value": deal["amount"],
            "pipeline_stage": "scheduled_visit",
            "created_at": deal["created"],
            "updated_at": deal["created"],
        }


def _opportunities(deals: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for deal in deals:
        yield {
            "opportunity_id": f"op_b{deal['n']:07d}",
            "workspace_id": WORKSPACE,
            "lead_id": f"ld_b{deal['n']:07d}",
            "contact_id": f"ct_b{deal['contact']:07d}",
            "name": f"Deal {deal['n']}",
            "stage": deal["stage"],
            "amount": deal["amount"],
            "close_date": deal["close_date"],
            "loss_reason": LOSS_REASONS[deal["n"] % 6] if deal["stage"] == "lost" else None,
            "created_at": deal["created"],
            "updated_at": deal["created"],
        }


def _reminders(n: int, leads: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Pending re-engage reminders due over the last 60 days (and today)."""
    today = date(2026, 11, 30)
    for i in range(n):
        yield {
            "reminder_id": f"rm_b{i:07d}",
            "workspace_id": WORKSPACE,
            "contact_id": f"ct_b{rng.randrange(leads):07d}",
            "due_date": today - timedelta(days=rng.randrange(0, 60)),
            "note": "Check back about the job",
            "status": "pending",
            "created_at": NOW - timedelta(days=90),
            "updated_at": NOW - timedelta(days=90),
        }


def _converter(engine: Engine, model: Any, columns: list[str]) -> Any:
    """Turn a row into database values with the columns' own SQLAlchemy types (Money to cents,
    UTC timestamps, JSON), so the data is stored exactly as the ORM would store it."""
    table = model.__table__
    dialect = engine.dialect
    convert = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            f(row[c]) if f is not None else row[c] for c, f in zip(columns, convert, strict=True)
        )

    return values


def _copy(engine: Engine, model: Any, rows: Iterator[dict[str, Any]]) -> None:
    """Postgres: COPY FROM STDIN through psycopg 3, in one transaction."""
    first = next(rows)
    columns = list(first)
    values = _converter(engine, model, columns)
    raw = engine.raw_connection()
    try:
        cursor: Any = raw.cursor()
        with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write_row(values(first))
            for row in rows:
                copy.write_row(values(row))
        raw.commit()
    finally:
        raw.close()


def _executemany(engine: Engine, model: Any, rows: Iterator[dict[str, Any]]) -> None:
    """SQLite: the driver's executemany in batches, in one transaction."""
    first = next(rows)
    columns = list(first)
    values = _converter(engine, model, columns)
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) VALUES ({placeholders})"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # A bench, not production: a big page cache and no fsync make bulk loading fast.
        cursor.execute("PRAGMA cache_size = -400000")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("BEGIN")
        batch = [values(first)]
        for row in rows:
            batch.append(values(row))
            if len(batch) == BATCH:
                cursor.executemany(statement, batch)
                batch = []
        cursor.executemany(statement, batch)
        cursor.execute("COMMIT")
    finally:
        raw.close()


def generate(url: str, leads: int, interactions: int, deals: int, reminders: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        if session.get(Workspace, WORKSPACE) is not None:
            print(f"Reusing the {WORKSPACE} data already in the database.")
            return
        session.add(
            Workspace(workspace_id=WORKSPACE, pipeline_channel="C0BENCH", owner_ids=["U0B"])
        )
    rng = random.Random(20261130)
    started = time.perf_counter()
    postgres = engine.dialect.name == "postgresql"
    made = _deals(leads, deals, rng)
    for model, rows in (
        (Contact, _contacts(leads)),
        (Lead, _leads(leads, rng)),
        (Lead, _converted_leads(made)),
        (Opportunity, _opportunities(made)),
        (Reminder, _reminders(reminders, leads, rng)),
        (Interaction, _interactions(interactions, leads, rng)),
    ):
        if postgres:
            _copy(engine, model, rows)
        else:
            _executemany(engine, model, rows)
        print(f"  {model.__tablename__}: done at {time.perf_counter() - started:.0f}s", flush=True)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    print(
        f"Generated {leads:,} open leads, {deals:,} converted leads with their deals, "
        f"{reminders:,} reminders and {interactions:,} interactions in "
        f"{time.perf_counter() - started:.0f}s."
    )


def _run_path(path: str, sessions: Any, slack: Any) -> tuple[str, list[str]]:
    """Run one measured path; what it did, in a line, and what it would show."""
    from core.reports.stale_leads import stale_leads
    from core.reports.summaries import pipeline_summary
    from core.reports.wording import render_pipeline_summary
    from jobs.daily import run_daily
    from jobs.monthly import run_monthly
    from jobs.weekly import run_weekly

    jobs = {"daily": (run_daily, NOW), "weekly": (run_weekly, NOW)}
    jobs["monthly"] = (run_monthly, FIRST_OF_MONTH)
    if path in jobs:
        run, at = jobs[path]
        outcome = run(sessions=sessions, slack=slack, now=at, workspace_id=WORKSPACE, force=True)
        return outcome.describe(), []
    with sessions() as session:
        workspace = session.get(Workspace, WORKSPACE)
        if path == "stale-leads":
            report = stale_leads(session, workspace=workspace, now=NOW, limit=10)
            return f"stale_leads: {len(report.items)} of {report.total:,} loaded", []
        summary = pipeline_summary(session, workspace=workspace, now=NOW)
        lines = render_pipeline_summary(summary).split("\n")[1:8]
        return "pipeline_summary", [line for line in lines if line]


def measure(url: str, path: str) -> None:
    import jobs.chart  # noqa: F401 - every module the paths use is loaded before the baseline
    import jobs.scheduler  # noqa: F401
    from console.local_slack import LocalSlackAPI
    from integrations.slack import make_client

    engine = make_engine(url)
    sessions = make_sessions(engine)
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with LocalSlackAPI() as api:
        slack = make_client("xoxb-bench", base_url=api.url)
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        done, shown = _run_path(path, sessions, slack)
        wall = time.perf_counter() - started
        messages, uploads = api.messages, api.uploads
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    print(f"== {path}: {done}")
    for message in messages:
        print(
            f"  posted to {message['channel']}: {message['text'].split(chr(10))[0]!r} "
            f"({len(message['blocks'])} blocks)"
        )
    for line in shown:
        print(f"  {line}")
    for upload in uploads:
        print(f"  uploaded {upload['filename']} ({len(upload['content']):,} bytes)")
    print(f"  SQL statements: {statements}")
    print(f"  Wall time: {wall:.2f}s")
    print(
        f"  Peak RSS: {peak:.0f} MB (after imports, before the run: {baseline:.0f} MB)", flush=True
    )


def _child(*argv: str) -> None:
    """Run this script again in a fresh process, so each peak RSS is that step's own."""
    subprocess.run([sys.executable, __file__, *argv], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", nargs="?", choices=["all", "generate", "measure"], default="all")
    parser.add_argument("--url", required=True)
    parser.add_argument("--leads", type=int, default=50_000, help="open leads")
    parser.add_argument("--interactions", type=int, default=2_000_000)
    parser.add_argument("--deals", type=int, default=10_000, help="converted leads with a deal")
    parser.add_argument("--reminders", type=int, default=1_000)
    parser.add_argument("--only", choices=PATHS, help="measure one path (default: each)")
    args = parser.parse_args()
    if args.step == "generate":
        generate(args.url, args.leads, args.interactions, args.deals, args.reminders)
        return
    if args.step == "all":
        sizes = ["--leads", str(args.leads), "--interactions", str(args.interactions)]
        sizes += ["--deals", str(args.deals), "--reminders", str(args.reminders)]
        _child("generate", "--url", args.url, *sizes)
    if args.only:
        measure(args.url, args.only)
        return
    for path in PATHS:
        _child("measure", "--url", args.url, "--only", path)


if __name__ == "__main__":
    main()
