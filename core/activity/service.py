"""The interaction history: every call, email, note and visit, and the follow-ups promised."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.activity.summaries import summary_for
from core.common.enums import (
    OPEN_LEAD_STATUSES,
    FollowUpStatus,
    InteractionType,
    Outcome,
    in_words,
)
from core.common.local_dates import local_today
from core.common.validation import clean_text, parse_choice
from core.errors import AlreadyDone, InvalidInput, InvalidTransition
from core.models import Contact, Interaction, Lead, Opportunity, Workspace, new_id
from core.platform.audit import audit, snapshot
from core.platform.transitions import apply_transition
from core.workspaces.service import get_in_workspace

__all__ = [
    "follow_up_to_reschedule",
    "BODY_LIMIT",
    "LOG_CALL_PROMPT",
    "SUBJECT_LIMIT",
    "cancel_follow_up",
    "complete_follow_up",
    "get_interaction",
    "log_call_with",
    "log_interaction",
    "log_system_note",
    "record_interaction",
    "reschedule_follow_up",
    "resolve_links",
]

#: The procedure's question after "Log a call with [name]".
LOG_CALL_PROMPT = "How did it go? Any next steps or follow-up needed?"

BODY_LIMIT = 10_000
SUBJECT_LIMIT = 500


def _check_follow_up_date(follow_up_date: date, today: date) -> None:
    if follow_up_date < today:
        raise InvalidInput(
            f"The follow-up date {follow_up_date.isoformat()} is in the past; "
            f"pick today ({today.isoformat()}) or later.",
            field="follow_up_date",
        )


def resolve_links(
    session: Session,
    workspace: Workspace,
    *,
    contact_id: str | None,
    lead_id: str | None,
    opportunity_id: str | None,
    what: str,
) -> tuple[str | None, str | None, str | None]:
    """Check a record's links (contact, lead, opportunity) are this workspace's, agree with each
    other, and fill in what an opportunity or a lead implies; `what` names the record."""
    if not (contact_id or lead_id or opportunity_id):
        raise InvalidInput(
            f"Link the {what} to a contact, a lead or an opportunity.", field="contact"
        )
    if opportunity_id:
        opportunity = get_in_workspace(
            session, Opportunity, opportunity_id, workspace=workspace, field="opportunity"
        )
        lead_id = lead_id or opportunity.lead_id
        if contact_id and opportunity.contact_id and contact_id != opportunity.contact_id:
            raise InvalidInput("That opportunity belongs to another contact.", field="opportunity")
        contact_id = contact_id or opportunity.contact_id
    if lead_id:
        lead = get_in_workspace(session, Lead, lead_id, workspace=workspace, field="lead")
        if contact_id and lead.contact_id and contact_id != lead.contact_id:
            raise InvalidInput("That lead belongs to another contact.", field="lead")
        contact_id = contact_id or lead.contact_id
    if contact_id:
        get_in_workspace(session, Contact, contact_id, workspace=workspace, field="contact")
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
    contact_id, lead_id, opportunity_id = resolve_links(
        session,
        workspace,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        what="interaction",
    )
    return record_interaction(
        session,
        workspace,
        actor=actor,
        type=kind,
        timestamp=timestamp or now,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        subject=clean_subject,
        body=clean_body,
        outcome=result,
        follow_up_date=follow_up_date,
        now=now,
    )


def record_interaction(
    session: Session,
    workspace: Workspace,
    *,
    actor: str,
    type: InteractionType,
    timestamp: datetime,
    body: str | None,
    subject: str | None = None,
    contact_id: str | None = None,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    outcome: Outcome = Outcome.none,
    follow_up_date: date | None = None,
    now: datetime,
) -> Interaction:
    """Write an interaction whose values are already checked (or that already happened, like a
    sent message, and so must be kept as it was), with its audit row."""
    interaction = Interaction(
        interaction_id=new_id("ix"),
        workspace_id=workspace.workspace_id,
        type=type,
        timestamp=timestamp,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        subject=subject,
        body=body,
        ai_summary=summary_for(session, body),
        outcome=outcome,
        follow_up_date=follow_up_date,
        follow_up_status=FollowUpStatus.pending if follow_up_date else FollowUpStatus.none,
        logged_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(interaction)
    audit(session, workspace, actor=actor, action="log_interaction", entity=interaction)
    return interaction


def log_system_note(
    session: Session,
    workspace: Workspace,
    *,
    actor: str,
    body: str,
    now: datetime,
    contact_id: str | None = None,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
) -> Interaction:
    """Note a status change (qualified, converted, won, lost) in the record's history."""
    return log_interaction(
        session=session,
        workspace=workspace,
        actor=actor,
        type=InteractionType.system,
        body=body,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        now=now,
    )


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
    get_in_workspace(session, Contact, contact_id, workspace=workspace, field="contact")
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
    return get_in_workspace(
        session, Interaction, interaction_id, workspace=workspace, field="interaction"
    )


def _pending_follow_up(session: Session, workspace: Workspace, interaction_id: str) -> Interaction:
    interaction = get_interaction(session, workspace=workspace, interaction_id=interaction_id)
    if interaction.follow_up_status in (FollowUpStatus.completed, FollowUpStatus.canceled):
        done = interaction.follow_up_status.value
        raise AlreadyDone(f"That interaction has a follow-up that is already {done}.")
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
    """Change the follow-up only if it is still as read (one conditional UPDATE)."""
    before = snapshot(interaction)
    expected = {
        "follow_up_status": interaction.follow_up_status,
        "follow_up_date": interaction.follow_up_date,
    }
    values = {"follow_up_status": status, "follow_up_date": follow_up_date}
    if not apply_transition(session, interaction, expected=expected, values=values):
        now_status = in_words(interaction.follow_up_status)
        raise AlreadyDone(f"That follow-up was just changed by someone else; it is {now_status}.")
    audit(session, workspace, actor=actor, action=action, entity=interaction, before=before)
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


def follow_up_to_reschedule(
    session: Session, *, workspace: Workspace, interaction_id: str
) -> Interaction:
    """A follow-up still pending; a done or cancelled one cannot move."""
    item = get_interaction(session, workspace=workspace, interaction_id=interaction_id)
    if item.follow_up_status != FollowUpStatus.pending:
        raise InvalidTransition(f"That follow-up is {item.follow_up_status.value}.")
    return item
