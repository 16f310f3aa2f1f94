"""Deterministic bench data written with COPY: contacts with phones and emails, leads over three
years, opportunities, reminders and interactions; then each last touch, as the migration does,
and the migrations from the tallies on, which fill their tables from the rows.

Every value comes from one seeded `random.Random`, so the same size gives the same rows.
"""

from __future__ import annotations

import random
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text

from core.models import Contact, ContactPoint, Interaction, Lead, Opportunity, Reminder, Workspace
from core.platform.db import make_engine, make_sessions
from core.platform.migrate import upgrade

WORKSPACE = "TBENCH"
OWNER = "U0BOWNER"
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TODAY = date(2026, 11, 30)
HISTORY_MINUTES = 3 * 365 * 1440
OPEN = ("new", "working", "qualified")
STAGES = ("inquiry", "needs_analysis", "estimate_sent", "follow_up", "scheduled_visit")
TYPES = ("phone_call", "email_inbound", "email_outbound", "sms", "meeting", "note")
DEAL_STAGES = ("won", "won", "lost", "lost", "proposal_sent", "estimating", "scheduled")
LOSS_REASONS = ("price", "competition", "timing", "no_decision", "scope", "other")
SOURCES = ("phone_call", "email", "web_form", "referral", "ad", "other")
FIRST = (
    "Dana Sam Alex Jordan Taylor Morgan Casey Riley Jamie Avery Quinn Drew Robin Pat Lee Chris "
    "Maria Jose Wei Priya Omar Fatima Liam Emma Noah Olivia Ava Mia Lucas Ethan Sofia Aiden "
    "Grace Henry Chloe Owen Zoe Leo Nora Isaac Ruby Eli Hazel Caleb Ivy Miles Stella Jack Maya"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Moore Jackson Martin Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green "
    "Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Kim Chen Okafor "
    "Kowalski Novak Fischer Rossi Dubois Silva Costa Haddad Tanaka Sato Murphy Kelly Byrne"
).split()


@dataclass(frozen=True)
class Size:
    """How many rows of each kind."""

    contacts: int
    leads: int
    opportunities: int
    interactions: int
    reminders: int = 1000

    @property
    def rows(self) -> int:
        return self.contacts + self.leads + self.opportunities + self.interactions

    def label(self) -> str:
        return (
            f"{self.contacts:,} contacts, {self.leads:,} leads, {self.opportunities:,} "
            f"opportunities, {self.interactions:,} interactions"
        )


def name_of(i: int) -> tuple[str, str]:
    """Contact i's first and last name: common names, a third of them double-barrelled."""
    last = LAST[(i * 13 + i // 97) % len(LAST)]
    if i % 3 == 0:
        last += f"-{LAST[(i // 7) % len(LAST)]}"
    return FIRST[(i * 7 + i // 50) % len(FIRST)], last


def phone_of(i: int) -> str:
    return f"+1212{i:07d}"


def email_of(i: int) -> str:
    first, last = name_of(i)
    return f"{first}.{last}.{i}@example.com".lower()


def _contacts(n: int) -> Iterator[dict[str, Any]]:
    made = NOW - timedelta(days=3 * 365 + 30)
    for i in range(n):
        first, last = name_of(i)
        yield {
            "contact_id": f"ct_b{i:08d}",
            "workspace_id": WORKSPACE,
            "first_name": first,
            "last_name": last,
            "lifecycle_stage": "prospect",
            "tags": [],
            "archived": False,
            "created_at": made,
            "updated_at": made,
        }


def _points(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        base = {"workspace_id": WORKSPACE, "contact_id": f"ct_b{i:08d}"}
        yield base | {"kind": "phone", "value": phone_of(i), "position": 0}
        yield base | {"kind": "email", "value": email_of(i), "position": 1}


def _leads(size: Size, created: array[float], rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(size.leads):
        at = NOW - timedelta(minutes=created[i])
        recent = created[i] < 365 * 1440
        if i < size.opportunities:
            status = "converted"
        else:
            status = OPEN[i % 3] if recent else "disqualified"
        yield {
            "lead_id": f"ld_b{i:08d}",
            "workspace_id": WORKSPACE,
            "title": f"Job {i} at {i % 900 + 1} Main St",
            "contact_id": f"ct_b{i % size.contacts:08d}",
            "source": SOURCES[i % len(SOURCES)],
            "status": status,
            "disqualification_reason": "no_response" if status == "disqualified" else None,
            "estimated_value": Decimal(rng.randrange(100, 500_000)) / 100,
            "pipeline_stage": STAGES[i % 5],
            "created_at": at,
            "updated_at": at,
        }


def _opportunities(size: Size, created: array[float], rng: random.Random) -> Iterator[Any]:
    for i in range(size.opportunities):
        made = NOW - timedelta(minutes=created[i]) + timedelta(minutes=30)
        stage = DEAL_STAGES[i % len(DEAL_STAGES)]
        closed = (made + timedelta(days=rng.randrange(1, 60))).date()
        yield {
            "opportunity_id": f"op_b{i:08d}",
            "workspace_id": WORKSPACE,
            "lead_id": f"ld_b{i:08d}",
            "contact_id": f"ct_b{i % size.contacts:08d}",
            "name": f"Deal {i}",
            "stage": stage,
            "amount": Decimal(rng.randrange(10_000, 2_000_000)) / 100,
            "close_date": min(closed, TODAY) if stage in ("won", "lost") else None,
            "loss_reason": LOSS_REASONS[i % 6] if stage == "lost" else None,
            "created_at": made,
            "updated_at": made,
        }


def _interactions(size: Size, created: array[float], rng: random.Random) -> Iterator[Any]:
    for i in range(size.interactions):
        k = rng.randrange(size.leads)
        at = NOW - timedelta(minutes=rng.uniform(1, created[k]))
        pending = i % 1000 == 0  # pending follow-ups, most of them overdue
        yield {
            "interaction_id": f"ix_b{i:09d}",
            "workspace_id": WORKSPACE,
            "type": TYPES[i % len(TYPES)],
            "timestamp": at,
            "contact_id": f"ct_b{k % size.contacts:08d}",
            "lead_id": f"ld_b{k:08d}",
            "subject": f"Touch {i}",
            "body": "Talked about the job and the next steps.",
            "outcome": "spoke",
            "follow_up_date": TODAY - timedelta(days=rng.randrange(0, 60)) if pending else None,
            "follow_up_status": "pending" if pending else "none",
            "created_at": at,
            "updated_at": at,
        }


def _reminders(size: Size, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(size.reminders):
        yield {
            "reminder_id": f"rm_b{i:07d}",
            "workspace_id": WORKSPACE,
            "contact_id": f"ct_b{rng.randrange(size.contacts):08d}",
            "due_date": TODAY - timedelta(days=rng.randrange(0, 60)),
            "note": "Check back about the job",
            "status": "pending",
            "created_at": NOW - timedelta(days=90),
            "updated_at": NOW - timedelta(days=90),
        }


def _copy(engine: Engine, model: Any, rows: Iterator[dict[str, Any]]) -> None:
    """COPY FROM STDIN through psycopg 3, values converted by the columns' own types."""
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    table, dialect = model.__table__, engine.dialect
    convert = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(f(row[c]) if f else row[c] for c, f in zip(columns, convert, strict=True))

    raw = engine.raw_connection()
    try:
        cursor: Any = raw.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write_row(values(first))
            for row in rows:
                copy.write_row(values(row))
        raw.commit()
    finally:
        raw.close()


# The rows go into the schema as it was before the tallies (migration 0019): COPY under their
# triggers would fire them for every row. Upgrading afterwards fills the tallies and each lead's
# first reply from the rows in one statement each, as a real upgrade does.
LOAD_REVISION = "0018_one_point_index"
# The migration's backfill (0005_last_touch); the bench has no merged contacts.
BACKFILL = (
    "UPDATE leads SET converted_opportunity_id = 'op' || substr(lead_id, 3) "
    "WHERE status = 'converted'",
    "UPDATE contacts SET last_touch_at = (SELECT max(i.timestamp) FROM interactions i "
    "WHERE i.contact_id = contacts.contact_id)",
    "UPDATE leads SET last_touch_at = greatest(created_at, "
    "coalesce((SELECT max(i.timestamp) FROM interactions i WHERE i.lead_id = leads.lead_id), "
    "created_at), coalesce((SELECT c.last_touch_at FROM contacts c "
    "WHERE c.contact_id = leads.contact_id), created_at))",
)


def generate(url: str, size: Size, log: Callable[[str], None] = print) -> float:
    """Make the schema and the rows; the seconds it took."""
    started = time.perf_counter()
    upgrade(url, LOAD_REVISION)
    engine = make_engine(url)
    with make_sessions(engine).begin() as session:
        session.add(
            Workspace(workspace_id=WORKSPACE, pipeline_channel="C0BENCH", owner_ids=[OWNER])
        )
    rng = random.Random(20261130)
    created = array("d", (rng.uniform(60, HISTORY_MINUTES) for _ in range(size.leads)))
    for model, rows in (
        (Contact, _contacts(size.contacts)),
        (ContactPoint, _points(size.contacts)),
        (Lead, _leads(size, created, rng)),
        (Opportunity, _opportunities(size, created, rng)),
        (Reminder, _reminders(size, rng)),
        (Interaction, _interactions(size, created, rng)),
    ):
        _copy(engine, model, rows)
        log(f"    {model.__tablename__}: {time.perf_counter() - started:.0f} s")
    with engine.begin() as connection:
        for statement in BACKFILL:
            connection.execute(text(statement))
    log(f"    last touch backfilled: {time.perf_counter() - started:.0f} s")
    upgrade(url)
    log(f"    migrated to head (tallies filled): {time.perf_counter() - started:.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    log(f"    vacuumed: {time.perf_counter() - started:.0f} s")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.data NAME`: a database of the full size made once, for `python -m bench
    --full-from NAME` to copy instead of generating it again."""
    import argparse

    import psycopg
    from sqlalchemy import make_url

    parser = argparse.ArgumentParser(prog="python -m bench.data", description=main.__doc__)
    parser.add_argument("database")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=300_000)
    parser.add_argument("--opportunities", type=int, default=30_000)
    parser.add_argument("--interactions", type=int, default=2_000_000)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    with psycopg.connect(args.admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{args.database}"')
    url = make_url(args.admin_url).set(database=args.database)
    size = Size(args.contacts, args.leads, args.opportunities, args.interactions)
    seconds = generate(url.render_as_string(hide_password=False), size)
    print(f"{args.database}: {size.label()} in {seconds:.0f} s")


if __name__ == "__main__":
    main()
