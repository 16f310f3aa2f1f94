"""Logging with the person named: settled first, never guessed; nothing logged in doubt."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.activity.flows import log_from_text, log_with_person, person_on_record
from core.common.enums import FollowUpStatus, InteractionType, Outcome
from core.errors import InvalidInput, NotFound
from core.models import AuditEntry, Interaction, Workspace
from core.workspaces.service import get_workspace
from tests.conftest import STAFF, TEAM
from tests.core.factories import make_contact, make_lead, make_opportunity

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday in New York


@pytest.fixture
def ws(session: Session, workspace_id: str) -> Workspace:
    return get_workspace(session, workspace_id)


def written(session: Session) -> tuple[int, int]:
    interactions = session.scalar(select(func.count()).select_from(Interaction)) or 0
    audits = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return int(interactions), int(audits)


def test_a_log_line_for_one_person_is_logged_with_its_follow_up(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    logged = log_from_text(
        session,
        workspace=ws,
        actor=STAFF,
        text="call Dana Smith: wants a quote “soon” 🔧, call back Friday",
        now=NOW,
    )
    assert logged.interaction is not None and logged.contact_name == "Dana Smith"
    assert logged.today == date(2026, 3, 2) and logged.candidates == []
    row = logged.interaction
    assert (row.contact_id, row.type, row.logged_by) == (
        dana.contact_id,
        InteractionType.phone_call,
        STAFF,
    )
    assert row.body == "wants a quote “soon” 🔧, call back Friday"
    assert (row.follow_up_date, row.follow_up_status) == (date(2026, 3, 6), FollowUpStatus.pending)


def test_a_name_that_fits_two_people_logs_nothing_and_says_who(
    session: Session, ws: Workspace
) -> None:
    make_contact(session, TEAM, "Dana", "Smith")
    make_contact(session, TEAM, "Dana", "Jones")
    before = written(session)
    logged = log_from_text(session, workspace=ws, actor=STAFF, text="call Dana: hi", now=NOW)
    assert logged.interaction is None and logged.who == "Dana"
    assert sorted(c.last_name or "" for c in logged.candidates) == ["Jones", "Smith"]
    assert logged.entry is not None and logged.entry.summary == "hi"
    assert written(session) == before


def test_a_stranger_logs_nothing(session: Session, ws: Workspace) -> None:
    before = written(session)
    logged = log_with_person(
        session, workspace=ws, actor=STAFF, who="Zed", type="note", body="hello", now=NOW
    )
    assert (logged.interaction, logged.candidates) == (None, [])
    assert written(session) == before


def test_bad_input_is_refused_before_anything_is_written(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    before = written(session)
    cases = [
        ({"type": "telegram", "body": "x"}, "type"),
        ({"type": "note", "body": "x" * 10_001}, "body"),
        ({"type": "note", "body": "x", "outcome": "maybe"}, "outcome"),
        ({"type": "note", "body": "x", "follow_up_date": date(2026, 2, 1)}, "follow_up_date"),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as refused:
            log_with_person(
                session,
                workspace=ws,
                actor=STAFF,
                contact_id=dana.contact_id,
                now=NOW,
                **fields,  # type: ignore[arg-type]
            )
        assert refused.value.field == field
    with pytest.raises(InvalidInput):
        log_from_text(session, workspace=ws, actor=STAFF, text="call Dana wants a quote", now=NOW)
    assert written(session) == before


def test_a_record_named_is_logged_on_without_asking(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    lead = make_lead(session, TEAM, dana)
    logged = log_with_person(
        session,
        workspace=ws,
        actor=STAFF,
        who="someone else entirely",
        lead_id=lead.lead_id,
        type="meeting",
        body="Walked the job",
        outcome=Outcome.spoke,
        now=NOW,
    )
    assert logged.interaction is not None and logged.interaction.lead_id == lead.lead_id
    assert logged.interaction.contact_id == dana.contact_id
    assert logged.contact_name == "Dana Smith"


def test_the_person_on_a_lead_a_job_or_a_contact(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    lead = make_lead(session, TEAM, dana)
    deal = make_opportunity(session, TEAM, lead=lead)
    on_lead = person_on_record(session, workspace=ws, lead_id=lead.lead_id)
    assert (on_lead.contact_id, on_lead.contact_name, on_lead.lead_id) == (
        dana.contact_id,
        "Dana Smith",
        lead.lead_id,
    )
    on_job = person_on_record(session, workspace=ws, opportunity_id=deal.opportunity_id)
    assert (on_job.opportunity_id, on_job.lead_id) == (deal.opportunity_id, None)
    on_contact = person_on_record(session, workspace=ws, contact_id=dana.contact_id)
    assert (on_contact.contact_name, on_contact.lead_id) == ("Dana Smith", None)
    orphan = make_lead(session, TEAM, None, title="No contact yet")
    assert person_on_record(session, workspace=ws, lead_id=orphan.lead_id).contact_id is None
    with pytest.raises(NotFound):
        person_on_record(session, workspace=ws, lead_id="ld_elsewhere")
