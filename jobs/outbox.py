"""The worker's side of the outbox: the handler of each kind, registered here in one place.

`outbox_handlers` is the registry: a new kind (a web-form webhook, a Gmail sync) adds its
handler here and its member to `core.platform.outbox.OutboxKind`. `run_outbox` is the
scheduler's job, every few seconds: one bounded pass over what is due.

Slack failures are sorted for the retry policy. The WebClient has already waited out 429s and
retried resets, 5xx and transient errors (integrations/slack.py); what still fails is retried
later with backoff (`RetryLater`), except the few answers that can never change (`GiveUp`).
The reason stored and logged is Slack's error code, never the message, which names the
customer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.handoffs import handoff_text
from core.platform.outbox import (
    DrainReport,
    GiveUp,
    Handler,
    OutboxKind,
    OutboxWork,
    RetryLater,
    RetryPolicy,
    drain,
)
from integrations.webhooks.delivery import deliver_webhook

log = logging.getLogger(__name__)

OUTBOX_TICK_SECONDS = 3
ClientFor = Callable[[str], WebClient]

# Answers that no retry can change: the person is gone or cannot be messaged by a bot.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "account_inactive",
        "is_archived",
        "invalid_blocks",
        "msg_too_long",
    }
)


def _retry_after(error: SlackApiError) -> timedelta | None:
    value = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
    try:
        return timedelta(seconds=int(value)) if value else None
    except (TypeError, ValueError):
        return None


def slack_failure(error: Exception) -> RetryLater | GiveUp:
    """What a failed Slack call means for the item: wait and retry, or stop."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error") or f"HTTP {error.response.status_code}")
        if error.response.status_code == 429:
            return RetryLater(f"Slack said {code}", after=_retry_after(error))
        if code in PERMANENT_ERRORS:
            return GiveUp(f"Slack said {code}")
        return RetryLater(f"Slack said {code} (HTTP {error.response.status_code})")
    return RetryLater(f"{type(error).__name__} talking to Slack")


def deliver_owner_dm(clients: ClientFor) -> Handler:
    """`slack.owner_dm`: open the DM with one owner and post the message."""

    def handler(work: OutboxWork) -> None:
        client = clients(work.workspace_id)
        payload = work.payload
        try:
            opened = client.conversations_open(users=str(payload["user"]))
            client.chat_postMessage(
                channel=str(opened["channel"]["id"]),
                text=str(payload.get("text") or ""),
                blocks=payload.get("blocks") or None,
                unfurl_links=False,
            )
        except (SlackClientError, OSError) as error:
            raise slack_failure(error) from error

    return handler


def deliver_handoff_post(clients: ClientFor) -> Handler:
    """`slack.handoff_post`: one line about a hand-off event in the workspace's hand-off channel."""

    def handler(work: OutboxWork) -> None:
        client = clients(work.workspace_id)
        try:
            client.chat_postMessage(
                channel=str(work.payload["channel"]),
                text=handoff_text(work.payload["event"]),
                unfurl_links=False,
            )
        except (SlackClientError, OSError) as error:
            raise slack_failure(error) from error

    return handler


def outbox_handlers(*, clients: ClientFor, sessions: sessionmaker[Session]) -> dict[str, Handler]:
    """Every kind the worker does, with its handler: the one registry."""
    return {
        OutboxKind.owner_dm: deliver_owner_dm(clients),
        OutboxKind.webhook: deliver_webhook(sessions),
        OutboxKind.handoff_post: deliver_handoff_post(clients),
    }


def run_outbox(
    *,
    sessions: sessionmaker[Session],
    clients: ClientFor,
    clock: Callable[[], datetime],
    policy: RetryPolicy | None = None,
) -> DrainReport:
    """One pass over the due outbox items: the scheduler's job, and `crm console`'s after a turn."""
    report = drain(
        sessions=sessions,
        handlers=outbox_handlers(clients=clients, sessions=sessions),
        clock=clock,
        policy=policy,
    )
    if report.delivered or report.retrying or report.failed:
        log.info(
            "Outbox: %s delivered, %s to retry, %s given up",
            len(report.delivered),
            len(report.retrying),
            len(report.failed),
        )
    return report
