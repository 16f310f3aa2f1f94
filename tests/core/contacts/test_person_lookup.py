"""Whom a request names: one person's card, a choice, close spellings, or nobody; never a guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.common.enums import InteractionType, LeadStatus
from core.contacts.person_lookup import look_up_last_touch, look_up_open_lead, look_up_person
from core.models import Workspace
from core.workspaces.service import get_workspace
from tests.conftest import TEAM
from tests.core.factories import count_statements, make_contact, make_interaction, make_lead

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def ws(session: Session, workspace_id: str) -> Workspace:
    return get_workspace(session, workspace_id)


def test_one_person_gets_their_card(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    make_lead(session, TEAM, dana, title="Leaky faucet")
    for query in ("Dana Smith", "555-201-3344", "dana smith"):
        found = look_up_person(session, workspace=ws, query=query, now=NOW)
        assert found.card is not None and found.card.contact.contact_id == dana.contact_id
        assert [lead.title for lead in found.card.open_leads] == ["Leaky faucet"]
        assert found.candidates == [] and not found.near_misses


def test_two_people_are_a_choice_not_a_guess(session: Session, ws: Workspace) -> None:
    smith = make_contact(session, TEAM, "Dana", "Smith")
    jones = make_contact(session, TEAM, "Dana", "Jones")
    found = look_up_person(session, workspace=ws, query="Dana", now=NOW)
    assert found.card is None and not found.near_misses
    assert {c.contact_id for c in found.candidates} == {smith.contact_id, jones.contact_id}


def test_a_typo_offers_close_spellings_and_a_stranger_is_nobody(
    session: Session, ws: Workspace
) -> None:
    danielle = make_contact(session, TEAM, "Danielle", "Smithson")
    typo = look_up_person(session, workspace=ws, query="Danelle Smythe", now=NOW)
    assert typo.card is None and typo.near_misses
    assert [c.contact_id for c in typo.candidates] == [danielle.contact_id]
    nobody = look_up_person(session, workspace=ws, query="Zed Quux", now=NOW)
    assert (nobody.card, nobody.candidates, nobody.near_misses) == (None, [], False)
    emoji = look_up_person(session, workspace=ws, query="🔧 “O'Brien”", now=NOW)
    assert emoji.card is None


def test_a_name_with_one_open_lead_settles_on_it(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    make_lead(session, TEAM, dana, title="Old", status=LeadStatus.disqualified)
    lead = make_lead(session, TEAM, dana, title="Leaky faucet")
    found = look_up_open_lead(session, workspace=ws, name="Dana")
    assert found.lead is not None and found.lead.lead_id == lead.lead_id


def test_several_open_leads_are_a_choice(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    jones = make_contact(session, TEAM, "Dana", "Jones")
    make_lead(session, TEAM, dana, title="Faucet", created_at=NOW - timedelta(days=2))
    make_lead(session, TEAM, jones, title="Gutter", created_at=NOW - timedelta(days=1))
    found = look_up_open_lead(session, workspace=ws, name="Dana")
    assert found.lead is None
    assert [lead.title for lead in found.leads] == ["Gutter", "Faucet"]  # newest first


def test_no_open_lead_says_whom_the_name_meant(session: Session, ws: Workspace) -> None:
    pat = make_contact(session, TEAM, "Pat", "Quinn")
    make_lead(session, TEAM, pat, title="Deck", status=LeadStatus.converted)
    found = look_up_open_lead(session, workspace=ws, name="Pat")
    assert (found.lead, found.leads) == (None, [])
    assert [person.contact_id for person in found.people] == [pat.contact_id]
    nobody = look_up_open_lead(session, workspace=ws, name="Zed")
    assert (nobody.leads, nobody.people) == ([], [])


def test_last_touch_of_one_person_else_whom_it_could_be(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    make_interaction(
        session,
        TEAM,
        dana,
        type=InteractionType.phone_call,
        body="Wants a quote",
        timestamp=NOW - timedelta(days=2),
    )
    found = look_up_last_touch(session, workspace=ws, name="Dana Smith", now=NOW)
    assert found.last is not None and found.last.days_ago == 2
    assert found.last.touch is not None and found.last.touch.summary == "Wants a quote"
    make_contact(session, TEAM, "Dana", "Jones")
    several = look_up_last_touch(session, workspace=ws, name="Dana", now=NOW)
    assert several.last is None and len(several.people) == 2


def test_lookups_take_the_same_statements_for_one_person_or_many(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    make_lead(session, TEAM, dana)
    with count_statements(session) as few:
        look_up_open_lead(session, workspace=ws, name="Dana Smith")
    for n in range(40):
        other = make_contact(session, TEAM, "Sam", f"Lee{n}")
        make_lead(session, TEAM, other)
    with count_statements(session) as many:
        look_up_open_lead(session, workspace=ws, name="Dana Smith")
    assert many.n == few.n


def _customer_statements(session: Session) -> dict[str, tuple[int, str]]:
    """Statements and what `/customer` found for a name, a phone, an email and a miss."""
    seen_by_query = {}
    for query in ("Dana Smith", "555-201-3344", "DANA@example.com", "555-777-1234", "Zebulon"):
        session.expunge_all()
        ws = get_workspace(session, TEAM)
        with count_statements(session) as seen:
            found = look_up_person(session, workspace=ws, query=query, now=NOW)
        shown = found.card.contact.full_name if found.card else f"{len(found.candidates)} others"
        seen_by_query[query] = (seen.n, shown)
    return seen_by_query


def test_customer_lookups_take_the_same_statements_for_3_or_300_contacts(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(
        session, TEAM, "Dana", "Smith", phones=["+15552013344"], emails=["dana@example.com"]
    )
    make_lead(session, TEAM, dana)
    make_interaction(session, TEAM, contact=dana, timestamp=NOW - timedelta(days=1))
    for n in range(2):
        make_contact(session, TEAM, "Sam", f"Lee{n}", phones=[f"+1555300{n:04d}"])
    few = _customer_statements(session)
    for n in range(2, 300):
        other = make_contact(session, TEAM, "Sam", f"Lee{n}", phones=[f"+1555300{n:04d}"])
        make_lead(session, TEAM, other)
        make_interaction(session, TEAM, contact=other, timestamp=NOW - timedelta(days=n % 30))
    many = _customer_statements(session)
    assert many == few, (few, many)
    # A phone nobody has is two probes of the lookup table (resolve, then near misses).
    assert few["555-777-1234"][0] == 2
    assert max(n for n, _ in few.values()) <= 10  # the card reads its company, last merge
    # and next follow-ups
    # The card: its open leads, its company and last merge, its last touch, its next
    # follow-ups (the contact itself is the one the lookup just loaded). Before it, a phone or
    # email is one probe with the points; an exact name is a btree probe, then the contact.
    assert few["555-201-3344"][0] == few["DANA@example.com"][0] == 1 + 4
    assert few["Dana Smith"][0] == 2 + 4
    assert few["Dana Smith"][1] == few["555-201-3344"][1] == few["DANA@example.com"][1]
    assert few["Dana Smith"][1] == "Dana Smith"
    assert few["555-777-1234"][1] == "0 others"
    assert few["Zebulon"][1] == "0 others"
