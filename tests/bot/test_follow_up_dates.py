"""A promised follow-up shows where people look next (issue 15, items 1 and 2).

Through signed requests into the real app, on the harness's clock (Monday, March 2, 2026,
9am in New York): `/log … call back Friday` for someone with two open leads asks which lead,
one button each, and logs nothing until one is chosen; then Friday, March 6 shows on the lead
card, on the contact card, on the App Home's "Coming up", and in `/followups upcoming`, and
plain `/followups` says one is coming up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.ids import ActionId
from core.models import Interaction, Lead
from tests.bot.harness import SlackHarness, block_texts, iter_buttons, messages_to, shown
from tests.conftest import OWNER, STAFF

LOG_LINE = "call Dana Smith: left voicemail, call back Friday"
NEXT = "Next follow-up: Friday, March 6 — call back: left voicemail, call back Friday"


def last_reply(slack: SlackHarness, user: str = STAFF) -> dict[str, Any]:
    replies = messages_to(slack.api, kind="response_url", user=user)
    assert replies, "no reply"
    return replies[-1]


def lead_ids(slack: SlackHarness) -> dict[str, str]:
    with slack.sessions() as session:
        return {lead.title: lead.lead_id for lead in session.scalars(select(Lead))}


def interactions_with_follow_up(slack: SlackHarness) -> list[Interaction]:
    with slack.sessions() as session:
        query = select(Interaction).where(Interaction.follow_up_date.is_not(None))
        return list(session.scalars(query))


def test_log_asks_which_lead_then_the_date_shows_on_cards_home_and_followups(
    slack: SlackHarness,
) -> None:
    slack.command("lead", "Dana Smith, 555-201-3344, leaky faucet at 123 Main")
    slack.command("lead", "Dana Smith, 555-201-3344, water heater")
    leads = lead_ids(slack)

    slack.command("log", LOG_LINE)
    asked = last_reply(slack)
    assert asked["text"] == "Which of Dana Smith's 2 open leads is this about?"
    buttons = list(iter_buttons(asked["blocks"]))
    assert [b["text"]["text"] for b in buttons] == ["Log it here", "Log it here"]
    assert "*leaky faucet at 123 Main*" in shown(asked) and "*water heater*" in shown(asked)
    assert interactions_with_follow_up(slack) == []  # nothing logged before the choice

    faucet = next(b for b in buttons if leads["leaky faucet at 123 Main"] in b["value"])
    slack.action(ActionId.LOG_ENTRY, message={**asked, "channel": "C0GENERAL"}, element=faucet)
    assert last_reply(slack)["text"] == (
        "Logged a phone call with Dana Smith: left voicemail, call back Friday. "
        "Follow-up set for Friday, March 6."
    )
    [promise] = interactions_with_follow_up(slack)
    assert promise.lead_id == leads["leaky faucet at 123 Main"]

    slack.action(ActionId.OPEN_LEAD, leads["leaky faucet at 123 Main"])
    assert NEXT in shown(last_reply(slack))
    slack.action(ActionId.OPEN_LEAD, leads["water heater"])
    assert "Next follow-up" not in shown(last_reply(slack))

    slack.command("customer", "Dana Smith")
    card = shown(last_reply(slack))
    assert card.count(NEXT) == 2  # the person's next one, and on the faucet lead
    assert card.index("*leaky faucet at 123 Main*") < card.rindex(NEXT)

    slack.home_opened(user=OWNER)
    home = block_texts(slack.api.published[OWNER]["blocks"])
    assert "*Coming up, next 7 days (1):*" in home
    assert "— Friday, March 6: call back Dana Smith re: left voicemail, call back Friday" in home

    slack.command("followups", "upcoming")
    week = block_texts(last_reply(slack)["blocks"])
    assert week[0] == "*Coming up, through Monday, March 9 (1):*"
    assert week[1] == "— Friday, March 6: call back Dana Smith re: left voicemail, call back Friday"

    slack.command("followups")
    today = block_texts(last_reply(slack)["blocks"])
    assert today[:3] == ["*Today's follow-ups:* none", "*Overdue:* none", "*Stale leads:* none"]
    assert today[-1] == (
        "1 more promised for the next 7 days — type `/followups upcoming` to see them."
    )


def test_log_for_someone_with_one_open_lead_logs_it_on_that_lead(slack: SlackHarness) -> None:
    slack.command("lead", "Sam Lee, 555-201-7777, gutter cleaning")
    slack.command("log", "call Sam Lee: wants a quote, call back Friday")
    assert last_reply(slack)["text"].endswith("Follow-up set for Friday, March 6.")
    [promise] = interactions_with_follow_up(slack)
    assert promise.lead_id == lead_ids(slack)["gutter cleaning"]
