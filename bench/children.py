"""Measurements that need a process of their own, so each peak RSS is that step's alone:
the three jobs, the export and the CSV import. `python -m bench.children WHAT --url URL`
prints one JSON line; bench/run.py starts one child per measurement."""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select

from bench.data import NOW, WORKSPACE, phone_of
from core.models import Contact, Workspace
from core.platform.db import make_engine, make_sessions

FIRST_OF_MONTH = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # Tuesday 08:00 in New York


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _job(name: str, sessions: Any, api: Any, slack: Any) -> str:
    from jobs.daily import run_daily
    from jobs.monthly import run_monthly
    from jobs.weekly import run_weekly

    run, at = {"daily": (run_daily, NOW), "weekly": (run_weekly, NOW)}.get(
        name, (run_monthly, FIRST_OF_MONTH)
    )
    outcome = run(sessions=sessions, slack=slack, now=at, workspace_id=WORKSPACE, force=True)
    posted = [m["text"].split("\n")[0] for m in api.messages]
    return f"{outcome.describe()}; posted: {posted}"


def _export(sessions: Any) -> str:
    from core.transfer.document_export import write_document

    with sessions() as session, open(os.devnull, "w") as out:
        workspace = session.get(Workspace, WORKSPACE)
        counts = write_document(session, workspace=workspace, out=out)
    return json.dumps(counts)


def csv_text(rows: int, contacts: int) -> str:
    """`rows` contacts as a spreadsheet: one in 20 repeats an existing phone (merged, not
    created), one in 50 repeats an earlier row's email (deduplicated within the file)."""
    out = io.StringIO()
    out.write("First name,Last name,Phone,Email,Address\n")
    for i in range(rows):
        if i % 20 == 0:
            phone, email = phone_of(i % contacts), ""
        elif i % 50 == 1 and i > 50:
            phone, email = "", f"import.{i - 50}@example.org"
        else:
            phone, email = f"+1646{i:07d}", f"import.{i}@example.org"
        out.write(f"Imported{i},Customer,{phone},{email},{i} Elm St\n")
    return out.getvalue()


def _csv_file(sessions: Any, rows: int) -> str:
    """The spreadsheet to import, made before the clock starts (an import is given a file)."""
    with sessions() as session:
        contacts = session.scalar(select(func.count()).select_from(Contact)) or 1
    return csv_text(rows, contacts)


def _csv_import(sessions: Any, text: str) -> str:
    from core.transfer.csv_import import import_contacts_csv

    with sessions() as session:
        workspace = session.get(Workspace, WORKSPACE)
        report = import_contacts_csv(session=session, workspace=workspace, actor="bench", text=text)
        session.flush()
        session.rollback()  # every row was written; the bench data is left as it was
    return report.summary()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["daily", "weekly", "monthly", "export", "csv-import"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    import jobs.chart  # noqa: F401 - everything the paths use is loaded before the baseline
    import jobs.scheduler  # noqa: F401

    engine = make_engine(args.url)
    sessions = make_sessions(engine)
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    warm_up_s = 0.0
    job = args.what in ("daily", "weekly", "monthly")
    if job:
        # The Slack stand-in and the worker's client are up before the clock starts, as the
        # worker's are before a morning's run.
        from console.local_slack import LocalSlackAPI
        from integrations.slack import make_client

        api = LocalSlackAPI(team_id=WORKSPACE).start()
        slack = make_client("xoxb-bench", base_url=api.url)
        # What the worker does at start (jobs/warm.py), so the run measured is a morning's run
        # in a worker that has been up, not the process's first use of everything.
        from jobs.warm import warm_up

        warming = time.perf_counter()
        # For the day measured, as a worker warms up for its day.
        warm_up(sessions=sessions, now=NOW, freeze_heap=True)
        warm_up_s = time.perf_counter() - warming
    csv_file = _csv_file(sessions, args.rows) if args.what == "csv-import" else ""
    before = _rss_mb()
    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    if args.what == "export":
        done = _export(sessions)
    elif args.what == "csv-import":
        done = _csv_import(sessions, csv_file)
    else:
        done = _job(args.what, sessions, api, slack)
    wall = time.perf_counter() - started
    if job:
        api.stop()
    print(
        json.dumps(
            {
                "what": args.what,
                "done": done,
                "statements": statements,
                "wall_s": wall,
                "warm_up_s": warm_up_s,
                "peak_rss_mb": _rss_mb(),
                "rss_before_mb": before,
                "rows": args.rows,
            }
        )
    )


if __name__ == "__main__":
    main()
