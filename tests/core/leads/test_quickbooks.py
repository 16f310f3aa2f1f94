"""Hard stop 5: a QuickBooks customer only by an owner, confirmed, once; failures store nothing.

The claim half and the record half of `core.quickbooks.pushes`; the calls between them are
tested over HTTP in tests/integrations/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import InteractionType
from core.errors import (
    ConfirmationRequired,
    CRMError,
    InvalidTransition,
    NotAnOwner,
    NotFound,
    QuickBooksRejected,
    QuickBooksThrottled,
)
from core.leads.quickbooks import decline_quickbooks_prompt
from core.models import AuditEntry, Company, Contact, Interaction, Workspace
from core.ports import CustomerRecord, QuickBooksCustomer
from core.quickbooks.pushes import (
    PushChoice,
    PushClaim,
    claim_quickbooks_push,
    distinct_name,
    fail_quickbooks_push,
    record_quickbooks_customer,
)
from core.workspaces.service import ensure_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_company, make_contact

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _claim(session: Session, ws: Workspace, contact_id: str, **overrides: Any) -> PushClaim:
    arguments: dict[str, Any] = {
        "actor": OWNER,
        "confirmed": True,
        "choice": PushChoice.create,
    } | overrides
    return claim_quickbooks_push(session=session, workspace=ws, contact_id=contact_id, **arguments)


def _record(session: Session, ws: Workspace, claim: PushClaim, customer_id: str) -> Contact:
    return record_quickbooks_customer(
        session=session,
        workspace=ws,
        actor=OWNER,
        push_id=claim.push_id,
        customer=QuickBooksCustomer(customer_id, claim.customer.display_name),
        linked=False,
        now=NOW,
    )


def _dana(session: Session, **fields: Any) -> Contact:
    return make_contact(
        session,
        TEAM,
        first_name="Dana",
        last_name="O'Neil 🚿",
        phones=["+15552013344", "+15552019999"],
        emails=["dana@example.com"],
        address="123 Main St",
        **fields,
    )


def _audits(session: Session) -> list[tuple[str, str]]:
    return [
        (entry.action, entry.actor)
        for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.workspace_id == TEAM).order_by(AuditEntry.id)
        )
    ]


def test_every_way_round_the_gate_is_refused_and_the_id_is_stored_once(
    session: Session, ws: Workspace
) -> None:
    dana = _dana(session)
    with pytest.raises(ConfirmationRequired, match="Create Dana O'Neil 🚿 in QuickBooks\\?"):
        _claim(session, ws, dana.contact_id, confirmed=False)
    with pytest.raises(NotAnOwner):
        _claim(session, ws, dana.contact_id, actor=STAFF)
    assert dana.quickbooks_customer_id is None
    assert _audits(session) == []
    claim = _claim(session, ws, dana.contact_id)
    assert claim.customer == CustomerRecord(
        display_name="Dana O'Neil 🚿",
        given_name="Dana",
        family_name="O'Neil 🚿",
        company_name=None,
        phone="+15552013344",
        email="dana@example.com",
        address="123 Main St",
    )
    assert claim.request_id == f"{claim.push_id}-1" and claim.look_first
    created = _record(session, ws, claim, "QB-101")
    assert created.quickbooks_customer_id == "QB-101"
    with pytest.raises(InvalidTransition, match="already in QuickBooks \\(customer QB-101\\)"):
        _claim(session, ws, dana.contact_id)
    session.expire_all()
    again = session.get(Contact, dana.contact_id)
    assert again is not None and again.quickbooks_customer_id == "QB-101"
    assert _audits(session) == [
        ("confirm_quickbooks_customer", OWNER),
        ("create_quickbooks_customer", OWNER),  # the contact
        ("create_quickbooks_customer", OWNER),  # the claim, settled
        ("log_interaction", OWNER),  # the system note in the contact's history
    ]
    note = session.scalars(
        select(Interaction).where(Interaction.contact_id == dana.contact_id)
    ).one()
    assert (note.type, note.body) == (
        InteractionType.system,
        "Created in QuickBooks as customer QB-101 (Dana O'Neil 🚿).",
    )


def test_a_retry_resends_the_same_request_id_and_a_refusal_starts_a_new_one(
    session: Session, ws: Workspace
) -> None:
    dana = _dana(session)
    first = _claim(session, ws, dana.contact_id)
    # The process died after calling QuickBooks: the claim is still `claimed`.
    again = _claim(session, ws, dana.contact_id)
    assert again.request_id == first.request_id and not again.look_first
    fail_quickbooks_push(
        session=session,
        workspace=ws,
        push_id=first.push_id,
        problem=QuickBooksRejected("QuickBooks refused the customer: bad email"),
    )
    after_refusal = _claim(session, ws, dana.contact_id, choice=PushChoice.create_new)
    assert after_refusal.request_id == f"{first.push_id}-2"
    fail_quickbooks_push(
        session=session,
        workspace=ws,
        push_id=first.push_id,
        problem=QuickBooksThrottled("busy", retry_after=3),
    )
    after_throttle = _claim(session, ws, dana.contact_id, choice=PushChoice.create_new)
    assert after_throttle.request_id == f"{first.push_id}-2"  # 429: nothing was done


def test_a_taken_name_proposes_a_numbered_one() -> None:
    assert distinct_name("Dana Smith") == "Dana Smith (2)"
    assert distinct_name("Dana Smith (2)") == "Dana Smith (3)"
    assert len(distinct_name("x" * 100)) == 100


def test_the_company_gets_the_id_only_when_it_has_none(session: Session, ws: Workspace) -> None:
    bare = make_company(session, TEAM, name="Acme Rentals")
    billed = make_company(session, TEAM, name="Billed Co", quickbooks_customer_id="QB-9")
    first = _dana(session, company_id=bare.company_id)
    second = make_contact(session, TEAM, first_name="Lee", company_id=billed.company_id)
    claims = [_claim(session, ws, contact.contact_id) for contact in (first, second)]
    for claim in claims:
        _record(session, ws, claim, "QB-55")
    assert [claim.customer.company_name for claim in claims] == ["Acme Rentals", "Billed Co"]
    assert claims[1].customer.email is None and claims[1].customer.phone is None
    session.expire_all()
    assert session.get(Company, bare.company_id).quickbooks_customer_id == "QB-55"  # type: ignore[union-attr]
    assert session.get(Company, billed.company_id).quickbooks_customer_id == "QB-9"  # type: ignore[union-attr]


@pytest.mark.parametrize("answer", ["", "  ", "x" * 65])
def test_an_unusable_answer_stores_nothing(session: Session, ws: Workspace, answer: str) -> None:
    dana = _dana(session)
    claim = _claim(session, ws, dana.contact_id)
    with pytest.raises(CRMError) as failed:
        _record(session, ws, claim, answer)
    assert "nothing was saved" in failed.value.message.lower()
    assert "Dana O'Neil 🚿" in failed.value.message
    session.expire_all()
    again = session.get(Contact, dana.contact_id)
    assert again is not None and again.quickbooks_customer_id is None
    assert [action for action, _ in _audits(session)] == ["confirm_quickbooks_customer"]


def test_an_unknown_contact_never_reaches_quickbooks(session: Session, ws: Workspace) -> None:
    ensure_workspace(session, "T0OTHER")
    stranger = make_contact(session, "T0OTHER")
    for contact_id in ("ct_missing", stranger.contact_id):
        with pytest.raises(NotFound):
            _claim(session, ws, contact_id)
    assert _audits(session) == []


def test_not_now_is_recorded_and_changes_nothing(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    with pytest.raises(NotAnOwner):
        decline_quickbooks_prompt(
            session=session, workspace=ws, actor=STAFF, contact_id=dana.contact_id
        )
    decline_quickbooks_prompt(
        session=session, workspace=ws, actor=OWNER, contact_id=dana.contact_id
    )
    entry = session.scalars(select(AuditEntry).where(AuditEntry.workspace_id == TEAM)).one()
    assert (entry.action, entry.actor, entry.entity_id) == (
        "decline_quickbooks_prompt",
        OWNER,
        dana.contact_id,
    )
    assert entry.before == entry.after
    assert dana.quickbooks_customer_id is None
