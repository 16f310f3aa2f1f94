"""The outbox: durable background work, written with the change it belongs to, done by workers.

A caller `enqueue`s work inside the transaction of the change (a captured lead and the owners'
"New inquiry" DMs commit together, or neither does). `crm worker` calls `drain`, which claims
due items, hands each to the handler registered for its kind, and records the outcome:
delivered, or retried later with exponential backoff, or given up past the horizon.

Claiming is the database's decision, so any number of workers on any number of machines
share one table: on Postgres one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`
takes a batch no other worker can take; on SQLite (one process) the same statement is a
plain conditional update, SQLite running one writer at a time. A claim moves the item's
`next_attempt_at` to the end of a lease, so a worker killed mid-delivery leaves the item to be
retried once the lease runs out. Delivery is therefore at least once: handlers keep their
side effects idempotent where they can (docs/reliability.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import OutboxStatus
from core.models import OutboxItem, Workspace

__all__ = [
    "DrainReport",
    "GiveUp",
    "Handler",
    "OutboxKind",
    "OutboxWork",
    "RetryLater",
    "RetryPolicy",
    "claim_due",
    "drain",
    "enqueue",
    "forget_delivered",
]

log = logging.getLogger(__name__)

ERROR_LIMIT = 500


class OutboxKind(StrEnum):
    """Every kind of work the outbox carries; each has one handler (jobs/outbox.py)."""

    owner_dm = "slack.owner_dm"  # a direct message to one owner: {"user", "text", "blocks"}
    webhook = "webhook.delivery"  # a hand-off event to one webhook: {"subscription_id", "event"}
    handoff_post = "slack.handoff_post"  # a hand-off event in a channel: {"channel", "event"}


@dataclass(frozen=True)
class OutboxWork:
    """One claimed item as its handler sees it (a plain value: no session behind it)."""

    id: int
    workspace_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # this attempt included
    created_at: datetime


Handler = Callable[[OutboxWork], None]


class RetryLater(Exception):
    """The work could not be done now (Slack 5xx, 429, a timeout): try again after a wait.

    `reason` is stored and logged, so it names the failure, never the customer's data.
    `after` asks for at least this wait (a 429's Retry-After).
    """

    def __init__(self, reason: str, *, after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


class GiveUp(Exception):
    """The work can never succeed as it is (the owner's account is gone): stop trying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait between attempts, how long to hold a claim, when to give up."""

    first_wait: timedelta = timedelta(seconds=15)
    longest_wait: timedelta = timedelta(minutes=30)
    horizon: timedelta = timedelta(days=1)
    lease: timedelta = timedelta(minutes=5)

    def wait_after(self, attempts: int) -> timedelta:
        """15 s, 30 s, 1 min, 2 min, ... up to 30 min between attempts."""
        doubled = self.first_wait * (1 << max(0, min(attempts - 1, 20)))
        return min(doubled, self.longest_wait)


@dataclass
class DrainReport:
    """What one pass did, by item id."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def enqueue(
    session: Session,
    *,
    workspace: Workspace,
    kind: OutboxKind | str,
    payload: Mapping[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    """Add work to the caller's transaction; the same `dedupe_key` twice is added once."""
    values = {
        "workspace_id": workspace.workspace_id,
        "kind": str(kind),
        "payload": dict(payload),
        "status": OutboxStatus.pending,
        "attempts": 0,
        "next_attempt_at": now,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OutboxItem).values(values)
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["workspace_id", "dedupe_key"])
    session.execute(statement)


def claim_due(
    session: Session,
    *,
    kinds: list[str],
    now: datetime,
    lease: timedelta,
    limit: int = 20,
) -> list[OutboxWork]:
    """Take up to `limit` due items of these kinds for this worker until `now + lease`."""
    due = (
        select(OutboxItem.id)
        .where(
            OutboxItem.status == OutboxStatus.pending,
            OutboxItem.next_attempt_at <= now,
            OutboxItem.kind.in_(kinds),
        )
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # Postgres only; SQLite has one writer anyway
    )
    # MATERIALIZED: evaluated once, so LIMIT holds; a plain `IN (subquery)` may be planned as
    # a join that re-runs the subquery and claims every due row.
    batch = due.cte("due").prefix_with("MATERIALIZED")
    claimed = session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.id.in_(select(batch.c.id)),
            OutboxItem.status == OutboxStatus.pending,
            OutboxItem.next_attempt_at <= now,
        )
        .values(
            attempts=OutboxItem.attempts + 1,
            next_attempt_at=now + lease,
            updated_at=now,
        )
        .returning(
            OutboxItem.id,
            OutboxItem.workspace_id,
            OutboxItem.kind,
            OutboxItem.payload,
            OutboxItem.attempts,
            OutboxItem.created_at,
        )
        .execution_options(synchronize_session=False)
    )
    work = [OutboxWork(*row) for row in claimed]
    return sorted(work, key=lambda item: item.id)


def _short(reason: str) -> str:
    return reason.strip().splitlines()[0][:ERROR_LIMIT] if reason.strip() else "unknown"


def _record(session: Session, item_id: int, **values: Any) -> None:
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _attempt(
    sessions: sessionmaker[Session],
    work: OutboxWork,
    handler: Handler,
    *,
    policy: RetryPolicy,
    clock: Callable[[], datetime],
    report: DrainReport,
) -> None:
    """Run one item's handler and record what came of it, in a transaction of its own."""
    wait = timedelta(0)
    give_up = False
    try:
        handler(work)
    except GiveUp as stop:
        reason, give_up = _short(stop.reason), True
    except RetryLater as later:
        reason, wait = _short(later.reason), later.after or timedelta(0)
    except Exception as error:  # noqa: BLE001 - kept and retried, never lost; traceback logged
        log.exception("Outbox item %s (%s) raised; it will be retried", work.id, work.kind)
        reason = _short(f"{type(error).__name__}: {error}")
    else:
        with sessions.begin() as session:
            _record(
                session, work.id, status=OutboxStatus.delivered, last_error=None, updated_at=clock()
            )
        report.delivered.append(work.id)
        return
    now = clock()
    next_at = now + max(policy.wait_after(work.attempts), wait)
    if give_up or next_at - work.created_at > policy.horizon:
        with sessions.begin() as session:
            _record(session, work.id, status=OutboxStatus.failed, last_error=reason, updated_at=now)
        log.error(
            "Outbox item %s (%s) given up after %s attempts: %s",
            work.id,
            work.kind,
            work.attempts,
            reason,
        )
        report.failed.append(work.id)
        return
    with sessions.begin() as session:
        _record(session, work.id, next_attempt_at=next_at, last_error=reason, updated_at=now)
    log.warning(
        "Outbox item %s (%s) attempt %s failed (%s); next try at %s",
        work.id,
        work.kind,
        work.attempts,
        reason,
        next_at.isoformat(timespec="seconds"),
    )
    report.retrying.append(work.id)


def drain(
    *,
    sessions: sessionmaker[Session],
    handlers: Mapping[str, Handler],
    clock: Callable[[], datetime],
    policy: RetryPolicy | None = None,
    batch: int = 20,
    max_batches: int = 50,
) -> DrainReport:
    """Work off what is due: claim a batch, do each item, record each outcome; repeat.

    Bounded by `max_batches`, so one scheduler tick stays short; what is left waits for the
    next. Only kinds with a handler here are claimed: a worker never takes work it cannot do.
    """
    policy = policy or RetryPolicy()
    report = DrainReport()
    kinds = sorted(handlers)
    for _ in range(max_batches):
        with sessions.begin() as session:
            claimed = claim_due(session, kinds=kinds, now=clock(), lease=policy.lease, limit=batch)
        for work in claimed:
            _attempt(sessions, work, handlers[work.kind], policy=policy, clock=clock, report=report)
        if len(claimed) < batch:
            break
    return report


def forget_delivered(session: Session, *, before: datetime) -> int:
    """Delete delivered items last touched before `before`, so the table stays small."""
    statement = delete(OutboxItem).where(
        OutboxItem.status == OutboxStatus.delivered, OutboxItem.updated_at < before
    )
    return cast(CursorResult[Any], session.execute(statement)).rowcount
