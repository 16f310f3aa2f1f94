"""Follow-up drafts in the procedure's three tones, written for the owner to review.

"Follow up on the [name] lead": pull the job and its history, summarize the last touchpoint and
draft a message in the tone of the job's stage (inquiry, estimate sent, proposal accepted). The
draft waits in `pending_approval`; approving it is `core.drafts.review`, sending it
`core.drafts.flows` (hard stop 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.common.business_days import is_business_day
from core.common.enums import (
    DraftChannel,
    DraftStatus,
    FollowUpStatus,
    LeadSource,
    LeadStatus,
    OpportunityStage,
    Outcome,
    PipelineStage,
)
from core.common.local_dates import local_date, local_today
from core.common.validation import parse_optional_choice
from core.contacts.do_not_contact import refuse_if_do_not_contact
from core.errors import InvalidInput, InvalidTransition
from core.leads.opportunities import get_opportunity
from core.leads.service import get_lead
from core.models import Contact, Draft, Interaction, Lead, Opportunity, Workspace, new_id
from core.platform.audit import audit
from core.reports.rows import Touchpoint, read_touchpoint

__all__ = [
    "BODY_LIMIT",
    "ESTIMATE_SENT_TEXT",
    "INQUIRY_TEXT",
    "PROPOSAL_ACCEPTED_TEXT",
    "REACHED_US",
    "REACHED_US_OTHERWISE",
    "SUBJECT_LIMIT",
    "FollowUpDraft",
    "draft_follow_up",
    "format_day",
    "next_business_day",
]

BODY_LIMIT = 10000
SUBJECT_LIMIT = 500

INQUIRY = "inquiry"
ESTIMATE_SENT = "estimate_sent"
PROPOSAL_ACCEPTED = "proposal_accepted"

INQUIRY_TEXT = (
    "Hi {name}, just checking in {reached} about {job}. I'd love to set up a quick visit "
    "to take a look and give you a firm price. Are you available {when}?"
)
# A callback already promised (a pending follow-up on the job) is kept, not a new day proposed.
PROMISED_TEXT = (
    "Hi {name}, just checking in {reached} about {job}. As promised, I'll call you back "
    "{when} to set up a quick visit and give you a firm price."
)
ESTIMATE_SENT_TEXT = (
    "Hi {name}, just following up on the estimate I sent over on {date}. Do you have any "
    "questions, or would you like to move forward? Happy to talk through it if helpful."
)
PROPOSAL_ACCEPTED_TEXT = (
    "Great news — I have you on my list to get scheduled. I'll reach out shortly with "
    "available dates. Looking forward to it."
)

#: How the customer reached us, as the inquiry tone says it ("after your call").
REACHED_US = {
    LeadSource.phone_call: "after your call",
    LeadSource.email: "after your email",
    LeadSource.web_form: "after your message on our website",
}
REACHED_US_OTHERWISE = "after you got in touch"

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


@dataclass(frozen=True)
class FollowUpDraft:
    """A new draft plus what the owner needs beside it to review it."""

    draft: Draft
    contact_name: str
    last_touchpoint: Touchpoint | None  # the newest interaction with the contact or the job
    tone: str
    needs_owner_review: bool


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
    lead: Lead | None = None
    if lead_id is not None:
        lead = get_lead(session, workspace=workspace, lead_id=lead_id)
        if lead.status == LeadStatus.disqualified:
            raise InvalidTransition(f"The {lead.title} lead is disqualified; reopen it first.")
        opportunity_id = lead.converted_opportunity_id
    opportunity: Opportunity | None = None
    if opportunity_id is not None:
        opportunity = get_opportunity(session, workspace=workspace, opportunity_id=opportunity_id)
        if opportunity.stage == OpportunityStage.lost:
            raise InvalidTransition(f"{opportunity.name} was lost; there is nothing to follow up.")
        if lead is None and opportunity.lead_id is not None:
            lead = get_lead(session, workspace=workspace, lead_id=opportunity.lead_id)
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
    if opportunity is not None and opportunity.stage == OpportunityStage.proposal_sent:
        return ESTIMATE_SENT
    # A job converted after the estimate went out is still waiting on that estimate.
    if lead is not None and lead.pipeline_stage in (
        PipelineStage.estimate_sent,
        PipelineStage.follow_up,
    ):
        return ESTIMATE_SENT
    if any(ix.outcome == Outcome.sent_proposal for ix in job):
        return ESTIMATE_SENT
    return INQUIRY


def _promised_day(job: list[Interaction], today: date) -> date | None:
    """The soonest callback still promised on the job, today or later (None: none pending)."""
    days = [
        ix.follow_up_date
        for ix in job
        if ix.follow_up_status == FollowUpStatus.pending
        and ix.follow_up_date is not None
        and ix.follow_up_date >= today
    ]
    return min(days, default=None)


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
    requested = parse_optional_choice(DraftChannel, channel, field="channel", label="channel")
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
    refuse_if_do_not_contact(session, workspace=workspace, contact_id=contact.contact_id)
    draft_channel, recipient = _choose_channel(contact, requested)
    ids = (
        lead.lead_id if lead is not None else None,
        opportunity.opportunity_id if opportunity is not None else None,
    )
    history = _history(session, workspace, contact, ids)
    job = [ix for ix in history if _about_job(ix, ids, since)]
    tone = _choose_tone(lead, opportunity, job)
    name = contact.first_name.strip()
    today = local_today(workspace, now)
    promised = _promised_day(job, today)
    source = lead.source if lead is not None else None
    reached = REACHED_US.get(source, REACHED_US_OTHERWISE) if source else REACHED_US_OTHERWISE
    if tone == INQUIRY and promised is not None:
        day = f"on {_DAYS[promised.weekday()]}, {format_day(promised)}"
        when = "today" if promised == today else day
        body = PROMISED_TEXT.format(name=name, reached=reached, job=_job_phrase(title), when=when)
    elif tone == INQUIRY:
        visit = next_business_day(today, workspace.holiday_country)
        when = f"{_DAYS[visit.weekday()]}, {format_day(visit)} at 10am"
        body = INQUIRY_TEXT.format(name=name, reached=reached, job=_job_phrase(title), when=when)
    elif tone == ESTIMATE_SENT:
        # The estimate's own log entry, else the last step on the job (the stage change).
        sent = next((ix for ix in job if ix.outcome == Outcome.sent_proposal), None)
        stamp = sent.timestamp if sent else job[0].timestamp if job else changed
        body = ESTIMATE_SENT_TEXT.format(name=name, date=format_day(local_date(workspace, stamp)))
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
    audit(session, workspace, actor=actor, action="draft_follow_up", entity=draft)
    last = history[0] if history else None
    return FollowUpDraft(
        draft=draft,
        contact_name=contact.full_name,
        last_touchpoint=read_touchpoint(workspace, last) if last else None,
        tone=tone,
        needs_owner_review=not workspace.auto_send,
    )
