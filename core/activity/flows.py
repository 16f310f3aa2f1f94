"""Logging a touchpoint with the person someone named: a `/log` line, the Log form, a button.

The person is settled before anything is written: a contact, lead or job the request already
names, else the one contact a typed name, phone or email means. When the words fit several
people or no one, nothing is logged and the result says whom they could mean, so the bot
asks instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from core.activity.service import log_interaction
from core.common.enums import InteractionType, Outcome
from core.common.local_dates import local_today
from core.contacts.found import FoundContact
from core.contacts.history import get_contact
from core.contacts.search import open_leads_of, resolve_person
from core.leads.opportunities import get_opportunity
from core.leads.quick_capture import LogEntry, parse_log_text
from core.leads.service import get_lead
from core.models import Interaction, Lead, Workspace

#: Open leads a "which lead?" question offers; more are left to `/lead find`.
LEADS_ASKED = 10

__all__ = ["LoggedWith", "RecordPerson", "log_from_text", "log_with_person", "person_on_record"]


@dataclass(frozen=True)
class LoggedWith:
    """The interaction logged and with whom; with none logged, whom the words could mean."""

    who: str  # the person as the request named them
    today: date
    interaction: Interaction | None = None
    contact_name: str | None = None
    candidates: list[FoundContact] = field(default_factory=list)
    entry: LogEntry | None = None  # the `/log` line as read, to carry onto a choice
    contact_id: str | None = None  # the one person meant, when only their lead is in question
    leads: list[Lead] = field(default_factory=list)  # their open leads, when several


def _logged_name(session: Session, workspace: Workspace, interaction: Interaction) -> str | None:
    if interaction.contact_id is None:
        return None
    return get_contact(session, workspace=workspace, contact_id=interaction.contact_id).full_name


def log_with_person(
    session: Session,
    *,
    workspace: Workspace,
    actor: str,
    who: str | None = None,
    contact_id: str | None = None,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    type: InteractionType | str,
    body: str | None,
    outcome: Outcome | str = Outcome.none,
    follow_up_date: date | None = None,
    now: datetime,
    entry: LogEntry | None = None,
    choose_lead: bool = False,
) -> LoggedWith:
    """Log it against the record named, or the one person `who` means; else log nothing.

    With `choose_lead` (a typed `/log`), a person with one open lead has it logged on that
    lead, so its card shows the follow-up; with several, nothing is logged and the result
    lists them, so the bot asks which instead of guessing (issue 15).
    """
    today = local_today(workspace, now)
    named = who or ""
    if not (contact_id or lead_id or opportunity_id):
        people = resolve_person(session, workspace=workspace, name=named)
        if len(people) != 1:
            return LoggedWith(named, today, candidates=people, entry=entry)
        contact_id = people[0].contact_id
    if choose_lead and contact_id and not (lead_id or opportunity_id):
        person = get_contact(session, workspace=workspace, contact_id=contact_id)
        leads = open_leads_of(session, workspace=workspace, people=[person], limit=LEADS_ASKED + 1)
        if len(leads) > 1:
            full = person.full_name
            return LoggedWith(
                named or full, today, None, full, entry=entry, contact_id=contact_id, leads=leads
            )
        lead_id = leads[0].lead_id if leads else None
    interaction = log_interaction(
        session=session,
        workspace=workspace,
        actor=actor,
        type=type,
        body=body,
        contact_id=contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        outcome=outcome,
        follow_up_date=follow_up_date,
        now=now,
    )
    name = _logged_name(session, workspace, interaction)
    return LoggedWith(named, today, interaction, name, entry=entry)


def log_from_text(
    session: Session, *, workspace: Workspace, actor: str, text: str, now: datetime
) -> LoggedWith:
    """`/log call Dana Smith: wants a quote, call back Friday`: read the line, then log it."""
    entry = parse_log_text(text, today=local_today(workspace, now))
    return log_with_person(
        session,
        workspace=workspace,
        actor=actor,
        who=entry.who,
        type=entry.interaction_type,
        body=entry.summary,
        follow_up_date=entry.follow_up_date,
        now=now,
        entry=entry,
        choose_lead=True,
    )


@dataclass(frozen=True)
class RecordPerson:
    """Whom a **Log call** on a lead, job or contact is with, and the record it goes on."""

    contact_id: str | None
    contact_name: str | None
    lead_id: str | None = None
    opportunity_id: str | None = None


def person_on_record(
    session: Session,
    *,
    workspace: Workspace,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    contact_id: str | None = None,
) -> RecordPerson:
    """The person of the one record named (a lead, else a job, else a contact)."""
    if lead_id:
        lead = get_lead(session, workspace=workspace, lead_id=lead_id)
        name = lead.contact.full_name if lead.contact else None
        return RecordPerson(lead.contact_id, name, lead_id=lead.lead_id)
    if opportunity_id:
        deal = get_opportunity(session, workspace=workspace, opportunity_id=opportunity_id)
        name = deal.contact.full_name if deal.contact else None
        return RecordPerson(deal.contact_id, name, opportunity_id=deal.opportunity_id)
    if not contact_id:
        raise ValueError("person_on_record needs a lead, an opportunity or a contact id")
    contact = get_contact(session, workspace=workspace, contact_id=contact_id)
    return RecordPerson(contact.contact_id, contact.full_name)
