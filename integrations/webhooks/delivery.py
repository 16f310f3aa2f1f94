"""Deliver one hand-off event to one webhook: a signed JSON POST, retried until it lands.

The body is the event document (`schemas/events/<type>.json`), sent exactly as signed:
`X-CRM-Webhook-Timestamp` and `X-CRM-Webhook-Signature` (`v1=` HMAC-SHA256 of
`v1:<timestamp>:<body>` with the webhook's secret), plus `X-CRM-Webhook-Id`, the event id, for
the receiver to ignore a repeat: delivery is at least once. Any answer but 2xx, a timeout or a
refused connection is retried by the outbox with backoff for a day; a webhook turned off
meanwhile is not called again.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from sqlalchemy.orm import Session, sessionmaker

from core.models import WebhookSubscription
from core.platform.outbox import GiveUp, Handler, OutboxWork, RetryLater
from core.platform.signing import sign_v1

__all__ = ["TIMEOUT_SECONDS", "deliver_webhook", "event_body"]

TIMEOUT_SECONDS = 10
USER_AGENT = "slack-crm-webhooks/1"


def event_body(event: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON, keys sorted, UTF-8."""
    return json.dumps(event, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def deliver_webhook(sessions: sessionmaker[Session]) -> Handler:
    """The outbox handler of `webhook.delivery` items."""

    def handler(work: OutboxWork) -> None:
        with sessions() as session:
            subscription = session.get(WebhookSubscription, str(work.payload["subscription_id"]))
            if subscription is None or not subscription.active:
                raise GiveUp("the webhook was turned off")
            url, secret = subscription.url, subscription.secret
        event = work.payload["event"]
        body = event_body(event)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-CRM-Webhook-Id": str(event["id"]),
            "X-CRM-Webhook-Timestamp": stamp,
            "X-CRM-Webhook-Signature": sign_v1(secret, stamp, body),
        }
        try:
            with urlopen(  # noqa: S310 - an https URL an owner registered (http: loopback only)
                Request(url, data=body, headers=headers, method="POST"), timeout=TIMEOUT_SECONDS
            ) as answer:
                answer.read(1024)
        except HTTPError as error:
            raise RetryLater(f"the receiver answered HTTP {error.code}") from None
        except (URLError, TimeoutError, OSError) as error:
            raise RetryLater(f"could not reach the receiver ({type(error).__name__})") from None

    return handler
