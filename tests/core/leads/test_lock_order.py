"""Lead edits and interactions on one contact at once: every one commits, none deadlocks.

A stage or value change notes itself in the history (an interaction), which moves the
contact's and its leads' last touch; logging a call or a reply does the same. Both must take
the rows in one order, the contact before its leads, or two such requests at once on leads of
one contact wait for each other and Postgres aborts one ("deadlock detected"). Here editors
(each owning one lead of the contact) and loggers (calls on the contact, replies on its leads)
run at once, each operation a transaction of its own on a connection of its own; afterwards
every operation has committed and the rows agree with what was done.

Postgres only: SQLite lets one writer at a time hold the whole database, so nothing runs at once
there (the same operations run in the rest of the suite).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from secrets import token_hex

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.activity.service import log_call_with, log_interaction
from core.common.enums import InteractionType, PipelineStage
from core.errors import InvalidTransition
from core.leads.planning import set_estimated_value
from core.leads.service import set_lead_stage
from core.models import AuditEntry, Contact, Interaction, Lead, Workspace
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.conftest import OWNER
from tests.core.factories import make_contact, make_lead, utc
from tests.core.reports import pipeline_oracle as oracle

NOW = utc(2026, 11, 30, 13)
LEADS, LOGGERS, OPERATIONS = 4, 4, 12
STAGES = (PipelineStage.needs_analysis, PipelineStage.estimate_sent, PipelineStage.follow_up)


def _at(thread: int, step: int) -> timedelta:
    """A moment of its own for every operation, so the newest touch is known beforehand."""
    return timedelta(minutes=thread * OPERATIONS + step + 1)


def test_lead_edits_and_interactions_on_one_contact_all_commit(
    race_sessions: sessionmaker[Session],
) -> None:
    team = f"TL{token_hex(5)}"
    with race_sessions.begin() as session:
        ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        dana = make_contact(session, team, phones=["+15552013344"])
        contact_id = dana.contact_id
        lead_ids = [
            make_lead(session, team, dana, title=f"Job {n}", created_at=NOW).lead_id
            for n in range(LEADS)
        ]
    threads = LEADS + LOGGERS
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def edit(n: int) -> None:
        """Alternate stage and value changes on lead `n` (the only editor of that lead)."""
        start.wait(timeout=20)
        for step in range(OPERATIONS):
            now = NOW + _at(n, step)
            try:
                with race_sessions.begin() as session:
                    ws = session.get(Workspace, team)
                    assert ws is not None
                    if step % 2 == 0:
                        stage = STAGES[step // 2 % len(STAGES)]
                        set_lead_stage(
                            session=session,
                            workspace=ws,
                            actor=OWNER,
                            lead_id=lead_ids[n],
                            stage=stage,
                            now=now,
                        )
                    else:
                        set_estimated_value(
                            session=session,
                            workspace=ws,
                            actor=OWNER,
                            lead_id=lead_ids[n],
                            estimated_value=Decimal(100 * n + step),
                            now=now,
                        )
            except BaseException as error:  # noqa: BLE001 - collected, the test fails on it
                errors.append(error)

    def log(n: int) -> None:
        """Alternate calls on the contact and replies on one of its leads."""
        start.wait(timeout=20)
        for step in range(OPERATIONS):
            now = NOW + _at(LEADS + n, step)
            try:
                with race_sessions.begin() as session:
                    ws = session.get(Workspace, team)
                    assert ws is not None
                    if step % 2 == 0:
                        log_call_with(
                            session=session,
                            workspace=ws,
                            actor=OWNER,
                            contact_id=contact_id,
                            summary="Talked it through",
                            now=now,
                        )
                    else:
                        log_interaction(
                            session=session,
                            workspace=ws,
                            actor=OWNER,
                            type=InteractionType.sms,
                            body="Wrote back",
                            lead_id=lead_ids[(n + step) % LEADS],
                            now=now,
                        )
            except BaseException as error:  # noqa: BLE001 - collected, the test fails on it
                errors.append(error)

    workers = [threading.Thread(target=edit, args=(n,)) for n in range(LEADS)]
    workers += [threading.Thread(target=log, args=(n,)) for n in range(LOGGERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers)

    assert errors == []
    newest = NOW + _at(threads - 1, OPERATIONS - 1)
    last_stage = STAGES[(OPERATIONS - 2) // 2 % len(STAGES)]
    with race_sessions.begin() as session:
        total = session.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.workspace_id == team)
        )
        assert total == threads * OPERATIONS  # one note per edit, one per call or reply
        edits = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.workspace_id == team,
                AuditEntry.action.in_(("set_lead_stage", "set_estimated_value")),
            )
        )
        assert edits == LEADS * OPERATIONS
        contact = session.get(Contact, contact_id)
        assert contact is not None and contact.last_touch_at == newest
        for n, lead_id in enumerate(lead_ids):
            lead = session.get(Lead, lead_id)
            assert lead is not None
            assert lead.pipeline_stage == last_stage
            assert lead.estimated_value == Decimal(100 * n + OPERATIONS - 1)
            assert lead.last_touch_at == newest
        assert oracle.lead_tallies(session, team) == oracle.counted_leads(session, team)
        assert oracle.first_replies(session, team) == oracle.counted_first_replies(session, team)


def test_a_lead_moved_to_another_contact_meanwhile_is_refused_not_edited(
    race_sessions: sessionmaker[Session],
) -> None:
    team = f"TL{token_hex(5)}"
    with race_sessions.begin() as session:
        ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        dana = make_contact(session, team)
        other_id = make_contact(session, team, first_name="Dan").contact_id
        lead_id = make_lead(session, team, dana, created_at=NOW).lead_id
    with race_sessions.begin() as session:
        ws = session.get(Workspace, team)
        assert ws is not None
        read = session.get(Lead, lead_id)  # on Dana, as the edit reads it (kept: the map is weak)
        assert read is not None
        with race_sessions.begin() as merge:  # a merge commits the move before the lock
            merge.execute(update(Lead).where(Lead.lead_id == lead_id).values(contact_id=other_id))
        with pytest.raises(InvalidTransition, match="just moved to another contact"):
            set_lead_stage(
                session=session,
                workspace=ws,
                actor=OWNER,
                lead_id=lead_id,
                stage=PipelineStage.follow_up,
                now=NOW,
            )
    with race_sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None and lead.pipeline_stage == PipelineStage.inquiry
        assert (
            session.scalar(
                select(func.count()).select_from(Interaction).where(Interaction.lead_id == lead_id)
            )
            == 0
        )
