"""Tallies under concurrent writes: eight writers and two folds at once, on Postgres.

Each writer runs twenty operations, each in a transaction of its own on a connection of its own
(captures, stage and value changes, replies logged, moved and re-dated, deals, a time zone
change), while two threads fold the tallies over and over. None may fail or deadlock, and
afterwards every tally and first reply equals the aggregate of the committed rows.

Postgres only: SQLite lets one writer at a time hold the whole database, so nothing runs at once
there (the same triggers run in the rest of the suite).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.activity.service import log_interaction
from core.common.enums import InteractionType, OpportunityStage, PipelineStage
from core.errors import CRMError
from core.leads.inquiries import InquiryInput, capture_inquiry
from core.models import DealTally, Interaction, Lead, LeadTally, Opportunity, Workspace
from core.platform.tallies import fold_tallies
from core.workspaces.service import WorkspaceDefaults, ensure_workspace, update_settings
from tests.conftest import OWNER
from tests.core.factories import make_opportunity, utc
from tests.core.reports import pipeline_oracle as oracle
from tests.core.reports.fold_races import write_while_folding

NOW = utc(2026, 11, 30, 13)
WRITERS, OPERATIONS, FOLDERS = 8, 20, 2
TEAM = "T0RACE"


def _workspace(session: Session) -> Workspace:
    workspace = session.get(Workspace, TEAM)
    assert workspace is not None
    return workspace


def _any(session: Session, column: Any, rng: random.Random) -> Any:
    ids = list(session.scalars(select(column).order_by(column)))
    return rng.choice(ids) if ids else None


def _operate(session: Session, rng: random.Random, writer: int, step: int) -> None:
    ws = _workspace(session)
    at = NOW + timedelta(minutes=rng.randrange(-10 * 24 * 60, 24 * 60))
    lead = _any(session, Lead.lead_id, rng)
    kind = rng.randrange(8)
    if kind == 0 or lead is None:
        inquiry = InquiryInput(
            title=f"Job {writer}.{step}",
            source="phone_call",
            first_name=f"W{writer}",
            last_name="Smith",
            phones=(f"+1555301{writer:02d}{step:02d}",),
            address="1 Main St",
            estimated_value=Decimal(rng.randrange(1, 900)),
            received_at=at,
        )
        capture_inquiry(
            session=session, workspace=ws, actor=OWNER, inquiry=inquiry, now=NOW + timedelta(1)
        )
    elif kind in (1, 2):
        # Straight UPDATEs: set_lead_stage's note locks the lead before its contact, the
        # opposite of an interaction's last touch, a deadlock older than the tallies.
        values: dict[str, Any] = (
            {"pipeline_stage": rng.choice(list(PipelineStage)), "status": "working"}
            if kind == 1
            else {"estimated_value": Decimal(rng.randrange(0, 5000))}
        )
        session.execute(update(Lead).where(Lead.lead_id == lead).values(**values))
    elif kind in (3, 4):
        log_interaction(
            session=session,
            workspace=ws,
            actor=OWNER,
            lead_id=lead,
            body="Wrote back",
            type=rng.choice((InteractionType.sms, InteractionType.email_outbound)),
            timestamp=at,
            now=NOW + timedelta(1),
        )
    elif kind == 5:  # a reply moved to another lead and re-dated (an import, a fix)
        if item := _any(session, Interaction.interaction_id, rng):
            session.execute(
                update(Interaction)
                .where(Interaction.interaction_id == item)
                .values(lead_id=lead, timestamp=at)
            )
    elif kind == 6:
        deal = make_opportunity(session, TEAM, name=f"Deal {writer}.{step}", amount="100")
        deal.stage = rng.choice(list(OpportunityStage))
    elif writer == 0 and step % 5 == 0:  # the owner moves the business now and then
        zone = ("America/Chicago", "Asia/Tokyo", "America/New_York")[step // 5 % 3]
        update_settings(session=session, workspace=ws, actor=OWNER, changes={"timezone": zone})
    else:
        session.execute(update(Lead).where(Lead.lead_id == lead).values(created_at=at))


def test_writers_and_folds_at_once_keep_every_tally(
    race_sessions: sessionmaker[Session],
) -> None:
    with race_sessions.begin() as session:
        ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=[OWNER]))

    def write(writer: int) -> None:
        rng = random.Random(writer)
        for step in range(OPERATIONS):
            try:
                with race_sessions.begin() as session:
                    _operate(session, rng, writer, step)
            except CRMError:
                pass  # refused in words (already at that stage...): nothing written

    errors = write_while_folding(
        race_sessions, [partial(write, n) for n in range(WRITERS)], FOLDERS
    )

    assert errors == []
    with race_sessions.begin() as session:
        leads = oracle.counted_leads(session, TEAM)
        assert sum(n for n, _, _ in leads.values()) > WRITERS  # the writers did write
        assert oracle.lead_tallies(session, TEAM) == leads
        assert oracle.deal_tallies(session, TEAM) == oracle.counted_deals(session, TEAM)
        assert oracle.first_replies(session, TEAM) == oracle.counted_first_replies(session, TEAM)
        fold_tallies(session)
    with race_sessions.begin() as session:
        for model, keys in (
            (LeadTally, (LeadTally.status, LeadTally.pipeline_stage)),
            (DealTally, (DealTally.stage,)),
        ):
            most = select(func.count().label("rows")).select_from(model).group_by(*keys)
            assert session.scalar(select(func.max(most.subquery().c.rows))) == 1
        assert oracle.lead_tallies(session, TEAM) == oracle.counted_leads(session, TEAM)
        assert session.scalar(select(func.count()).select_from(Opportunity)) > 0
