"""The week ahead: follow-ups promised after today, as `/followups upcoming` and the Home list them.

A follow-up set for Friday shows from the moment it is set (issue 15), each with **Done** and
**Reschedule** like today's; the list is paged in SQL (`core.reports.upcoming`).
"""

from __future__ import annotations

from bot.blocks.limits import (
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    message,
    mrkdwn_section,
)
from bot.blocks.lists import PART_PAGE_SIZE, FollowUpPart
from bot.ids import ActionId, BlockId
from core.reports.followups import FollowUpItem
from core.reports.upcoming import UPCOMING_DAYS, UpcomingFollowUps
from core.reports.wording import friendly_date, upcoming_line

__all__ = ["PART_PAGE_SIZE", "upcoming_group", "upcoming_list"]


def upcoming_group(item: FollowUpItem, *, mark: str = "") -> list[Block]:
    """One follow-up promised for a later day, with **Done** and **Reschedule**."""
    return [
        mrkdwn_section(mark + escape(upcoming_line(item))),
        actions(
            f"{BlockId.FOLLOW_UP_ACTIONS}-{item.interaction_id}",
            [
                button("Done", ActionId.DONE, item.interaction_id),
                button("Reschedule", ActionId.RESCHEDULE, item.interaction_id),
            ],
        ),
    ]


def upcoming_list(week: UpcomingFollowUps, *, page: int = 1) -> Message:
    """`/followups upcoming [page]`: the next seven days' follow-ups, `PART_PAGE_SIZE` a page."""
    until = friendly_date(week.until, week.today)
    heading = f"Coming up, through {until} ({week.total}):"
    title = f"*{escape(heading)}* page {page}" if page > 1 else f"*{escape(heading)}*"
    blocks: list[Block] = [mrkdwn_section(title)]
    blocks += [block for item in week.items for block in upcoming_group(item)]
    rest = week.total - week.offset - len(week.items)
    if not week.total:
        blocks = [mrkdwn_section(f"Nothing is promised between tomorrow and {escape(until)}.")]
    elif not week.items:
        blocks.append(context("Nothing more coming up here."))
    elif rest > 0:
        nxt = f"/followups {FollowUpPart.upcoming.value} {page + 1}"
        blocks.append(context(f"…and {rest} more coming up — type `{nxt}` for the next page."))
    return message(f"Coming up in the next {UPCOMING_DAYS} days: {week.total}", blocks)
