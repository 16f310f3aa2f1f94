"""The ledger of Slack event ids already handled, so a retried or repeated event never acts twice.

Slack redelivers an Events API event when it thinks the first delivery failed. A handler claims
the event id inside its own transaction before acting: the claim and the work commit together,
and a second delivery finds the id taken and does nothing. It lives with the infrastructure
(not in `bot`) because the worker prunes it too, and the worker may not import the Slack app.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, exists, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import ProcessedEvent, utcnow


def claim_event(
    session: Session,
    *,
    workspace_id: str,
    event_id: str,
    received_at: datetime | None = None,
) -> bool:
    """Record the event id; False when it was claimed before, so the caller must not act."""
    values = {
        "workspace_id": workspace_id,
        "event_id": event_id,
        "received_at": received_at or utcnow(),
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # a row back means this call inserted it
        return session.execute(_CLAIM_POSTGRES, values).first() is not None
    if dialect == "sqlite":
        statement = (
            sqlite_insert(ProcessedEvent)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(ProcessedEvent.event_id)
        )
        return session.execute(statement).first() is not None
    try:  # any other database: a SAVEPOINT keeps the caller's transaction usable
        with session.begin_nested():
            session.add(ProcessedEvent(**values))
    except IntegrityError:
        return False
    return True


# Written once: SQLAlchemy's Postgres `insert` with `ON CONFLICT` is not cacheable, so it was
# compiled again on every event.
_CLAIM_POSTGRES = text(
    "INSERT INTO processed_events (workspace_id, event_id, received_at) "
    "VALUES (:workspace_id, :event_id, :received_at) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
).bindparams(
    bindparam("workspace_id", type_=ProcessedEvent.workspace_id.type),
    bindparam("event_id", type_=ProcessedEvent.event_id.type),
    bindparam("received_at", type_=ProcessedEvent.received_at.type),
)


def event_was_claimed(session: Session, *, workspace_id: str, event_id: str) -> bool:
    """Tell whether the event id is already in the ledger (a cheap check before the real claim)."""
    query = select(
        exists().where(
            ProcessedEvent.workspace_id == workspace_id,
            ProcessedEvent.event_id == event_id,
        )
    )
    return bool(session.scalar(query))


def forget_events(session: Session, *, received_before: datetime) -> int:
    """Drop ledger rows older than Slack's retry window so the table stays small."""
    statement = delete(ProcessedEvent).where(ProcessedEvent.received_at < received_before)
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount
