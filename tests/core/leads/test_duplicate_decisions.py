"""A known phone or email with another name: the lead is saved and the duplicate question asked.

Same name (rapidfuzz, `SAME_NAME_SCORE`): linked as before. Another name (a spouse, a landlord,
a mistyped number): the lead is kept on the best match with nothing of that contact changed,
and the answer (Use existing / Merge / Create separate) settles the lead exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contacts.claims import same_person
from core.contacts.input import ContactInput
from core.contacts.service import DuplicateDecision, add_customer
from core.errors import InvalidTransition, NotFound
from core.leads.duplicate_decisions import decide_duplicate
from core.leads.inquiries import InquiryInput, capture_inquiry, capture_quick_lead
from core.models import AuditEntry, Contact, ContactPoint, Interaction, Lead, Workspace
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import count_rows, make_contact, row_counts

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
WRITTEN = (Contact, ContactPoint, Lead, Interaction, AuditEntry)


def _capture(session: Session, ws: Workspace, **fields: Any) -> Any:
    fields.setdefault("title", "Leaky faucet")
    fields.setdefault("source", "phone_call")
    return capture_inquiry(
        session=session, workspace=ws, actor=STAFF, inquiry=InquiryInput(**fields), now=NOW
    )


@pytest.mark.parametrize(
    ("given", "same"),
    [
        (("Dana", "Smith"), True),
        (("Dana", None), True),  # part of the name
        (("dana.smith", None), True),  # named from the email's local part
        (("Dana", "Smtih"), True),  # one typo: 90
        (("Danna", "Smith"), True),  # 95
        ((None, None), True),  # no name: the point decides
        (("Mary", "Smith"), False),  # the spouse: 70
        (("Tom", "Smith"), False),
        (("Acme", "Property Management"), False),  # the landlord
    ],
)
def test_same_person_is_a_fuzzy_name_match(
    session: Session, ws: Workspace, given: tuple[str | None, str | None], same: bool
) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    assert same_person(dana, *given) is same


def test_short_names_one_letter_apart_are_two_people(session: Session, ws: Workspace) -> None:
    tim = make_contact(session, TEAM, "Tim", "Lee")
    assert same_person(tim, "Tom", "Lee") is False  # 86 < 90
    unknown = make_contact(session, TEAM, "Unknown caller", None)
    assert same_person(unknown, "Tom", "Lee") is True  # a placeholder is no name


def test_a_known_phone_with_another_name_saves_the_lead_and_asks(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"], address="1 Elm")
    captured = capture_quick_lead(
        session=session,
        workspace=ws,
        actor=STAFF,
        text="Mary Smith, (555) 201 3344, new water heater at 9 Oak St",
        now=NOW,
    )
    assert captured.contact is dana and captured.contact_existed is True
    assert captured.lead.contact_id == dana.contact_id  # saved, on the match for now
    question = captured.question
    assert question is not None
    assert [(m.contact_id, m.name) for m in question.matches] == [(dana.contact_id, "Dana Smith")]
    assert question.proposed["first_name"] == "Mary" and question.proposed["last_name"] == "Smith"
    assert question.proposed["phones"] == ["+15552013344"]
    assert (question.lead_id, question.lead_contact_id) == (
        captured.lead.lead_id,
        dana.contact_id,
    )
    # Nothing of Dana's record was touched: no name note, no address, no new point.
    assert (dana.notes, dana.address, dana.phones) == (None, "1 Elm", ["+15552013344"])
    assert captured.notice_text.startswith("New inquiry from Mary Smith — new water heater")
    assert captured.link_text == (
        "Same phone or email as Dana Smith, but another name: the lead is on Dana Smith's "
        "record until that is decided."
    )
    assert count_rows(session, Contact) == 1


def test_the_same_name_is_linked_without_a_question(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    captured = _capture(session, ws, first_name="Dana", last_name="Smtih", phones=("5552013344",))
    assert captured.contact is dana and captured.question is None
    assert captured.link_text == "Linked to the existing contact Dana Smith."


def _asked(session: Session, ws: Workspace) -> tuple[Contact, Any]:
    dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    captured = _capture(session, ws, first_name="Mary", last_name="Smith", phones=("555-201-3344",))
    assert captured.question is not None
    return dana, captured


def _answer(session: Session, ws: Workspace, captured: Any, decision: str, **kw: Any) -> Any:
    question = captured.question
    return decide_duplicate(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput.from_proposed(question.proposed),
        decision=decision,
        lead_id=question.lead_id,
        lead_contact_id=question.lead_contact_id,
        **kw,
    )


def test_create_separate_moves_the_lead_and_its_interaction_once(
    session: Session, ws: Workspace
) -> None:
    dana, captured = _asked(session, ws)
    added = _answer(session, ws, captured, "create_separate")
    assert added.created is True and added.contact.full_name == "Mary Smith"
    assert added.contact.phones == ["+15552013344"]
    lead = session.get(Lead, captured.lead.lead_id)
    assert lead is not None and lead.contact_id == added.contact.contact_id
    interaction = session.get(Interaction, captured.interaction.interaction_id)
    assert interaction is not None and interaction.contact_id == added.contact.contact_id
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["create_contact_despite_duplicate", "move_lead"]
    assert count_rows(session, Contact) == 2


def test_a_second_answer_writes_nothing(session: Session, ws: Workspace) -> None:
    dana, captured = _asked(session, ws)
    _answer(session, ws, captured, "create_separate")
    before = row_counts(session, *WRITTEN)
    with pytest.raises(InvalidTransition, match="already decided"):
        _answer(session, ws, captured, "use_existing", match_contact_id=dana.contact_id)
    assert row_counts(session, *WRITTEN) == before


def test_use_existing_keeps_the_lead_and_merge_adds_the_name(
    session: Session, ws: Workspace
) -> None:
    dana, captured = _asked(session, ws)
    kept = _answer(session, ws, captured, "use_existing", match_contact_id=dana.contact_id)
    assert kept.contact is dana and kept.created is False
    assert count_rows(session, Contact) == 1 and dana.notes is None
    merged = _answer(session, ws, captured, "merge", match_contact_id=dana.contact_id)
    assert merged.contact is dana and merged.decision == DuplicateDecision.merge
    assert dana.notes == "Also given the name: Mary Smith"
    lead = session.get(Lead, captured.lead.lead_id)
    assert lead is not None and lead.contact_id == dana.contact_id


def test_use_existing_with_another_workspaces_contact_is_refused(
    session: Session, ws: Workspace
) -> None:
    """Item 12: it used to create a new contact when the phone matched nothing here."""
    other = ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=[OWNER]))
    theirs = make_contact(session, other.workspace_id, "Pat", "Lee", phones=["+15559990000"])
    before = row_counts(session, *WRITTEN)
    for decision in (DuplicateDecision.use_existing, DuplicateDecision.merge):
        with pytest.raises(NotFound):
            add_customer(
                session=session,
                workspace=ws,
                actor=STAFF,
                data=ContactInput(first_name="Pat", phones=("555-999-0000",)),
                decision=decision,
                match_contact_id=theirs.contact_id,
            )
    assert row_counts(session, *WRITTEN) == before


def test_use_existing_when_nothing_matches_any_more_creates_nothing(
    session: Session, ws: Workspace
) -> None:
    elsewhere = make_contact(session, TEAM, "Pat", "Lee", phones=["+15550001111"])
    before = row_counts(session, *WRITTEN)
    with pytest.raises(InvalidTransition, match="no longer shares"):
        add_customer(
            session=session,
            workspace=ws,
            actor=STAFF,
            data=ContactInput(first_name="Pat", phones=("555-999-0000",)),
            decision="use_existing",
            match_contact_id=elsewhere.contact_id,
        )
    assert row_counts(session, *WRITTEN) == before
