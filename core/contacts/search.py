"""Finding people and leads from what someone typed: a phone, an email, or a name.

A phone or email is an exact probe of the indexed lookup table. A name that names one person
exactly is a btree probe (`exact_name_match`); otherwise a name is matched fuzzily
(rapidfuzz WRatio) against the names it could be: on Postgres the best of a pg_trgm index
probe, on SQLite every name (`core/contacts/name_search.py`); either way one narrow query, so
a search is a fixed number of statements however many contacts there are. When a name could
mean several people, `resolve_person` returns them all so the bot offers a choice rather than
guessing. The people found are read as rows (`FoundContact`, core/contacts/found.py), not
loaded as entities: a lookup changes no one, and a request that goes on to change someone
loads them by id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from core.common.enums import OPEN_LEAD_STATUSES, OpportunityStage
from core.contacts.found import (
    FoundContact,
    Person,
    found_columns,
    point_alias,
    read_found,
    read_rows,
)
from core.contacts.matching import find_contacts_by_points
from core.contacts.name_search import exact_name_match, name_candidates
from core.contacts.points import (
    Found,
    normalize_email,
    normalize_phone,
    scan_emails,
    scan_phones,
)
from core.errors import InvalidEmail, InvalidPhone
from core.models import Contact, Lead, Opportunity, Workspace
from core.reports.rows import in_play

__all__ = [
    "ContactHit",
    "OPEN_DEAL_STAGES",
    "open_deals_of",
    "open_leads_for_person",
    "open_leads_of",
    "resolve_person",
    "search_contacts",
    "search_leads",
]

SEARCH_CUTOFF = 70
"""Lowest WRatio score a name search shows (typos and partial names still find people)."""
RESOLVE_CUTOFF = 80
"""Lowest score a name is taken to mean a person when acting on their record."""
LEAD_NAME_CUTOFF = 85
"""Lead search also finds a contact's leads by name, but only on a close name match."""
#: A job still being worked: not yet won or lost.
OPEN_DEAL_STAGES = (
    OpportunityStage.estimating,
    OpportunityStage.proposal_sent,
    OpportunityStage.scheduled,
)
CLOSE_TO_BEST = 15
"""Candidates within this many points of the best are offered together."""
MAX_QUERY = 500


@dataclass(frozen=True)
class ContactHit:
    """One contact found, how sure the match is (0-100) and what it matched on."""

    contact: FoundContact
    score: float
    matched_on: str  # "phone", "email", "phone, email" or "name"


@dataclass(frozen=True)
class _Probe:
    phones: list[str]
    emails: list[str]
    rest: str  # the query with the phones and emails cut out


def _blank_out(text: str, spans: Sequence[Found]) -> str:
    """The text with each found span turned to spaces (positions kept for the next scan)."""
    for found in spans:
        text = text[: found.start] + " " * (found.end - found.start) + text[found.end :]
    return text


_JUST_A_PHONE = re.compile(r"[0-9+][0-9 +.\-]*")
# One word that the email scan would take whole (core/contacts/points.py: `_EMAIL_CANDIDATE`,
# with nothing it trims off the end).
_JUST_AN_EMAIL = re.compile(r"[^\s,;:<>()\[\]\"@]+@[^\s,;:<>()\[\]\"@]*[^\s,;:<>()\[\]\"@.!?'’”-]")


def _probe(query: str, region: str) -> _Probe:
    # The usual lookups, by number or by address: one parse instead of a scan of the text
    # (which finds the same, and nothing else); what does not parse is scanned as before.
    if _JUST_A_PHONE.fullmatch(query):
        try:
            return _Probe(phones=[normalize_phone(query, region)], emails=[], rest="")
        except InvalidPhone:
            pass
    elif _JUST_AN_EMAIL.fullmatch(query):
        try:
            return _Probe(phones=[], emails=[normalize_email(query)], rest="")
        except InvalidEmail:
            pass
    emails = [f for f in scan_emails(query) if f.value]
    masked = _blank_out(query, emails)
    phones = [f for f in scan_phones(masked, region) if f.value]
    masked = _blank_out(masked, phones)
    return _Probe(
        phones=list(dict.fromkeys(f.value for f in phones if f.value)),
        emails=list(dict.fromkeys(f.value for f in emails if f.value)),
        rest=" ".join(masked.split()),
    )


def _names(
    session: Session, workspace: Workspace, text: str, *, include_archived: bool
) -> list[tuple[str, str, str]]:
    """(contact_id, first name, full name) of the contacts `text` could name: one query."""
    return name_candidates(
        session, workspace=workspace, text=text, include_archived=include_archived
    )


def _fuzzy(
    query: str, names: Sequence[tuple[str, str, str]], *, cutoff: float, limit: int
) -> list[tuple[str, float]]:
    choices = {cid: full for cid, _first, full in names}
    found = process.extract(
        query,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=cutoff,
        limit=limit,
    )
    return [(cid, float(score)) for _full, score, cid in found]


def _load(session: Session, workspace: Workspace, ids: Sequence[str]) -> list[FoundContact]:
    """The contacts with these ids, in that order, with their points: one statement, read
    as rows (core/contacts/found.py)."""
    if not ids:
        return []
    rows = read_rows(session, _load_statement(), {"ws": workspace.workspace_id, "ids": list(ids)})
    by_id = read_found(rows)
    return [by_id[cid] for cid in ids if cid in by_id]


@cache
def _load_statement() -> Select[Any]:
    """Built once, of table columns (Core): parameters `ws` and `ids`."""
    contacts, point = Contact.__table__, point_alias("point")
    return (
        select(*found_columns(point))
        .select_from(contacts)
        .outerjoin(point, point.c.contact_id == contacts.c.contact_id)
        .where(
            contacts.c.workspace_id == bindparam("ws"),
            contacts.c.contact_id.in_(bindparam("ids", expanding=True)),
        )
        .order_by(point.c.position, point.c.id)
    )


def _probe_hits(
    session: Session, workspace: Workspace, probe: _Probe, *, include_archived: bool
) -> list[ContactHit]:
    matches = find_contacts_by_points(
        session,
        workspace_id=workspace.workspace_id,
        phones=probe.phones,
        emails=probe.emails,
        include_archived=include_archived,
    )
    hits = []
    for match in matches:
        if match.contact.merged_into_contact_id is not None:
            continue
        kinds = ["email" if "@" in value else "phone" for value in match.matched_on]
        hits.append(
            ContactHit(match.contact, 100.0, ", ".join(dict.fromkeys(sorted(kinds, reverse=True))))
        )
    return hits


def search_contacts(
    session: Session,
    *,
    workspace: Workspace,
    query: str,
    limit: int = 10,
    include_archived: bool = True,
) -> list[ContactHit]:
    """Contacts a lookup could mean: exact by phone or email, else fuzzy by name."""
    text = " ".join(query.split())[:MAX_QUERY]
    if not text:
        return []
    probe = _probe(text, workspace.default_phone_region)
    if probe.phones or probe.emails:
        hits = _probe_hits(session, workspace, probe, include_archived=include_archived)
        if hits or not any(ch.isalpha() for ch in probe.rest):
            return hits[:limit]
        text = probe.rest
    names = _names(session, workspace, text, include_archived=include_archived)
    scored = _fuzzy(text, names, cutoff=SEARCH_CUTOFF, limit=limit)
    contacts = _load(session, workspace, [cid for cid, _ in scored])
    scores = dict(scored)
    return [ContactHit(c, scores[c.contact_id], "name") for c in contacts]


def resolve_person(session: Session, *, workspace: Workspace, name: str) -> list[FoundContact]:
    """The contacts a typed name could mean; one only when there is no doubt."""
    text = " ".join(name.split())[:MAX_QUERY]
    if not text:
        return []
    probe = _probe(text, workspace.default_phone_region)
    if probe.phones or probe.emails:
        hits = _probe_hits(session, workspace, probe, include_archived=True)
        if hits:
            return [hit.contact for hit in hits]
        if not any(ch.isalpha() for ch in probe.rest):
            return []  # a phone or email nobody has: no name to look for
    # The usual case, one person named exactly, without ranking anyone else (the rule below).
    one = exact_name_match(session, workspace=workspace, text=text, include_archived=False)
    if one is not None:
        return _load(session, workspace, [one])
    names = _names(session, workspace, text, include_archived=False)
    key = text.casefold()
    exact = [cid for cid, _first, full in names if full.casefold() == key]
    if not exact:
        exact = [cid for cid, first, _full in names if first.casefold() == key]
    if len(exact) == 1:
        return _load(session, workspace, exact)
    scored = _fuzzy(text, names, cutoff=RESOLVE_CUTOFF, limit=10)
    best = scored[0][1] if scored else 0.0
    close = [cid for cid, score in scored if score >= best - CLOSE_TO_BEST and cid not in exact]
    return _load(session, workspace, exact + close)


def search_leads(
    session: Session, *, workspace: Workspace, words: str, limit: int = 10
) -> list[Lead]:
    """`/lead find <words>`: leads whose title or description has every word, or whose
    contact's name is close to the words; newest first."""
    terms = " ".join(words.split())[:MAX_QUERY].split()
    if not terms:
        return []
    has_every_word = and_(
        *[
            or_(
                Lead.title.icontains(term, autoescape=True),
                Lead.description.icontains(term, autoescape=True),
            )
            for term in terms
        ]
    )
    names = _names(session, workspace, " ".join(terms), include_archived=True)
    people = [cid for cid, _ in _fuzzy(" ".join(terms), names, cutoff=LEAD_NAME_CUTOFF, limit=50)]
    condition = or_(has_every_word, Lead.contact_id.in_(people)) if people else has_every_word
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.workspace_id == workspace.workspace_id, condition, in_play(Lead.contact_id))
            .order_by(Lead.created_at.desc(), Lead.lead_id)
            .limit(limit)
        ).unique()
    )


def open_leads_for_person(session: Session, *, workspace: Workspace, name: str) -> list[Lead]:
    """Open leads of everyone a name could mean, for "follow up on the Dana lead"."""
    people = resolve_person(session, workspace=workspace, name=name)
    return open_leads_of(session, workspace=workspace, people=people)


def open_leads_of(
    session: Session, *, workspace: Workspace, people: Sequence[Person], limit: int | None = None
) -> list[Lead]:
    """The open leads of these people, newest first (the first `limit` of them)."""
    if not people:
        return []
    query = (
        select(Lead)
        .where(
            Lead.workspace_id == workspace.workspace_id,
            Lead.contact_id.in_([person.contact_id for person in people]),
            Lead.status.in_(OPEN_LEAD_STATUSES),
        )
        .order_by(Lead.created_at.desc(), Lead.lead_id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query).unique())


def open_deals_of(
    session: Session, *, workspace: Workspace, people: Sequence[Person]
) -> list[Opportunity]:
    """The open jobs (opportunities not yet won or lost) of these people, newest first."""
    if not people:
        return []
    return list(
        session.scalars(
            select(Opportunity)
            .where(
                Opportunity.workspace_id == workspace.workspace_id,
                Opportunity.contact_id.in_([person.contact_id for person in people]),
                Opportunity.stage.in_(OPEN_DEAL_STAGES),
            )
            .order_by(Opportunity.created_at.desc(), Opportunity.opportunity_id)
        ).unique()
    )
