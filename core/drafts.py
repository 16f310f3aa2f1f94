"""Follow-up drafts and the owner-review gate (hard stop 1: nothing reaches a customer unreviewed).

A draft is written in the procedure's tone for the job's stage, waits in `pending_approval`, and
is sent only when an owner approved exactly the version being sent (or the owner turned on
`auto_send`). Sending claims the draft with one conditional UPDATE, so it happens at most once
however many clicks, retries or processes race for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, Update, or_, select, update
from sqlalchemy.orm import Session

from core.audit import record_audit, snapshot
from core.business_days import is_business_day
from core.enums import (
    DraftChannel,
    DraftStatus,
    InteractionType,
    LeadStatus,
    OpportunityStage,
    Outcome,
    PipelineStage,
)
from core.errors import ApprovalRequired, CRMError, InvalidInput, InvalidTransition, NotFound
from core.models import Base, Contact, Draft, Interaction, Lead, Opportunity, Workspace, new_id
from core.workspaces import require_owner, zone

logger = logging.getLogger(__name__)

AUTO_SEND_ACTOR = "system:auto_send"
BODY_LIMIT = 10000
SUBJECT_LIMIT = 500

INQUIRY = "inquiry"
ESTIMATE_SENT = "estimate_sent"
PROPOSAL_ACCEPTED = "proposal_accepted"

INQUIRY_TEXT = (
    "Hi {name}, just checking in after your call about {job}. I'd love to set up a quick visit "
    "to take a look and give you a firm price. Are you available {when}?"
)
ESTIMATE_SENT_TEXT = (
    "Hi {name}, just following up on the estimate I sent over on {date}. Do you have any "
    "questions, or would you like to move forward? Happy to talk through it if helpful."
)
PROPOSAL_ACCEPTED_TEXT = (
    "Great news — I have you on my list to get scheduled. I'll reach out shortly with "
    "available dates. Looking forward to it."
)
CHANGED_SINCE_SEEN = "The draft changed since you saw it; review the new version."

# Locale-independent names, so a server's LANG never changes what a customer reads.
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
_PROPOSAL_OUTCOMES = (
    Outcome.sent_proposal,
    Outcome.accepted_proposal,
    Outcome.rejected_proposal,
)
_OUTBOUND_TYPE = {
    DraftChannel.email: InteractionType.email_outbound,
    DraftChannel.sms: InteractionType.sms,
    DraftChannel.phone: InteractionType.phone_call,
}
_EDITABLE = (DraftStatus.pending_approval, DraftStatus.approved, DraftStatus.failed)


@dataclass(frozen=True)
class LastTouch:
    """The newest interaction with the contact or about the job, for the owner's context."""

    timestamp: datetime
    type: InteractionType
    summary: str


@dataclass(frozen=True)
class FollowUpDraft:
    """A new draft plus what the owner needs beside it to review it."""

    draft: Draft
    contact_name: str
    last_touchpoint: LastTouch | None
    tone: str
    needs_owner_review: bool


@dataclass(frozen=True)
class SendOutcome:
    """What happened to a send: sent now, sent before (nothing done), or failed (recorded)."""

    draft: Draft
    sent: bool = False
    already_sent: bool = False
    failed: bool = False
    error: str | None = None
    interaction: Interaction | None = None


class DraftSender(Protocol):
    """Delivers a draft (the Gmail adapter, later) and returns the provider's message id."""

    def send(self, draft: Draft) -> str: ...


def format_day(day: date) -> str:
    """Name a date the way the procedure writes to customers ("November 20")."""
    return f"{_MONTHS[day.month - 1]} {day.day}"


def next_business_day(today: date, country: str) -> date:
    """The first worked day after today, for proposing a visit."""
    day = today + timedelta(days=1)
    while not is_business_day(day, country):
        day += timedelta(days=1)
    return day


def _job_phrase(title: str) -> str:
    """Let a title read mid-sentence ("about leaky faucet") while "HVAC tune-up" keeps its caps."""
    title = title.strip()
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def _parse_channel(value: str | None) -> DraftChannel | None:
    if value is None:
        return None
    try:
        return DraftChannel(str(value).strip().lower())
    except ValueError:
        raise InvalidInput(
            f"'{str(value)[:60]}' is not a channel; choose email, sms or phone.", field="channel"
        ) from None


def _address(contact: Contact, channel: DraftChannel) -> str | None:
    found = contact.emails if channel == DraftChannel.email else contact.phones
    return found[0] if found else None


def _choose_channel(contact: Contact, requested: DraftChannel | None) -> tuple[DraftChannel, str]:
    """The asked-for channel, else the preferred one, else email, sms, phone: first reachable."""
    if requested is not None:
        address = _address(contact, requested)
        if address is None:
            what = "email address" if requested == DraftChannel.email else "phone number"
            raise InvalidInput(f"{contact.full_name} has no {what} on file.", field="channel")
        return requested, address
    order = [DraftChannel.email, DraftChannel.sms, DraftChannel.phone]
    if contact.preferred_channel is not None:
        order.insert(0, DraftChannel(contact.preferred_channel.value))
    for channel in order:
        address = _address(contact, channel)
        if address is not None:
            return channel, address
    raise InvalidInput(
        f"{contact.full_name} has no phone or email on file; add one to follow up.",
        field="contact",
    )


def _load_job(
    session: Session, workspace: Workspace, lead_id: str | None, opportunity_id: str | None
) -> tuple[Lead | None, Opportunity | None]:
    """The lead and/or opportunity the follow-up is about (a converted lead means its deal)."""
    if (lead_id is None) == (opportunity_id is None):
        raise InvalidInput("Say which lead or which opportunity to follow up on.", field="lead_id")
    ws = workspace.workspace_id
    lead: Lead | None = None
    if lead_id is not None:
        lead = session.scalar(select(Lead).where(Lead.workspace_id == ws, Lead.lead_id == lead_id))
        if lead is None:
            raise NotFound("That lead is not in this workspace.")
        if lead.status == LeadStatus.disqualified:
            raise InvalidTransition(f"The {lead.title} lead is disqualified; reopen it first.")
        opportunity_id = lead.converted_opportunity_id
    opportunity: Opportunity | None = None
    if opportunity_id is not None:
        opportunity = session.scalar(
            select(Opportunity).where(
                Opportunity.workspace_id == ws, Opportunity.opportunity_id == opportunity_id
            )
        )
        if opportunity is None:
            raise NotFound("That opportunity is not in this workspace.")
        if opportunity.stage == OpportunityStage.lost:
            raise InvalidTransition(f"{opportunity.name} was lost; there is nothing to follow up.")
        if lead is None and opportunity.lead_id is not None:
            lead = session.scalar(
                select(Lead).where(Lead.workspace_id == ws, Lead.lead_id == opportunity.lead_id)
            )
    return lead, opportunity


def _history(
    session: Session, workspace: Workspace, contact: Contact, ids: tuple[str | None, str | None]
) -> list[Interaction]:
    """Every interaction with the contact, the lead or the deal, newest first (one query)."""
    lead_id, opportunity_id = ids
    linked = [Interaction.contact_id == contact.contact_id]
    if lead_id is not None:
        linked.append(Interaction.lead_id == lead_id)
    if opportunity_id is not None:
        linked.append(Interaction.opportunity_id == opportunity_id)
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.workspace_id == workspace.workspace_id, or_(*linked))
            .order_by(Interaction.timestamp.desc(), Interaction.created_at.desc())
        )
    )


def _about_job(
    interaction: Interaction, ids: tuple[str | None, str | None], since: datetime
) -> bool:
    """Linked to this lead or deal, or logged on the contact alone since the job began."""
    lead_id, opportunity_id = ids
    if lead_id is not None and interaction.lead_id == lead_id:
        return True
    if opportunity_id is not None and interaction.opportunity_id == opportunity_id:
        return True
    return (
        interaction.lead_id is None
        and interaction.opportunity_id is None
        and interaction.timestamp >= since
    )


def _choose_tone(lead: Lead | None, opportunity: Opportunity | None, job: list[Interaction]) -> str:
    """The procedure's stage: accepted beats estimate-sent beats inquiry."""
    last_proposal = next((ix.outcome for ix in job if ix.outcome in _PROPOSAL_OUTCOMES), None)
    if opportunity is not None:
        if opportunity.stage in (OpportunityStage.scheduled, OpportunityStage.won):
            return PROPOSAL_ACCEPTED
    elif lead is not None and lead.pipeline_stage == PipelineStage.scheduled_visit:
        return PROPOSAL_ACCEPTED
    if last_proposal == Outcome.accepted_proposal:
        return PROPOSAL_ACCEPTED
    if opportunity is not None:
        if opportunity.stage == OpportunityStage.proposal_sent:
            return ESTIMATE_SENT
    elif lead is not None and lead.pipeline_stage in (
        PipelineStage.estimate_sent,
        PipelineStage.follow_up,
    ):
        return ESTIMATE_SENT
    if any(ix.outcome == Outcome.sent_proposal for ix in job):
        return ESTIMATE_SENT
    return INQUIRY


def _summary(interaction: Interaction) -> str:
    return (interaction.ai_summary or interaction.body or interaction.subject or "").strip()


def draft_follow_up(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    channel: str | None = None,
    now: datetime,
) -> FollowUpDraft:
    """Write the stage's follow-up for the owner to review; nothing is sent here."""
    requested = _parse_channel(channel)
    lead, opportunity = _load_job(session, workspace, lead_id, opportunity_id)
    if opportunity is not None:
        title, since, changed = opportunity.name, opportunity.created_at, opportunity.updated_at
        contact = opportunity.contact or (lead.contact if lead is not None else None)
    else:
        assert lead is not None  # _load_job returns at least one of the two
        title, since, changed, contact = lead.title, lead.created_at, lead.updated_at, lead.contact
    if lead is not None:
        since = lead.created_at
    if contact is None:
        raise InvalidInput(
            "Link a contact to this job before drafting a follow-up.", field="contact"
        )
    draft_channel, recipient = _choose_channel(contact, requested)
    ids = (
        lead.lead_id if lead is not None else None,
        opportunity.opportunity_id if opportunity is not None else None,
    )
    history = _history(session, workspace, contact, ids)
    job = [ix for ix in history if _about_job(ix, ids, since)]
    tone = _choose_tone(lead, opportunity, job)
    local = zone(workspace)
    name = contact.first_name.strip()
    if tone == INQUIRY:
        visit = next_business_day(now.astimezone(local).date(), workspace.holiday_country)
        when = f"{_DAYS[visit.weekday()]}, {format_day(visit)} at 10am"
        body = INQUIRY_TEXT.format(name=name, job=_job_phrase(title), when=when)
    elif tone == ESTIMATE_SENT:
        # The estimate's own log entry, else the last step on the job (the stage change).
        sent = next((ix for ix in job if ix.outcome == Outcome.sent_proposal), None)
        stamp = sent.timestamp if sent else job[0].timestamp if job else changed
        body = ESTIMATE_SENT_TEXT.format(name=name, date=format_day(stamp.astimezone(local).date()))
    else:
        body = PROPOSAL_ACCEPTED_TEXT
    draft = Draft(
        draft_id=new_id("dr"),
        workspace_id=workspace.workspace_id,
        contact_id=contact.contact_id,
        lead_id=ids[0],
        opportunity_id=ids[1],
        channel=draft_channel,
        recipient=recipient,
        subject=f"Following up: {title}"[:SUBJECT_LIMIT]
        if draft_channel == DraftChannel.email
        else None,
        body=body,
        status=DraftStatus.pending_approval,
        version=1,
        requested_by=actor,
        review_refs=[],
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    _audit(session, workspace, actor, "draft_follow_up", draft)
    last = history[0] if history else None
    return FollowUpDraft(
        draft=draft,
        contact_name=contact.full_name,
        last_touchpoint=LastTouch(last.timestamp, last.type, _summary(last)) if last else None,
        tone=tone,
        needs_owner_review=not workspace.auto_send,
    )


def get_draft(session: Session, *, workspace: Workspace, draft_id: str) -> Draft:
    """One draft of this workspace, read afresh (never a stale copy from the session)."""
    return _load_draft(session, workspace, draft_id, lock=False)


def pending_drafts(session: Session, *, workspace: Workspace) -> list[Draft]:
    """Drafts waiting for an owner's review, oldest first."""
    return list(
        session.scalars(
            select(Draft)
            .where(
                Draft.workspace_id == workspace.workspace_id,
                Draft.status == DraftStatus.pending_approval,
            )
            .order_by(Draft.created_at, Draft.draft_id)
        )
    )


def _load_draft(session: Session, workspace: Workspace, draft_id: str, *, lock: bool) -> Draft:
    """Read the committed row; `lock` holds it (Postgres) so reviews never overwrite a send."""
    query = (
        select(Draft)
        .where(Draft.workspace_id == workspace.workspace_id, Draft.draft_id == draft_id)
        .execution_options(populate_existing=True)
    )
    draft = session.scalar(query.with_for_update() if lock else query)
    if draft is None:
        raise NotFound("That draft is not in this workspace.")
    return draft


def _audit(
    session: Session,
    workspace: Workspace,
    actor: str,
    action: str,
    entity: Base,
    before: dict[str, Any] | None = None,
) -> None:
    record_audit(
        session,
        workspace_id=workspace.workspace_id,
        actor=actor,
        action=action,
        entity=entity,
        before=before,
    )


def _rowcount(session: Session, statement: Update) -> int:
    """Run a conditional UPDATE; how many rows it changed says who won a race."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount


def approve_draft(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    version: int,
    now: datetime,
) -> Draft:
    """Record an owner's approval of exactly the version they read (hard stop 1)."""
    require_owner(workspace, actor, "approve drafts")
    draft = _load_draft(session, workspace, draft_id, lock=True)
    if draft.status in (DraftStatus.sent, DraftStatus.discarded):
        raise InvalidTransition(f"This draft was already {draft.status.value}.")
    if draft.version != version:
        raise ApprovalRequired(CHANGED_SINCE_SEEN)
    if draft.status == DraftStatus.approved and draft.approved_version == version:
        return draft
    before = snapshot(draft)
    draft.status = DraftStatus.approved
    draft.approved_by = actor
    draft.approved_at = now
    draft.approved_version = version
    draft.error = None
    draft.updated_at = now
    _audit(session, workspace, actor, "approve_draft", draft, before)
    return draft


def edit_draft(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    body: str,
    subject: str | None = None,
    now: datetime,
) -> Draft:
    """Change the text; any earlier approval no longer counts (a new version needs review)."""
    require_owner(workspace, actor, "edit drafts")
    if not body or not body.strip():
        raise InvalidInput("The message can't be empty.", field="body")
    if len(body) > BODY_LIMIT:
        raise InvalidInput(f"The message is over {BODY_LIMIT:,} characters.", field="body")
    if subject is not None and len(subject) > SUBJECT_LIMIT:
        raise InvalidInput(f"The subject is over {SUBJECT_LIMIT} characters.", field="subject")
    draft = _load_draft(session, workspace, draft_id, lock=True)
    if draft.status not in _EDITABLE:
        raise InvalidTransition(f"This draft was already {draft.status.value}; it can't change.")
    before = snapshot(draft)
    draft.body = body
    if subject is not None:
        draft.subject = subject.strip() or None
    draft.version += 1
    draft.status = DraftStatus.pending_approval
    draft.approved_by = draft.approved_at = draft.approved_version = None
    draft.error = None
    draft.updated_at = now
    _audit(session, workspace, actor, "edit_draft", draft, before)
    return draft


def discard_draft(
    *, session: Session, workspace: Workspace, actor: str, draft_id: str, now: datetime
) -> Draft:
    """Drop a draft from the queue; the row stays as history."""
    require_owner(workspace, actor, "discard drafts")
    draft = _load_draft(session, workspace, draft_id, lock=True)
    if draft.status == DraftStatus.sent:
        raise InvalidTransition("This draft was already sent; it can't be discarded.")
    if draft.status == DraftStatus.discarded:
        return draft
    before = snapshot(draft)
    draft.status = DraftStatus.discarded
    draft.updated_at = now
    _audit(session, workspace, actor, "discard_draft", draft, before)
    return draft


def _claim(session: Session, workspace: Workspace, draft: Draft, now: datetime) -> bool:
    """Take the draft for sending with one conditional UPDATE; False if someone else did first.

    First the auto-send approval (when on), itself conditional, then the claim, which requires
    an approval of the very version read. On Postgres a concurrent claimer waits on the row
    lock and then finds nothing to update; on SQLite writers are serialized by the database.
    """
    ws, version = workspace.workspace_id, draft.version
    mine = (Draft.draft_id == draft.draft_id, Draft.workspace_id == ws, Draft.version == version)
    if workspace.auto_send and draft.status in (DraftStatus.pending_approval, DraftStatus.failed):
        before = snapshot(draft)
        pending = (DraftStatus.pending_approval, DraftStatus.failed)
        approval = dict(approved_by=AUTO_SEND_ACTOR, approved_at=now, approved_version=version)
        if _rowcount(
            session,
            update(Draft)
            .where(*mine, Draft.status.in_(pending))
            .values(status=DraftStatus.approved, error=None, updated_at=now, **approval),
        ):
            session.refresh(draft)
            _audit(session, workspace, AUTO_SEND_ACTOR, "approve_draft", draft, before)
    elif draft.status != DraftStatus.approved or draft.approved_version != version:
        raise ApprovalRequired("An owner needs to approve this version of the draft first.")
    claimed = _rowcount(
        session,
        update(Draft)
        .where(*mine, Draft.status == DraftStatus.approved, Draft.approved_version == version)
        .values(status=DraftStatus.sent, sent_at=now, error=None, updated_at=now),
    )
    session.refresh(draft)
    return claimed == 1


def _after_lost_claim(draft: Draft) -> SendOutcome:
    """Someone else moved the draft between our read and our claim: say what they did."""
    if draft.status == DraftStatus.sent:
        return SendOutcome(draft=draft, already_sent=True)
    if draft.status == DraftStatus.discarded:
        raise InvalidTransition("This draft was discarded.")
    raise ApprovalRequired(CHANGED_SINCE_SEEN)


def _log_outbound(
    session: Session, workspace: Workspace, actor: str, draft: Draft, now: datetime
) -> Interaction:
    interaction = Interaction(
        interaction_id=new_id("ix"),
        workspace_id=workspace.workspace_id,
        type=_OUTBOUND_TYPE[draft.channel],
        timestamp=now,
        contact_id=draft.contact_id,
        lead_id=draft.lead_id,
        opportunity_id=draft.opportunity_id,
        subject=draft.subject,
        body=draft.body,
        logged_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(interaction)
    _audit(session, workspace, actor, "log_interaction", interaction)
    return interaction


def send_draft(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    sender: DraftSender,
    now: datetime,
) -> SendOutcome:
    """Send an approved draft exactly once; the sender is never called without approval.

    A failure of the sender is recorded on the draft (status failed, `error`) and RETURNED as
    `SendOutcome(failed=True, error=...)`, not raised, so the caller's `sessions.begin()` block
    commits the recorded failure and can show the error. To retry, an owner approves the same
    version again (or edits it and approves the new one), then sends again.
    Claim and send share the caller's transaction: if the process dies after the provider took
    the message but before the commit, the claim rolls back and the draft stays approved.
    """
    draft = _load_draft(session, workspace, draft_id, lock=False)
    if draft.status == DraftStatus.sent:
        return SendOutcome(draft=draft, already_sent=True)
    if draft.status == DraftStatus.discarded:
        raise InvalidTransition("This draft was discarded.")
    if draft.channel == DraftChannel.phone:
        raise InvalidTransition("A phone follow-up is made by hand; press Mark sent after calling.")
    if not _claim(session, workspace, draft, now):
        return _after_lost_claim(draft)
    draft.sent_by = actor
    try:
        message_id = sender.send(draft)
    except Exception as error:  # recorded on the draft and returned to the caller, not swallowed
        text = error.message if isinstance(error, CRMError) else f"Sending failed: {error}"
        if not isinstance(error, CRMError):
            logger.exception("sending draft %s failed", draft.draft_id)
        before = snapshot(draft)
        draft.status = DraftStatus.failed
        draft.sent_at = draft.sent_by = None
        draft.error = text[:BODY_LIMIT]
        draft.updated_at = now
        _audit(session, workspace, actor, "send_failed", draft, before)
        return SendOutcome(draft=draft, failed=True, error=text)
    before = snapshot(draft)
    draft.sent_message_id = message_id
    _audit(session, workspace, actor, "send_draft", draft, before)
    interaction = _log_outbound(session, workspace, actor, draft, now)
    return SendOutcome(draft=draft, sent=True, interaction=interaction)


def mark_draft_sent(
    *, session: Session, workspace: Workspace, actor: str, draft_id: str, now: datetime
) -> SendOutcome:
    """Record a message the owner sent by hand (text, call, email with no mailbox connected)."""
    draft = _load_draft(session, workspace, draft_id, lock=False)
    if draft.status == DraftStatus.sent:
        return SendOutcome(draft=draft, already_sent=True)
    if draft.status == DraftStatus.discarded:
        raise InvalidTransition("This draft was discarded.")
    if not _claim(session, workspace, draft, now):
        return _after_lost_claim(draft)
    draft.sent_by = actor
    _audit(session, workspace, actor, "mark_draft_sent", draft)
    interaction = _log_outbound(session, workspace, actor, draft, now)
    return SendOutcome(draft=draft, sent=True, interaction=interaction)


def record_review_messages(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    refs: list[dict[str, str]],
    now: datetime,
) -> Draft:
    """Keep where the draft was posted for review (channel, ts), so every copy can be updated."""
    kept = [{"channel": str(r["channel"]), "ts": str(r["ts"])} for r in refs]
    draft = _load_draft(session, workspace, draft_id, lock=False)
    before = snapshot(draft)
    draft.review_refs = kept
    draft.updated_at = now
    _audit(session, workspace, actor, "post_draft_for_review", draft, before)
    return draft
