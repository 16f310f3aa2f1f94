"""The App Home tab through the real app: published for the person who opened it."""

from __future__ import annotations

from datetime import date, timedelta

from bot.blocks.limit_check import limit_violations
from bot.ids import ActionId
from core.common.enums import InteractionType
from core.models import Draft
from tests.bot.harness import SlackHarness, block_texts, iter_buttons
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import (
    make_contact,
    make_interaction,
    make_lead,
    make_unconfirmed_send,
)


def test_opening_home_publishes_the_dashboard_with_the_viewers_leads_first(
    slack: SlackHarness,
) -> None:
    with slack.sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith")
        sam = make_contact(session, TEAM, "Sam", "Lee")
        old = slack.now - timedelta(days=10)
        make_lead(session, TEAM, sam, title="Theirs", created_at=old, owner="U0OTHER")
        make_lead(session, TEAM, dana, title="Mine", created_at=old, owner=STAFF)
        make_interaction(
            session,
            TEAM,
            dana,
            type=InteractionType.phone_call,
            subject="quote",
            timestamp=old,
            follow_up_date=date(2026, 3, 2),
            follow_up_status="pending",
        )
    assert slack.home_opened(user=STAFF).status == 200
    view = slack.api.published[STAFF]
    assert view["type"] == "home" and limit_violations(view) == []
    shown = block_texts(view["blocks"])
    assert shown[0] == "Pipeline — Monday, March 2, 2026"
    assert "*Today's follow-ups (1):*" in shown and "*Stale leads (2, 1 yours):*" in shown
    nudges = [t for t in shown if "Heads up" in t]
    assert nudges[0].startswith("⭐ *Yours* · Heads up: the Mine lead from Dana Smith")
    assert nudges[1].startswith("Heads up: the Theirs lead from Sam Lee")
    assert "Done" in [b["text"]["text"] for b in iter_buttons(view["blocks"])]


def test_an_empty_workspace_has_a_calm_dashboard(slack: SlackHarness) -> None:
    slack.home_opened(user=STAFF)
    shown = block_texts(slack.api.published[STAFF]["blocks"])
    assert "*Today's follow-ups:* none" in shown and "*Stale leads:* none" in shown


def test_the_messages_tab_publishes_nothing(slack: SlackHarness) -> None:
    event = {"type": "app_home_opened", "user": STAFF, "channel": "DU0STAFF", "tab": "messages"}
    slack.event(event)
    assert slack.api.published == {}


def test_an_owner_sees_the_sends_that_may_not_have_gone_out_and_marks_one_sent(
    slack: SlackHarness,
) -> None:
    with slack.sessions.begin() as session:  # claimed an hour ago; the delivery never ran
        draft = make_unconfirmed_send(session, TEAM, slack.now - timedelta(hours=1))
    slack.home_opened(user=STAFF)
    assert not any(
        "may not have gone out" in t for t in block_texts(slack.api.published[STAFF]["blocks"])
    )

    slack.home_opened(user=OWNER)
    view = slack.api.published[OWNER]
    assert limit_violations(view) == []
    shown = block_texts(view["blocks"])
    heading = shown.index("*These messages may not have gone out — check and resend by hand:*")
    assert shown[heading + 1] == (
        "— Email to Dana Smith (dana@example.com), sending started by <@U0OWNER> at "
        "Mar 2, 8:00 AM EST"
    )
    (mark,) = [b for b in iter_buttons(view["blocks"]) if b["action_id"] == "crm-settle-send"]
    assert (mark["text"]["text"], mark["value"]) == ("Mark sent", f"{draft.draft_id}:1")

    slack.action(ActionId.SETTLE_SEND, view=view, user=OWNER)
    with slack.sessions.begin() as session:
        stored = session.get(Draft, draft.draft_id)
        assert stored is not None and stored.sent_interaction_id is not None
    slack.home_opened(user=OWNER)
    after = block_texts(slack.api.published[OWNER]["blocks"])
    assert not any("may not have gone out" in t for t in after)
