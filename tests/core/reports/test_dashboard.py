"""The follow-up lists and the Home dashboard, each one read over the report queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from core.common.enums import FollowUpStatus, InteractionType
from core.reports.dashboard import dashboard, followups_now
from core.workspaces.service import get_workspace
from tests.conftest import TEAM
from tests.core.factories import count_statements, make_contact, make_interaction, make_lead

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday, 10:00 in New York


def _stale_leads(session: Session, n: int) -> None:
    for i in range(n):
        contact = make_contact(session, TEAM, "Sam", f"Lee{i}")
        make_lead(session, TEAM, contact, title=f"Job {i}", created_at=NOW - timedelta(days=10))


def test_followups_now_lists_today_overdue_and_a_page_of_stale_leads(
    session: Session, workspace_id: str
) -> None:
    ws = get_workspace(session, workspace_id)
    dana = make_contact(session, TEAM, "Dana", "Smith")
    for day in (date(2026, 3, 2), date(2026, 2, 27)):
        make_interaction(
            session,
            TEAM,
            dana,
            type=InteractionType.phone_call,
            subject="quote",
            timestamp=NOW - timedelta(days=9),
            follow_up_date=day,
            follow_up_status=FollowUpStatus.pending,
        )
    _stale_leads(session, 5)
    due = followups_now(session, workspace=ws, now=NOW, stale_limit=2)
    assert [i.follow_up_date for i in due.followups.due_today] == [date(2026, 3, 2)]
    assert [i.follow_up_date for i in due.followups.overdue] == [date(2026, 2, 27)]
    assert (len(due.stale.items), due.stale.total) == (2, 5)  # a page, and the whole count


def test_the_dashboard_adds_the_pipeline_figures(session: Session, workspace_id: str) -> None:
    ws = get_workspace(session, workspace_id)
    _stale_leads(session, 3)
    board = dashboard(session, workspace=ws, now=NOW)
    assert board.summary.today == date(2026, 3, 2)
    assert board.stale.total == 3 and len(board.stale.items) == 3  # Home shows its own cut
    assert board.followups.due_today == () and board.followups.overdue == ()


def test_the_dashboard_is_a_fixed_number_of_statements(session: Session, workspace_id: str) -> None:
    ws = get_workspace(session, workspace_id)
    _stale_leads(session, 1)
    with count_statements(session) as few:
        dashboard(session, workspace=ws, now=NOW)
    _stale_leads(session, 30)
    with count_statements(session) as many:
        dashboard(session, workspace=ws, now=NOW)
    assert many.n == few.n
