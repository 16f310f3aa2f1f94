"""The web-form intake in core: fields read as forms name them, one lead per post, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import LeadSource
from core.errors import InvalidInput, NotAnOwner, NotFound
from core.leads.web_form import (
    SENDER_LIMIT,
    FormPost,
    FormResult,
    disable_form,
    form_workspace,
    read_form_fields,
    record_form_attempt,
    rotate_form_token,
    submit_web_form,
)
from core.models import AuditEntry, Contact, Lead
from core.workspaces.service import get_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


@pytest.fixture
def form(sessions: sessionmaker[Session], workspace_id: str) -> str:
    with sessions.begin() as session:
        workspace = rotate_form_token(
            session=session, workspace=get_workspace(session, TEAM), actor=OWNER, now=NOW
        )
        assert workspace.form_token is not None
        return workspace.form_token


def post(
    session: Session,
    fields: dict[str, str],
    *,
    sender: str = "203.0.113.7",
    idempotency_key: str | None = None,
) -> FormResult:
    return submit_web_form(
        session=session,
        workspace=get_workspace(session, TEAM),
        post=FormPost(read_form_fields(fields), sender, idempotency_key),
        now=NOW,
    )


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_website_form_becomes_a_web_form_lead_with_everything_kept(
    sessions: sessionmaker[Session], form: str
) -> None:
    with sessions.begin() as session:
        result = post(
            session,
            {
                "First Name": "Rita",
                "Last Name": "Moreno",
                "Phone": "555-777-0101",
                "E-mail": "Rita@Example.com",
                "Service Address": "9 Pine St",
                "Message": "Clogged drain in the basement\nSince Monday.",
                "How did you hear": "Neighbour",
                "Preferred time": "mornings",
                "crm_hp": "",
            },
        )
    assert not result.repeat and result.captured is not None
    with sessions() as session:
        lead = session.get(Lead, result.lead_id)
        assert lead is not None
        assert (lead.title, lead.source) == ("Clogged drain in the basement", LeadSource.web_form)
        assert lead.description == (
            "Clogged drain in the basement\nSince Monday.\n"
            "How they heard about us: Neighbour\npreferred_time: mornings"
        )
        contact = session.get(Contact, lead.contact_id)
        assert contact is not None
        assert (contact.first_name, contact.last_name) == ("Rita", "Moreno")
        assert (contact.phones, contact.emails) == (["+15557770101"], ["rita@example.com"])
        assert contact.address == "9 Pine St"


def test_a_known_phone_links_to_the_existing_contact(
    sessions: sessionmaker[Session], form: str
) -> None:
    with sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    with sessions.begin() as session:
        result = post(session, {"name": "Dana Smith", "phone": "(555) 201 3344", "message": "Tap"})
    with sessions() as session:
        lead = session.get(Lead, result.lead_id)
        assert lead is not None and lead.contact_id == dana.contact_id
        assert count(session, Contact) == 1


def test_neither_phone_nor_email_is_refused_and_writes_nothing(
    sessions: sessionmaker[Session], form: str
) -> None:
    with sessions.begin() as session, pytest.raises(InvalidInput, match="phone number or an email"):
        post(session, {"name": "Nobody", "message": "Call me maybe"})
    with sessions() as session:
        assert count(session, Lead) == 0 and count(session, Contact) == 0


def test_the_same_post_twice_or_the_same_key_makes_one_lead(
    sessions: sessionmaker[Session], form: str
) -> None:
    fields = {"name": "Raj Patel", "email": "raj@example.com", "message": "New breaker"}
    with sessions.begin() as session:
        first = post(session, fields)
    with sessions.begin() as session:
        again = post(session, fields)
    assert (again.repeat, again.lead_id, again.captured) == (True, first.lead_id, None)
    # Another sender with the same words is another inquiry; so is the same one 11 minutes on.
    with sessions.begin() as session:
        assert not post(session, fields, sender="198.51.100.2").repeat
    with sessions.begin() as session:
        later = submit_web_form(
            session=session,
            workspace=get_workspace(session, TEAM),
            post=FormPost(fields=read_form_fields(fields), sender="203.0.113.7"),
            now=NOW + timedelta(minutes=11),
        )
        assert not later.repeat and later.lead_id != first.lead_id
    # An Idempotency-Key makes different-looking retries one lead.
    with sessions.begin() as session:
        keyed = post(session, {"email": "k@example.com", "message": "a"}, idempotency_key="k-1")
    with sessions.begin() as session:
        retried = post(session, {"email": "k@example.com", "message": "b"}, idempotency_key="k-1")
    assert retried.repeat and retried.lead_id == keyed.lead_id
    with sessions() as session:
        assert count(session, Lead) == 4


def test_the_sender_limit_refuses_the_post_over_it_and_counts_every_post(
    sessions: sessionmaker[Session], form: str
) -> None:
    limit, _window = SENDER_LIMIT
    refusals = []
    for _ in range(limit + 2):
        with sessions.begin() as session:
            refusals.append(
                record_form_attempt(
                    session, workspace=get_workspace(session, TEAM), sender="203.0.113.9", now=NOW
                )
            )
    assert refusals[:limit] == [None] * limit
    assert all(r is not None and r.retry_after == 600 for r in refusals[limit:])
    with sessions.begin() as session:  # another sender is not limited by this one
        assert (
            record_form_attempt(
                session, workspace=get_workspace(session, TEAM), sender="203.0.113.10", now=NOW
            )
            is None
        )


def test_the_token_opens_only_its_enabled_form_and_only_owners_change_it(
    sessions: sessionmaker[Session], form: str
) -> None:
    with sessions() as session:
        assert form_workspace(session, form).workspace_id == TEAM
        for wrong in ("", "x" * 65, form[:-1] + ("A" if form[-1] != "A" else "B")):
            with pytest.raises(NotFound):
                form_workspace(session, wrong)
    with sessions.begin() as session, pytest.raises(NotAnOwner):
        rotate_form_token(
            session=session, workspace=get_workspace(session, TEAM), actor=STAFF, now=NOW
        )
    with sessions.begin() as session:
        disable_form(session=session, workspace=get_workspace(session, TEAM), actor=OWNER, now=NOW)
    with sessions() as session, pytest.raises(NotFound):
        form_workspace(session, form)
    with sessions.begin() as session:
        fresh = rotate_form_token(
            session=session, workspace=get_workspace(session, TEAM), actor=OWNER, now=NOW
        ).form_token
    assert fresh != form and fresh is not None and len(fresh) >= 40
    with sessions() as session:
        with pytest.raises(NotFound):
            form_workspace(session, form)  # the old URL stops at once
        assert form_workspace(session, fresh).workspace_id == TEAM
        trail = str([(a.before, a.after) for a in session.scalars(select(AuditEntry))])
        assert form not in trail and fresh not in trail
