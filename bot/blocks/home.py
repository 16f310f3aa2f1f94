"""The App Home tab: pipeline figures, today's follow-ups, stale leads and the follow-ups
coming up in the next seven days for the whole workspace, the viewing person's own leads
(`lead.owner`) first and starred; for an owner, first of all, the sends that may not have gone
out, each with **Mark sent**, then a page of the drafts waiting for approval
(`bot.blocks.home_drafts`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, tzinfo

from bot.blocks.drafts import UNCONFIRMED_HEADING, UNCONFIRMED_HOW, unconfirmed_send_group
from bot.blocks.gmail import MailboxShown, mailbox_blocks
from bot.blocks.home_drafts import home_drafts_blocks, home_metadata
from bot.blocks.limits import (
    MAX_BLOCKS_VIEW,
    Block,
    View,
    context,
    divider,
    escape,
    header,
    mrkdwn_section,
)
from bot.blocks.lists import follow_up_group, stale_group
from bot.blocks.quickbooks import QuickBooksShown, quickbooks_home_blocks
from bot.blocks.upcoming import upcoming_group
from core.drafts.unconfirmed_sends import UnconfirmedSends
from core.leads.handoffs import FailingDelivery
from core.reports.dashboard import Dashboard
from core.reports.followups import FollowUpItem
from core.reports.stale_leads import StaleLead
from core.reports.upcoming import UPCOMING_DAYS, UpcomingFollowUps
from core.reports.wording import render_pipeline_summary

Item = FollowUpItem | StaleLead

SHOWN_PER_LIST = 10  # 3 lists x 10 x 2 blocks + 10 unsure sends + headings, "more" < 100
YOURS = "⭐ *Yours* · "


def own_first(items: Sequence[Item], user_id: str) -> list[Item]:
    """The person's own items first; otherwise the report's order (stable)."""
    return sorted(items, key=lambda item: item.owner != user_id)


def _count(items: Sequence[Item], total: int, user_id: str) -> str:
    yours = sum(1 for item in items if item.owner == user_id)
    return f"{total}, {yours} yours" if yours else str(total)


def _unconfirmed_blocks(
    sends: UnconfirmedSends, shown: int, zone: tzinfo, region: str
) -> list[Block]:
    listed = sends.items[:shown]
    blocks: list[Block] = [divider(), mrkdwn_section(f"*{UNCONFIRMED_HEADING}*")]
    blocks += [block for send in listed for block in unconfirmed_send_group(send, zone, region)]
    if sends.total > len(listed):
        blocks.append(
            context(f"…and {sends.total - len(listed)} more: they show here as these are settled.")
        )
    blocks.append(context(UNCONFIRMED_HOW))
    return blocks


def _upcoming_blocks(week: UpcomingFollowUps, user_id: str) -> list[Block]:
    """ "Coming up": the follow-ups promised for the next seven days, the person's own first."""
    title = f"Coming up, next {UPCOMING_DAYS} days"
    if not week.total:
        return [divider(), mrkdwn_section(f"*{title}:* none")]
    blocks: list[Block] = [divider(), mrkdwn_section(f"*{title} ({week.total}):*")]
    for item in sorted(week.items, key=lambda shown: shown.owner != user_id):
        mark = YOURS if item.owner == user_id else ""
        blocks += upcoming_group(item, mark=mark)
    if week.total > len(week.items):
        more = week.total - len(week.items)
        blocks.append(context(f"…and {more} more — type `/followups upcoming` to list them."))
    return blocks


def home_view(
    board: Dashboard,
    *,
    user_id: str,
    shown: int = SHOWN_PER_LIST,
    zone: tzinfo = UTC,
    region: str = "US",
    quickbooks: QuickBooksShown | None = None,
    mailbox: MailboxShown | None = None,
    failing: Sequence[FailingDelivery] = (),
) -> View:
    """The dashboard view for `views.publish` (at most 100 blocks).

    `quickbooks` is for owners only: the connection's state, with Connect or Reconnect;
    `mailbox` too: the Gmail address, with Disconnect, or Connect / Reconnect Gmail.
    `failing`: hand-off webhook deliveries that keep failing, shown to owners.
    """
    summary, followups, stale = board.summary, board.followups, board.stale
    today = followups.today
    figures = render_pipeline_summary(replace(summary, past_expected_close=()))
    first, _, rest = figures.partition("\n")
    blocks: list[Block] = [header(first), mrkdwn_section(escape(rest.strip()))]
    if summary.past_expected_close_total:
        n = summary.past_expected_close_total
        blocks.append(context(f"{n} past their expected close date — type `/pipeline`."))
    if board.unconfirmed is not None and board.unconfirmed.total:
        blocks += _unconfirmed_blocks(board.unconfirmed, shown, zone, region)
    if board.drafts is not None:
        blocks += home_drafts_blocks(board.drafts, zone=zone, region=region)
    if failing:
        lines = [
            f"• `{f.subscription_id}` {f.event_type} — "
            + ("gave up" if f.given_up else f"{f.attempts} tries so far")
            for f in failing
        ]
        blocks.append(divider())
        blocks.append(mrkdwn_section("*⚠️ Webhook deliveries failing:*\n" + "\n".join(lines)))
        blocks.append(
            context("Type `/crm webhooks` for the reasons; fix the receiver or turn it off.")
        )
    lists: list[tuple[str, Sequence[Item], int, str]] = [
        ("Today's follow-ups", followups.due_today, followups.due_today_total, "due"),
        ("Overdue", followups.overdue, followups.overdue_total, "overdue"),
        ("Stale leads", stale.items, stale.total, "stale"),
    ]
    for title, items, total, part in lists:
        blocks.append(divider())
        if total == 0:
            blocks.append(mrkdwn_section(f"*{title}:* none"))
            continue
        blocks.append(mrkdwn_section(f"*{title} ({_count(items, total, user_id)}):*"))
        for item in own_first(items, user_id)[:shown]:
            mark = YOURS if item.owner == user_id else ""
            if isinstance(item, StaleLead):
                blocks += stale_group(item, mark=mark)
            else:
                blocks += follow_up_group(item, today, mark=mark)
        more = total - min(shown, len(items))
        if more > 0:
            blocks.append(context(f"…and {more} more — type `/followups {part}` to list them."))
    if board.upcoming is not None:
        blocks += _upcoming_blocks(board.upcoming, user_id)
    if quickbooks is not None:
        blocks += [divider(), *quickbooks_home_blocks(quickbooks)]
    if mailbox is not None:
        blocks += [divider(), *mailbox_blocks(mailbox)]
    return {
        "type": "home",
        "blocks": blocks[:MAX_BLOCKS_VIEW],
        "private_metadata": home_metadata(board.drafts),
    }
