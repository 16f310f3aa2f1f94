"""Hard stop 2: no contact, company, lead, opportunity or interaction is ever deleted.

The ORM refuses the delete before any SQL runs, and the database refuses raw SQL: a trigger
on each of the five tables (Postgres and SQLite alike), so no code path can remove history.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from core.errors import DeletionRefused
from core.models import PERMANENT_TABLES, Base, Contact, Lead
from tests.core.factories import (
    make_company,
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    row_counts,
)


def _contact_with_lead(session: Session, workspace_id: str) -> tuple[Contact, Lead]:
    contact = make_contact(session, workspace_id, "Dana", None)
    lead = make_lead(session, workspace_id, contact, "Leaky faucet", estimated_value="1250.50")
    return contact, lead


def _one_of_each(session: Session, workspace_id: str) -> dict[str, Base]:
    """A row in every permanent table, the way history links them."""
    company = make_company(session, workspace_id)
    contact = make_contact(session, workspace_id, company_id=company.company_id)
    lead = make_lead(session, workspace_id, contact)
    opportunity = make_opportunity(session, workspace_id, contact, lead)
    interaction = make_interaction(session, workspace_id, lead=lead, opportunity=opportunity)
    return {
        "companies": company,
        "contacts": contact,
        "leads": lead,
        "opportunities": opportunity,
        "interactions": interaction,
    }


def test_the_permanent_tables_are_the_five_records_of_history() -> None:
    assert sorted(PERMANENT_TABLES) == [
        "companies",
        "contacts",
        "interactions",
        "leads",
        "opportunities",
    ]


@pytest.mark.parametrize("table", PERMANENT_TABLES)
def test_orm_refuses_to_delete_a_record(session: Session, workspace_id: str, table: str) -> None:
    record = _one_of_each(session, workspace_id)[table]
    nested = session.begin_nested()
    session.delete(record)
    with pytest.raises(DeletionRefused, match=f"Records in {table} are never deleted"):
        session.flush()
    nested.rollback()
    assert row_counts(session, type(record)) == {table: 1}


@pytest.mark.parametrize("table", PERMANENT_TABLES)
def test_database_refuses_raw_delete(session: Session, workspace_id: str, table: str) -> None:
    """The database itself (a trigger on Postgres and SQLite alike) refuses, whatever the SQL."""
    _one_of_each(session, workspace_id)
    nested = session.begin_nested()
    with pytest.raises(DatabaseError, match=f"history is permanent: rows in {table}"):
        session.execute(text(f"DELETE FROM {table}"))
    nested.rollback()
    assert row_counts(
        session, *(type(r) for r in _one_of_each(session, workspace_id).values())
    ) == {name: 2 for name in PERMANENT_TABLES}


def test_postgres_has_a_delete_trigger_on_every_permanent_table(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the catalog query is Postgres's; SQLite's triggers are tried above")
    triggers = session.execute(
        text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname = c.relname || '_no_delete' "
            "AND (t.tgtype & 8) = 8"  # BEFORE DELETE
        )
    ).scalars()
    assert sorted(triggers) == sorted(PERMANENT_TABLES)


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
