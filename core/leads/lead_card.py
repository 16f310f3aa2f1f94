"""A lead as its card shows it: the record and its next promised follow-up (issue 15).

Here, not in `core.reports.upcoming`, because the contact card's loader
(`core.contacts.history`) reads the follow-ups too, and leads import contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.leads.service import get_lead
from core.models import Lead, Workspace
from core.reports.followups import FollowUpItem
from core.reports.upcoming import next_followups

__all__ = ["LeadShown", "lead_to_show"]


@dataclass(frozen=True)
class LeadShown:
    """A lead as its card shows it: the record and its next promised follow-up."""

    lead: Lead
    next_follow_up: FollowUpItem | None


def lead_to_show(
    session: Session, *, workspace: Workspace, lead_id: str, now: datetime
) -> LeadShown:
    """The lead card's data (**Open lead**): the lead and when someone is to get back to them."""
    lead = get_lead(session, workspace=workspace, lead_id=lead_id)
    found = next_followups(session, workspace=workspace, now=now, lead_ids=[lead.lead_id])
    return LeadShown(lead, found.by_lead.get(lead.lead_id))
