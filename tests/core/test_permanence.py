"""Hard stop 2: no lead or contact is ever deleted, by the ORM or by raw SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from core.enums import InteractionType, LeadSource
from core.errors import DeletionRefused
from core.models import Contact, Interaction, Lead, new_id


def _contact_with_lead(session: Session, workspace_id: str) -> tuple[Contact, Lead]:
    contact = Contact(contact_id=new_id("ct"), workspace_id=workspace_id, first_name="Dana")
    lead = Lead(
        lead_id=new_id("ld"),
        workspace_id=workspace_id,
        title="Leaky faucet",
        source=LeadSource.phone_call,
        contact=contact,
        estimated_value=Decimal("1250.50"),
    )
    session.add_all([contact, lead])
    session.flush()
    return contact, lead


def test_orm_refuses_to_delete_a_contact(session: Session, workspace_id: str) -> None:
    contact, _ = _contact_with_lead(session, workspace_id)
    session.delete(contact)
    with pytest.raises(DeletionRefused):
        session.flush()


@pytest.mark.parametrize("table", ["contacts", "leads", "interactions"])
def test_database_refuses_raw_delete(session: Session, workspace_id: str, table: str) -> None:
    contact, lead = _contact_with_lead(session, workspace_id)
    session.add(
        Interaction(
            interaction_id=new_id("ix"),
            workspace_id=workspace_id,
            type=InteractionType.note,
            lead_id=lead.lead_id,
        )
    )
    session.flush()
    nested = session.begin_nested()
    with pytest.raises(DatabaseError, match="history is permanent"):
        session.execute(text(f"DELETE FROM {table}"))
    nested.rollback()
    assert session.scalar(select(Lead).where(Lead.lead_id == lead.lead_id)) is not None


def test_timestamps_come_back_aware_utc_and_money_exact(
    session: Session, workspace_id: str
) -> None:
    _, lead = _contact_with_lead(session, workspace_id)
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    lead.created_at = moment
    session.flush()
    session.expire_all()
    again = session.get(Lead, lead.lead_id)
    assert again is not None
    assert again.created_at == moment
    assert again.created_at.tzinfo is not None and again.created_at.utcoffset() == timedelta(0)
    assert again.created_at == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
    assert again.estimated_value == Decimal("1250.50")
