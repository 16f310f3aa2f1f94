"""The App Home dashboard: figures, follow-ups and stale leads, the viewer's own first."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.blocks.home import home_view
from bot.blocks.limit_check import limit_violations
from core.common.enums import DraftChannel
from core.drafts.unconfirmed_sends import UnconfirmedSend, UnconfirmedSends
from core.reports.dashboard import Dashboard
from core.reports.followups import FollowUpList
from tests.blocks.test_cards import TEN_KB
from tests.blocks.test_lists import TODAY, follow_up, report, stale_lead, summary
from tests.bot.harness import block_texts, iter_buttons

ME = "U0STAFF"


def test_the_dashboard_shows_the_figures_and_each_list_with_buttons() -> None:
    followups = FollowUpList(TODAY, (follow_up(1),), (follow_up(2, late=1),))
    board = Dashboard(summary(past=2), followups, report([stale_lead(1)]))
    view = home_view(board, user_id=ME)
    assert view["type"] == "home" and limit_violations(view) == []
    shown = block_texts(view["blocks"])
    assert shown[0] == "Pipeline — Monday, March 2, 2026"
    assert "New leads this week: 3" in shown[1] and "Oldest open lead: Dana Smith" in shown[1]
    assert "2 past their expected close date — type `/pipeline`." in shown
    assert "*Today's follow-ups (1):*" in shown and "*Overdue (1):*" in shown
    assert "*Stale leads (1):*" in shown
    labels = [b["text"]["text"] for b in iter_buttons(view["blocks"])]
    assert labels.count("Done") == 2 and "Draft follow-up" in labels


def test_the_viewers_own_leads_come_first_and_are_starred() -> None:
    due = (follow_up(1, name="Sam Lee"), follow_up(2, owner=ME), follow_up(3, owner="U0OTHER"))
    stale = report([stale_lead(1, title="Theirs"), stale_lead(2, title="Mine", owner=ME)])
    view = home_view(Dashboard(summary(), FollowUpList(TODAY, due, ()), stale), user_id=ME)
    shown = block_texts(view["blocks"])
    assert "*Today's follow-ups (3, 1 yours):*" in shown
    lines = [t for t in shown if "Call back" in t]
    assert lines[0] == "⭐ *Yours* · — Call back Dana Smith re: quote"
    assert lines[1] == "— Call back Sam Lee re: quote"
    nudges = [t for t in shown if t.startswith(("Heads up", "⭐"))]
    assert nudges[-2].startswith("⭐ *Yours* · Heads up: the Mine lead")
    assert "*Stale leads (2, 1 yours):*" in shown


def test_empty_lists_say_none() -> None:
    board = Dashboard(summary(), FollowUpList(TODAY, (), ()), report([]))
    view = home_view(board, user_id=ME)
    shown = block_texts(view["blocks"])
    assert "*Today's follow-ups:* none" in shown and "*Stale leads:* none" in shown


def test_500_stale_leads_and_huge_text_stay_inside_100_blocks() -> None:
    due = tuple(follow_up(n, name=TEN_KB[:200], owner=ME) for n in range(200))
    overdue = tuple(follow_up(n, late=5) for n in range(200))
    stale = report([stale_lead(n, title=TEN_KB[:200]) for n in range(500)])
    board = Dashboard(
        summary(past=500, title=TEN_KB[:200]), FollowUpList(TODAY, due, overdue), stale
    )
    view = home_view(board, user_id=ME)
    assert limit_violations(view) == []
    shown = block_texts(view["blocks"])
    assert "…and 190 more — type `/followups due` to list them." in shown
    assert "…and 490 more — type `/followups stale` to list them." in shown


def unconfirmed(n: int, *, name: str = "Dana Smith") -> UnconfirmedSends:
    items = tuple(
        UnconfirmedSend(
            draft_id=f"dr_{i}",
            version=2,
            channel=DraftChannel.email,
            recipient="dana@example.com",
            contact_name=name,
            subject="Your quote",
            claimed_at=datetime(2026, 3, 1, 15, tzinfo=UTC),
            claimed_by="U0OWNER",
        )
        for i in range(min(n, 10))
    )
    return UnconfirmedSends(items=items, total=n)


def test_an_owner_sees_sends_that_may_not_have_gone_out_first() -> None:
    board = Dashboard(
        summary(), FollowUpList(TODAY, (), ()), report([]), unconfirmed(1, name="Ann & <Bo>")
    )
    view = home_view(board, user_id="U0OWNER", zone=ZoneInfo("America/New_York"))
    shown = block_texts(view["blocks"])
    assert shown[2:4] == [
        "*These messages may not have gone out — check and resend by hand:*",
        "— Email to Ann &amp; &lt;Bo&gt; (dana@example.com), sending started by <@U0OWNER> at "
        "Mar 1, 10:00 AM EST",
    ]
    assert [(b["text"]["text"], b["value"]) for b in iter_buttons(view["blocks"])] == [
        ("Mark sent", "dr_0:2")
    ]
    nobody = home_view(Dashboard(summary(), FollowUpList(TODAY, (), ()), report([])), user_id=ME)
    assert not any("may not have gone out" in t for t in block_texts(nobody["blocks"]))


def test_every_list_full_and_25_unconfirmed_sends_still_fit_without_cutting() -> None:
    due = tuple(follow_up(n, name=TEN_KB[:200]) for n in range(10))
    overdue = tuple(follow_up(n, late=5) for n in range(10))
    followups = FollowUpList(TODAY, due, overdue, due_today_count=300, overdue_count=4000)
    stale = report([stale_lead(n, title=TEN_KB[:200]) for n in range(10)], total=500)
    board = Dashboard(summary(past=500), followups, stale, unconfirmed(25, name=TEN_KB[:200]))
    view = home_view(board, user_id="U0OWNER")
    assert limit_violations(view) == [] and len(view["blocks"]) < 100
    shown = block_texts(view["blocks"])
    assert "…and 15 more: they show here as these are settled." in shown
    assert "*Today's follow-ups (300):*" in shown and "*Overdue (4000):*" in shown
    assert shown[-1] == "…and 490 more — type `/followups stale` to list them."
