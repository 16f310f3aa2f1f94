"""A hot report's rows read through the driver on Postgres come back as SQLAlchemy gives them,
in the session's transaction, heard by the engine's listeners; elsewhere SQLAlchemy reads them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, literal_column, select, table
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from core.common.enums import InteractionType, LeadStatus
from core.models import Interaction, Lead, Workspace
from core.platform.column_types import UTCDateTime
from core.platform.driver_rows import report_rows
from core.reports.stale_leads import _page_statement
from tests.core.factories import count_statements, make_contact, make_interaction, make_lead

NOW = datetime(2026, 11, 30, 17, tzinfo=UTC)
_ROWS = (
    select(
        Lead.lead_id,
        Lead.status,
        Lead.created_at,
        Interaction.type,
        Interaction.timestamp,
        Interaction.follow_up_date,
    )
    .join(Interaction, Interaction.lead_id == Lead.lead_id)
    .where(
        Lead.workspace_id == bindparam("ws"),
        Lead.status == LeadStatus.working,  # a value the statement carries, an enum
        Interaction.timestamp <= bindparam("now", type_=UTCDateTime()),
    )
    .order_by(Interaction.timestamp)
)


def _book(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, ws.workspace_id, "Dana", "Smith")
    for day, status in ((2, LeadStatus.working), (3, LeadStatus.new), (4, LeadStatus.working)):
        lead = make_lead(
            session,
            ws.workspace_id,
            contact=dana,
            status=status,
            created_at=datetime(2026, 11, day, 9, tzinfo=UTC),
        )
        make_interaction(
            session,
            ws.workspace_id,
            lead=lead,
            timestamp=datetime(2026, 11, day, 10, tzinfo=UTC),
            follow_up_date=date(2026, 12, day),
            type=InteractionType.email_inbound,
        )
    session.flush()


def test_rows_are_the_ones_sqlalchemy_reads(session: Session, ws: Workspace) -> None:
    _book(session, ws)
    params = {"ws": ws.workspace_id, "now": NOW}
    expected = [tuple(row) for row in session.connection().execute(_ROWS, params)]

    rows = [tuple(row) for row in report_rows(session.connection(), _ROWS, params)]

    assert rows == expected
    assert len(rows) == 2  # the working leads only: the enum the statement carries was sent
    assert all(isinstance(row[3], InteractionType) for row in rows)  # columns typed as mapped
    assert all(row[4].utcoffset() == timedelta(0) for row in rows)


def test_timestamps_come_back_in_utc_whatever_the_connections_zone(
    session: Session, ws: Workspace
) -> None:
    _book(session, ws)
    if session.get_bind().dialect.name == "postgresql":  # SQLite keeps no zone
        session.connection().exec_driver_sql("SET LOCAL TIME ZONE 'America/New_York'")

    rows = report_rows(session.connection(), _ROWS, {"ws": ws.workspace_id, "now": NOW})

    assert [row[4] for row in rows] == [
        datetime(2026, 11, 2, 10, tzinfo=UTC),
        datetime(2026, 11, 4, 10, tzinfo=UTC),
    ]
    assert all(row[4].tzinfo is UTC for row in rows)


def test_parameters_are_processed_by_their_type(session: Session, ws: Workspace) -> None:
    _book(session, ws)
    new_york = timezone(timedelta(hours=-5))
    # 05:30 in New York is 10:30 UTC: after the Nov 2 touch at 10:00 UTC, as sent in UTC.
    params = {"ws": ws.workspace_id, "now": datetime(2026, 11, 2, 5, 30, tzinfo=new_york)}
    assert len(report_rows(session.connection(), _ROWS, params)) == 1

    with pytest.raises(StatementError, match="timezone-aware"):
        report_rows(
            session.connection(), _ROWS, {"ws": ws.workspace_id, "now": datetime(2026, 11, 2)}
        )


def test_values_the_statement_carries_go_through_their_type(
    session: Session, ws: Workspace
) -> None:
    for value in ("90.00", "150.00", "420.50"):
        make_lead(session, ws.workspace_id, estimated_value=value)
    session.flush()
    # Money keeps cents: 150 dollars go to the database as 15000.
    worth_it = select(Lead.estimated_value).where(
        Lead.workspace_id == bindparam("ws"), Lead.estimated_value >= Decimal("150.00")
    )

    rows = report_rows(session.connection(), worth_it, {"ws": ws.workspace_id})

    assert sorted(row[0] for row in rows) == [Decimal("150.00"), Decimal("420.50")]


def test_listeners_hear_of_the_statement(session: Session, ws: Workspace) -> None:
    _book(session, ws)
    with count_statements(session) as sent:
        report_rows(session.connection(), _ROWS, {"ws": ws.workspace_id, "now": NOW})
    assert sent.n == 1
    assert "FROM leads" in sent.statements[0]


def test_a_driver_error_is_raised_as_sqlalchemy_raises_one(session: Session) -> None:
    failing = select(literal_column("x")).select_from(table("no_such_table"))
    with pytest.raises(DBAPIError, match="no_such_table"):
        report_rows(session.connection(), failing, {})


def test_a_statement_rendered_per_call_is_refused_on_postgres(session: Session) -> None:
    listed = select(Lead.lead_id).where(Lead.status.in_([LeadStatus.new, LeadStatus.working]))
    if session.get_bind().dialect.name != "postgresql":
        assert report_rows(session.connection(), listed, {}) == []  # SQLAlchemy reads it
        return
    with pytest.raises(ValueError, match="render nothing per call"):
        report_rows(session.connection(), listed, {})


def test_the_driver_reads_the_sql_sqlalchemy_would_send(session: Session, ws: Workspace) -> None:
    """The statement compiled for the driver is the one SQLAlchemy compiles for the session's
    own dialect, placeholders aside."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the driver's own path is Postgres's")
    statement = _page_statement(today=NOW.date(), limit=10, as_of_history=False, lateral=True)
    with count_statements(session) as sent:
        report_rows(session.connection(), statement, _stale_params(ws))
    ours = str(statement.compile(dialect=session.get_bind().dialect))

    def without_placeholders(sql: str) -> str:
        return re.sub(r"\$\d+|%\(\w+\)s", "?", sql)

    assert without_placeholders(sent.statements[0]) == without_placeholders(ours)


def _stale_params(ws: Workspace) -> dict[str, object]:
    day = date(2026, 11, 20)
    return {
        "ws": ws.workspace_id,
        "now": NOW,
        "stale_before": datetime(2026, 11, 20, 5, tzinfo=UTC),
        "stale_day": day,
        "stale_day_start": datetime(2026, 11, 20, tzinfo=UTC),
    }
