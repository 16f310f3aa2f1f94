"""The interaction history: every call, email, note and visit, and the follow-ups promised in them.

Also holds the small input checks the lead, opportunity and reminder operations share
(choices from a vocabulary, text within its column limit, "today" in the workspace zone).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_audit, snapshot
from core.enums import OPEN_LEAD_STATUSES, FollowUpStatus, InteractionType, Outcome
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import Contact, Interaction, Lead, Opportunity, Workspace, new_id
from core.workspaces import zone

__all__ = [
    "BODY_LIMIT",
    "LOG_CALL_PROMPT",
    "cancel_follow_up",
    "clean_text",
    "complete_follow_up",
    "get_interaction",
    "in_words",
    "local_today",
    "log_call_with",
    "log_interaction",
    "parse_choice",
    "reschedule_follow_up",
]

#: The procedure's question after "Log a call with [name]".
LOG_CALL_PROMPT = "How did it go? Any next steps or follow-up needed?"

BODY_LIMIT = 10_000
SUBJECT_LIMIT = 500

E = TypeVar("E", bound=StrEnum)
Row = TypeVar("Row", Contact, Lead, Opportunity)


def in_words(value: StrEnum | str) -> str:
    """A vocabulary value as people say it: `needs_analysis` -> "needs analysis"."""
    return str(value).replace("_", " ")


def parse_choice(
    vocabulary: type[E],
    value: E | str,
    *,
    field: str,
    label: str,
    allowed: Collection[E] | None = None,
) -> E:
    """Read one value of a vocabulary, or say which values there are."""
    choices = list(allowed) if allowed is not None else list(vocabulary)
    raw = str(value)
    key = "_".join(raw.strip().lower().replace("-", " ").split())
    for choice in choices:
        if choice.value == key:
            return choice
    listed = ", ".join(choice.value for choice in choices)
    shown = raw if len(raw) <= 60 else raw[:59] + "…"
    raise InvalidInput(f"'{shown}' is not a {label} here. Choose one of: {listed}.", field=field)


def clean_text(
    value: str | None, *, field: str, label: str, limit: int, required: bool = False
) -> str | None:
    """Trim surrounding blanks; refuse a missing required value or one over its column limit."""
    text = value.strip() if value is not None else ""
    if not text:
        if required:
            raise InvalidInput(f"The {label} is required.", field=field)
        return None
    if len(text) > limit:
        raise InvalidInput(
            f"The {label} is {len(text):,} characters long; the limit is {limit:,}.", field=field
        )
    return text


def local_today(workspace: Workspace, now: datetime) -> date:
    """The workspace's calendar date at `now` (an aware instant)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone(workspace)).date()


def _check_follow_up_date(follow_up_date: date, today: date) -> None:
    if follow_up_date < today:
        raise InvalidInput(
            f"The follow-up date {follow_up_date.isoformat()} is in the past; "
            f"pick today ({today.isoformat()}) or later.",
            field="follow_up_date",
        )


def _get(session: Session, model: type[Row], key: str, workspace_id: str) -> Row | None:
    row = session.get(model, key)
    if row is None or row.workspace_id != workspace_id:
        return None
    return row


def _resolve_links(
    session: Session,
    workspace_id: str,
    contact_id: str | None,
    lead_id: str | None,
    opportunity_id: str | None,
) -> tuple[str | None, str | None, str | None]:
    """Check the links exist here and fill in what an opportunity or lead implies."""
    if not (contact_id or lead_id or opportunity_id):
        raise InvalidInput(
            "Link the interaction to a contact, a lead or an opportunity.", field="contact"
        )
    if opportunity_id:
        opportunity = _get(session, Opportunity, opportunity_id, workspace_id)
        if opportunity is None:
            raise NotFound("That opportunity is not in this workspace.", field="opportunity")
        lead_id = lead_id or opportunity.lead_id
        if contact_id and opportunity.contact_id and contact_id != opportunity.contact_id:
            raise InvalidInput("That opportunity belongs to another contact.", field="opportunity")
        contact_id = contact_id or opportunity.contact_id
    if lead_id:
        lead = _get(session, Lead, lead_id, workspace_id)
        if lead is None:
            raise NotFound("That lead is not in this workspace.", field="lead")
        if contact_id and lead.contact_id and contact_id != lead.contact_id:
            raise InvalidInput("That lead belongs to another contact.", field="lead")
        contact_id = contact_id or lead.contact_id
    if contact_id and _get(session, Contact, contact_id, workspace_id) is None:
        raise NotFound("That contact is not in this workspace.", field="contact")
    return contact_id, lead_id, opportunity_id


def log_interaction(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    type: InteractionType | str,
    body: str | None,
    contact_id: str | None = None,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    subject: str | None = None,
    outcome: Outcome | str = Outcome.none,
    follow_up_date: date | None = None,
    timestamp: datetime | None = None,
    now: datetime,
) -> Interaction:
    """Record a touchpoint against a contact, lead or opportunity (status changes stay explicit)."""
    kind = parse_choice(InteractionType, type, field="type", label="kind of interaction")
    result = parse_choice(Outcome, outcome, field="outcome", label="outcome")
    clean_body = clean_text(body, field="body", label="summary", limit=BODY_LIMIT)
    clean_subject = clean_text(subject, field="subject", label="subject", limit=SUBJECT_LIMIT)
    if timestamp is not None and timestamp.tzinfo is None:
        raise InvalidInput("The time of the interaction needs a time zone.", field="timestamp")
    if follow_up_date is not None:
        _check_follow_up_date(follow_up_date, local_today(workspace, now))
    contact_id, lead_id, opportunity_id = _resolve_links(
        session, workspace.workspace_id, contact_id, lead_id, opportunity_id
    )
    interaction = Interaction(
        interaction_id=new_id("ix"),
        workspace_id=workspace.workspace_id,
        type=kind,
        timestamp=timestamp or now,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        subject=clean_subject,
        body=clean_body,
        outcome=result,
        follow_up_date=follow_up_date,
        follow_up_status=FollowUpStatus.pending if follow_up_date else FollowUpStatus.none,
        logged_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(interaction)
    record_audit(
        session,
        workspace_id=workspace.workspace_id,
        actor=actor,
        action="log_interaction",
        entity=interaction,
    )
    return interaction


def log_call_with(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    contact_id: str,
    summary: str,
    follow_up_date: date | None = None,
    outcome: Outcome | str = Outcome.none,
    now: datetime,
) -> Interaction:
    """ "Log a call with [name]": a phone call on the contact and on their newest open lead."""
    clean_text(summary, field="summary", label="call summary", limit=BODY_LIMIT, required=True)
    if _get(session, Contact, contact_id, workspace.workspace_id) is None:
        raise NotFound("That contact is not in this workspace.", field="contact")
    newest_open_lead = session.scalars(
        select(Lead.lead_id)
        .where(
            Lead.workspace_id == workspace.workspace_id,
            Lead.contact_id == contact_id,
            Lead.status.in_(OPEN_LEAD_STATUSES),
        )
        .order_by(Lead.created_at.desc(), Lead.lead_id.desc())
        .limit(1)
    ).first()
    return log_interaction(
        session=session,
        workspace=workspace,
        actor=actor,
        type=InteractionType.phone_call,
        body=summary,
        contact_id=contact_id,
        lead_id=newest_open_lead,
        outcome=outcome,
        follow_up_date=follow_up_date,
        now=now,
    )


def get_interaction(session: Session, *, workspace: Workspace, interaction_id: str) -> Interaction:
    """The interaction, or NotFound when it is not in this workspace."""
    interaction = session.get(Interaction, interaction_id)
    if interaction is None or interaction.workspace_id != workspace.workspace_id:
        raise NotFound("That interaction is not in this workspace.", field="interaction")
    return interaction


def _pending_follow_up(session: Session, workspace: Workspace, interaction_id: str) -> Interaction:
    interaction = get_interaction(session, workspace=workspace, interaction_id=interaction_id)
    if interaction.follow_up_status != FollowUpStatus.pending:
        state = (
            "no follow-up"
            if interaction.follow_up_status == FollowUpStatus.none
            else f"a follow-up that is already {interaction.follow_up_status.value}"
        )
        raise InvalidTransition(f"That interaction has {state}.")
    return interaction


def _change_follow_up(
    session: Session,
    workspace: Workspace,
    actor: str,
    interaction: Interaction,
    action: str,
    status: FollowUpStatus,
    follow_up_date: date | None,
) -> Interaction:
    before = snapshot(interaction)
    interaction.follow_up_status = status
    interaction.follow_up_date = follow_up_date
    record_audit(
        session,
        workspace_id=workspace.workspace_id,
        actor=actor,
        action=action,
        entity=interaction,
        before=before,
    )
    return interaction


def complete_follow_up(
    *, session: Session, workspace: Workspace, actor: str, interaction_id: str
) -> Interaction:
    """Mark a promised follow-up done, so it leaves the morning list."""
    interaction = _pending_follow_up(session, workspace, interaction_id)
    return _change_follow_up(
        session,
        workspace,
        actor,
        interaction,
        "complete_follow_up",
        FollowUpStatus.completed,
        interaction.follow_up_date,
    )


def reschedule_follow_up(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    interaction_id: str,
    new_date: date,
    now: datetime,
) -> Interaction:
    """Move a pending follow-up to another day on the same row (the audit keeps the old date)."""
    _check_follow_up_date(new_date, local_today(workspace, now))
    interaction = _pending_follow_up(session, workspace, interaction_id)
    return _change_follow_up(
        session,
        workspace,
        actor,
        interaction,
        "reschedule_follow_up",
        FollowUpStatus.pending,
        new_date,
    )


def cancel_follow_up(
    *, session: Session, workspace: Workspace, actor: str, interaction_id: str
) -> Interaction:
    """Drop a follow-up that is no longer needed (the interaction itself stays)."""
    interaction = _pending_follow_up(session, workspace, interaction_id)
    return _change_follow_up(
        session,
        workspace,
        actor,
        interaction,
        "cancel_follow_up",
        FollowUpStatus.canceled,
        interaction.follow_up_date,
    )
