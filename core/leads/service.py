"""The lead lifecycle: qualify, move along the pipeline, disqualify, convert, snooze, assign.

A lead is never deleted: disqualifying or converting it changes its status and keeps the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from core.activity.service import BODY_LIMIT, log_system_note
from core.common.enums import (
    OPEN_LEAD_STATUSES,
    DisqualificationReason,
    LeadStatus,
    OpportunityStage,
    PipelineStage,
    in_words,
)
from core.common.local_dates import local_today
from core.common.money import read_amount
from core.common.validation import clean_text, parse_choice
from core.errors import AlreadyDone, IncompleteContact, InvalidInput, InvalidTransition
from core.leads.handoffs import (
    HandoffEvent,
    contact_document,
    emit_handoff,
    lead_document,
    opportunity_document,
)
from core.leads.lock_order import lock_after_contact
from core.models import Contact, Lead, Opportunity, Workspace, new_id
from core.platform.audit import audit, snapshot
from core.platform.transitions import apply_transition
from core.reports.wording import friendly_date
from core.workspaces.service import get_in_workspace

__all__ = [
    "assign_lead_owner",
    "check_close_date",
    "contact_gaps",
    "convert_lead",
    "deal_stage_for",
    "disqualify_lead",
    "get_lead",
    "lock_lead",
    "qualify_lead",
    "set_expected_close_date",
    "set_lead_stage",
    "snooze_lead",
]

QUALIFY_STAGES = (PipelineStage.needs_analysis, PipelineStage.estimate_sent)
CONVERT_STAGES = (
    OpportunityStage.estimating,
    OpportunityStage.proposal_sent,
    OpportunityStage.scheduled,
)
# Where a converted lead's job starts, so converting never reads as going backwards.
_DEAL_STAGE_FOR = {
    PipelineStage.estimate_sent: OpportunityStage.proposal_sent,
    PipelineStage.follow_up: OpportunityStage.proposal_sent,
    PipelineStage.scheduled_visit: OpportunityStage.scheduled,
}
MAX_SNOOZE_DAYS = 365
# The status a decision leaves the lead in: meeting it again means the decision was made.
_OUTCOME = {"convert": LeadStatus.converted, "disqualify": LeadStatus.disqualified}


def get_lead(session: Session, *, workspace: Workspace, lead_id: str) -> Lead:
    """The lead, or NotFound when it is not in this workspace."""
    return get_in_workspace(session, Lead, lead_id, workspace=workspace, field="lead")


def lock_lead(session: Session, *, workspace: Workspace, lead_id: str) -> Lead:
    """The lead, row-locked after its contact, for an edit (`core.leads.lock_order`)."""
    return lock_after_contact(session, get_lead(session, workspace=workspace, lead_id=lead_id))


def _open_lead(session: Session, workspace: Workspace, lead_id: str, doing: str) -> Lead:
    """The lead, refused with a friendly reason when it is already disqualified or converted."""
    lead = lock_lead(session, workspace=workspace, lead_id=lead_id)
    if lead.status not in OPEN_LEAD_STATUSES:
        refusal = AlreadyDone if _OUTCOME.get(doing) == lead.status else InvalidTransition
        raise refusal(
            f"The {lead.title} lead is already {lead.status.value}, so I can't {doing} it."
        )
    return lead


def _note(
    session: Session, workspace: Workspace, actor: str, lead: Lead, body: str, now: datetime
) -> None:
    """A change of the lead, in its history and its contact's (a `system` interaction)."""
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=body,
        lead_id=lead.lead_id,
        contact_id=lead.contact_id,
        now=now,
    )


def _lead_state(lead: Lead) -> str:
    return f"{in_words(lead.status)} · {in_words(lead.pipeline_stage)}"


def _transition(session: Session, lead: Lead, values: Mapping[str, object], done: str) -> None:
    """Change the lead only if it is still as read; someone else's change first is AlreadyDone.

    `done` completes "The <title> lead was already ..." for the person who lost the race.
    """
    expected = {
        "status": lead.status,
        "pipeline_stage": lead.pipeline_stage,
        "snoozed_until": lead.snoozed_until,
    }
    if not apply_transition(session, lead, expected=expected, values=values):
        raise AlreadyDone(f"The {lead.title} lead was already {done} (now {_lead_state(lead)}).")


def qualify_lead(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str,
    stage: PipelineStage | str,
    now: datetime,
) -> Lead:
    """Move a lead from inquiry into active pursuit (procedure: "Lead qualified")."""
    chosen = parse_choice(
        PipelineStage, stage, field="stage", label="qualified stage", allowed=QUALIFY_STAGES
    )
    lead = _open_lead(session, workspace, lead_id, "qualify")
    if lead.status == LeadStatus.working and lead.pipeline_stage == chosen:
        raise AlreadyDone(f"The {lead.title} lead was already qualified ({_lead_state(lead)}).")
    before = snapshot(lead)
    values = {"status": LeadStatus.working, "pipeline_stage": chosen}
    _transition(session, lead, values, "changed")
    audit(session, workspace, actor=actor, action="qualify_lead", entity=lead, before=before)
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=f"Lead qualified — moving to {in_words(chosen)}.",
        lead_id=lead.lead_id,
        contact_id=lead.contact_id,
        now=now,
    )
    contact = contact_document(lead.contact) if lead.contact is not None else None
    emit_handoff(
        session,
        workspace=workspace,
        event=HandoffEvent.lead_qualified,
        data={"lead": lead_document(lead), "contact": contact},
        now=now,
    )
    return lead


def set_lead_stage(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str,
    stage: PipelineStage | str,
    now: datetime,
) -> Lead:
    """Move an open lead to another pipeline stage; past inquiry, a new lead is being worked."""
    chosen = parse_choice(PipelineStage, stage, field="stage", label="pipeline stage")
    lead = _open_lead(session, workspace, lead_id, "change the stage of")
    if lead.pipeline_stage == chosen:
        raise AlreadyDone(f"The {lead.title} lead is already at {in_words(chosen)}.")
    before = snapshot(lead)
    was = lead.pipeline_stage
    values: dict[str, object] = {"pipeline_stage": chosen}
    if lead.status == LeadStatus.new and chosen != PipelineStage.inquiry:
        values["status"] = LeadStatus.working
    _transition(session, lead, values, "moved")
    audit(session, workspace, actor=actor, action="set_lead_stage", entity=lead, before=before)
    body = f"Lead moved to {in_words(chosen)} (was {in_words(was)})."
    _note(session, workspace, actor, lead, body, now)
    return lead


def disqualify_lead(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str,
    reason: DisqualificationReason | str,
    note: str | None = None,
    now: datetime,
) -> Lead:
    """Close a lead that will not become work, keeping the record and the reason."""
    why = parse_choice(
        DisqualificationReason, reason, field="reason", label="disqualification reason"
    )
    extra = clean_text(note, field="note", label="note", limit=BODY_LIMIT - 100)
    lead = _open_lead(session, workspace, lead_id, "disqualify")
    before = snapshot(lead)
    values = {"status": LeadStatus.disqualified, "disqualification_reason": why}
    _transition(session, lead, values, "changed")
    audit(session, workspace, actor=actor, action="disqualify_lead", entity=lead, before=before)
    body = f"Lead disqualified — {in_words(why)}."
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=f"{body}\n{extra}" if extra else body,
        lead_id=lead.lead_id,
        contact_id=lead.contact_id,
        now=now,
    )
    return lead


def contact_gaps(contact: Contact | None) -> list[str]:
    """What a contact lacks before its lead can become a job: name, phone, service address."""
    if contact is None:
        return ["a contact"]
    missing = []
    if not (contact.first_name or "").strip():
        missing.append("a name")
    if not contact.phones:
        missing.append("a phone number")
    if not (contact.address or "").strip():
        missing.append("a service address")
    return missing


def deal_stage_for(stage: PipelineStage) -> OpportunityStage:
    """The job stage matching a lead's: estimate sent or in follow-up is a proposal out."""
    return _DEAL_STAGE_FOR.get(stage, OpportunityStage.estimating)


def check_close_date(
    workspace: Workspace, now: datetime, day: date | None, *, kept: date | None = None
) -> date | None:
    """An expected close date to record: a past one is refused unless it is the one `kept`."""
    if day is not None and day != kept and day < local_today(workspace, now):
        raise InvalidInput(
            f"The expected close date {day.isoformat()} is in the past.",
            field="expected_close_date",
        )
    return day


def convert_lead(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str,
    stage: OpportunityStage | str | None = None,
    amount: Decimal | int | str | None = None,
    expected_close_date: date | None = None,
    now: datetime,
) -> Opportunity:
    """Turn a lead into an opportunity once its contact has name, phone and address.

    Left out, the stage follows the lead's (`deal_stage_for`) and the amount and expected
    close date are the lead's estimate and date.
    """
    value = read_amount(amount, field="amount")
    lead = _open_lead(session, workspace, lead_id, "convert")
    chosen = parse_choice(
        OpportunityStage,
        deal_stage_for(lead.pipeline_stage) if stage is None else stage,
        field="stage",
        label="stage for a new job",
        allowed=CONVERT_STAGES,
    )
    closes = check_close_date(workspace, now, expected_close_date, kept=lead.expected_close_date)
    contact = lead.contact
    missing = contact_gaps(contact)
    if missing or contact is None:
        raise IncompleteContact(missing)
    before = snapshot(lead)
    _transition(session, lead, {"status": LeadStatus.converted}, "changed")
    opportunity = Opportunity(
        opportunity_id=new_id("op"),
        workspace_id=workspace.workspace_id,
        lead_id=lead.lead_id,
        contact_id=contact.contact_id,
        company_id=contact.company_id,
        name=lead.title,
        stage=chosen,
        amount=value if value is not None else lead.estimated_value,
        expected_close_date=closes if closes is not None else lead.expected_close_date,
        owner=lead.owner,
        created_at=now,
        updated_at=now,
    )
    session.add(opportunity)
    audit(session, workspace, actor=actor, action="create_opportunity", entity=opportunity)
    lead.converted_opportunity_id = opportunity.opportunity_id
    audit(session, workspace, actor=actor, action="convert_lead", entity=lead, before=before)
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=f"Lead converted — opportunity {opportunity.name} at stage {in_words(chosen)}.",
        lead_id=lead.lead_id,
        contact_id=lead.contact_id,
        opportunity_id=opportunity.opportunity_id,
        now=now,
    )
    emit_handoff(
        session,
        workspace=workspace,
        event=HandoffEvent.lead_converted,
        data={
            "lead": lead_document(lead),
            "opportunity": opportunity_document(opportunity),
            "contact": contact_document(contact),
        },
        now=now,
    )
    return opportunity


def snooze_lead(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str,
    days: int = 3,
    now: datetime,
) -> Lead:
    """Quiet the stale-lead nudge for a lead until today + `days`."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SNOOZE_DAYS:
        raise InvalidInput(f"Snooze for 1 to {MAX_SNOOZE_DAYS} days.", field="days")
    lead = _open_lead(session, workspace, lead_id, "snooze")
    until = local_today(workspace, now) + timedelta(days=days)
    if lead.snoozed_until == until:
        raise AlreadyDone(
            f"The {lead.title} lead is already snoozed until {until:%A, %B} {until.day}."
        )
    before = snapshot(lead)
    _transition(session, lead, {"snoozed_until": until}, "snoozed or changed")
    audit(session, workspace, actor=actor, action="snooze_lead", entity=lead, before=before)
    return lead


def set_expected_close_date(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str,
    expected_close_date: date | None,
    now: datetime,
) -> Lead:
    """Record when the lead should close (None clears it); a date already past is refused."""
    check_close_date(workspace, now, expected_close_date)
    lead = _open_lead(session, workspace, lead_id, "change the close date of")
    before = snapshot(lead)
    lead.expected_close_date = expected_close_date
    audit(
        session,
        workspace,
        actor=actor,
        action="set_expected_close_date",
        entity=lead,
        before=before,
    )
    when = friendly_date(expected_close_date) if expected_close_date else "none"
    _note(session, workspace, actor, lead, f"Expected close date: {when}.", now)
    return lead


def assign_lead_owner(
    *, session: Session, workspace: Workspace, actor: str, lead_id: str, owner: str, now: datetime
) -> Lead:
    """Name the team member (Slack user id) who owns follow-up on the lead."""
    who = clean_text(owner, field="owner", label="lead owner", limit=64, required=True)
    lead = lock_lead(session, workspace=workspace, lead_id=lead_id)
    before = snapshot(lead)
    lead.owner = who
    audit(session, workspace, actor=actor, action="assign_lead_owner", entity=lead, before=before)
    _note(session, workspace, actor, lead, f"Follow-up owner: {who}.", now)
    return lead
