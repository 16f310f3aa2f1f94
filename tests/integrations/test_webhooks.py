"""Hand-off webhooks against a local receiver on port 0: once, signed, valid, retried, durable."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.errors import InvalidInput, NotAnOwner
from core.leads.handoffs import add_webhook, set_handoff_channel, turn_off_webhook
from core.leads.opportunities import mark_won
from core.leads.service import convert_lead, qualify_lead
from core.leads.won_confirmations import confirm_won
from core.platform.outbox import OutboxKind, drain
from core.platform.signing import sign_v1
from core.ports import QuickBooksCustomer
from core.quickbooks.pushes import PushChoice, claim_quickbooks_push, record_quickbooks_customer
from core.workspaces.service import get_workspace
from integrations.webhooks.delivery import deliver_webhook
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_lead

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "events"


@dataclass
class Receiver:
    """A webhook receiver: answers the queued statuses (then 200) and keeps what it got."""

    statuses: list[int] = field(default_factory=list)
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/crm"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _headers, body in self.got]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def subscribe(sessions: sessionmaker[Session], url: str, *events: str) -> str:
    with sessions.begin() as session:
        hook = add_webhook(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            url=url,
            events=events,
            now=NOW,
        )
        return hook.secret


def work_through_the_pipeline(sessions: sessionmaker[Session]) -> None:
    """Qualify, convert and win one lead: three hand-offs."""
    with sessions.begin() as session:
        dana = make_contact(
            session, TEAM, "Dana", "Smith", phones=["+15552013344"], address="123 Main St"
        )
        make_lead(session, TEAM, dana, title="Kitchen remodel", lead_id="ld_k")
    with sessions.begin() as session:
        ws = get_workspace(session, TEAM)
        qualify_lead(
            session=session,
            workspace=ws,
            actor=OWNER,
            lead_id="ld_k",
            stage="estimate_sent",
            now=NOW,
        )
    with sessions.begin() as session:
        ws = get_workspace(session, TEAM)
        deal = convert_lead(
            session=session, workspace=ws, actor=OWNER, lead_id="ld_k", amount="12000", now=NOW
        )
        token = confirm_won(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=deal.opportunity_id,
            now=NOW,
        ).token
        mark_won(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=deal.opportunity_id,
            confirmation=token,
            now=NOW,
        )


def deliver(sessions: sessionmaker[Session], at: datetime = NOW) -> Any:
    return drain(
        sessions=sessions,
        handlers={OutboxKind.webhook: deliver_webhook(sessions)},
        clock=lambda: at,
    )


def test_each_event_arrives_once_signed_and_valid_against_its_schema(
    sessions: sessionmaker[Session], workspace_id: str, receiver: Receiver
) -> None:
    secret = subscribe(sessions, receiver.url)
    work_through_the_pipeline(sessions)
    assert receiver.got == []  # nothing leaves before a worker delivers it
    deliver(sessions)
    deliver(sessions)  # a second pass finds nothing due
    events = receiver.events()
    assert [e["type"] for e in events] == ["lead.qualified", "lead.converted", "opportunity.won"]
    for (headers, body), event in zip(receiver.got, events, strict=True):
        stamp = headers["x-crm-webhook-timestamp"]
        assert headers["x-crm-webhook-signature"] == sign_v1(secret, stamp, body)
        assert headers["x-crm-webhook-id"] == event["id"]
        schema = json.loads((SCHEMAS / f"{event['type']}.json").read_text())
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(event)
        assert event["workspace_id"] == TEAM
    won = events[2]["data"]
    assert (won["address"], won["amount"], won["contact"]["first_name"]) == (
        "123 Main St",
        12000.0,
        "Dana",
    )
    assert won["opportunity"]["close_date"] == "2026-12-07"


def test_a_receiver_that_answers_500_gets_it_on_the_retry(
    sessions: sessionmaker[Session], workspace_id: str, receiver: Receiver
) -> None:
    subscribe(sessions, receiver.url, "lead.qualified")
    receiver.statuses = [500]
    work_through_the_pipeline(sessions)
    first = deliver(sessions)
    assert (len(first.delivered), len(first.retrying)) == (0, 1)
    assert deliver(sessions).delivered == []  # not due yet: the backoff holds it
    retried = deliver(sessions, NOW + timedelta(minutes=1))
    assert len(retried.delivered) == 1
    ids = [e["id"] for e in receiver.events()]
    assert len(ids) == 2 and ids[0] == ids[1]  # the same event, so the receiver can dedupe


def test_an_event_committed_before_a_crash_is_still_delivered(
    sessions: sessionmaker[Session], workspace_id: str, receiver: Receiver
) -> None:
    subscribe(sessions, receiver.url, "opportunity.won")
    work_through_the_pipeline(sessions)  # committed; the process "dies" before any delivery
    restarted_worker = deliver(sessions, NOW + timedelta(hours=3))
    assert len(restarted_worker.delivered) == 1
    assert [e["type"] for e in receiver.events()] == ["opportunity.won"]


def test_a_webhook_turned_off_is_not_called_and_only_owners_manage_webhooks(
    sessions: sessionmaker[Session], workspace_id: str, receiver: Receiver
) -> None:
    with sessions.begin() as session, pytest.raises(NotAnOwner):
        add_webhook(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=STAFF,
            url=receiver.url,
            events=(),
            now=NOW,
        )
    for bad in ("http://example.com/hook", "ftp://x", "not a url"):
        with sessions.begin() as session, pytest.raises(InvalidInput):
            add_webhook(
                session=session,
                workspace=get_workspace(session, TEAM),
                actor=OWNER,
                url=bad,
                events=(),
                now=NOW,
            )
    with sessions.begin() as session, pytest.raises(InvalidInput, match="Unknown event"):
        add_webhook(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            url=receiver.url,
            events=("lead.deleted",),
            now=NOW,
        )
    with sessions.begin() as session:
        hook = add_webhook(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            url=receiver.url,
            events=(),
            now=NOW,
        )
        hook_id = hook.subscription_id
    work_through_the_pipeline(sessions)
    with sessions.begin() as session:
        turn_off_webhook(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            subscription_id=hook_id,
            now=NOW,
        )
    report = deliver(sessions)
    assert (report.delivered, len(report.failed)) == ([], 3)
    assert receiver.got == []


def test_the_hand_off_channel_gets_a_line_per_event(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    from console.local_slack import LocalSlackAPI
    from integrations.slack import make_client
    from jobs.outbox import outbox_handlers

    with sessions.begin() as session:
        set_handoff_channel(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            channel="#scheduling",
            now=NOW,
        )
    work_through_the_pipeline(sessions)
    with LocalSlackAPI() as api:
        client = make_client("xoxb-test", base_url=api.url)
        drain(
            sessions=sessions,
            handlers=outbox_handlers(clients=lambda _team: client, sessions=sessions),
            clock=lambda: NOW,
        )
        posted = [(m["channel"], m["text"]) for m in api.messages]
    assert posted == [
        ("#scheduling", "Lead qualified — Kitchen remodel for Dana Smith: ready to estimate."),
        ("#scheduling", "New job — Kitchen remodel for Dana Smith (proposal_sent)."),
        (
            "#scheduling",
            "Won — Kitchen remodel for Dana Smith at 123 Main St ($12,000): ready to book.",
        ),
    ]


def test_a_quickbooks_customer_hands_off_to_invoicing(
    sessions: sessionmaker[Session], workspace_id: str, receiver: Receiver
) -> None:
    subscribe(sessions, receiver.url, "quickbooks.customer_linked")
    with sessions.begin() as session:
        ws = get_workspace(session, TEAM)
        dana = make_contact(session, TEAM, "Dana", "Smith", emails=["dana@example.com"])
        claim = claim_quickbooks_push(
            session=session,
            workspace=ws,
            contact_id=dana.contact_id,
            actor=OWNER,
            confirmed=True,
            choice=PushChoice.create,
        )
    with sessions.begin() as session:
        record_quickbooks_customer(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            push_id=claim.push_id,
            customer=QuickBooksCustomer("58", claim.customer.display_name),
            linked=False,
            now=NOW,
        )
    deliver(sessions)
    [event] = receiver.events()
    schema = json.loads((SCHEMAS / "quickbooks.customer_linked.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(event)
    assert (event["data"]["quickbooks_customer_id"], event["data"]["contact"]["emails"]) == (
        "58",
        ["dana@example.com"],
    )
