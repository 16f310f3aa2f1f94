"""The HTTP edge refuses before anything parses: forged, stale, malformed and replayed requests.

Every request here goes over real HTTP into the served app; the local Web API stand-in records
whether the app said anything to Slack (or to a `response_url` named in the body).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId
from bot.web.replays import accept_once, forget_old_requests
from core.models import Contact, Draft, Lead, SeenRequest
from core.platform.db import make_engine, make_sessions
from core.platform.migrate import current_head, upgrade
from tests.bot.fakes import dana_lead
from tests.bot.harness import (
    CHANNEL,
    SIGNING_SECRET,
    Reply,
    ServedWSGI,
    SlackHarness,
    messages_to,
    row_count,
)
from tests.conftest import OWNER, STAFF
from wiring import build_dependencies, create_web

FORM = "application/x-www-form-urlencoded"


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's headers for exactly these bytes and this timestamp text, whatever it is."""
    digest = hmac.new(secret.encode(), b"v0:%s:%s" % (timestamp.encode(), body), hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": FORM,
    }


def lead_command(slack: SlackHarness, text: str = "Bo Chan, 555-343-4545, paint") -> bytes:
    """A /lead as Slack would send it, whose response_url records into the stand-in."""
    fields = slack.payloads.slash_command(
        f"/lead {text}",
        user=STAFF,
        name=STAFF,
        channel=CHANNEL,
        channel_name="general",
        response_url=slack.api.response_url("forged", channel=CHANNEL, user=STAFF),
    )
    return urlencode(fields).encode()


def nothing_happened(slack: SlackHarness, sessions: sessionmaker[Session]) -> None:
    assert slack.api.calls == [] and slack.api.messages == []
    assert row_count(sessions, Lead) == row_count(sessions, Contact) == 0
    assert row_count(sessions, SeenRequest) == 0


# -- verify before parsing ----------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", ["abc", "", " 1", "+1700000000", "-1", "1e9", "9" * 40])
def test_a_timestamp_that_is_not_seconds_is_refused_and_nothing_is_sent(
    slack: SlackHarness, sessions: sessionmaker[Session], timestamp: str
) -> None:
    body = lead_command(slack)
    reply = slack.raw_post(body, sign(body, timestamp))
    assert reply.status == 401
    assert reply.json()["ok"] is False
    nothing_happened(slack, sessions)


@pytest.mark.parametrize(
    "body",
    [
        b"payload={bad",
        b"payload=" + json.dumps([1, 2]).encode(),
        b"\xff\xfe\xfd",
        b"payload=" + json.dumps({"type": "block_actions", "actions": []}).encode(),
    ],
    ids=["bad-json", "list", "not-utf8", "no-actions"],
)
def test_an_unsigned_malformed_body_is_refused_as_unsigned(
    slack: SlackHarness, sessions: sessionmaker[Session], body: bytes
) -> None:
    forged = sign(body, str(int(time.time())), secret="not-the-secret")
    for headers in ({"Content-Type": FORM}, forged):
        reply = slack.raw_post(body, headers)
        assert (reply.status, reply.json()["ok"]) == (401, False)
    nothing_happened(slack, sessions)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"payload={bad", "the body is not a Slack request Bolt can read"),
        (b"payload=" + json.dumps([1, 2]).encode(), "the payload is not a JSON object"),
        (b"\xff\xfe\xfd", "the body is not UTF-8"),
        (
            b"payload=" + json.dumps({"type": "block_actions", "actions": []}).encode(),
            "block_actions carries no actions",
        ),
        (
            b"payload=" + json.dumps({"type": "view_submission", "view": "x"}).encode(),
            "view_submission carries no view object",
        ),
    ],
    ids=["bad-json", "list", "not-utf8", "no-actions", "no-view"],
)
def test_a_signed_malformed_body_gets_400_with_a_json_error(
    slack: SlackHarness, sessions: sessionmaker[Session], body: bytes, error: str
) -> None:
    reply = slack.raw_post(body, sign(body, str(int(time.time()))))
    assert reply.status == 400
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"ok": False, "error": error}
    nothing_happened(slack, sessions)


def test_a_body_over_the_cap_is_refused_unread(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    body = b"text=" + b"a" * (1024 * 1024 + 1)
    reply = slack.raw_post(body, sign(body, str(int(time.time()))))
    assert reply.status == 413
    nothing_happened(slack, sessions)


# -- replays --------------------------------------------------------------------------------------


def test_a_replayed_lead_makes_one_lead(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    body = lead_command(slack)
    headers = sign(body, str(int(time.time())))
    first = slack.raw_post(body, headers)
    replayed = slack.raw_post(body, headers)
    assert first.status == 200 and first.json()["text"].startswith("Lead saved")  # in the ack
    assert (replayed.status, replayed.json()) == (
        401,
        {"ok": False, "error": "request already received"},
    )
    assert row_count(sessions, Lead) == 1
    assert len(slack.deliver().delivered) == 1  # one owner's notice, not two
    assert messages_to(slack.api, kind="response_url") == []


def test_a_replayed_draft_follow_up_click_makes_one_draft_and_one_owner_dm(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    _contact_id, lead_id = dana_lead(sessions)
    sent: list[tuple[bytes, dict[str, str]]] = []
    send = slack.server.request

    def recording(method: str, path: str, body: bytes = b"", headers: Any = None) -> Reply:
        sent.append((body, dict(headers or {})))
        return send(method, path, body, headers)

    slack.server.request = recording  # type: ignore[method-assign]
    block = f"{BlockId.LEAD_ACTIONS}-{lead_id}"
    first = slack.action(ActionId.DRAFT_FOLLOW_UP, lead_id, block_id=block)
    [(body, headers)] = sent
    replayed = slack.raw_post(body, headers)
    assert (first.status, replayed.status) == (200, 401)
    assert row_count(sessions, Draft) == 1
    assert len(messages_to(slack.api, kind="message", channel=f"D{OWNER}")) == 1


def test_slacks_retry_of_an_event_is_still_handled_once(slack: SlackHarness) -> None:
    """Slack re-signs a retry; within the same second the signature repeats, the try does not."""
    event = slack.payloads.direct_message("pipeline", user=STAFF)
    body = json.dumps(slack.payloads.event_callback(event, event_id="Ev0RETRY")).encode()
    headers = sign(body, str(int(time.time()))) | {"Content-Type": "application/json"}
    first = slack.raw_post(body, headers)
    retry = slack.raw_post(body, headers | {"X-Slack-Retry-Num": "1"})
    again = slack.raw_post(body, headers)  # a plain copy: acknowledged, not acted on
    assert [first.status, retry.status, again.status] == [200, 200, 200]
    assert len(slack.api.calls_to("chat.postMessage")) == 1  # one answer to the DM


def test_the_ledger_forgets_signatures_after_five_minutes(
    sessions: sessionmaker[Session],
) -> None:
    now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    with sessions.begin() as session:
        assert accept_once(session, signature="v0=old", now=now)
        assert not accept_once(session, signature="v0=old", now=now + timedelta(minutes=4))
        assert accept_once(session, signature="v0=new", now=now + timedelta(minutes=4))
    with sessions.begin() as session:
        assert forget_old_requests(session, now=now + timedelta(minutes=5, seconds=1)) == 1
        kept = session.scalars(select(SeenRequest.signature)).all()
    assert kept == ["v0=new"]


def test_one_signature_sent_by_many_threads_is_accepted_once(engine: Engine) -> None:
    """Web processes race on one signature: the primary key lets exactly one through."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the race is the database's to decide; proven on Postgres")
    sessions = make_sessions(engine)
    signature = f"v0={uuid.uuid4().hex}"
    start = threading.Barrier(8)
    accepted: list[bool] = []

    def deliver() -> None:
        start.wait()
        with sessions.begin() as session:
            accepted.append(accept_once(session, signature=signature, now=datetime.now(UTC)))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    try:
        assert sorted(accepted) == [False] * 7 + [True]
    finally:
        with sessions.begin() as session:
            session.execute(delete(SeenRequest).where(SeenRequest.signature == signature))
            assert session.scalar(select(func.count()).select_from(SeenRequest)) is not None


def _drop_connections(engine: Engine, admin: Engine) -> None:
    """What a Postgres restart does to the connections `engine` pooled: end their backends."""
    with engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid or 0)})")


def test_a_request_on_a_dropped_connection_is_recorded_once_and_answered(
    slack: SlackHarness, database_url: str, engine: Engine
) -> None:
    """The pool pings only idle connections; one dropped while in use fails the ledger's
    statement, which the route sends again on a new connection: the request is answered."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a dropped connection is Postgres's")
    served, web_engine = _served(slack, database_url)
    bodies = [lead_command(slack, f"Bo Chan{n}, 555-343-454{n}, paint") for n in (1, 2)]
    try:
        first = served.request(
            "POST", "/slack/events", bodies[0], sign(bodies[0], str(int(time.time())))
        )
        _drop_connections(web_engine, engine)
        headers = sign(bodies[1], str(int(time.time())))
        second = served.request("POST", "/slack/events", bodies[1], headers)
        replayed = served.request("POST", "/slack/events", bodies[1], headers)
        assert (first.status, second.status, replayed.status) == (200, 200, 401)
        assert second.json()["text"].startswith("Lead saved")
    finally:
        slack.wait()
        served.stop()
        with web_engine.begin() as connection:
            connection.execute(delete(SeenRequest))
        web_engine.dispose()


def test_an_idle_connection_the_database_dropped_is_replaced_before_use(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a dropped connection is Postgres's")
    monkeypatch.setattr("core.platform.db.IDLE_BEFORE_PING_SECONDS", -1.0)  # always "idle"
    pinged = make_engine(database_url)
    try:
        _drop_connections(pinged, engine)
        with pinged.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        pinged.dispose()


# -- readiness ------------------------------------------------------------------------------------


def test_readyz_is_ok_at_the_head_revision(slack: SlackHarness) -> None:
    reply = slack.get("/readyz")
    assert (reply.status, reply.json()) == (200, {"ok": True, "revision": current_head()})


def _served(slack: SlackHarness, url: str) -> tuple[ServedWSGI, Engine]:
    engine = make_engine(url)
    deps = build_dependencies(slack.settings, sessions=make_sessions(engine))
    return ServedWSGI(create_web(deps, slack.app)), engine


def test_readyz_is_503_until_migrations_reach_head(slack: SlackHarness, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    served, engine = _served(slack, url)
    try:
        empty = served.request("GET", "/readyz")
        assert empty.status == 503
        assert empty.json()["error"].startswith("database at no tables, this version needs")
        assert served.request("GET", "/healthz").status == 200  # alive, just not ready
        upgrade(url, "0002")
        behind = served.request("GET", "/readyz")
        assert behind.status == 503
        assert behind.json()["error"] == (
            f"database at 0002, this version needs {current_head()}; run `crm db upgrade`"
        )
        upgrade(url)
        assert served.request("GET", "/readyz").status == 200
    finally:
        served.stop()
        engine.dispose()


def test_readyz_is_503_when_the_database_is_down(slack: SlackHarness, tmp_path: Path) -> None:
    served, engine = _served(slack, f"sqlite:///{tmp_path / 'no-such-dir' / 'crm.db'}")
    try:
        reply = served.request("GET", "/readyz")
        assert reply.status == 503
        assert reply.json() == {
            "ok": False,
            "error": "database unavailable: unable to open database file",
        }
    finally:
        served.stop()
        engine.dispose()
