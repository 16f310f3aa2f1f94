"""Block Kit for the scheduled digests: report results in, Slack messages out (no I/O, no clock).

Each builder returns a list of messages (`{"text": ..., "blocks": [...]}`), because a digest may
need several: Slack allows 50 blocks per message and 3,000 characters per section text. The
daily digest is up to three parts (stale-lead nudges, the morning list, due reminders), each
its own message; every listed record carries its next-step buttons. Long lists are cut
(`STALE_SHOWN`, `FOLLOW_UPS_SHOWN`, `REMINDERS_SHOWN`) with "and N more" and where to see all,
so a big backlog never floods the channel; the reports come loaded with those limits and
their totals. Sends that may not have gone out (`unconfirmed_send_messages`) go to the owners.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import tzinfo

from bot.blocks.drafts import UNCONFIRMED_HEADING, UNCONFIRMED_HOW, unconfirmed_send_group
from bot.blocks.limits import (
    MAX_BLOCKS_MESSAGE,
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    header,
    message,
    mrkdwn_section,
    mrkdwn_sections,
)
from bot.blocks.lists import FollowUpPart, follow_up_group, reminder_group
from bot.ids import ActionId, BlockId
from core.activity.reminders import DueReminders
from core.drafts.unconfirmed_sends import UnconfirmedSends
from core.reports.followups import FollowUpList
from core.reports.stale_leads import StaleLeadReport
from core.reports.summaries import PipelineSummary
from core.reports.win_loss import WinLossSummary
from core.reports.wording import (
    nudge_text,
    render_pipeline_summary,
    render_win_loss,
)

STALE_SHOWN = 10
FOLLOW_UPS_SHOWN = 10  # today's and overdue: 44 blocks at most, one message
REMINDERS_SHOWN = 10
UNCONFIRMED_SHOWN = 10
PAST_DUE_SHOWN = 25


def paginate(fallback: str, groups: Sequence[list[Block]]) -> list[Message]:
    """Pack block groups (a record and its buttons stay together) into messages of <= 50 blocks."""
    pages: list[list[Block]] = []
    current: list[Block] = []
    for group in groups:
        if current and len(current) + len(group) > MAX_BLOCKS_MESSAGE:
            pages.append(current)
            current = []
        current.extend(group)
    if current:
        pages.append(current)
    # The fallback text is what notifications show; later pages say they continue the first.
    first_line = fallback.split("\n", 1)[0]
    return [
        message(fallback if n == 0 else f"{first_line} (continued)", page)
        for n, page in enumerate(pages)
    ]


def _more(count: int, what: str, part: FollowUpPart) -> str:
    """The cut-off line, naming the `/followups` list that pages through every one of them."""
    return f"…and {count:,} more {what} — type `/followups {part.value}` to see them all."


# --- daily ------------------------------------------------------------------------------------


def stale_lead_messages(report: StaleLeadReport, *, shown: int = STALE_SHOWN) -> list[Message]:
    """The oldest stale leads' nudges, each with Draft follow-up / Snooze 3 days / Disqualify."""
    if report.total == 0:
        return []
    noun = "lead has" if report.total == 1 else "leads have"
    title = f"{report.total} {noun} gone quiet"
    groups: list[list[Block]] = [[header(title)]]
    for item in report.items[:shown]:
        groups.append(
            [
                mrkdwn_section(escape(nudge_text(item))),
                actions(
                    f"{BlockId.LEAD_ACTIONS}-{item.lead_id}",
                    [
                        button(
                            "Draft follow-up",
                            ActionId.DRAFT_FOLLOW_UP,
                            item.lead_id,
                            style="primary",
                        ),
                        button("Snooze 3 days", ActionId.SNOOZE, item.lead_id),
                        button("Disqualify", ActionId.DISQUALIFY, item.lead_id),
                    ],
                ),
            ]
        )
    more = report.total - min(len(report.items), shown)
    if more > 0:
        what = "stale lead" if more == 1 else "stale leads"
        groups.append([context(_more(more, what, FollowUpPart.stale))])
    return paginate(f"Stale leads: {report.total}", groups)


def followup_messages(followups: FollowUpList, *, shown: int = FOLLOW_UPS_SHOWN) -> list[Message]:
    """The morning list under "Today's follow-ups:" and "Overdue:", each with Done / Reschedule.

    The lists may hold fewer items than their totals (loaded with a limit): the totals count.
    """
    today = followups.today
    due, overdue = followups.due_today[:shown], followups.overdue[:shown]
    due_total, overdue_total = followups.due_today_total, followups.overdue_total
    heading = "Today's follow-ups:" if due_total else "Today's follow-ups: none"
    groups: list[list[Block]] = [[mrkdwn_section(f"*{heading}*")]]
    groups += [follow_up_group(item, today) for item in due]
    if due_total > len(due):
        groups.append([context(_more(due_total - len(due), "due today", FollowUpPart.due))])
    if overdue_total:
        groups.append([mrkdwn_section("*Overdue:*")])
        groups += [follow_up_group(item, today) for item in overdue]
        if overdue_total > len(overdue):
            late = _more(overdue_total - len(overdue), "overdue", FollowUpPart.overdue)
            groups.append([context(late)])
    fallback = f"{heading} {due_total}" if due_total else heading
    if overdue_total:
        fallback += f"; overdue: {overdue_total}"
    return paginate(fallback, groups)


def reminder_messages(reminders: DueReminders, *, shown: int = REMINDERS_SHOWN) -> list[Message]:
    """Due re-engage reminders, each with a Done button; the rest behind `/followups reminders`."""
    if not reminders.total:
        return []
    listed = reminders.items[:shown]
    groups: list[list[Block]] = [[mrkdwn_section("*Re-engage reminders due:*")]]
    groups += [reminder_group(reminder, reminders.today) for reminder in listed]
    if reminders.total > len(listed):
        more = reminders.total - len(listed)
        groups.append([context(_more(more, "reminders due", FollowUpPart.reminders))])
    return paginate(f"Re-engage reminders due: {reminders.total}", groups)


def daily_digest_messages(
    stale: StaleLeadReport, followups: FollowUpList, reminders: DueReminders
) -> list[Message]:
    """The morning post: stale nudges, then today's follow-ups, then due reminders."""
    return stale_lead_messages(stale) + followup_messages(followups) + reminder_messages(reminders)


def unconfirmed_send_messages(
    sends: UnconfirmedSends, *, zone: tzinfo, region: str = "US", shown: int = UNCONFIRMED_SHOWN
) -> list[Message]:
    """For the owners: sends whose delivery was never recorded, each with **Mark sent**."""
    if not sends.total:
        return []
    listed = sends.items[:shown]
    groups: list[list[Block]] = [[mrkdwn_section(f"*{UNCONFIRMED_HEADING}*")]]
    groups += [unconfirmed_send_group(send, zone, region) for send in listed]
    if sends.total > len(listed):
        more = sends.total - len(listed)
        groups.append(
            [context(f"…and {more} more: they come up on my Home tab as these are settled.")]
        )
    groups.append([context(UNCONFIRMED_HOW)])
    return paginate(f"Messages that may not have gone out: {sends.total}", groups)


# --- weekly and monthly -----------------------------------------------------------------------


def _report_messages(text: str) -> list[Message]:
    """A report text as a header (its first line) and sections; the plain text is the fallback."""
    first, _, rest = text.partition("\n")
    body = mrkdwn_sections(escape(rest.strip("\n"))) if rest.strip() else []
    return paginate(text, [[header(first)], *([block] for block in body)])


def pipeline_digest_messages(summary: PipelineSummary) -> list[Message]:
    """The procedure's pipeline lines exactly; past-expected-close leads cut at PAST_DUE_SHOWN
    (the summary need load only those) and counted from their total."""
    shown = summary.past_expected_close[:PAST_DUE_SHOWN]
    text = render_pipeline_summary(replace(summary, past_expected_close=shown))
    more = summary.past_expected_close_total - len(shown)
    if more > 0:
        text += f"\n…and {more} more past their expected close date."
    return _report_messages(text)


def win_loss_messages(summary: WinLossSummary) -> list[Message]:
    """The one-page monthly win/loss summary."""
    return _report_messages(render_win_loss(summary))
