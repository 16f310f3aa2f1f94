"""Deal edits beside lead edits, interactions and merges on one contact: none deadlocks.

A deal edit (stage, amount, won, lost) notes itself in the history, and the note's last touch
updates the deal's contact, then its leads; a lead edit and a logged call take the contact
first, and a merge locks both contacts before it moves their deals. So a deal edit takes its
contact before the deal (docs/reliability.md, "One lock order"). Locking the deal first, it
held the deal while it waited for the contact, and a merge holding the contact then waited for
the deal: Postgres aborted one ("deadlock detected"). The merge test orders the two the same
way every run; the busy-contact test shows the edits in the one order still all commit beside
lead edits and interactions (it passed with the deal first too: none of those waits for a deal).

Postgres only, with real threads (fixture `race_sessions` in conftest.py): SQLite lets one
writer at a time hold the whole database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from secrets import token_hex

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.activity.service import log_call_with, log_interaction
from core.common.enums import (
    CompanyStatus,
    InteractionType,
    LifecycleStage,
    LossReason,
    OpportunityStage,
    PipelineStage,
)
from core.contacts.merges import merge_contacts
from core.errors import InvalidTransition
from core.leads.opportunities import mark_lost, mark_won, set_opportunity_stage
from core.leads.planning import set_deal_amount, set_estimated_value
from core.leads.service import set_lead_stage
from core.models import (
    Company,
    Contact,
    Interaction,
    Lead,
    Opportunity,
    WonConfirmation,
    Workspace,
)
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.conftest import OWNER
from tests.core.factories import (
    make_company,
    make_contact,
    make_lead,
    make_opportunity,
    utc,
    won_token,
)
from tests.core.reports import pipeline_oracle as oracle

NOW = utc(2026, 11, 30, 13)
DEALS, LEADS, LOGGERS, OPERATIONS = 3, 2, 3, 12
DEAL_STAGES = (
    OpportunityStage.proposal_sent,
    OpportunityStage.scheduled,
    OpportunityStage.estimating,
)
LEAD_STAGES = (PipelineStage.needs_analysis, PipelineStage.estimate_sent)
WON, LOST, EDITED = 0, 1, 2  # what each deal's editor does last


def _at(thread: int, step: int) -> timedelta:
    """A moment of its own for every operation, so the newest touch is known beforehand."""
    return timedelta(minutes=thread * OPERATIONS + step + 1)


def _workspace(session: Session, team: str) -> Workspace:
    ws = session.get(Workspace, team)
    assert ws is not None
    return ws


def test_deal_edits_lead_edits_and_interactions_on_one_contact_all_commit(
    race_sessions: sessionmaker[Session],
) -> None:
    team = f"TD{token_hex(5)}"
    with race_sessions.begin() as session:
        ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        company = make_company(session, team)
        dana = make_contact(session, team, phones=["+15552013344"], company_id=company.company_id)
        contact_id, company_id = dana.contact_id, company.company_id
        leads = [
            make_lead(session, team, dana, title=f"Job {n}", created_at=NOW) for n in range(LEADS)
        ]
        lead_ids = [lead.lead_id for lead in leads]
        deal_ids = [
            make_opportunity(
                session, team, dana, leads[n % LEADS], name=f"Deal {n}", amount="1000"
            ).opportunity_id
            for n in range(DEALS)
        ]
        token = won_token(session, deal_ids[WON])
    threads = DEALS + LEADS + LOGGERS
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(thread: int, operation: Callable[[Session, Workspace, int], object]) -> None:
        """OPERATIONS transactions of `operation`, one per step, each on its own connection."""
        start.wait(timeout=20)
        for step in range(OPERATIONS):
            try:
                with race_sessions.begin() as session:
                    operation(session, _workspace(session, team), step)
            except BaseException as error:  # noqa: BLE001 - collected, the test fails on it
                errors.append(error)

    def edit_deal(n: int) -> Callable[[Session, Workspace, int], object]:
        """Stage and amount changes on deal `n` (its only editor), then won or lost."""

        def operation(session: Session, ws: Workspace, step: int) -> object:
            now = NOW + _at(n, step)
            common = {"session": session, "workspace": ws, "actor": OWNER, "now": now}
            deal_id = deal_ids[n]
            if step == OPERATIONS - 1 and n == WON:
                return mark_won(**common, opportunity_id=deal_id, confirmation=token)
            if step == OPERATIONS - 1 and n == LOST:
                return mark_lost(**common, opportunity_id=deal_id, reason=LossReason.timing)
            if step % 2 == 0:
                stage = DEAL_STAGES[step // 2 % len(DEAL_STAGES)]
                return set_opportunity_stage(**common, opportunity_id=deal_id, stage=stage)
            amount = Decimal(100 * n + step)
            return set_deal_amount(**common, opportunity_id=deal_id, amount=amount)

        return operation

    def edit_lead(n: int) -> Callable[[Session, Workspace, int], object]:
        def operation(session: Session, ws: Workspace, step: int) -> object:
            now = NOW + _at(DEALS + n, step)
            common = {"session": session, "workspace": ws, "actor": OWNER, "now": now}
            if step % 2 == 0:
                stage = LEAD_STAGES[step // 2 % len(LEAD_STAGES)]
                return set_lead_stage(**common, lead_id=lead_ids[n], stage=stage)
            value = Decimal(10 * n + step)
            return set_estimated_value(**common, lead_id=lead_ids[n], estimated_value=value)

        return operation

    def log(n: int) -> Callable[[Session, Workspace, int], object]:
        """Calls on the contact, replies on its leads, and notes on its deals."""

        def operation(session: Session, ws: Workspace, step: int) -> object:
            now = NOW + _at(DEALS + LEADS + n, step)
            common = {"session": session, "workspace": ws, "actor": OWNER, "now": now}
            if step % 3 == 0:
                return log_call_with(**common, contact_id=contact_id, summary="Talked it over")
            if step % 3 == 1:
                lead_id = lead_ids[(n + step) % LEADS]
                return log_interaction(
                    **common, type=InteractionType.sms, body="Ok", lead_id=lead_id
                )
            deal_id = deal_ids[(n + step) % DEALS]
            return log_interaction(
                **common, type=InteractionType.note, body="Sent plans", opportunity_id=deal_id
            )

        return operation

    jobs = [edit_deal(n) for n in range(DEALS)]
    jobs += [edit_lead(n) for n in range(LEADS)]
    jobs += [log(n) for n in range(LOGGERS)]
    workers = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers)

    assert errors == []
    newest = NOW + _at(threads - 1, OPERATIONS - 1)
    with race_sessions.begin() as session:
        total = session.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.workspace_id == team)
        )
        assert total == threads * OPERATIONS  # one note per edit, one per call, reply or note
        won, lost, edited = (session.get(Opportunity, deal_id) for deal_id in deal_ids)
        assert won is not None and won.stage == OpportunityStage.won
        assert lost is not None and lost.stage == OpportunityStage.lost
        assert edited is not None and edited.stage == DEAL_STAGES[2]  # step 10's stage
        assert edited.amount == Decimal(100 * EDITED + OPERATIONS - 1)
        contact = session.get(Contact, contact_id)
        assert contact is not None and contact.last_touch_at == newest
        assert contact.lifecycle_stage == LifecycleStage.customer
        company_after = session.get(Company, company_id)
        assert company_after is not None and company_after.status == CompanyStatus.active_customer
        assert oracle.lead_tallies(session, team) == oracle.counted_leads(session, team)
        assert oracle.deal_tallies(session, team) == oracle.counted_deals(session, team)
        assert oracle.first_replies(session, team) == oracle.counted_first_replies(session, team)


def _waiting_on_locks(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        count = session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return int(count or 0)


def _until_waiting(sessions: sessionmaker[Session], count: int) -> None:
    deadline = time.monotonic() + 20
    while _waiting_on_locks(sessions) < count:
        assert time.monotonic() < deadline, f"never {count} transactions waiting on a lock"
        time.sleep(0.02)


def _deal_edit(kind: str, deal_id: str, token: str) -> Callable[[Session, Workspace], object]:
    def operation(session: Session, ws: Workspace) -> object:
        common = {"session": session, "workspace": ws, "actor": OWNER, "now": NOW}
        if kind == "stage":
            stage = OpportunityStage.scheduled
            return set_opportunity_stage(**common, opportunity_id=deal_id, stage=stage)
        if kind == "amount":
            return set_deal_amount(**common, opportunity_id=deal_id, amount=5)
        if kind == "won":
            return mark_won(**common, opportunity_id=deal_id, confirmation=token)
        return mark_lost(**common, opportunity_id=deal_id, reason=LossReason.price)

    return operation


@pytest.mark.parametrize("kind", ["stage", "amount", "won", "lost"])
def test_a_deal_edit_waits_for_a_merge_of_its_contact_and_is_refused_not_deadlocked(
    race_sessions: sessionmaker[Session], kind: str
) -> None:
    """The merge holds both contacts when the edit starts, every time.

    A third transaction holds a lead of the merged contact, so the merge, having locked both
    contacts, waits there before it moves the deal. Locking the deal first, the edit then held
    the deal while it waited for the contact, and the merge, let go, waited for the deal: a
    deadlock. Contact first, the edit holds nothing while it waits; the merge moves the deal
    and commits, and the edit, finding its deal on another contact, is refused in words.
    """
    team = f"TD{token_hex(5)}"
    with race_sessions.begin() as session:
        ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        survivor_id = make_contact(session, team, first_name="Dana").contact_id
        other = make_contact(session, team, first_name="Dan")
        other_id = other.contact_id
        lead_id = make_lead(session, team, other, created_at=NOW).lead_id
        deal_id = make_opportunity(session, team, other, amount="1000").opportunity_id
        token = won_token(session, deal_id)
    outcomes: dict[str, BaseException | None] = {}

    def attempt(name: str, operation: Callable[[Session, Workspace], object]) -> None:
        try:
            with race_sessions.begin() as session:
                operation(session, _workspace(session, team))
            outcomes[name] = None
        except BaseException as error:  # noqa: BLE001 - collected, the test asserts on it
            outcomes[name] = error

    def merge(session: Session, ws: Workspace) -> object:
        return merge_contacts(
            session=session,
            workspace=ws,
            actor=OWNER,
            survivor_id=survivor_id,
            other_id=other_id,
            now=NOW,
        )

    with race_sessions.begin() as gate:
        gate.execute(
            select(Lead.lead_id).where(Lead.lead_id == lead_id).with_for_update(key_share=True)
        )
        merging = threading.Thread(target=attempt, args=("merge", merge))
        merging.start()
        _until_waiting(race_sessions, 1)
        editing = threading.Thread(target=attempt, args=("edit", _deal_edit(kind, deal_id, token)))
        editing.start()
        _until_waiting(race_sessions, 2)
    for worker in (merging, editing):
        worker.join(timeout=60)
    assert not merging.is_alive() and not editing.is_alive()

    assert outcomes["merge"] is None, str(outcomes["merge"])
    refusal = outcomes["edit"]
    assert isinstance(refusal, InvalidTransition), str(refusal)
    assert "just moved to another contact" in str(refusal)
    with race_sessions.begin() as session:
        deal = session.get(Opportunity, deal_id)
        assert deal is not None and deal.contact_id == survivor_id
        assert deal.stage == OpportunityStage.estimating and deal.amount == Decimal(1000)
        confirmation = session.get(WonConfirmation, token)  # refused: still the owner's to use
        assert confirmation is not None and confirmation.used_at is None
