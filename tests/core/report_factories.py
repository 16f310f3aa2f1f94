"""Rows for the report tests, made straight from the models with explicit times and dates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

from core.enums import (
    ContactPointKind,
    FollowUpStatus,
    InteractionType,
    LeadSource,
    LeadStatus,
    LifecycleStage,
    OpportunityStage,
    PipelineStage,
)
from core.models import Contact, ContactPoint, Interaction, Lead, Opportunity, Workspace, new_id

NEW_YORK = ZoneInfo("America/New_York")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A New York wall-clock time as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def workspace(session: Session, workspace_id: str) -> Workspace:
    found = session.get(Workspace, workspace_id)
    assert found is not None
    return found


def contact(
    session: Session,
    workspace_id: str,
    first: str,
    last: str | None = None,
    *,
    phone: str | None = None,
    email: str | None = None,
    lifecycle: LifecycleStage = LifecycleStage.prospect,
    updated_at: datetime | None = None,
    **fields: Any,
) -> Contact:
    row = Contact(
        contact_id=new_id("ct"),
        workspace_id=workspace_id,
        first_name=first,
        last_name=last,
        lifecycle_stage=lifecycle,
        **fields,
    )
    if updated_at is not None:
        row.created_at = row.updated_at = updated_at
    position = 0
    for kind, value in ((ContactPointKind.phone, phone), (ContactPointKind.email, email)):
        if value:
            row.points.append(
                ContactPoint(workspace_id=workspace_id, kind=kind, value=value, position=position)
            )
            position += 1
    session.add(row)
    session.flush()
    return row


def lead(
    session: Session,
    workspace_id: str,
    title: str,
    *,
    created_at: datetime,
    contact: Contact | None = None,
    status: LeadStatus = LeadStatus.new,
    stage: PipelineStage = PipelineStage.inquiry,
    source: LeadSource = LeadSource.phone_call,
    value: str | None = None,
    **fields: Any,
) -> Lead:
    row = Lead(
        lead_id=new_id("ld"),
        workspace_id=workspace_id,
        title=title,
        contact_id=contact.contact_id if contact is not None else None,
        status=status,
        pipeline_stage=stage,
        source=source,
        estimated_value=Decimal(value) if value is not None else None,
        created_at=created_at,
        updated_at=created_at,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def interaction(
    session: Session,
    workspace_id: str,
    *,
    at: datetime,
    lead: Lead | None = None,
    contact: Contact | None = None,
    opportunity: Opportunity | None = None,
    type: InteractionType = InteractionType.phone_call,
    follow_up_date: date | None = None,
    **fields: Any,
) -> Interaction:
    fields.setdefault(
        "follow_up_status",
        FollowUpStatus.pending if follow_up_date is not None else FollowUpStatus.none,
    )
    row = Interaction(
        interaction_id=new_id("ix"),
        workspace_id=workspace_id,
        type=type,
        timestamp=at,
        lead_id=lead.lead_id if lead is not None else None,
        contact_id=contact.contact_id if contact is not None else None,
        opportunity_id=opportunity.opportunity_id if opportunity is not None else None,
        follow_up_date=follow_up_date,
        created_at=at,
        updated_at=at,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def opportunity(
    session: Session,
    workspace_id: str,
    name: str,
    *,
    stage: OpportunityStage,
    amount: str | None = None,
    lead: Lead | None = None,
    contact: Contact | None = None,
    close_date: date | None = None,
    **fields: Any,
) -> Opportunity:
    row = Opportunity(
        opportunity_id=new_id("op"),
        workspace_id=workspace_id,
        name=name,
        stage=stage,
        amount=Decimal(amount) if amount is not None else None,
        lead_id=lead.lead_id if lead is not None else None,
        contact_id=contact.contact_id if contact is not None else None,
        close_date=close_date,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


class StatementCount:
    n = 0


@contextmanager
def count_statements(session: Session) -> Iterator[StatementCount]:
    """Count the SQL statements the block sends (flush first: nothing else may be pending)."""
    session.flush()
    engine = session.connection().engine
    counter = StatementCount()

    def _count(*_args: Any) -> None:
        counter.n += 1

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _count)
