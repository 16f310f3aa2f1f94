"""Reminders: links, due dates, one query for the due list, done and canceled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.activity.reminders import (
    cancel_reminder,
    complete_reminder,
    create_reminder,
    due_reminders,
)
from core.common.enums import ReminderStatus
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import Reminder, Workspace
from core.workspaces.service import ensure_workspace
from tests.conftest import STAFF, TEAM
from tests.core.factories import (
    count_statements,
    make_contact,
    make_lead,
    make_opportunity,
    make_reminder,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 New York
TODAY = date(2026, 3, 2)


def _count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.workspace_id == TEAM)
        )
        or 0
    )


def test_a_reminder_on_a_lead_or_deal_knows_the_contact(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    lead = make_lead(session, TEAM, contact=dana)
    deal = make_opportunity(session, TEAM, lead=lead)
    on_lead = create_reminder(
        session=session,
        workspace=ws,
        actor=STAFF,
        due_date=date(2026, 6, 1),
        note="Ask about the spring job 🌷",
        lead_id=lead.lead_id,
        now=NOW,
    )
    on_deal = create_reminder(
        session=session,
        workspace=ws,
        actor=STAFF,
        due_date=TODAY,
        note="Check back",
        opportunity_id=deal.opportunity_id,
    )
    assert (on_lead.contact_id, on_lead.lead_id, on_lead.status) == (
        dana.contact_id,
        lead.lead_id,
        ReminderStatus.pending,
    )
    assert on_lead.note == "Ask about the spring job 🌷" and on_lead.created_by == STAFF
    assert on_deal.contact_id == dana.contact_id and on_deal.opportunity_id == deal.opportunity_id


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"note": "x"}, "contact"),
        ({"note": "x", "due_date": date(2026, 3, 1)}, "due_date"),
        ({"note": "   "}, "note"),
        ({"note": "n" * 501}, "note"),
        ({"note": "n" * 10_240}, "note"),
    ],
)
def test_bad_reminders_are_refused(
    session: Session, ws: Workspace, arguments: dict[str, Any], field: str
) -> None:
    dana = make_contact(session, TEAM)
    links: dict[str, Any] = {} if field == "contact" else {"contact_id": dana.contact_id}
    values: dict[str, Any] = {"due_date": TODAY, **arguments}
    with pytest.raises(InvalidInput) as refused:
        create_reminder(session=session, workspace=ws, actor=STAFF, now=NOW, **links, **values)
    assert refused.value.field == field
    assert _count(session) == 0


def test_links_must_exist_here(session: Session, ws: Workspace) -> None:
    ensure_workspace(session, "T0OTHER")
    stranger = make_contact(session, "T0OTHER")
    links: dict[str, Any]
    for links in (
        {"contact_id": stranger.contact_id},
        {"lead_id": "ld_x"},
        {"opportunity_id": "op_x"},
    ):
        with pytest.raises(NotFound):
            create_reminder(
                session=session, workspace=ws, actor=STAFF, due_date=TODAY, note="x", **links
            )
    assert _count(session) == 0


def test_due_reminders_are_pending_and_due_by_today(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    lee = make_contact(session, TEAM, first_name="Lee", last_name="Park", phones=["+15552010000"])
    overdue = make_reminder(session, TEAM, date(2026, 2, 20), contact=lee, note="Overdue")
    today = make_reminder(session, TEAM, TODAY, contact=dana, note="Today")
    make_reminder(session, TEAM, date(2026, 3, 3), contact=dana, note="Tomorrow")
    make_reminder(session, TEAM, TODAY, contact=dana, status=ReminderStatus.done)
    make_reminder(session, TEAM, TODAY, contact=dana, status=ReminderStatus.canceled)
    ensure_workspace(session, "T0OTHER")
    make_reminder(session, "T0OTHER", TODAY, contact=make_contact(session, "T0OTHER"))
    session.expire_all()
    assert ws.workspace_id == TEAM  # reload the workspace outside the count
    with count_statements(session) as statements:
        due = due_reminders(session, workspace=ws, today=TODAY).items
        shown = [(r.note, r.contact.full_name if r.contact else None) for r in due]
        phones = [r.contact.phones if r.contact else [] for r in due]
    assert [r.reminder_id for r in due] == [overdue.reminder_id, today.reminder_id]
    assert shown == [("Overdue", "Lee Park"), ("Today", "Dana Smith")]
    assert phones == [["+15552010000"], []]
    assert len(statements) == 1


def test_due_reminders_is_one_statement_however_many(session: Session, ws: Workspace) -> None:
    one = make_contact(session, TEAM)
    make_reminder(session, TEAM, TODAY, contact=one)
    session.expire_all()
    assert ws.workspace_id == TEAM  # reload the workspace outside the count
    with count_statements(session) as few:
        for reminder in due_reminders(session, workspace=ws, today=TODAY).items:
            assert reminder.contact is not None and reminder.contact.phones == []
    for number in range(6):
        contact = make_contact(
            session, TEAM, first_name=f"C{number}", phones=[f"+1555201000{number}"]
        )
        make_reminder(session, TEAM, TODAY, contact=contact)
    session.expire_all()
    assert ws.workspace_id == TEAM  # reload the workspace outside the count
    with count_statements(session) as many:
        listed = due_reminders(session, workspace=ws, today=TODAY).items
        assert len(listed) == 7
        for reminder in listed:
            assert reminder.contact is not None
            _ = reminder.contact.full_name, reminder.contact.phones
    assert len(few) == len(many) == 1


def test_a_limit_loads_the_oldest_and_counts_them_all(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, phones=["+15552013344"])
    for day in (26, 20, 24, 22, 28):  # February: all due by Mar 2
        make_reminder(session, TEAM, date(2026, 2, day), contact=dana, note=f"Feb {day}")
    make_reminder(session, TEAM, date(2026, 3, 9), contact=dana, note="Later")
    make_reminder(session, TEAM, date(2026, 2, 1), contact=dana, status=ReminderStatus.done)
    session.expire_all()
    assert ws.workspace_id == TEAM  # reload the workspace outside the count
    with count_statements(session) as statements:
        page = due_reminders(session, workspace=ws, today=TODAY, limit=2)
        shown = [(r.note, r.contact.phones if r.contact else None) for r in page.items]
    assert shown == [("Feb 20", ["+15552013344"]), ("Feb 22", ["+15552013344"])]
    assert (page.total, page.more, page.today) == (5, 3, TODAY)
    assert len(statements) == 1

    everything = due_reminders(session, workspace=ws, today=TODAY, limit=50)
    assert [r.note for r in everything.items] == ["Feb 20", "Feb 22", "Feb 24", "Feb 26", "Feb 28"]
    assert (everything.total, everything.more) == (5, 0)
    nothing = due_reminders(session, workspace=ws, today=date(2026, 2, 19), limit=2)
    assert (nothing.items, nothing.total) == ((), 0)
    with pytest.raises(ValueError, match="at least 1"):
        due_reminders(session, workspace=ws, today=TODAY, limit=0)


def test_complete_and_cancel(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    first = make_reminder(session, TEAM, TODAY, contact=dana)
    second = make_reminder(session, TEAM, TODAY, contact=dana)
    complete_reminder(session=session, workspace=ws, actor=STAFF, reminder_id=first.reminder_id)
    cancel_reminder(session=session, workspace=ws, actor=STAFF, reminder_id=second.reminder_id)
    assert (first.status, second.status) == (ReminderStatus.done, ReminderStatus.canceled)
    assert due_reminders(session, workspace=ws, today=TODAY).items == ()
    with pytest.raises(InvalidTransition, match="already done"):
        complete_reminder(session=session, workspace=ws, actor=STAFF, reminder_id=first.reminder_id)
    with pytest.raises(NotFound):
        complete_reminder(session=session, workspace=ws, actor=STAFF, reminder_id="rm_missing")
    assert _count(session) == 2
