"""Messages that may not have gone out: a send was claimed, and its delivery never recorded.

`core.drafts.flows` sends in two transactions (claim, then deliver). If the process dies
between them, the draft stays `sent` with no provider message id and no outbound interaction.
Nothing retries it, since a retry could reach the customer twice; instead the owners are shown
these drafts (the daily digest, the App Home) and settle each one by hand: once they checked
it went out, or sent it again themselves, **Mark sent** records the outbound interaction, with
no provider id. No new draft status: such a draft is `sent` with `sent_interaction_id` None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from core.common.enums import DraftChannel, DraftStatus
from core.drafts.sending import SendOutcome, log_sent_message
from core.errors import InvalidTransition
from core.models import Draft, Workspace
from core.platform.audit import audit, snapshot
from core.reports.rows import ShownContact, display_name
from core.workspaces.service import get_in_workspace, require_owner

__all__ = [
    "UNCONFIRMED_AFTER",
    "UnconfirmedSend",
    "UnconfirmedSends",
    "settle_unconfirmed_send",
    "unconfirmed_sends",
]

#: A delivery takes seconds; a claim this old with nothing recorded did not finish.
UNCONFIRMED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class UnconfirmedSend:
    """One draft claimed for sending whose delivery was never recorded."""

    draft_id: str
    version: int
    channel: DraftChannel
    recipient: str | None
    contact_name: str | None
    subject: str | None
    claimed_at: datetime
    claimed_by: str | None


@dataclass(frozen=True)
class UnconfirmedSends:
    """The unconfirmed sends listed (oldest claim first) and how many there are in all."""

    items: tuple[UnconfirmedSend, ...]
    total: int

    @property
    def more(self) -> int:
        """Unconfirmed sends beyond the ones listed."""
        return self.total - len(self.items)


def _unconfirmed(workspace: Workspace) -> tuple[Any, ...]:
    return (
        Draft.workspace_id == workspace.workspace_id,
        Draft.status == DraftStatus.sent,
        Draft.sent_message_id.is_(None),
        Draft.sent_interaction_id.is_(None),
    )


def unconfirmed_sends(
    session: Session,
    *,
    workspace: Workspace,
    now: datetime,
    older_than: timedelta = UNCONFIRMED_AFTER,
    limit: int | None = None,
) -> UnconfirmedSends:
    """Drafts claimed for sending `older_than` ago or more with no delivery recorded (one query)."""
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1 (or None for every unconfirmed send)")
    shown = ShownContact()
    query = (
        shown.join(
            select(
                Draft.draft_id,
                Draft.version,
                Draft.channel,
                Draft.recipient,
                Draft.subject,
                Draft.sent_at,
                Draft.sent_by,
                *shown.columns,
                func.count().over().label("total"),
            ),
            Draft.contact_id,
        )
        .where(*_unconfirmed(workspace), Draft.sent_at <= now - older_than)
        .order_by(Draft.sent_at, Draft.draft_id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    items = tuple(
        UnconfirmedSend(
            draft_id=row.draft_id,
            version=row.version,
            channel=DraftChannel(row.channel),
            recipient=row.recipient,
            contact_name=display_name(row.first_name, row.last_name),
            subject=row.subject,
            claimed_at=row.sent_at,
            claimed_by=row.sent_by,
        )
        for row in rows
    )
    return UnconfirmedSends(items=items, total=rows[0].total if rows else 0)


def settle_unconfirmed_send(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    now: datetime,
    older_than: timedelta = UNCONFIRMED_AFTER,
) -> SendOutcome:
    """An owner says an unconfirmed message did go out: record it in the history, once.

    The outbound interaction is dated `now`, when the owner vouched for it (they may have
    sent it again by hand). A claim younger than `older_than` may still be delivering and is
    refused; a draft already delivered or settled answers `already_sent` and writes nothing.
    """
    require_owner(workspace, actor, "mark a message sent")
    draft = get_in_workspace(
        session, Draft, draft_id, workspace=workspace, field="draft", lock=True
    )
    if draft.status != DraftStatus.sent:
        raise InvalidTransition(
            f"This draft is {draft.status.value.replace('_', ' ')}, not waiting to be confirmed."
        )
    if draft.sent_message_id is not None or draft.sent_interaction_id is not None:
        return SendOutcome(draft=draft, already_sent=True)
    if draft.sent_at is not None and now - draft.sent_at < older_than:
        minutes = int(older_than.total_seconds() // 60)
        raise InvalidTransition(
            f"This message may still be going out; check again {minutes} minutes after it was "
            "approved."
        )
    before = snapshot(draft)
    # The conditional UPDATE decides a race between two clicks (SQLite takes no row lock).
    settled = session.execute(
        update(Draft)
        .where(*_unconfirmed(workspace), Draft.draft_id == draft_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(draft)
    if cast(CursorResult[Any], settled).rowcount != 1:
        return SendOutcome(draft=draft, already_sent=True)
    interaction = log_sent_message(session, workspace, actor, draft, now)
    audit(
        session,
        workspace,
        actor=actor,
        action="settle_unconfirmed_send",
        entity=draft,
        before=before,
    )
    return SendOutcome(draft=draft, sent=True, interaction=interaction)
