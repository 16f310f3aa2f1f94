"""`/lead` costs the same in a book of 3 contacts as in one of 300: the same statements, each an
index probe (docs/performance.md, "What makes it fast"). Timings stay out of the suite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from core.leads.inquiries import capture_quick_lead
from core.models import Workspace
from tests.conftest import STAFF
from tests.core.factories import (
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    rows_read,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NEW_CALLER = "Bench Caller, 212-555-0199, boiler service via phone $300"
KNOWN_CALLER = "Dana Smith, 555-201-3344, leaky faucet at 123 Main"


def _book(session: Session, ws: Workspace, contacts: int) -> None:
    """`contacts` contacts with a lead and an interaction each; Dana Smith is one of them."""
    for n in range(contacts):
        first, phone = ("Dana", "+15552013344") if n == 0 else (f"Person{n}", f"+1646555{n:04d}")
        contact = make_contact(session, ws.workspace_id, first_name=first, phones=[phone])
        lead = make_lead(session, ws.workspace_id, contact)
        make_interaction(session, ws.workspace_id, contact=contact, lead=lead)
    session.flush()


def _statements(session: Session, ws: Workspace, line: str) -> list[str]:
    with count_statements(session) as counter:
        capture_quick_lead(session=session, workspace=ws, actor=STAFF, text=line, now=NOW)
        session.flush()
    return counter.statements


@pytest.mark.parametrize("line", [NEW_CALLER, KNOWN_CALLER])
def test_quick_capture_sends_the_same_statements_at_3_and_300_contacts(
    sessions: Any, workspace_id: str, line: str
) -> None:
    sent = {}
    for contacts in (3, 300):
        with sessions() as session:
            ws = session.get(Workspace, workspace_id)
            _book(session, ws, contacts)
            sent[contacts] = _statements(session, ws, line)
            session.rollback()
    assert sent[3] == sent[300]
    assert len(sent[3]) <= 13  # the locks, the contact probe, the writes, the touch


def test_touching_an_interactions_leads_reads_those_leads_alone(
    session: Session, ws: Workspace, backend: str
) -> None:
    """The last-touch UPDATE of leads reads the interaction's leads, not the workspace's.

    With an `OR` whose arm is a subquery, Postgres could not probe indexes and read every lead
    of the book on each interaction written (300 ms at 300,000 leads, on every `/lead`).
    """
    if backend != "postgres":
        pytest.skip("the plan is Postgres's")
    _book(session, ws, 3)
    book = {"ws": ws.workspace_id, "at": NOW}
    session.execute(  # a book of a size where reading every lead shows: 5,000 more, older
        text(
            "INSERT INTO contacts (contact_id, workspace_id, first_name, lifecycle_stage, tags,"
            " archived, created_at, updated_at, last_touch_at)"
            " SELECT 'ct_many_' || n, :ws, 'Other' || n, 'lead', '[]', false,"
            " :at, :at, :at - interval '1 day' * (n % 90) FROM generate_series(1, 5000) AS n"
        ),
        book,
    )
    session.execute(
        text(
            "INSERT INTO leads (lead_id, workspace_id, title, contact_id, source, status,"
            " pipeline_stage, created_at, updated_at, last_touch_at)"
            " SELECT 'ld_many_' || n, :ws, 'Other job', 'ct_many_' || n, 'phone_call', 'new',"
            " 'inquiry', :at, :at, :at - interval '1 day' * (n % 90)"
            " FROM generate_series(1, 5000) AS n"
        ),
        book,
    )
    session.execute(text("ANALYZE contacts, leads"))
    sent: list[tuple[str, Any]] = []

    def _keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    connection = session.connection()
    event.listen(connection.engine, "before_cursor_execute", _keep)
    try:
        capture_quick_lead(session=session, workspace=ws, actor=STAFF, text=KNOWN_CALLER, now=NOW)
        session.flush()
    finally:
        event.remove(connection.engine, "before_cursor_execute", _keep)
    touches = [(s, p) for s, p in sent if s.lstrip().startswith("UPDATE leads SET last_touch_at")]
    assert len(touches) == 1
    statement, parameters = touches[0]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
    plan = cursor.fetchone()[0][0]["Plan"]
    assert rows_read(plan, "leads") < 20, plan
