"""Who a request names: one person for sure, a choice among several, near misses, or nobody.

A name is never guessed: each lookup returns everyone the words could mean, and says which
one only when there is no doubt (`PersonLookup.card`, `LeadLookup.lead`). The caller acts on
that one, or offers the candidates as a choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from core.contacts.found import FoundContact
from core.contacts.history import ContactCard, contact_card
from core.contacts.lookups import LastTouch, last_touchpoint
from core.contacts.search import (
    open_deals_of,
    open_leads_for_person,
    open_leads_of,
    resolve_person,
    search_contacts,
)
from core.models import Lead, Opportunity, Workspace

__all__ = [
    "LastTouchLookup",
    "LeadLookup",
    "PersonLookup",
    "look_up_last_touch",
    "look_up_open_job",
    "look_up_open_lead",
    "look_up_person",
]


EXACT = 100.0
"""The search score of a name, phone or email given exactly."""


@dataclass(frozen=True)
class PersonLookup:
    """`/customer <words>`: the one person's card, or the people the words could mean."""

    query: str
    card: ContactCard | None = None
    candidates: list[FoundContact] = field(default_factory=list)
    near_misses: bool = False  # no one is called that; these are close spellings


def look_up_person(
    session: Session, *, workspace: Workspace, query: str, now: datetime
) -> PersonLookup:
    """The card of the one person a name, phone or email means; else whom it could mean."""
    people = resolve_person(session, workspace=workspace, name=query)
    if len(people) == 1:
        card = contact_card(session, workspace=workspace, contact_id=people[0].contact_id, now=now)
        return PersonLookup(query, card=card)
    if people:
        return PersonLookup(query, candidates=people)
    hits = search_contacts(session, workspace=workspace, query=query)
    archived = [hit.contact for hit in hits if hit.contact.archived and hit.score >= EXACT]
    if len(archived) == 1:  # an archived contact is still found by its name, marked archived
        card = contact_card(
            session, workspace=workspace, contact_id=archived[0].contact_id, now=now
        )
        return PersonLookup(query, card=card)
    near = [hit.contact for hit in hits]
    return PersonLookup(query, candidates=near, near_misses=bool(near))


@dataclass(frozen=True)
class LeadLookup:
    """ "Follow up on the Dana lead": the open leads (and jobs) of whoever the name means.

    `deals` are filled only by `look_up_open_job`: a lead converted into a job is followed
    there. With nothing open, `people` says whom the name meant; all empty means the name fits
    no one.
    """

    name: str
    leads: list[Lead] = field(default_factory=list)
    people: list[FoundContact] = field(default_factory=list)
    deals: list[Opportunity] = field(default_factory=list)

    @property
    def lead(self) -> Lead | None:
        """The lead to act on: only when it is the one open record."""
        return self.leads[0] if len(self.leads) == 1 and not self.deals else None

    @property
    def deal(self) -> Opportunity | None:
        """The job to act on: only when it is the one open record."""
        return self.deals[0] if len(self.deals) == 1 and not self.leads else None


def look_up_open_lead(session: Session, *, workspace: Workspace, name: str) -> LeadLookup:
    """The open leads a person's name points to, newest first; whom it meant if there are none."""
    leads = open_leads_for_person(session, workspace=workspace, name=name)
    if leads:
        return LeadLookup(name, leads=leads)
    return LeadLookup(name, people=resolve_person(session, workspace=workspace, name=name))


def look_up_open_job(session: Session, *, workspace: Workspace, name: str) -> LeadLookup:
    """The open leads and open jobs a person's name points to; whom it meant if there are none."""
    people = resolve_person(session, workspace=workspace, name=name)
    leads = open_leads_of(session, workspace=workspace, people=people)
    deals = open_deals_of(session, workspace=workspace, people=people)
    if leads or deals:
        return LeadLookup(name, leads=leads, deals=deals)
    return LeadLookup(name, people=people)


@dataclass(frozen=True)
class LastTouchLookup:
    """ "How long since we talked to Dana?": the last touchpoint, when the name meant one person."""

    name: str
    people: list[FoundContact]
    last: LastTouch | None = None


def look_up_last_touch(
    session: Session, *, workspace: Workspace, name: str, now: datetime
) -> LastTouchLookup:
    """The newest touchpoint with the one person a name means; else whom it could mean."""
    people = resolve_person(session, workspace=workspace, name=name)
    if len(people) != 1:
        return LastTouchLookup(name, people)
    last = last_touchpoint(session, workspace=workspace, contact_id=people[0].contact_id, now=now)
    return LastTouchLookup(name, people, last)
