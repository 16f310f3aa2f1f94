"""One owner tap on a QuickBooks button: claim (committed), call QuickBooks, record.

Three transactions on purpose: the claim and the owner's confirmation are stored before
QuickBooks hears of the customer, no database transaction stays open across the network
call, and the answer (a customer, a match to offer, a clash, a refusal) is recorded after.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

from core.errors import NotFound, QuickBooksDisconnected, QuickBooksNameTaken, QuickBooksProblem
from core.models import Workspace
from core.ports import CustomerRecord, QuickBooksCustomer, QuickBooksCustomers
from core.quickbooks.pushes import (
    PushChoice,
    PushClaim,
    claim_quickbooks_push,
    fail_quickbooks_push,
    offer_quickbooks_match,
    propose_quickbooks_name,
    record_quickbooks_customer,
)

__all__ = ["PushOutcome", "PushResult", "push_to_quickbooks"]


class PushResult(StrEnum):
    created = "created"
    linked = "linked"
    offered = "offered"  # found in QuickBooks: Link / Create new
    renaming = "renaming"  # the name is taken by someone else: Create as "NAME (2)"
    failed = "failed"  # QuickBooks said no: Retry or Reconnect


@dataclass(frozen=True)
class PushOutcome:
    """What happened, for the reply to the owner."""

    result: PushResult
    contact_id: str
    contact_name: str
    customer: QuickBooksCustomer | None = None
    proposed_name: str | None = None
    problem: QuickBooksProblem | None = None


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")[-10:]


def same_person(record: CustomerRecord, found: QuickBooksCustomer) -> bool:
    """Whether QuickBooks' customer has the contact's email or phone."""
    if record.email and found.email and record.email.lower() == found.email.strip().lower():
        return True
    mine, theirs = _digits(record.phone), _digits(found.phone)
    return bool(mine) and len(mine) >= 7 and mine == theirs


def _workspace(session: Session, workspace_id: str) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("That workspace is not known here.")
    return workspace


def push_to_quickbooks(
    *,
    sessions: sessionmaker[Session],
    workspace_id: str,
    actor: str,
    contact_id: str,
    choice: PushChoice,
    quickbooks: QuickBooksCustomers | None,
    clock: Callable[[], datetime],
) -> PushOutcome:
    """Act on the owner's tap; QuickBooks' refusals come back as a `failed` outcome."""
    with sessions.begin() as session:
        claim = claim_quickbooks_push(
            session=session,
            workspace=_workspace(session, workspace_id),
            actor=actor,
            contact_id=contact_id,
            confirmed=True,
            choice=choice,
        )
    try:
        if quickbooks is None:
            raise QuickBooksDisconnected("QuickBooks is not connected; an owner can connect it.")
        return _call(sessions, workspace_id, actor, claim, choice, quickbooks, clock)
    except QuickBooksProblem as problem:
        with sessions.begin() as session:
            fail_quickbooks_push(
                session=session,
                workspace=_workspace(session, workspace_id),
                push_id=claim.push_id,
                problem=problem,
            )
        return PushOutcome(PushResult.failed, claim.contact_id, claim.contact_name, problem=problem)


def _call(
    sessions: sessionmaker[Session],
    workspace_id: str,
    actor: str,
    claim: PushClaim,
    choice: PushChoice,
    quickbooks: QuickBooksCustomers,
    clock: Callable[[], datetime],
) -> PushOutcome:
    record = claim.customer
    if choice is PushChoice.link and claim.offered_customer_id:
        found = QuickBooksCustomer(claim.offered_customer_id, record.display_name)
        return _record(sessions, workspace_id, actor, claim, found, linked=True, clock=clock)
    if claim.look_first:
        found_or_none = quickbooks.find_customer(
            email=record.email, display_name=record.display_name
        )
        if found_or_none is not None:
            with sessions.begin() as session:
                offer_quickbooks_match(
                    session=session,
                    workspace=_workspace(session, workspace_id),
                    push_id=claim.push_id,
                    found=found_or_none,
                )
            return PushOutcome(
                PushResult.offered, claim.contact_id, claim.contact_name, customer=found_or_none
            )
    try:
        created = quickbooks.create_customer(record, request_id=claim.request_id)
    except QuickBooksNameTaken as taken:
        holder = quickbooks.find_customer(email=None, display_name=record.display_name)
        if holder is not None and same_person(record, holder):
            return _record(sessions, workspace_id, actor, claim, holder, linked=True, clock=clock)
        with sessions.begin() as session:
            push = propose_quickbooks_name(
                session=session,
                workspace=_workspace(session, workspace_id),
                push_id=claim.push_id,
                taken=taken,
            )
            proposed = push.display_name
        return PushOutcome(
            PushResult.renaming, claim.contact_id, claim.contact_name, proposed_name=proposed
        )
    return _record(sessions, workspace_id, actor, claim, created, linked=False, clock=clock)


def _record(
    sessions: sessionmaker[Session],
    workspace_id: str,
    actor: str,
    claim: PushClaim,
    customer: QuickBooksCustomer,
    *,
    linked: bool,
    clock: Callable[[], datetime],
) -> PushOutcome:
    with sessions.begin() as session:
        record_quickbooks_customer(
            session=session,
            workspace=_workspace(session, workspace_id),
            actor=actor,
            push_id=claim.push_id,
            customer=customer,
            linked=linked,
            now=clock(),
        )
    result = PushResult.linked if linked else PushResult.created
    return PushOutcome(result, claim.contact_id, claim.contact_name, customer=customer)
