"""Gmail message resources to `InboundEmail`, and `OutboundEmail` to a MIME message.

Pure functions: no HTTP. Mail that no person wrote to the business (auto-replies, mailing
lists and bulk mail, bounces) is flagged `automated`, so core never makes a lead of it.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from html.parser import HTMLParser
from typing import Any

from core.ports import InboundEmail, OutboundEmail

__all__ = ["inbound_email", "mime_message"]

BODY_LIMIT = 20_000  # characters of a body kept; longer mail is cut, its summary says what
_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


def mime_message(email: OutboundEmail, *, from_address: str) -> str:
    """The base64url `raw` of a UTF-8 plain-text message, threaded when it is a reply."""
    message = EmailMessage()
    sender = Address(display_name=email.from_name or "", addr_spec=from_address)
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    if email.in_reply_to:
        message["In-Reply-To"] = email.in_reply_to
        message["References"] = email.in_reply_to
    message.set_content(email.body, charset="utf-8")
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")


def _headers(payload: dict[str, Any]) -> dict[str, str]:
    return {
        str(h.get("name", "")).lower(): str(h.get("value", "")) for h in payload.get("headers", [])
    }


def _decode(data: str | None) -> str:
    if not data:
        return ""
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return raw.decode("utf-8", errors="replace")


class _Text(HTMLParser):
    """The visible text of an HTML part, for mail that has no plain-text part."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _body(payload: dict[str, Any]) -> str:
    """The text/plain part (the first), else the text of the text/html part."""
    plain: list[str] = []
    html: list[str] = []
    stack = [payload]
    while stack:  # iterative walk: a deeply nested message cannot exhaust the call stack
        part = stack.pop(0)
        mime = str(part.get("mimeType", "")).lower()
        if mime == "text/plain" and not str(part.get("filename") or ""):
            plain.append(_decode(part.get("body", {}).get("data")))
        elif mime == "text/html":
            html.append(_decode(part.get("body", {}).get("data")))
        stack.extend(part.get("parts") or [])
    if plain:
        return plain[0][:BODY_LIMIT].strip()
    if html:
        parser = _Text()
        parser.feed(html[0][: BODY_LIMIT * 4])
        return " ".join("".join(parser.parts).split(" "))[:BODY_LIMIT].strip()
    return ""


def _automated(headers: dict[str, str], from_address: str, payload: dict[str, Any]) -> bool:
    """An auto-reply, list or bulk mail, or a bounce (RFC 3834, RFC 2369, RFC 3464)."""
    auto_submitted = headers.get("auto-submitted", "no").strip().lower()
    precedence = headers.get("precedence", "").strip().lower()
    report = str(payload.get("mimeType", "")).lower() == "multipart/report"
    return (
        auto_submitted not in ("", "no")
        or "x-autoreply" in headers
        or "x-autorespond" in headers
        or "list-id" in headers
        or "list-unsubscribe" in headers
        or precedence in ("bulk", "list", "junk", "auto_reply")
        or report
        or from_address.startswith(_BOUNCE_SENDERS)
    )


def inbound_email(resource: dict[str, Any]) -> InboundEmail:
    """Core's view of one Gmail message resource (`format=full`)."""
    payload = resource.get("payload") or {}
    headers = _headers(payload)
    [(name, address)] = getaddresses([headers.get("from", "")])[:1] or [("", "")]
    millis = int(resource.get("internalDate") or 0)
    return InboundEmail(
        message_id=str(resource["id"]),
        thread_id=resource.get("threadId"),
        rfc_message_id=headers.get("message-id") or None,
        from_address=address.strip().lower(),
        from_name=name.strip() or None,
        subject=headers.get("subject", "").strip(),
        body=_body(payload),
        received_at=datetime.fromtimestamp(millis / 1000, UTC),
        automated=_automated(headers, address.strip().lower(), payload),
    )
