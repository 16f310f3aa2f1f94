"""The outbox: work added with a change is done once, retried with backoff, given up past a day.

Handlers here are plain recorders; the Slack handlers and several workers sharing one
database are tested in tests/jobs/test_outbox.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import OutboxStatus
from core.models import OutboxItem, Workspace
from core.platform.outbox import (
    GiveUp,
    OutboxWork,
    RetryLater,
    RetryPolicy,
    claim_due,
    drain,
    enqueue,
    forget_delivered,
)

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
KIND = "test.kind"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    """A handler that records each attempt and fails with what it is told to, in turn."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.seen: list[OutboxWork] = []

    def __call__(self, work: OutboxWork) -> None:
        self.seen.append(work)
        if self.failures:
            raise self.failures.pop(0)


def add(
    sessions: sessionmaker[Session],
    workspace_id: str,
    payload: dict[str, str],
    *,
    kind: str = KIND,
    dedupe_key: str | None = None,
) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        enqueue(
            session,
            workspace=workspace,
            kind=kind,
            payload=payload,
            now=NOW,
            dedupe_key=dedupe_key,
        )


def items(sessions: sessionmaker[Session]) -> list[OutboxItem]:
    with sessions() as session:
        return list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def test_work_added_is_done_once_and_marked_delivered(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    add(sessions, workspace_id, {"n": "1"})
    add(sessions, workspace_id, {"n": "2"})
    handler, clock = Recorder(), Clock()
    report = drain(sessions=sessions, handlers={KIND: handler}, clock=clock)
    assert [w.payload for w in handler.seen] == [{"n": "1"}, {"n": "2"}]
    assert [w.attempts for w in handler.seen] == [1, 1]
    assert len(report.delivered) == 2 and report.retrying == report.failed == []
    assert [(i.status, i.attempts, i.last_error) for i in items(sessions)] == [
        (OutboxStatus.delivered, 1, None),
        (OutboxStatus.delivered, 1, None),
    ]
    assert drain(sessions=sessions, handlers={KIND: handler}, clock=clock).delivered == []
    assert len(handler.seen) == 2  # nothing is done twice


def test_the_same_dedupe_key_twice_is_one_item(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    add(sessions, workspace_id, {"n": "1"}, dedupe_key="notice:ld_1:U1")
    add(sessions, workspace_id, {"n": "again"}, dedupe_key="notice:ld_1:U1")
    add(sessions, workspace_id, {"n": "2"}, dedupe_key="notice:ld_1:U2")
    assert [i.payload for i in items(sessions)] == [{"n": "1"}, {"n": "2"}]


def test_a_failure_is_retried_with_doubling_waits_until_it_succeeds(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    add(sessions, workspace_id, {"n": "1"})
    handler = Recorder(RetryLater("Slack said internal_error"), RuntimeError("boom"))
    clock = Clock()
    handlers = {KIND: handler}

    assert drain(sessions=sessions, handlers=handlers, clock=clock).retrying != []
    [item] = items(sessions)
    assert (item.status, item.attempts, item.last_error) == (
        OutboxStatus.pending,
        1,
        "Slack said internal_error",
    )
    assert item.next_attempt_at == NOW + timedelta(seconds=15)

    clock.now = NOW + timedelta(seconds=14)  # not due yet
    assert drain(sessions=sessions, handlers=handlers, clock=clock).retrying == []
    assert len(handler.seen) == 1

    clock.now = NOW + timedelta(seconds=15)
    drain(sessions=sessions, handlers=handlers, clock=clock)
    [item] = items(sessions)
    assert (item.status, item.attempts, item.last_error) == (
        OutboxStatus.pending,
        2,
        "RuntimeError: boom",
    )
    assert item.next_attempt_at == clock.now + timedelta(seconds=30)

    clock.now += timedelta(seconds=30)
    assert len(drain(sessions=sessions, handlers=handlers, clock=clock).delivered) == 1
    [item] = items(sessions)
    assert (item.status, item.attempts, item.last_error) == (OutboxStatus.delivered, 3, None)


def test_a_wait_asked_for_by_the_service_is_honoured(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    add(sessions, workspace_id, {"n": "1"})
    handler = Recorder(RetryLater("Slack said ratelimited", after=timedelta(minutes=2)))
    drain(sessions=sessions, handlers={KIND: handler}, clock=Clock())
    [item] = items(sessions)
    assert item.next_attempt_at == NOW + timedelta(minutes=2)


def test_waits_double_up_to_half_an_hour() -> None:
    policy = RetryPolicy()
    waits = [policy.wait_after(n).total_seconds() for n in (1, 2, 3, 4, 7, 8, 30)]
    assert waits == [15, 30, 60, 120, 960, 1800, 1800]


def test_work_is_given_up_when_it_can_never_succeed_or_after_a_day(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    add(sessions, workspace_id, {"n": "gone"})
    add(sessions, workspace_id, {"n": "flaky"})
    handler = Recorder(GiveUp("Slack said user_not_found"))
    handler.failures += [RetryLater("Slack said internal_error")] * 100
    clock = Clock()
    drain(sessions=sessions, handlers={KIND: handler}, clock=clock)
    gone, flaky = items(sessions)
    assert (gone.status, gone.last_error) == (OutboxStatus.failed, "Slack said user_not_found")
    assert flaky.status == OutboxStatus.pending

    attempts = 1
    while flaky.status == OutboxStatus.pending:
        clock.now = flaky.next_attempt_at
        drain(sessions=sessions, handlers={KIND: handler}, clock=clock)
        _, flaky = items(sessions)
        attempts += 1
        assert attempts < 100
    assert flaky.status == OutboxStatus.failed
    # 15 s doubling to 30 min: the last try falls within a day of the item being written.
    assert clock.now - NOW <= timedelta(days=1)
    assert clock.now - NOW > timedelta(hours=23)
    assert len([w for w in handler.seen if w.payload == {"n": "gone"}]) == 1


def test_a_worker_that_dies_holding_work_leaves_it_to_the_next_after_the_lease(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    add(sessions, workspace_id, {"n": "1"})
    lease = RetryPolicy().lease
    with sessions.begin() as session:  # claimed, then the process is killed: nothing recorded
        [claimed] = claim_due(session, kinds=[KIND], now=NOW, lease=lease)
    assert claimed.attempts == 1
    handler, clock = Recorder(), Clock()
    clock.now = NOW + lease - timedelta(seconds=1)
    assert drain(sessions=sessions, handlers={KIND: handler}, clock=clock).delivered == []
    clock.now = NOW + lease
    assert len(drain(sessions=sessions, handlers={KIND: handler}, clock=clock).delivered) == 1
    assert [w.attempts for w in handler.seen] == [2]


def test_a_worker_claims_only_the_kinds_it_can_do(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    add(sessions, workspace_id, {"n": "1"}, kind="webhook.delivery")
    handler = Recorder()
    assert drain(sessions=sessions, handlers={KIND: handler}, clock=Clock()).delivered == []
    [item] = items(sessions)
    assert (item.status, item.attempts) == (OutboxStatus.pending, 0)


@pytest.mark.parametrize("age_days", [8, 6])
def test_delivered_items_are_forgotten_after_a_week(
    sessions: sessionmaker[Session], workspace_id: str, age_days: int
) -> None:
    add(sessions, workspace_id, {"n": "1"})
    drain(sessions=sessions, handlers={KIND: Recorder()}, clock=Clock())
    add(sessions, workspace_id, {"n": "pending"})
    with sessions.begin() as session:
        later = NOW + timedelta(days=age_days)
        forgotten = forget_delivered(session, before=later - timedelta(days=7))
    assert forgotten == (1 if age_days == 8 else 0)
    assert len(items(sessions)) == (1 if age_days == 8 else 2)
