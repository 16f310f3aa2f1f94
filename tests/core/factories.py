"""Test data made straight with the models (no core operation involved), every field overridable.

Each `make_*` adds the row, flushes and returns it; keyword arguments are the model's own field
names. Phones and emails must already be normalized (E.164, lower-case): they go into
`contact_points` as given. Money may be given as a string ("350.50"). To put a record in the
past pass `created_at=` (its `updated_at` follows unless given; `timestamp=` for interactions,
whose `created_at` follows it). An interaction with a `follow_up_date` is pending unless said.
`ny(...)` and `utc(...)` make aware instants; `row_counts`, `audit_trail` and
`count_statements` (the SQL a block sends) are what tests assert on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from core.common.enums import FollowUpStatus, InteractionType, LeadSource, ReminderStatus
from core.contacts.matching import set_contact_points
from core.drafts.compose import draft_follow_up
from core.drafts.review import approve_draft
from core.drafts.sending import claim_draft_for_sending
from core.models import (
    AuditEntry,
    Base,
    Company,
    Contact,
    Draft,
    Interaction,
    Lead,
    Opportunity,
    Reminder,
    WonConfirmation,
    new_id,
)
from core.workspaces.service import get_workspace

NEW_YORK = ZoneInfo("America/New_York")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A New York wall-clock time as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def _save(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def _money(value: Decimal | str | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _dated(fields: dict[str, Any], moment: str, *following: str) -> dict[str, Any]:
    """Let the timestamps in `following` default to the one given as `moment`."""
    if fields.get(moment) is not None:
        for name in following:
            fields.setdefault(name, fields[moment])
    return fields


def make_company(
    session: Session, workspace_id: str, name: str = "Acme Rentals", **fields: Any
) -> Company:
    fields.setdefault("company_id", new_id("co"))
    company: Company = _save(session, Company(workspace_id=workspace_id, name=name, **fields))
    return company


def make_contact(
    session: Session,
    workspace_id: str,
    first_name: str = "Dana",
    last_name: str | None = "Smith",
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    address: str | None = None,
    **fields: Any,
) -> Contact:
    fields.setdefault("contact_id", new_id("ct"))
    contact = Contact(
        workspace_id=workspace_id,
        first_name=first_name,
        last_name=last_name,
        address=address,
        **_dated(fields, "updated_at", "created_at"),
    )
    set_contact_points(contact, phones=phones, emails=emails)
    saved: Contact = _save(session, contact)
    return saved


def make_lead(
    session: Session,
    workspace_id: str,
    contact: Contact | None = None,
    title: str = "Leaky faucet at 123 Main",
    source: LeadSource = LeadSource.phone_call,
    estimated_value: Decimal | str | None = None,
    **fields: Any,
) -> Lead:
    fields.setdefault("lead_id", new_id("ld"))
    if contact is not None:
        fields.setdefault("contact_id", contact.contact_id)
    lead: Lead = _save(
        session,
        Lead(
            workspace_id=workspace_id,
            title=title,
            source=source,
            estimated_value=_money(estimated_value),
            **_dated(fields, "created_at", "updated_at"),
        ),
    )
    return lead


def make_opportunity(
    session: Session,
    workspace_id: str,
    contact: Contact | None = None,
    lead: Lead | None = None,
    name: str = "Kitchen remodel",
    amount: Decimal | str | None = None,
    **fields: Any,
) -> Opportunity:
    fields.setdefault("opportunity_id", new_id("op"))
    if contact is not None:
        fields.setdefault("contact_id", contact.contact_id)
        fields.setdefault("company_id", contact.company_id)
    if lead is not None:
        fields.setdefault("lead_id", lead.lead_id)
        fields.setdefault("contact_id", lead.contact_id)
    opportunity: Opportunity = _save(
        session,
        Opportunity(
            workspace_id=workspace_id,
            name=name,
            amount=_money(amount),
            **_dated(fields, "created_at", "updated_at"),
        ),
    )
    return opportunity


def make_interaction(
    session: Session,
    workspace_id: str,
    contact: Contact | None = None,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    type: InteractionType = InteractionType.note,
    body: str | None = "Talked about the job.",
    **fields: Any,
) -> Interaction:
    fields.setdefault("interaction_id", new_id("ix"))
    if fields.get("follow_up_date") is not None:
        fields.setdefault("follow_up_status", FollowUpStatus.pending)
    if contact is not None:
        fields.setdefault("contact_id", contact.contact_id)
    if lead is not None:
        fields.setdefault("lead_id", lead.lead_id)
        fields.setdefault("contact_id", lead.contact_id)
    if opportunity is not None:
        fields.setdefault("opportunity_id", opportunity.opportunity_id)
        fields.setdefault("contact_id", opportunity.contact_id)
    interaction: Interaction = _save(
        session,
        Interaction(
            workspace_id=workspace_id,
            type=type,
            body=body,
            **_dated(fields, "timestamp", "created_at", "updated_at"),
        ),
    )
    return interaction


def make_reminder(
    session: Session,
    workspace_id: str,
    due_date: date,
    contact: Contact | None = None,
    note: str = "Check back in.",
    **fields: Any,
) -> Reminder:
    fields.setdefault("reminder_id", new_id("rm"))
    fields.setdefault("status", ReminderStatus.pending)
    if contact is not None:
        fields.setdefault("contact_id", contact.contact_id)
    reminder: Reminder = _save(
        session, Reminder(workspace_id=workspace_id, due_date=due_date, note=note, **fields)
    )
    return reminder


def make_unconfirmed_send(
    session: Session, workspace_id: str, claimed_at: datetime, first_name: str = "Dana"
) -> Draft:
    """An email follow-up approved and claimed for sending at `claimed_at` by the owner,
    whose delivery never ran: the state a crash between claim and delivery leaves."""
    workspace = get_workspace(session, workspace_id)
    owner = workspace.owner_ids[0]
    email = f"{first_name.lower()}@example.com"
    person = make_contact(session, workspace_id, first_name, emails=[email])
    lead = make_lead(session, workspace_id, person, created_at=claimed_at - timedelta(days=30))
    draft = draft_follow_up(
        session=session, workspace=workspace, actor=owner, lead_id=lead.lead_id, now=claimed_at
    ).draft
    approve_draft(
        session=session,
        workspace=workspace,
        actor=owner,
        draft_id=draft.draft_id,
        version=draft.version,
        now=claimed_at,
    )
    taken = claim_draft_for_sending(
        session=session, workspace=workspace, actor=owner, draft_id=draft.draft_id, now=claimed_at
    )
    assert taken.claimed
    return draft


def count_rows(session: Session, model: type[Base]) -> int:
    """How many rows the table holds (every workspace)."""
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def row_counts(session: Session, *models: type[Base]) -> dict[str, int]:
    """How many rows each table holds, to show a refused operation wrote nothing."""
    return {model.__tablename__: count_rows(session, model) for model in models}


def audit_actions(session: Session, entity_id: str) -> list[str]:
    """The actions of every audit row of a record, oldest first."""
    return [action for _actor, action in audit_trail(session, entity_id)]


def audit_trail(session: Session, entity_id: str) -> list[tuple[str, str]]:
    """(actor, action) of every audit row of a record, oldest first."""
    rows = session.execute(
        select(AuditEntry.actor, AuditEntry.action)
        .where(AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    )
    return [(actor, action) for actor, action in rows]


class StatementCount:
    """The SQL statements a `count_statements` block sent."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.parameters: list[Any] = []  # each statement's, as the driver got them

    @property
    def n(self) -> int:
        return len(self.statements)

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(session: Session) -> Iterator[StatementCount]:
    """Count the SQL statements the block sends (flush first: nothing else may be pending)."""
    session.flush()
    engine = session.connection().engine
    counter = StatementCount()

    def _count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        counter.statements.append(statement)
        counter.parameters.append(parameters)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def won_token(
    session: Session,
    opportunity_id: str,
    *,
    actor: str = "U0OWNER",
    expires_at: datetime = datetime(2100, 1, 1, tzinfo=UTC),
) -> str:
    """A confirmation to win this deal, as an owner's confirm step would have issued it."""
    deal = session.get(Opportunity, opportunity_id)
    workspace_id = deal.workspace_id if deal is not None else "T0TEST"
    confirmation = WonConfirmation(
        token=new_id("wc"),
        workspace_id=workspace_id,
        opportunity_id=opportunity_id,
        owner=actor,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        expires_at=expires_at,
    )
    session.add(confirmation)
    session.flush()
    return confirmation.token


def rows_read(plan: dict[str, Any], table: str) -> int:
    """Rows a plan node (and those under it) read from `table`: returned plus filtered out."""
    read = 0
    if plan.get("Relation Name") == table:
        read += plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1)
        read += plan.get("Rows Removed by Filter", 0)
    return read + sum(rows_read(child, table) for child in plan.get("Plans", []))
