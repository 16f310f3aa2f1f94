"""Check a Slack HTTP request before anything parses it: size, timestamp, signature, shape.

Slack signs `v0:<timestamp>:<raw body>` with the app's signing secret. A request is accepted
only when its timestamp is a whole number of seconds within five minutes of now and the
signature matches the exact bytes received; anything else is refused before Bolt sees it, so
a forged body can never name a `response_url` or a channel the bot then writes to. Only a
verified request is then checked for shape (`malformed`), so an outsider cannot tell a
well-formed forgery from a badly formed one. docs/architecture.md, "Web routes", has the list.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

MAX_BODY_BYTES = 1024 * 1024  # Slack's largest payloads (a modal's state) are well under this
WINDOW_SECONDS = 5 * 60  # how old a signed request may be (Slack's own rule)

# Interactive payload types and the part of the payload each one cannot do without.
REQUIRED_PARTS: dict[str, tuple[str, type]] = {
    "event_callback": ("event", dict),
    "view_submission": ("view", dict),
    "view_closed": ("view", dict),
}


class Headers(Protocol):
    """Request headers looked up by name, case-insensitively (werkzeug's, for one)."""

    def get(self, key: str) -> str | None: ...


@dataclass(frozen=True)
class Refusal:
    """Why a request is not let in: the HTTP status and a short reason for the JSON reply."""

    status: int
    error: str


UNSIGNED = Refusal(401, "missing Slack signature headers")
BAD_TIMESTAMP = Refusal(401, "X-Slack-Request-Timestamp is not a number of seconds")
STALE = Refusal(401, "request timestamp is more than 5 minutes away from now")
BAD_SIGNATURE = Refusal(401, "signature does not match")
REPLAYED = Refusal(401, "request already received")


def _signature_matches(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # Slack signs bytes; the SDK's verifier takes text. Same HMAC-SHA256, on the raw bytes.
        digest = hmac.new(secret.encode(), b"v0:%s:%s" % (timestamp.encode(), body), hashlib.sha256)
        return hmac.compare_digest("v0=" + digest.hexdigest(), signature)
    expected = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=text)
    return expected is not None and hmac.compare_digest(expected, signature)


def verify(*, secret: str, body: bytes, headers: Headers, now: float) -> Refusal | None:
    """None when Slack signed this body in the last five minutes; else why it is refused."""
    timestamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        return UNSIGNED
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return BAD_TIMESTAMP
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        return STALE
    if not signature.isascii() or not _signature_matches(secret, timestamp, body, signature):
        return BAD_SIGNATURE
    return None


def _payload_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "the payload is not a JSON object"
    kind = payload.get("type")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions carries no actions"
        if not all(isinstance(action, dict) for action in actions):
            return "an action is not a JSON object"
    if isinstance(kind, str) and kind in REQUIRED_PARTS:
        part, expected = REQUIRED_PARTS[kind]
        if not isinstance(payload.get(part), expected):
            return f"{kind} carries no {part} object"
    return None


class Malformed(Exception):
    """A verified body Bolt could not handle; answered 400 with the reason."""


def read_verified(body: bytes, headers: Headers) -> dict[str, Any]:
    """The payload of a verified body, as Bolt will read it; Malformed says why it cannot be."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8") from None
    content_type = headers.get("Content-Type") or ""
    try:
        payload = parse_body(text, content_type)
        problem = _payload_problem(payload)
        if problem is None:  # Bolt reads ids out of the body when it builds the request
            BoltRequest(body=text, headers={"content-type": [content_type]})
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        raise Malformed("the body is not a Slack request Bolt can read") from None
    if problem is not None:
        raise Malformed(problem)
    return dict(payload)


def ledger_key(signature: str, payload: dict[str, Any], headers: Headers) -> str:
    """What is accepted once: the signature; for an Events API retry, the signature and try.

    Slack re-signs a retry, but a retry sent within the same second as the first delivery
    carries the same signature; its retry number tells it apart. Naming a retry number does
    not let a replayed event act twice: event handlers claim the event id
    (`core.platform.event_ledger`).
    """
    retry = headers.get("X-Slack-Retry-Num")
    if retry and payload.get("type") == "event_callback":
        return f"{signature}#{retry[:8]}"
    return signature
