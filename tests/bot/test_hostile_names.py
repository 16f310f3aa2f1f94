"""A name or title someone typed never pings a channel or a person from any message the bot sends.

Slack reads `<!channel>`, `<@U…>` and `<#C…>` as a ping or a link in a message's `text` and in
mrkdwn; the customer's name `<!channel> Eve <@U123>` goes through every kind of message here
(capture reply, owner notice, card, plain-words answer, draft review, the in-channel "Opportunity
won" post, the daily digest, a refusal repeating what was typed) and nothing the local Web API
received may carry it unescaped. Plain-text objects are shown as typed and never parsed, so they
are not searched.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId
from core.models import Contact, Workspace
from integrations.slack import make_client
from jobs.daily import run_daily
from tests.bot.fakes import win_deal
from tests.bot.harness import SlackHarness, messages_to
from tests.conftest import OWNER, TEAM
from tests.core.factories import make_opportunity

NAME = "<!channel> Eve <@U123>"
TITLE = "fix the <#C999> sink <!here> at 9 Pine"
PINGS = ("<!", "<@U123", "<#C999")


def parsed_texts(node: Any) -> list[str]:
    """Every text Slack parses for pings: a message's `text` and every mrkdwn object's."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)  # form-encoded calls carry blocks as JSON text
            except ValueError:
                return
        if isinstance(value, dict):
            if value.get("type") == "plain_text":
                return
            for key, item in value.items():
                if key == "text" and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node)
    return found


def test_a_hostile_name_pings_nobody_in_any_message(
    sessions: sessionmaker[Session], slack: SlackHarness
) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        workspace.pipeline_channel = "C0PIPELINE"

    captured = slack.command("lead", f"{NAME}, 555-201-7777, {TITLE} $500")
    with sessions.begin() as session:
        eve = session.scalars(select(Contact)).one()
        assert eve.full_name == NAME  # kept as typed; only what is sent to Slack is escaped
        deal = make_opportunity(session, TEAM, contact=eve, name=TITLE)
        deal_id = deal.opportunity_id
    slack.command("customer", "Eve")
    slack.message_dm("when did we last talk to Eve")
    slack.deliver()  # the owner's new-inquiry notice, from the outbox
    notice = messages_to(slack.api, kind="message", channel=f"D{OWNER}")[0]
    slack.action(ActionId.DRAFT_RESPONSE, message=notice, user=OWNER)
    win_deal(slack, deal_id, "500")
    refused = slack.command("lead", f"{NAME} {'x' * 100}, fix it")  # refused, with the name
    run_daily(
        sessions=sessions,
        slack=make_client("xoxb-test", base_url=slack.api.url),
        now=slack.now + timedelta(days=30),
        workspace_id=TEAM,
    )

    kinds = {(m.get("kind"), m.get("response_type")) for m in slack.api.messages}
    assert ("response_url", "in_channel") in kinds  # the "Opportunity won" post went out
    assert len(messages_to(slack.api, channel="C0PIPELINE")) >= 1  # the digest went out
    acks = [captured.json(), refused.json()]  # `/lead` answers in its HTTP response
    sent = [*slack.api.messages, *(call.params for call in slack.api.calls), *acks]
    texts = [text for item in sent for text in parsed_texts(item)]
    assert any("Eve" in text for text in texts)
    assert any("&lt;!channel&gt; Eve &lt;@U123&gt;" in text for text in texts)
    leaked = [text for text in texts if any(ping in text for ping in PINGS)]
    assert leaked == []
