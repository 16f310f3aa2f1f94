"""Issue 8, items 6 and 7: a capture that is acknowledged is kept, and its notices are not lost.

`/lead` captures before it acknowledges and its reply is the HTTP response itself, so a
process killed after the 200 has already committed the lead. The owners' "New inquiry" DM is
an outbox item committed with the lead, delivered by one pass of the worker, and retried when
Slack fails. A modal's "Lead saved" whose response_url fails reaches the person ephemerally,
else by DM.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import ActionId, BlockId
from core.common.enums import OutboxStatus
from core.models import Lead, OutboxItem
from core.platform.outbox import OutboxKind
from tests.bot.harness import CHANNEL, SlackHarness, messages_to, static_select, text_input
from tests.conftest import OWNER, STAFF

LEAD = "Dana Smith, 555-201-3344, dana@example.com, leaky faucet at 123 Main via phone"
SAVED = "Lead saved: leaky faucet at 123 Main. Added Dana Smith as a new contact."


def test_the_lead_is_committed_and_its_reply_is_the_http_response(slack: SlackHarness) -> None:
    reply = slack.command("lead", LEAD)
    # Read straight after the response: what a process killed now would have left behind.
    with slack.sessions() as session:
        lead = session.scalars(select(Lead)).one()
        [notice] = session.scalars(select(OutboxItem)).all()
    assert reply.status == 200 and reply.json()["text"] == SAVED
    assert reply.json()["response_type"] == "ephemeral"
    assert lead.title == "leaky faucet at 123 Main"
    assert (notice.kind, notice.status, notice.payload["user"]) == (
        OutboxKind.owner_dm,
        OutboxStatus.pending,
        OWNER,
    )
    assert slack.api.messages == []  # nothing else was sent: the reply was the response

    assert len(slack.deliver().delivered) == 1  # one pass of `crm worker`
    [dm] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert dm["text"].startswith("New inquiry from Dana Smith — leaky faucet at 123 Main.")
    assert slack.deliver().delivered == []  # and only once


def test_a_refused_lead_is_answered_in_the_response_and_leaves_no_notice(
    slack: SlackHarness,
) -> None:
    reply = slack.command("lead", "Dana Smith, 555-1, leaky faucet")
    assert reply.status == 200 and reply.json()["text"].startswith('"555-1" is not a phone')
    with slack.sessions() as session:
        assert session.scalars(select(Lead)).all() == []
        assert session.scalars(select(OutboxItem)).all() == []


def test_the_owners_notice_outlasts_a_slack_outage(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    slack.command("lead", LEAD)
    # Slack down for longer than the client's own retries (four tries in all) last.
    slack.api.fail_next("chat.postMessage", status=503, error="service_unavailable", times=4)
    with caplog.at_level(logging.INFO):
        assert slack.deliver().retrying != []
    assert messages_to(slack.api, kind="message") == []
    assert "201-3344" not in caplog.text and "dana@example.com" not in caplog.text

    slack.api.fail_next("chat.postMessage", error="internal_error", times=4)  # ok: false
    slack.now += timedelta(seconds=15)
    assert slack.deliver().retrying != []
    assert messages_to(slack.api, kind="message") == []

    slack.now += timedelta(seconds=30)
    assert len(slack.deliver().delivered) == 1
    [dm] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert dm["text"].startswith("New inquiry from Dana Smith")
    with slack.sessions() as session:
        [item] = session.scalars(select(OutboxItem)).all()
        assert (item.status, item.attempts) == (OutboxStatus.delivered, 3)


def _new_lead_modal(slack: SlackHarness) -> dict[str, Any]:
    slack.command("lead")
    [view] = slack.api.views.values()
    slack.api.clear()
    return view


NEW_LEAD = {
    BlockId.NAME: {ActionId.INPUT: text_input("Dana Smith")},
    BlockId.TITLE: {ActionId.INPUT: text_input("Leaky faucet")},
    BlockId.SOURCE: {ActionId.INPUT: static_select("phone_call")},
}


@pytest.mark.parametrize("ephemeral_fails", [False, True], ids=["ephemeral", "direct-message"])
def test_a_failing_response_url_falls_back_to_ephemeral_then_a_dm(
    slack: SlackHarness, ephemeral_fails: bool
) -> None:
    view = _new_lead_modal(slack)
    slack.api.fail_next("response_url", status=500)
    if ephemeral_fails:
        slack.api.fail_next("chat.postEphemeral", error="channel_not_found")
    reply = slack.submit_view(None, NEW_LEAD, view=view)
    assert reply.status == 200
    said = [m for m in slack.api.messages if m["text"].startswith("Lead saved: Leaky faucet")]
    if ephemeral_fails:
        assert [(m["kind"], m["channel"]) for m in said] == [("message", STAFF)]  # the DM
    else:
        assert [(m["kind"], m["channel"], m["user"]) for m in said] == [
            ("ephemeral", CHANNEL, STAFF)
        ]
