"""One inbound pass over a workspace's mailbox: new mail becomes leads and history, once.

The first pass reads the last 14 days (at most `FIRST_PASS_LIMIT` messages); later passes ask
the mailbox what was added since the stored history id; when the mailbox no longer keeps
history that old, a bounded re-read of recent mail follows (the ledger skips what was seen).
Each message is recorded in its own transaction, so one bad email never holds up the rest,
and a refused token pauses the connection and tells the owners once (docs/gmail.md). What the
owners are told (a new inquiry, a pause) is queued by `on_lead` / `on_paused` inside the
transaction that records it, through the outbox: a crash in between loses no notice and, the
message being handled again on the next pass, doubles none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import MailboxStatus
from core.mailbox.connection import get_mailbox, pause_mailbox, record_sync
from core.mailbox.inbound import InboundOutcome, record_inbound_email
from core.models import MailboxConnection, ProcessedMail, Workspace
from core.ports import HistoryExpired, Mailbox, MailboxRefused
from core.workspaces.service import get_workspace

__all__ = ["MailSyncReport", "sync_mailbox"]

log = logging.getLogger(__name__)

FIRST_PASS_DAYS = 14
FIRST_PASS_LIMIT = 200
PASS_LIMIT = 500

MailboxFor = Callable[[MailboxConnection], Mailbox]
OnLead = Callable[[Session, Workspace, InboundOutcome], None]  # in the capture's transaction
OnPaused = Callable[[Session, Workspace, str], None]  # in the pausing transaction, once


@dataclass
class MailSyncReport:
    """What one pass did, for `crm gmail sync` and the worker's log."""

    workspace_id: str
    status: str = "synced"
    seen: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        counted = ", ".join(f"{n} {kind}" for kind, n in sorted(self.outcomes.items()))
        return f"mail for {self.workspace_id}: {self.status}, {self.seen} new" + (
            f" ({counted})" if counted else ""
        )


def _new_ids(session: Session, workspace_id: str, ids: list[str]) -> list[str]:
    """The ids the ledger has not seen, in the order given (one statement)."""
    if not ids:
        return []
    seen = set(
        session.scalars(
            select(ProcessedMail.message_id).where(
                ProcessedMail.workspace_id == workspace_id, ProcessedMail.message_id.in_(ids)
            )
        )
    )
    return [message_id for message_id in dict.fromkeys(ids) if message_id not in seen]


def _changes(mailbox: Mailbox, history_id: str | None) -> tuple[list[str], str]:
    """Message ids to look at, oldest first, and the history id to store after them."""
    if history_id is not None:
        try:
            return mailbox.message_ids_since(history_id, limit=PASS_LIMIT)
        except HistoryExpired:
            log.info("Mailbox history %s expired; re-reading recent mail", history_id)
    start = mailbox.current_history_id()  # before listing, so nothing falls between
    recent = mailbox.recent_message_ids(days=FIRST_PASS_DAYS, limit=FIRST_PASS_LIMIT)
    return list(reversed(recent)), start


def sync_mailbox(
    *,
    sessions: sessionmaker[Session],
    workspace_id: str,
    mailbox_for: MailboxFor,
    now: Callable[[], datetime],
    on_lead: OnLead,
    on_paused: OnPaused,
) -> MailSyncReport:
    """Read what arrived since the last pass and record each message once."""
    report = MailSyncReport(workspace_id)
    with sessions.begin() as session:
        connection = get_mailbox(session, workspace=get_workspace(session, workspace_id))
        if connection is None or connection.status != MailboxStatus.active:
            report.status = "not connected" if connection is None else connection.status.value
            return report
        mailbox = mailbox_for(connection)
        address, history_id = connection.email_address, connection.history_id
    try:
        ids, next_history_id = _changes(mailbox, history_id)
        with sessions() as session:
            fresh = _new_ids(session, workspace_id, ids)
        for message_id in fresh:
            email = mailbox.fetch(message_id)
            with sessions.begin() as session:
                outcome = record_inbound_email(
                    session=session,
                    workspace_id=workspace_id,
                    email=email,
                    mailbox_address=address,
                    now=now(),
                )
                if outcome.captured is not None:
                    on_lead(session, get_workspace(session, workspace_id), outcome)
            report.seen += 1
            report.outcomes[outcome.kind] = report.outcomes.get(outcome.kind, 0) + 1
    except MailboxRefused as refused:
        with sessions.begin() as session:
            if pause_mailbox(
                session=session, workspace_id=workspace_id, reason=str(refused), now=now()
            ):
                on_paused(session, get_workspace(session, workspace_id), str(refused))
        report.status = "paused: reconnect the mailbox"
        return report
    with sessions.begin() as session:
        record_sync(
            session=session, workspace_id=workspace_id, history_id=next_history_id, now=now()
        )
    return report


def sync_all_mailboxes(
    *,
    sessions: sessionmaker[Session],
    mailbox_for: MailboxFor,
    now: Callable[[], datetime],
    on_lead: OnLead,
    on_paused: OnPaused,
) -> list[MailSyncReport]:
    """One pass over every active mailbox; a failure in one is logged and the rest go on."""
    with sessions() as session:
        workspace_ids = list(
            session.scalars(
                select(MailboxConnection.workspace_id).where(
                    MailboxConnection.status == MailboxStatus.active
                )
            )
        )
    reports = []
    for workspace_id in workspace_ids:
        try:
            report = sync_mailbox(
                sessions=sessions,
                workspace_id=workspace_id,
                mailbox_for=mailbox_for,
                now=now,
                on_lead=on_lead,
                on_paused=on_paused,
            )
        except Exception:  # noqa: BLE001 - logged with its traceback; other mailboxes go on
            log.exception("Mailbox sync for %s failed; the next pass retries it", workspace_id)
            continue
        log.info(report.describe())
        reports.append(report)
    return reports
