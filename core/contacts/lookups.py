"""Two of the procedure's requests: "How long since we talked to [customer]?" and
"Who are our newest customers?" (docs/product.md, Commands), each a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, String, bindparam, or_, select, union_all
from sqlalchemy.orm import Session

from core.common.enums import ContactPointKind, LifecycleStage
from core.common.local_dates import local_today
from core.errors import NotFound
from core.models import Contact, ContactPoint, Interaction, Lead, Opportunity, Workspace
from core.reports.rows import TOUCH_COLUMNS, ShownContact, Touchpoint, display_name, read_touchpoint

__all__ = [
    "CustomerSummary",
    "LastTouch",
    "last_touchpoint",
    "newest_customers",
    "newest_interaction_with",
]


@dataclass(frozen=True)
class LastTouch:
    """The newest touchpoint with a contact, and how many days ago it was."""

    contact_id: str
    contact_name: str
    today: date
    touch: Touchpoint | None
    days_ago: int | None


def last_touchpoint(
    session: Session, *, workspace: Workspace, contact_id: str, now: datetime
) -> LastTouch:
    """The newest interaction with a contact (or its leads, deals, merged duplicates)."""
    ws = workspace.workspace_id
    shown = ShownContact()
    found = session.execute(
        shown.join(select(*shown.columns).select_from(Contact), Contact.contact_id).where(
            Contact.workspace_id == ws, Contact.contact_id == contact_id
        )
    ).first()
    if found is None:
        raise NotFound("I couldn't find that contact.")
    row = newest_interaction_with(
        session, workspace=workspace, contact_id=found.contact_id, now=now
    )
    today = local_today(workspace, now)
    touch = read_touchpoint(workspace, row) if row is not None else None
    return LastTouch(
        contact_id=found.contact_id,
        contact_name=display_name(found.first_name, found.last_name) or "(no name)",
        today=today,
        touch=touch,
        days_ago=(today - touch.local_date).days if touch is not None else None,
    )


def newest_interaction_with(
    session: Session, *, workspace: Workspace, contact_id: str, now: datetime
) -> Row[Any] | None:
    """The newest interaction (`TOUCH_COLUMNS`, up to `now`) with a person: on the contact,
    on contacts merged into it, or on their leads and deals; one statement, built once."""
    params = {"ws": workspace.workspace_id, "contact_id": contact_id, "now": now}
    return session.execute(_newest_statement(), params).first()


@cache
def _newest_statement() -> Select[Any]:
    """Parameters `ws`, `contact_id` and `now`."""
    ws, contact_id = bindparam("ws", type_=String()), bindparam("contact_id", type_=String())
    now = bindparam("now", type_=Interaction.timestamp.type)
    people = select(Contact.contact_id).where(
        Contact.workspace_id == ws,
        or_(Contact.contact_id == contact_id, Contact.merged_into_contact_id == contact_id),
    )
    their_leads = select(Lead.lead_id).where(Lead.workspace_id == ws, Lead.contact_id.in_(people))
    their_deals = select(Opportunity.opportunity_id).where(
        Opportunity.workspace_id == ws, Opportunity.contact_id.in_(people)
    )
    # One branch per link, each a probe of its (link, timestamp) index; an OR of the three
    # would read every interaction of the workspace. A contact's deals are found by
    # `ix_opportunities_contact` (migration 0016), not by reading every deal.
    linked = union_all(
        *(
            select(Interaction.interaction_id).where(link.in_(ids), Interaction.timestamp <= now)
            for link, ids in (
                (Interaction.contact_id, people),
                (Interaction.lead_id, their_leads),
                (Interaction.opportunity_id, their_deals),
            )
        )
    ).subquery("linked")
    return (
        select(*TOUCH_COLUMNS)
        .where(
            Interaction.workspace_id == ws,
            Interaction.interaction_id.in_(select(linked.c.interaction_id)),
        )
        .order_by(Interaction.timestamp.desc(), Interaction.interaction_id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class CustomerSummary:
    """One customer of the "newest customers" list, with the primary phone and email."""

    contact_id: str
    name: str
    phone: str | None
    email: str | None
    updated_at: datetime


def newest_customers(
    session: Session, *, workspace: Workspace, limit: int = 10
) -> tuple[CustomerSummary, ...]:
    """Customers (not merged away, not archived) most recently updated first; two statements."""
    contacts = session.execute(
        select(Contact.contact_id, Contact.first_name, Contact.last_name, Contact.updated_at)
        .where(
            Contact.workspace_id == workspace.workspace_id,
            Contact.lifecycle_stage == LifecycleStage.customer,
            Contact.merged_into_contact_id.is_(None),
            Contact.archived.is_(False),
        )
        .order_by(Contact.updated_at.desc(), Contact.contact_id)
        .limit(limit)
    ).all()
    points = session.execute(
        select(ContactPoint.contact_id, ContactPoint.kind, ContactPoint.value)
        .where(
            ContactPoint.workspace_id == workspace.workspace_id,
            ContactPoint.contact_id.in_([c.contact_id for c in contacts]),
        )
        .order_by(ContactPoint.contact_id, ContactPoint.position, ContactPoint.id)
    ).all()
    primary: dict[tuple[str, ContactPointKind], str] = {}
    for point in points:
        primary.setdefault((point.contact_id, ContactPointKind(point.kind)), point.value)
    return tuple(
        CustomerSummary(
            contact_id=c.contact_id,
            name=display_name(c.first_name, c.last_name) or "(no name)",
            phone=primary.get((c.contact_id, ContactPointKind.phone)),
            email=primary.get((c.contact_id, ContactPointKind.email)),
            updated_at=c.updated_at,
        )
        for c in contacts
    )
