"""Hard stop 5: a QuickBooks customer only by an owner, confirmed, once; failures store nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ConfirmationRequired, CRMError, InvalidTransition, NotAnOwner, NotFound
from core.leads.quickbooks import create_quickbooks_customer, decline_quickbooks_prompt
from core.models import AuditEntry, Company, Contact, Workspace
from core.workspaces.service import ensure_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_company, make_contact


class RecordingQuickBooks:
    """Stands in for QuickBooks: records every customer asked for, answers with an id."""

    def __init__(self, answer: str = "QB-101", failure: Exception | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer = answer
        self.failure = failure

    def create_customer(
        self,
        *,
        display_name: str,
        given_name: str | None,
        family_name: str | None,
        email: str | None,
        phone: str | None,
        address: str | None,
        company_name: str | None,
    ) -> str:
        self.calls.append(
            {
                "display_name": display_name,
                "given_name": given_name,
                "family_name": family_name,
                "email": email,
                "phone": phone,
                "address": address,
                "company_name": company_name,
            }
        )
        if self.failure is not None:
            raise self.failure
        return self.answer


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


def test_every_way_round_the_gate_is_refused_and_quickbooks_is_called_once(
    session: Session, ws: Workspace
) -> None:
    dana = _dana(session)
    quickbooks = RecordingQuickBooks()
    with pytest.raises(ConfirmationRequired, match="Create Dana O'Neil 🚿 in QuickBooks\\?"):
        create_quickbooks_customer(
            session=session,
            workspace=ws,
            actor=OWNER,
            contact_id=dana.contact_id,
            confirmed=False,
            quickbooks=quickbooks,
        )
    with pytest.raises(NotAnOwner):
        create_quickbooks_customer(
            session=session,
            workspace=ws,
            actor=STAFF,
            contact_id=dana.contact_id,
            confirmed=True,
            quickbooks=quickbooks,
        )
    assert quickbooks.calls == [] and dana.quickbooks_customer_id is None
    assert _audits(session) == []
    created = create_quickbooks_customer(
        session=session,
        workspace=ws,
        actor=OWNER,
        contact_id=dana.contact_id,
        confirmed=True,
        quickbooks=quickbooks,
    )
    assert created.quickbooks_customer_id == "QB-101"
    with pytest.raises(InvalidTransition, match="already in QuickBooks \\(customer QB-101\\)"):
        create_quickbooks_customer(
            session=session,
            workspace=ws,
            actor=OWNER,
            contact_id=dana.contact_id,
            confirmed=True,
            quickbooks=quickbooks,
        )
    assert quickbooks.calls == [
        {
            "display_name": "Dana O'Neil 🚿",
            "given_name": "Dana",
            "family_name": "O'Neil 🚿",
            "email": "dana@example.com",
            "phone": "+15552013344",
            "address": "123 Main St",
            "company_name": None,
        }
    ]
    session.expire_all()
    again = session.get(Contact, dana.contact_id)
    assert again is not None and again.quickbooks_customer_id == "QB-101"
    assert _audits(session) == [("create_quickbooks_customer", OWNER)]


def test_the_company_gets_the_id_only_when_it_has_none(session: Session, ws: Workspace) -> None:
    bare = make_company(session, TEAM, name="Acme Rentals")
    billed = make_company(session, TEAM, name="Billed Co", quickbooks_customer_id="QB-9")
    first = _dana(session, company_id=bare.company_id)
    second = make_contact(session, TEAM, first_name="Lee", company_id=billed.company_id)
    quickbooks = RecordingQuickBooks(answer="QB-55")
    for contact in (first, second):
        create_quickbooks_customer(
            session=session,
            workspace=ws,
            actor=OWNER,
            contact_id=contact.contact_id,
            confirmed=True,
            quickbooks=quickbooks,
        )
    assert [call["company_name"] for call in quickbooks.calls] == ["Acme Rentals", "Billed Co"]
    assert quickbooks.calls[1]["email"] is None and quickbooks.calls[1]["phone"] is None
    session.expire_all()
    assert session.get(Company, bare.company_id).quickbooks_customer_id == "QB-55"  # type: ignore[union-attr]
    assert session.get(Company, billed.company_id).quickbooks_customer_id == "QB-9"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "quickbooks",
    [
        RecordingQuickBooks(failure=RuntimeError("503 Service Unavailable")),
        RecordingQuickBooks(answer=""),
        RecordingQuickBooks(answer="x" * 65),
    ],
)
def test_a_quickbooks_failure_stores_nothing(
    session: Session, ws: Workspace, quickbooks: RecordingQuickBooks
) -> None:
    quickbooks.calls.clear()
    dana = _dana(session)
    with pytest.raises(CRMError) as failed:
        create_quickbooks_customer(
            session=session,
            workspace=ws,
            actor=OWNER,
            contact_id=dana.contact_id,
            confirmed=True,
            quickbooks=quickbooks,
        )
    assert "nothing was saved" in failed.value.message.lower()
    assert "Dana O'Neil 🚿" in failed.value.message
    assert len(quickbooks.calls) == 1
    session.expire_all()
    again = session.get(Contact, dana.contact_id)
    assert again is not None and again.quickbooks_customer_id is None
    assert _audits(session) == []


def test_an_unknown_contact_never_reaches_quickbooks(session: Session, ws: Workspace) -> None:
    ensure_workspace(session, "T0OTHER")
    stranger = make_contact(session, "T0OTHER")
    quickbooks = RecordingQuickBooks()
    for contact_id in ("ct_missing", stranger.contact_id):
        with pytest.raises(NotFound):
            create_quickbooks_customer(
                session=session,
                workspace=ws,
                actor=OWNER,
                contact_id=contact_id,
                confirmed=True,
                quickbooks=quickbooks,
            )
    assert quickbooks.calls == []


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
