"""`crm worker`'s outbox job: owners' DMs survive Slack failures, and workers never double up.

Issue 8, item 7: when Slack answers 5xx, 429 or `ok: false` after the SDK's own retries, the
owner's "New inquiry" DM stays in the outbox and a later pass delivers it; the log never
carries the customer's phone or email. Several workers on one Postgres database deliver
each item exactly once (`FOR UPDATE SKIP LOCKED`).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cli.gmail import MailNotices
from console.local_slack import LocalSlackAPI
from core.common.enums import OutboxStatus
from core.leads.inquiries import InquiryInput, capture_inquiry
from core.mailbox.inbound import InboundOutcome
from core.models import OutboxItem, Workspace, utcnow
from core.platform.outbox import OutboxKind, OutboxWork, drain, enqueue
from integrations.slack import make_client
from jobs.outbox import outbox_handlers, run_outbox
from tests.conftest import OWNER
from tests.jobs.conftest import CommittedDatabase

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def no_wait(_seconds: float) -> None:
    """The client's own retries, without their waits."""


NOTICE = "New inquiry from Dana Smith — Leaky faucet. Phone: (555) 201-3344. dana@example.com"


def queue_dm(sessions: sessionmaker[Session], workspace_id: str, user: str, text: str) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        enqueue(
            session,
            workspace=workspace,
            kind=OutboxKind.owner_dm,
            payload={"user": user, "text": text, "blocks": None},
            now=NOW,
        )


def outbox_rows(sessions: sessionmaker[Session]) -> list[OutboxItem]:
    with sessions() as session:
        return list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


@pytest.mark.parametrize(
    ("status", "error", "times"),
    [
        (500, "internal_error", 4),  # the client tried four times (integrations/slack.py)
        (429, "ratelimited", 4),  # the client waited out three Retry-Afters
        (200, "fatal_error", 4),  # ok: false, transient: tried four times
        (200, "not_authed", 1),  # ok: false: no retry by the client, a later pass may work
    ],
    ids=["5xx", "429", "ok-false-transient", "ok-false"],
)
def test_an_owner_dm_slack_refuses_stays_and_is_delivered_by_a_later_pass(
    sessions: sessionmaker[Session],
    workspace_id: str,
    slack_api: LocalSlackAPI,
    caplog: pytest.LogCaptureFixture,
    status: int,
    error: str,
    times: int,
) -> None:
    queue_dm(sessions, workspace_id, OWNER, NOTICE)
    client = make_client("xoxb-test", base_url=slack_api.url, sleep=no_wait)
    slack_api.fail_next("chat.postMessage", error=error, status=status, retry_after=0, times=times)
    clock = {"now": NOW}

    def one_pass() -> None:
        run_outbox(sessions=sessions, clients=lambda _w: client, clock=lambda: clock["now"])

    with caplog.at_level(logging.INFO):  # issue 8, item 13: no customer data at INFO or above
        one_pass()
    assert slack_api.messages == []
    [row] = outbox_rows(sessions)
    assert (row.status, row.attempts) == (OutboxStatus.pending, 1)
    assert row.last_error is not None and error in row.last_error
    assert row.next_attempt_at == NOW + timedelta(seconds=15)
    logged = caplog.text
    assert "201-3344" not in logged and "2013344" not in logged and "dana@" not in logged
    assert f"attempt 1 failed (Slack said {error}" in logged

    clock["now"] = NOW + timedelta(seconds=15)
    one_pass()
    [dm] = slack_api.messages
    assert (dm["channel"], dm["text"]) == (f"D{OWNER}", NOTICE)
    [row] = outbox_rows(sessions)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.delivered, 2, None)
    one_pass()
    assert len(slack_api.messages) == 1


def test_an_owner_slack_cannot_reach_is_given_up_at_once(
    sessions: sessionmaker[Session],
    workspace_id: str,
    slack_api: LocalSlackAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue_dm(sessions, workspace_id, "U0GONE", NOTICE)
    client = make_client("xoxb-test", base_url=slack_api.url, sleep=no_wait)
    slack_api.fail_next("conversations.open", error="user_not_found")
    with caplog.at_level(logging.ERROR):
        run_outbox(sessions=sessions, clients=lambda _w: client, clock=lambda: NOW)
    [row] = outbox_rows(sessions)
    assert (row.status, row.last_error) == (OutboxStatus.failed, "Slack said user_not_found")
    assert "given up after 1 attempts: Slack said user_not_found" in caplog.text


def test_two_workers_on_one_database_deliver_each_item_once(
    committed_db: CommittedDatabase, slack_api: LocalSlackAPI, backend: str
) -> None:
    seed = committed_db.sessions()
    count = 60
    for n in range(count):
        queue_dm(seed, committed_db.workspace_id, f"U{n:04d}", f"notice {n}")
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    delivered: list[list[int]] = [[], []]

    def worker(index: int) -> None:
        sessions = committed_db.sessions()  # its own engine and connections, as a process has
        client: WebClient = make_client("xoxb-test", base_url=slack_api.url, sleep=no_wait)
        slack_dm = outbox_handlers(clients=lambda _w: client, sessions=sessions)[
            OutboxKind.owner_dm
        ]

        def like_slack(work: OutboxWork) -> None:  # Slack's round trip, so the two overlap
            time.sleep(0.02)
            slack_dm(work)

        handlers = {OutboxKind.owner_dm: like_slack}
        try:
            start.wait(timeout=10)
            while True:
                report = drain(
                    sessions=sessions, handlers=handlers, clock=lambda: NOW, batch=4, max_batches=1
                )
                if not report.delivered:
                    break
                delivered[index] += report.delivered
        except BaseException as error:  # noqa: BLE001 - re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    posted = [m["text"] for m in slack_api.messages]
    assert sorted(posted) == sorted(f"notice {n}" for n in range(count))  # each exactly once
    assert sorted(delivered[0] + delivered[1]) == [r.id for r in outbox_rows(seed)]
    assert set(delivered[0]).isdisjoint(delivered[1])
    if backend == "postgres":  # SKIP LOCKED lets both work at once rather than take turns
        assert delivered[0] and delivered[1]
    assert {(r.status, r.attempts) for r in outbox_rows(seed)} == {(OutboxStatus.delivered, 1)}


def test_a_mailbox_pass_queues_the_owners_notice_in_the_outbox(
    sessions: sessionmaker[Session], workspace_id: str, slack_api: LocalSlackAPI
) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        inquiry = InquiryInput(
            title="Quote for a deck", source="email", first_name="Dana", emails=("d@example.com",)
        )
        captured = capture_inquiry(
            session=session, workspace=workspace, actor="system:gmail", inquiry=inquiry, now=NOW
        )
        MailNotices(lambda: NOW).new_inquiry(  # in the capture's transaction
            session, workspace, InboundOutcome(kind="lead", captured=captured)
        )
    client = make_client("xoxb-test", base_url=slack_api.url, sleep=no_wait)
    assert slack_api.messages == []  # queued, not sent: the worker delivers and retries it
    [row] = outbox_rows(sessions)
    assert (row.kind, row.payload["user"], row.status) == (
        OutboxKind.owner_dm,
        OWNER,
        OutboxStatus.pending,
    )
    run_outbox(sessions=sessions, clients=lambda _w: client, clock=utcnow)
    [dm] = slack_api.messages
    assert dm["text"].startswith("New inquiry from Dana — Quote for a deck.")
