"""Block Kit for the scheduled digests: report results in, Slack messages out (no I/O, no clock).

Each builder returns a list of messages (`{"text": ..., "blocks": [...]}`), because a digest may
need several: Slack allows 50 blocks per message and 3,000 characters per section text. The
daily digest is up to three parts (stale-lead nudges, the morning list, due reminders), each
its own message; every listed record carries its next-step buttons. Long lists are cut
(`STALE_SHOWN`, `FOLLOW_UPS_SHOWN`, `REMINDERS_SHOWN`) with "and N more" and where to see all,
so a big backlog never floods the channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from bot.blocks.limits import (
    MAX_BLOCKS_MESSAGE,
    Block,
    actions,
    button,
    context,
    escape,
    header,
    message,
    mrkdwn_section,
    mrkdwn_sections,
)
from bot.blocks.lists import FollowUpPart, follow_up_group
from bot.ids import ActionId, BlockId
from core.followups import FollowUpList
from core.models import Reminder
from core.report_text import (
    friendly_date,
    nudge_text,
    render_pipeline_summary,
    render_win_loss,
)
from core.reports import PipelineSummary, WinLossSummary
from core.stale_leads import StaleLeadReport

Message = dict[str, Any]

STALE_SHOWN = 10
FOLLOW_UPS_SHOWN = 10  # today's and overdue: 44 blocks at most, one message
REMINDERS_SHOWN = 10
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
    """The morning list under "Today's follow-ups:" and "Overdue:", each with Done / Reschedule."""
    today = followups.today
    due, overdue = followups.due_today, followups.overdue
    heading = "Today's follow-ups:" if due else "Today's follow-ups: none"
    groups: list[list[Block]] = [[mrkdwn_section(f"*{heading}*")]]
    groups += [follow_up_group(item, today) for item in due[:shown]]
    if len(due) > shown:
        groups.append([context(_more(len(due) - shown, "due today", FollowUpPart.due))])
    if overdue:
        groups.append([mrkdwn_section("*Overdue:*")])
        groups += [follow_up_group(item, today) for item in overdue[:shown]]
        if len(overdue) > shown:
            groups.append([context(_more(len(overdue) - shown, "overdue", FollowUpPart.overdue))])
    fallback = f"{heading} {len(due)}" if due else heading
    if overdue:
        fallback += f"; overdue: {len(overdue)}"
    return paginate(fallback, groups)


def reminder_line(reminder: Reminder, today: date) -> str:
    """`— Check back with Dana Smith: price was too high (due Monday, November 23)`."""
    who = reminder.contact.full_name if reminder.contact is not None else "them"
    late = "" if reminder.due_date >= today else f" (due {friendly_date(reminder.due_date, today)})"
    return f"— Check back with {who}: {reminder.note}{late}"


def reminder_messages(
    reminders: Sequence[Reminder], today: date, *, shown: int = REMINDERS_SHOWN
) -> list[Message]:
    """Due re-engage reminders, each with a Done button."""
    if not reminders:
        return []
    groups: list[list[Block]] = [[mrkdwn_section("*Re-engage reminders due:*")]]
    for reminder in reminders[:shown]:
        groups.append(
            [
                mrkdwn_section(escape(reminder_line(reminder, today))),
                actions(
                    f"{BlockId.REMINDER_ACTIONS}-{reminder.reminder_id}",
                    [button("Done", ActionId.REMINDER_DONE, reminder.reminder_id)],
                ),
            ]
        )
    if len(reminders) > shown:
        groups.append([context(f"…and {len(reminders) - shown} more reminders due.")])
    return paginate(f"Re-engage reminders due: {len(reminders)}", groups)


def daily_digest_messages(
    stale: StaleLeadReport, followups: FollowUpList, reminders: Sequence[Reminder]
) -> list[Message]:
    """The morning post: stale nudges, then today's follow-ups, then due reminders."""
    return (
        stale_lead_messages(stale)
        + followup_messages(followups)
        + reminder_messages(reminders, followups.today)
    )


# --- weekly and monthly -----------------------------------------------------------------------


def _report_messages(text: str) -> list[Message]:
    """A report text as a header (its first line) and sections; the plain text is the fallback."""
    first, _, rest = text.partition("\n")
    body = mrkdwn_sections(escape(rest.strip("\n"))) if rest.strip() else []
    return paginate(text, [[header(first)], *([block] for block in body)])


def pipeline_digest_messages(summary: PipelineSummary) -> list[Message]:
    """The procedure's pipeline lines exactly; past-expected-close leads cut at PAST_DUE_SHOWN."""
    past = summary.past_expected_close
    shown = PAST_DUE_SHOWN if len(past) > PAST_DUE_SHOWN else len(past)
    text = render_pipeline_summary(replace(summary, past_expected_close=past[:shown]))
    if len(past) > shown:
        text += f"\n…and {len(past) - shown} more past their expected close date."
    return _report_messages(text)


def win_loss_messages(summary: WinLossSummary) -> list[Message]:
    """The one-page monthly win/loss summary."""
    return _report_messages(render_win_loss(summary))
