"""Hand-offs: the events other modules act on, written to the outbox with the change itself.

The procedure hands work on: a qualified or converted lead to estimating, a won deal to
scheduling, a QuickBooks customer id to invoicing. Each is an event (`lead.qualified`,
`lead.converted`, `opportunity.won`, `quickbooks.customer_linked`) whose JSON document follows
`schemas/events/<type>.json`. `emit_handoff` runs inside the operation's transaction: one
outbox item per webhook an owner registered for that event (and one channel post when the
workspace posts hand-offs to a channel), so the event goes out if and only if the change
commits, however long the receiver is down (docs/webhooks.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import OutboxStatus
from core.errors import InvalidInput, NotFound
from core.models import (
    Contact,
    Lead,
    Opportunity,
    OutboxItem,
    WebhookSubscription,
    Workspace,
    new_id,
)
from core.platform.audit import audit, snapshot
from core.platform.outbox import OutboxKind, enqueue
from core.workspaces.service import require_owner

__all__ = [
    "HandoffEvent",
    "add_webhook",
    "contact_document",
    "FailingDelivery",
    "emit_handoff",
    "failing_deliveries",
    "lead_document",
    "opportunity_document",
    "set_handoff_channel",
    "turn_off_webhook",
    "webhooks",
]

URL_LIMIT = 500
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class HandoffEvent(StrEnum):
    lead_qualified = "lead.qualified"
    lead_converted = "lead.converted"
    opportunity_won = "opportunity.won"
    quickbooks_customer_linked = "quickbooks.customer_linked"


def _money(value: Any) -> float | None:
    return None if value is None else float(value)


def _day(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def contact_document(contact: Contact) -> dict[str, Any]:
    return {
        "contact_id": contact.contact_id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phones": list(contact.phones),
        "emails": list(contact.emails),
        "address": contact.address,
        "quickbooks_customer_id": contact.quickbooks_customer_id,
    }


def lead_document(lead: Lead) -> dict[str, Any]:
    return {
        "lead_id": lead.lead_id,
        "title": lead.title,
        "description": lead.description,
        "source": lead.source.value,
        "status": lead.status.value,
        "pipeline_stage": lead.pipeline_stage.value,
        "estimated_value": _money(lead.estimated_value),
        "expected_close_date": _day(lead.expected_close_date),
        "owner": lead.owner,
    }


def opportunity_document(deal: Opportunity) -> dict[str, Any]:
    return {
        "opportunity_id": deal.opportunity_id,
        "lead_id": deal.lead_id,
        "name": deal.name,
        "stage": deal.stage.value,
        "amount": _money(deal.amount),
        "expected_close_date": _day(deal.expected_close_date),
        "close_date": _day(deal.close_date),
        "owner": deal.owner,
    }


def webhooks(session: Session, *, workspace: Workspace) -> list[WebhookSubscription]:
    """The workspace's webhooks, the active ones first, oldest first."""
    return list(
        session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.workspace_id == workspace.workspace_id)
            .order_by(WebhookSubscription.active.desc(), WebhookSubscription.created_at)
        )
    )


@dataclass(frozen=True)
class FailingDelivery:
    """A hand-off a webhook has not taken yet after several tries (or has given up on)."""

    subscription_id: str
    event_type: str
    attempts: int
    last_error: str | None
    given_up: bool


def failing_deliveries(
    session: Session, *, workspace: Workspace, min_attempts: int = 3, limit: int = 10
) -> list[FailingDelivery]:
    """Deliveries still failing after `min_attempts` tries, or given up; newest first, bounded."""
    rows = session.scalars(
        select(OutboxItem)
        .where(
            OutboxItem.workspace_id == workspace.workspace_id,
            OutboxItem.kind == OutboxKind.webhook.value,
            OutboxItem.status != OutboxStatus.delivered,
            OutboxItem.attempts >= min_attempts,
        )
        .order_by(OutboxItem.updated_at.desc())
        .limit(limit)
    )
    return [
        FailingDelivery(
            subscription_id=str(row.payload.get("subscription_id")),
            event_type=str((row.payload.get("event") or {}).get("type")),
            attempts=row.attempts,
            last_error=row.last_error,
            given_up=row.status == OutboxStatus.failed,
        )
        for row in rows
    ]


def emit_handoff(
    session: Session,
    *,
    workspace: Workspace,
    event: HandoffEvent,
    data: dict[str, Any],
    now: datetime,
) -> str:
    """Queue the event for every webhook that wants it (and the hand-off channel); its id."""
    event_id = new_id("ev")
    document = {
        "id": event_id,
        "type": event.value,
        "created_at": now.isoformat(),
        "workspace_id": workspace.workspace_id,
        "data": data,
    }
    for subscription_id, wanted in session.execute(
        select(WebhookSubscription.subscription_id, WebhookSubscription.events).where(
            WebhookSubscription.workspace_id == workspace.workspace_id,
            WebhookSubscription.active.is_(True),
        )
    ):
        if event.value in (wanted or []):
            enqueue(
                session,
                workspace=workspace,
                kind=OutboxKind.webhook,
                payload={"subscription_id": subscription_id, "event": document},
                now=now,
                dedupe_key=f"{event_id}:{subscription_id}",
            )
    if workspace.handoff_channel:
        enqueue(
            session,
            workspace=workspace,
            kind=OutboxKind.handoff_post,
            payload={"channel": workspace.handoff_channel, "event": document},
            now=now,
            dedupe_key=f"{event_id}:channel",
        )
    return event_id


def _checked_url(url: str) -> str:
    url = url.strip().strip("<>")
    parts = urlsplit(url)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS
    )
    if not parts.hostname or not secure or len(url) > URL_LIMIT:
        raise InvalidInput(
            f"“{url[:100]}” is not a webhook URL: use https://… (http only for localhost).",
            field="url",
        )
    return url


def _checked_events(events: Sequence[str]) -> list[str]:
    names = [e.strip() for e in events if e.strip()] or [e.value for e in HandoffEvent]
    unknown = [e for e in names if e not in {h.value for h in HandoffEvent}]
    if unknown:
        known = ", ".join(h.value for h in HandoffEvent)
        raise InvalidInput(f"Unknown event {', '.join(unknown)}; the events are {known}.")
    return list(dict.fromkeys(names))


def add_webhook(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    url: str,
    events: Sequence[str],
    now: datetime,
) -> WebhookSubscription:
    """Register a URL for hand-off events (all of them by default), owners only.

    The signing secret is made here and shown to the owner once (`subscription.secret`).
    """
    require_owner(workspace, actor, "add webhooks")
    subscription = WebhookSubscription(
        subscription_id=new_id("wh"),
        workspace_id=workspace.workspace_id,
        url=_checked_url(url),
        secret="whsec_" + secrets.token_urlsafe(32),
        events=_checked_events(events),
        active=True,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(subscription)
    audit(session, workspace, actor=actor, action="add_webhook", entity=subscription)
    return subscription


def turn_off_webhook(
    *, session: Session, workspace: Workspace, actor: str, subscription_id: str, now: datetime
) -> WebhookSubscription:
    """Stop sending to a webhook (kept, with its history), owners only."""
    require_owner(workspace, actor, "turn off webhooks")
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or subscription.workspace_id != workspace.workspace_id:
        raise NotFound(f"There is no webhook {subscription_id[:40]}.")
    before = snapshot(subscription)
    subscription.active = False
    subscription.updated_at = now
    audit(
        session,
        workspace,
        actor=actor,
        action="turn_off_webhook",
        entity=subscription,
        before=before,
    )
    return subscription


def set_handoff_channel(
    *, session: Session, workspace: Workspace, actor: str, channel: str | None, now: datetime
) -> Workspace:
    """Post hand-off events to this channel too (None: stop), owners only."""
    require_owner(workspace, actor, "choose the hand-off channel")
    before = snapshot(workspace)
    workspace.handoff_channel = (channel or "").strip()[:100] or None
    workspace.updated_at = now
    audit(
        session,
        workspace,
        actor=actor,
        action="set_handoff_channel",
        entity=workspace,
        before=before,
    )
    return workspace
