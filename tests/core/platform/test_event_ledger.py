"""The processed-events ledger: an event id is acted on once, however often Slack delivers it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.models import ProcessedEvent
from core.platform.event_ledger import claim_event, event_was_claimed, forget_events
from tests.conftest import TEAM


def test_an_event_is_claimed_once(session: Session, workspace_id: str) -> None:
    assert claim_event(session, workspace_id=workspace_id, event_id="Ev1") is True
    assert claim_event(session, workspace_id=workspace_id, event_id="Ev1") is False
    assert claim_event(session, workspace_id=workspace_id, event_id="Ev2") is True
    rows = session.scalars(select(ProcessedEvent.event_id).order_by(ProcessedEvent.event_id))
    assert rows.all() == ["Ev1", "Ev2"]


def test_the_same_id_in_another_workspace_is_another_event(session: Session) -> None:
    assert claim_event(session, workspace_id="T0ONE", event_id="Ev1")
    assert claim_event(session, workspace_id="T0TWO", event_id="Ev1")


def test_a_refused_claim_leaves_the_transaction_usable(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    with sessions.begin() as session:
        claim_event(session, workspace_id=workspace_id, event_id="Ev1")
    with sessions.begin() as session:
        assert not claim_event(session, workspace_id=workspace_id, event_id="Ev1")
        assert claim_event(session, workspace_id=workspace_id, event_id="Ev2")  # still works
    with sessions() as session:
        assert len(session.scalars(select(ProcessedEvent)).all()) == 2


def test_a_claim_rolled_back_with_the_work_can_be_made_again(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    with pytest.raises(RuntimeError), sessions.begin() as session:
        assert claim_event(session, workspace_id=workspace_id, event_id="Ev1")
        raise RuntimeError("the handler failed after claiming")
    with sessions.begin() as session:
        assert not event_was_claimed(session, workspace_id=workspace_id, event_id="Ev1")
        assert claim_event(session, workspace_id=workspace_id, event_id="Ev1")
        assert event_was_claimed(session, workspace_id=workspace_id, event_id="Ev1")


def test_old_claims_are_forgotten(session: Session) -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    for hours, event_id in [(72, "EvOld"), (25, "EvDayOld"), (1, "EvNew")]:
        claim_event(
            session, workspace_id=TEAM, event_id=event_id, received_at=now - timedelta(hours=hours)
        )
    assert forget_events(session, received_before=now - timedelta(hours=24)) == 2
    assert session.scalars(select(ProcessedEvent.event_id)).all() == ["EvNew"]
