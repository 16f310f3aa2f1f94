"""`POST /forms/<form token>`: a website's contact form, posted as HTML form data or JSON.

Checked before anything is parsed: the body is at most 64 KB and the token opens an enabled
form (else 413, 404). A JSON sender may sign the body (`X-CRM-Timestamp`, `X-CRM-Signature`:
HMAC-SHA256 of `v1:<timestamp>:<body>` with the form token, `core.platform.signing`); a signed
post is refused unless the signature matches, is under five minutes old and was not seen
before (401, 409). Every post is counted for the rate limits (429 with Retry-After). A filled
honeypot field gets the ordinary thank-you and creates nothing, so a bot learns nothing. The
lead itself is one core operation (`core.leads.web_form`); docs/web-form.md has the details.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request
from sqlalchemy.orm import Session, sessionmaker

from bot.notify import queue_new_inquiry_notice
from bot.web.replays import accept_once
from core.errors import CRMError, NotFound
from core.leads.web_form import (
    HONEYPOT_FIELDS,
    FormPost,
    form_workspace,
    read_form_fields,
    record_form_attempt,
    submit_web_form,
)
from core.platform.signing import signature_matches

__all__ = ["FORM_BODY_LIMIT", "blueprint"]

FORM_BODY_LIMIT = 64 * 1024
SIGNATURE_WINDOW_SECONDS = 5 * 60

logger = logging.getLogger(__name__)

_THANKS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Thank you</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto; line-height: 1.5">
<h1>Thank you!</h1><p>{message}</p></body></html>
"""


def _wants_json() -> bool:
    return (request.mimetype or "") == "application/json"


def _answer(status: int, message: str, **extra: Any) -> Response | tuple[Response, int]:
    """JSON for JSON senders, a plain page for browsers."""
    if _wants_json():
        body = {"ok": status < 400, **({"error": message} if status >= 400 else {}), **extra}
        return jsonify(body), status
    page = _THANKS.format(message=escape(message)) if status < 400 else escape(message)
    return Response(page, status=status, mimetype="text/html" if status < 400 else "text/plain")


def _fields(body: bytes) -> dict[str, str]:
    """The post's fields, from JSON (an object) or form data; CRMError when unreadable."""
    if _wants_json():
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise CRMError("The body is not JSON.") from None
        if not isinstance(data, dict):
            raise CRMError("The JSON body must be an object of fields.")
        return read_form_fields(data)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return read_form_fields(request.form.to_dict(flat=True))
    raise CRMError("Send the form as form data or as JSON.")


def _signature_refusal(token: str, body: bytes, now: float) -> tuple[int, str] | None:
    """None when the post is unsigned or rightly signed; else the status and why."""
    signature = request.headers.get("X-CRM-Signature")
    if signature is None:
        return None
    stamp = request.headers.get("X-CRM-Timestamp") or ""
    if not stamp.isdigit() or abs(now - int(stamp)) > SIGNATURE_WINDOW_SECONDS:
        return 401, "X-CRM-Timestamp is missing or more than 5 minutes away from now."
    if not signature_matches(token, stamp, body, signature):
        return 401, "The signature does not match this form's secret."
    return None


def blueprint(
    sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Blueprint:
    """The web-form route; the owners' notices of a new lead commit with the lead (outbox)."""
    routes = Blueprint("forms", __name__)

    @routes.post("/forms/<token>")
    def submit(token: str) -> Any:
        length = request.content_length
        if length is not None and length > FORM_BODY_LIMIT:
            return _answer(413, "That message is too long (64 KB at most).")
        body = request.get_data(cache=True)
        if len(body) > FORM_BODY_LIMIT:
            return _answer(413, "That message is too long (64 KB at most).")
        now = clock()
        sender = (request.remote_addr or "unknown")[:64]
        try:
            with sessions.begin() as session:
                workspace = form_workspace(session, token)
                over = record_form_attempt(session, workspace=workspace, sender=sender, now=now)
        except NotFound as missing:
            return _answer(404, missing.message)
        if over is not None:
            answer = _answer(429, over.message)
            response = answer[0] if isinstance(answer, tuple) else answer
            response.headers["Retry-After"] = str(over.retry_after)
            return answer
        refused = _signature_refusal(token, body, time.time())
        if refused is not None:
            return _answer(*refused)
        try:
            fields = _fields(body)
        except CRMError as unreadable:
            return _answer(415 if "form data" in unreadable.message else 400, unreadable.message)
        if any(fields.get(name) for name in HONEYPOT_FIELDS):
            logger.info("Form post with its honeypot filled: dropped")
            return _answer(200, "We got your message and will be in touch soon.")
        signature = request.headers.get("X-CRM-Signature")
        post = FormPost(fields, sender, request.headers.get("Idempotency-Key", "")[:200] or None)
        try:
            with sessions.begin() as session:
                if signature is not None and not accept_once(session, signature=signature, now=now):
                    return _answer(409, "This signed post was received already.")
                workspace = form_workspace(session, token)
                result = submit_web_form(session=session, workspace=workspace, post=post, now=now)
                if result.captured is not None:  # the lead and its notices commit together
                    queue_new_inquiry_notice(
                        session, workspace=workspace, captured=result.captured, now=now
                    )
        except CRMError as error:
            return _answer(400, error.message)
        if _wants_json():
            return _answer(200, "", lead_id=result.lead_id)
        if workspace.form_redirect_url:
            return redirect(workspace.form_redirect_url, code=303)
        return _answer(200, "We got your message and will be in touch soon.")

    return routes
