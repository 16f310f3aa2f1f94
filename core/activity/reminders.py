"""Reminders to act on a later day ("check back with Dana in 90 days")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from core.activity.service import resolve_links
from core.common.enums import ReminderStatus
from core.common.local_dates import local_today
from core.common.validation import clean_text
from core.contacts.do_not_contact import may_contact
from core.errors import AlreadyDone, InvalidInput
from core.models import Contact, Reminder, Workspace, new_id
from core.platform.audit import audit, snapshot
from core.platform.transitions import apply_transition
from core.workspaces.service import get_in_workspace

__all__ = [
    "NOTE_LIMIT",
    "DueReminders",
    "cancel_reminder",
    "complete_reminder",
    "create_reminder",
    "due_reminders",
    "get_reminder",
]

NOTE_LIMIT = 500


def create_reminder(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    due_date: date,
    note: str,
    contact_id: str | None = None,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Remember to act on `due_date`; with `now`, a date already past is refused."""
    text = clean_text(note, field="note", label="reminder note", limit=NOTE_LIMIT, required=True)
    if now is not None and due_date < local_today(workspace, now):
        raise InvalidInput(
            f"The reminder date {due_date.isoformat()} is in the past.", field="due_date"
        )
    contact_id, lead_id, opportunity_id = resolve_links(
        session,
        workspace,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        what="reminder",
    )
    reminder = Reminder(
        reminder_id=new_id("rm"),
        workspace_id=workspace.workspace_id,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        due_date=due_date,
        note=text,
        status=ReminderStatus.pending,
        created_by=actor,
    )
    if now is not None:
        reminder.created_at = reminder.updated_at = now
    session.add(reminder)
    audit(session, workspace, actor=actor, action="create_reminder", entity=reminder)
    return reminder


@dataclass(frozen=True)
class DueReminders:
    """The due reminders listed (oldest first) and how many are due in all."""

    today: date
    items: tuple[Reminder, ...]
    total: int

    @property
    def more(self) -> int:
        """Due reminders beyond the ones listed (a post's "and N more")."""
        return self.total - len(self.items)


def due_reminders(
    session: Session, *, workspace: Workspace, today: date, limit: int | None = None
) -> DueReminders:
    """Pending reminders due today or earlier, oldest first, each with its contact loaded.

    One statement: with `limit` only the first `limit` are loaded, and the total is a
    COUNT window computed before the cut (a LIMIT).
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1 (or None for every due reminder)")
    params: dict[str, Any] = {"ws": workspace.workspace_id, "today": today}
    if limit is not None:
        params["limit"] = limit
    statement = _due_statement(limited=limit is not None)
    rows = session.execute(statement, params).unique().all()
    return DueReminders(
        today=today,
        items=tuple(row[0] for row in rows),
        total=rows[0].total if rows else 0,
    )


@cache
def _due_statement(*, limited: bool) -> Select[Any]:
    """Built once (building it per call cost more than running it); parameters `ws`, `today`
    and `limit`. The page is a LIMIT over the due reminders in order (the total counted by a
    window before the cut), so the planner joins the contacts of those few alone."""
    in_order = (Reminder.due_date, Reminder.created_at, Reminder.reminder_id)
    ranked = (
        select(Reminder.reminder_id.label("ranked_id"), func.count().over().label("total"))
        .where(
            Reminder.workspace_id == bindparam("ws"),
            Reminder.status == ReminderStatus.pending,
            Reminder.due_date <= bindparam("today", type_=Date()),
            may_contact(Reminder.contact_id),  # none for someone marked do not contact
        )
        .order_by(*in_order)
    )
    if limited:
        ranked = ranked.limit(bindparam("limit", type_=Integer()))
    page = ranked.subquery("ranked")
    return (
        select(Reminder, page.c.total)
        .join(page, page.c.ranked_id == Reminder.reminder_id)
        .options(joinedload(Reminder.contact).joinedload(Contact.points))
        .order_by(*in_order)
    )


def get_reminder(session: Session, *, workspace: Workspace, reminder_id: str) -> Reminder:
    """The reminder, or NotFound when it is not in this workspace."""
    return get_in_workspace(session, Reminder, reminder_id, workspace=workspace, field="reminder")


def _close(
    session: Session,
    workspace: Workspace,
    actor: str,
    reminder_id: str,
    status: ReminderStatus,
    action: str,
) -> Reminder:
    """Close a pending reminder with one conditional UPDATE; a second click is told it's done."""
    reminder = get_reminder(session, workspace=workspace, reminder_id=reminder_id)
    if reminder.status != ReminderStatus.pending:
        raise AlreadyDone(f"That reminder is already {reminder.status.value}.")
    before = snapshot(reminder)
    pending = {"status": ReminderStatus.pending}
    if not apply_transition(session, reminder, expected=pending, values={"status": status}):
        raise AlreadyDone(f"That reminder is already {reminder.status.value}.")
    audit(session, workspace, actor=actor, action=action, entity=reminder, before=before)
    return reminder


def complete_reminder(
    *, session: Session, workspace: Workspace, actor: str, reminder_id: str
) -> Reminder:
    """Mark a reminder done so it stops coming up."""
    return _close(session, workspace, actor, reminder_id, ReminderStatus.done, "complete_reminder")


def cancel_reminder(
    *, session: Session, workspace: Workspace, actor: str, reminder_id: str
) -> Reminder:
    """Drop a reminder that is no longer wanted (the row stays, canceled)."""
    return _close(
        session, workspace, actor, reminder_id, ReminderStatus.canceled, "cancel_reminder"
    )
