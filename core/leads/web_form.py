"""The web-form intake: a website's contact form becomes a lead, once, by the inquiry flow.

A form post is read as people's forms name their fields (name or first/last, phone, email,
address, message, how they heard; anything else is kept in the description), needs a phone
or an email, and runs the same new-inquiry flow as `/lead` with source `web_form`, under the
same per-phone/email lock. The database decides repeats: an `Idempotency-Key`, or the same
content from the same sender within 10 minutes, maps to one `form_submissions` row and so to
one lead. Every post is counted for the rate limits (docs/web-form.md).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.common.enums import InteractionType, LeadSource
from core.errors import CRMError, InvalidInput, NotFound
from core.leads.inquiries import TITLE_LIMIT, CapturedInquiry, InquiryInput, capture_inquiry
from core.models import FormAttempt, FormSubmission, Workspace, new_id
from core.platform.audit import audit, snapshot
from core.workspaces.service import require_owner

__all__ = [
    "FORM_ACTOR",
    "HONEYPOT_FIELDS",
    "FormPost",
    "FormResult",
    "RateLimited",
    "disable_form",
    "enable_form",
    "form_url",
    "form_workspace",
    "prune_form_attempts",
    "read_form_fields",
    "record_form_attempt",
    "rotate_form_token",
    "set_form_redirect",
    "submit_web_form",
]

FORM_ACTOR = "web_form"  # the audit log's actor for what a form post writes
HONEYPOT_FIELDS = ("crm_hp", "_gotcha")  # hidden fields a person never fills in
REPEAT_WINDOW = timedelta(minutes=10)
IDEMPOTENCY_WINDOW = timedelta(hours=24)
SENDER_LIMIT = (5, timedelta(minutes=10))  # posts per sender (IP) per form
FORM_LIMIT = (60, timedelta(hours=1))  # posts per form from everyone
ATTEMPTS_KEPT = timedelta(days=1)
FIELD_LIMIT = 4_000  # characters of any one field
FIELDS_LIMIT = 40  # fields read from one post

_ALIASES = {
    "name": ("name", "full_name", "fullname", "your_name", "contact_name"),
    "first_name": ("first_name", "firstname", "first", "given_name"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name"),
    "phone": ("phone", "phone_number", "telephone", "tel", "mobile", "cell"),
    "email": ("email", "e_mail", "email_address", "your_email"),
    "address": ("address", "service_address", "street", "street_address", "location"),
    "message": ("message", "comments", "comment", "description", "details", "inquiry", "job"),
    "heard": ("how_heard", "how_did_you_hear", "heard_about", "referral", "source", "hear"),
}


class RateLimited(CRMError):
    """Too many posts from one sender, or to one form: try again later."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class FormPost:
    """One post as the web edge read it: the fields, who sent it, and an optional key."""

    fields: Mapping[str, str]
    sender: str  # the client's IP address
    idempotency_key: str | None = None


@dataclass(frozen=True)
class FormResult:
    """The lead a post made, or found made already by the same post (`repeat`)."""

    lead_id: str
    repeat: bool
    captured: CapturedInquiry | None  # None for a repeat: the owners were told the first time


def _key(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.strip().lower()).strip("_")


def read_form_fields(raw: Mapping[str, Any]) -> dict[str, str]:
    """The post's fields as text, names normalised (`First Name` -> first_name), capped."""
    fields: dict[str, str] = {}
    for name, value in list(raw.items())[:FIELDS_LIMIT]:
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        if value is None or isinstance(value, dict):
            continue
        fields[_key(str(name))[:64]] = str(value)[:FIELD_LIMIT].strip()
    return fields


def _pick(fields: Mapping[str, str], kind: str) -> str | None:
    for alias in _ALIASES[kind]:
        if fields.get(alias):
            return fields[alias]
    return None


def _inquiry(fields: Mapping[str, str], now: datetime) -> InquiryInput:
    phone, email = _pick(fields, "phone"), _pick(fields, "email")
    if not phone and not email:
        raise InvalidInput(
            "Please give a phone number or an email address, so we can get back to you.",
            field="phone",
        )
    first, last = _pick(fields, "first_name"), _pick(fields, "last_name")
    if not first and not last:
        full = (_pick(fields, "name") or "").split()
        first, last = (full[0], " ".join(full[1:]) or None) if full else ("Website", "visitor")
    message = _pick(fields, "message") or ""
    heard = _pick(fields, "heard")
    known = {alias for aliases in _ALIASES.values() for alias in aliases} | set(HONEYPOT_FIELDS)
    extra = [f"{name}: {value}" for name, value in fields.items() if name not in known and value]
    description = "\n".join(
        part
        for part in (
            message,
            f"How they heard about us: {heard}" if heard else "",
            "\n".join(extra),
        )
        if part
    )
    first_line = next((line.strip() for line in message.splitlines() if line.strip()), "")
    title = (first_line[:80].rstrip() + ("…" if len(first_line) > 80 else "")) or "Web form inquiry"
    return InquiryInput(
        title=title[:TITLE_LIMIT],
        source=LeadSource.web_form,
        first_name=first,
        last_name=last,
        phones=(phone,) if phone else (),
        emails=(email,) if email else (),
        address=_pick(fields, "address"),
        description=description or None,
        received_at=now,
        interaction_type=InteractionType.note,
    )


def record_form_attempt(
    session: Session, *, workspace: Workspace, sender: str, now: datetime
) -> RateLimited | None:
    """Count this post; the refusal to give when the sender or the form is over its limit.

    Returned, not raised, so the caller commits the count even for a refused post: a burst
    of bad posts is limited as surely as good ones.
    """
    session.add(
        FormAttempt(workspace_id=workspace.workspace_id, sender=sender[:64], received_at=now)
    )
    session.flush()
    ws = workspace.workspace_id
    for (limit, window), where, who in (
        (SENDER_LIMIT, FormAttempt.sender == sender[:64], "from your address"),
        (FORM_LIMIT, FormAttempt.workspace_id == ws, "to this form"),
    ):
        recent = session.scalar(
            select(func.count())
            .select_from(FormAttempt)
            .where(FormAttempt.workspace_id == ws, where, FormAttempt.received_at > now - window)
        )
        if (recent or 0) > limit:
            return RateLimited(
                f"Too many messages {who} just now; please try again in a little while.",
                retry_after=int(window.total_seconds()),
            )
    return None


def _dedupe_key(post: FormPost) -> tuple[str, timedelta]:
    if post.idempotency_key:
        digest = hashlib.sha256(post.idempotency_key.encode()).hexdigest()
        return f"key:{digest}"[:100], IDEMPOTENCY_WINDOW
    content = json.dumps({"sender": post.sender, "fields": dict(sorted(post.fields.items()))})
    return f"content:{hashlib.sha256(content.encode()).hexdigest()}"[:100], REPEAT_WINDOW


def _claim_submission(
    session: Session, workspace: Workspace, key: str, window: timedelta, now: datetime
) -> FormSubmission | str:
    """This post's ledger row (ours to fill), or the lead id of the same post made earlier."""
    try:
        with session.begin_nested():
            row = FormSubmission(
                submission_id=new_id("fs"),
                workspace_id=workspace.workspace_id,
                dedupe_key=key,
                received_at=now,
            )
            session.add(row)
        return row
    except IntegrityError:
        pass
    # The key was seen: a repeat within the window, or an old key this post may take over.
    taken = session.execute(
        update(FormSubmission)
        .where(
            FormSubmission.workspace_id == workspace.workspace_id,
            FormSubmission.dedupe_key == key,
            FormSubmission.received_at <= now - window,
        )
        .values(received_at=now, lead_id=None)
    )
    earlier = session.scalars(
        select(FormSubmission)
        .where(
            FormSubmission.workspace_id == workspace.workspace_id, FormSubmission.dedupe_key == key
        )
        .execution_options(populate_existing=True)
    ).one()
    if cast(CursorResult[Any], taken).rowcount:
        return earlier
    return earlier.lead_id or ""


def submit_web_form(
    *, session: Session, workspace: Workspace, post: FormPost, now: datetime
) -> FormResult:
    """Make a lead of one form post (or return the lead the same post made before)."""
    if not workspace.form_enabled or not workspace.form_token:
        raise NotFound("This form is not taking messages.")
    inquiry = _inquiry(post.fields, now)  # every field checked before anything is claimed
    key, window = _dedupe_key(post)
    claimed = _claim_submission(session, workspace, key, window, now)
    if isinstance(claimed, str):
        return FormResult(lead_id=claimed, repeat=True, captured=None)
    captured = capture_inquiry(
        session=session, workspace=workspace, actor=FORM_ACTOR, inquiry=inquiry, now=now
    )
    claimed.lead_id = captured.lead.lead_id
    return FormResult(lead_id=captured.lead.lead_id, repeat=False, captured=captured)


def prune_form_attempts(session: Session, *, now: datetime) -> int:
    """Forget attempts older than a day: the limits never look further back."""
    result = session.execute(
        delete(FormAttempt).where(FormAttempt.received_at < now - ATTEMPTS_KEPT)
    )
    return cast(CursorResult[Any], result).rowcount


def form_workspace(session: Session, token: str) -> Workspace:
    """The workspace whose form this token opens; NotFound for a wrong or disabled one."""
    workspace = (
        session.scalars(select(Workspace).where(Workspace.form_token == token)).first()
        if token and len(token) <= 64
        else None
    )
    if workspace is None or not workspace.form_enabled:
        raise NotFound("This form is not taking messages.")
    return workspace


def rotate_form_token(
    *, session: Session, workspace: Workspace, actor: str, now: datetime
) -> Workspace:
    """A new form token (the old URL stops working at once), form on; owners only."""
    require_owner(workspace, actor, "change the web form")
    before = snapshot(workspace)
    workspace.form_token = secrets.token_urlsafe(32)
    workspace.form_enabled = True
    workspace.updated_at = now
    audit(
        session, workspace, actor=actor, action="rotate_form_token", entity=workspace, before=before
    )
    return workspace


def enable_form(*, session: Session, workspace: Workspace, actor: str, now: datetime) -> Workspace:
    """Take form posts again (with a new token if it never had one); owners only."""
    if not workspace.form_token:
        return rotate_form_token(session=session, workspace=workspace, actor=actor, now=now)
    require_owner(workspace, actor, "change the web form")
    before = snapshot(workspace)
    workspace.form_enabled = True
    workspace.updated_at = now
    audit(session, workspace, actor=actor, action="enable_form", entity=workspace, before=before)
    return workspace


def set_form_redirect(
    *, session: Session, workspace: Workspace, actor: str, url: str | None, now: datetime
) -> Workspace:
    """Where a browser goes after posting the form (blank or `off`: the thank-you page)."""
    require_owner(workspace, actor, "change the web form")
    url = (url or "").strip().strip("<>")
    if url.lower() in ("", "off", "none"):
        url = ""
    elif not url.startswith(("https://", "http://")) or len(url) > 500 or " " in url:
        raise InvalidInput(f"“{url[:100]}” is not a web address (https://…).", field="url")
    before = snapshot(workspace)
    workspace.form_redirect_url = url or None
    workspace.updated_at = now
    audit(
        session, workspace, actor=actor, action="set_form_redirect", entity=workspace, before=before
    )
    return workspace


def form_url(*, public_url: str | None, port: int, token: str) -> str:
    """The form's full URL: the app's public base (CRM_PUBLIC_URL), else this machine's port."""
    base = (public_url or f"http://localhost:{port}").rstrip("/")
    return f"{base}/forms/{token}"


def disable_form(*, session: Session, workspace: Workspace, actor: str, now: datetime) -> Workspace:
    """Stop taking form posts (the token is kept until rotated); owners only."""
    require_owner(workspace, actor, "change the web form")
    before = snapshot(workspace)
    workspace.form_enabled = False
    workspace.updated_at = now
    audit(session, workspace, actor=actor, action="disable_form", entity=workspace, before=before)
    return workspace
