"""Lists: search results, "which Dana?" choices, newest customers, and the `/followups` lists.

Every listed record carries the buttons for its next step; long lists are cut with "and N
more" and the command that shows the rest. A choice offers one button per candidate; the
button's value says what to do once chosen (see each builder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum

from bot.blocks.cards import (
    lead_actions,
    lead_is_open,
    lead_summary,
    phone_text,
    reach_line,
)
from bot.blocks.limits import (
    MAX_BLOCKS_MESSAGE,
    MAX_BUTTON_VALUE,
    Block,
    Message,
    actions,
    button,
    cap_blocks,
    context,
    escape,
    header,
    message,
    mrkdwn_section,
    slack_len,
)
from bot.ids import ActionId, BlockId
from bot.values import LogEntryChoice
from core.activity.reminders import DueReminders
from core.common.enums import in_words
from core.contacts.found import FoundContact
from core.contacts.lookups import CustomerSummary
from core.leads.quick_capture import LogEntry
from core.models import Lead, Opportunity, Reminder
from core.reports.followups import FollowUpItem, FollowUpList
from core.reports.stale_leads import StaleLead, StaleLeadReport
from core.reports.upcoming import UPCOMING_DAYS
from core.reports.wording import (
    followup_line,
    friendly_date,
    nudge_text,
    render_newest_customers,
)

CHOICES_SHOWN = 10
SEARCH_SHOWN = 15
PAGE_SIZE = 7  # records per part of `/followups` (3 parts x 7 x 2 blocks + headings < 50)
PART_PAGE_SIZE = 22  # records on a page of one part (`/followups stale 2`)


# --- choices --------------------------------------------------------------------------------------


def contact_choice(
    people: Sequence[FoundContact],
    *,
    name: str,
    action_id: ActionId,
    label: str,
    region: str = "US",
    values: Mapping[str, str] | None = None,
    question: str | None = None,
) -> Message:
    """ "Which Dana?": one section per person with a button; its value is `values[id]` or the id."""
    asked = question or f"Which {name}? {len(people)} people match."
    groups: list[Block] = [mrkdwn_section(escape(asked))]
    for person in people[:CHOICES_SHOWN]:
        details = [reach_line(person, region)]
        if person.address:
            details.append(escape(person.address))
        value = (values or {}).get(person.contact_id, person.contact_id)
        groups.append(
            mrkdwn_section(
                "\n".join(details),
                block_id=f"{BlockId.CHOICE}-{person.contact_id}",
                accessory=button(label, action_id, value),
            )
        )
    if len(people) > CHOICES_SHOWN:
        groups.append(
            context(
                f"…and {len(people) - CHOICES_SHOWN} more. Type more of the name, "
                "or their phone or email."
            )
        )
    return message(asked, groups)


def lead_choice(
    leads: Sequence[Lead],
    *,
    name: str,
    action_id: ActionId,
    label: str,
    region: str = "US",
    deals: Sequence[Opportunity] = (),
    values: Mapping[str, str] | None = None,
    question: str | None = None,
) -> Message:
    """ "Which Dana lead?": one section per open lead or job, with a button carrying its id
    (or `values[id]`); `question` replaces the one asked."""
    values = values or {}
    if deals:
        asked = f"Which {name} lead or job? {len(leads) + len(deals)} open ones match."
    else:
        asked = f"Which {name} lead? {len(leads)} open leads match."
    asked = question or asked
    blocks: list[Block] = [mrkdwn_section(escape(asked))]
    shown = 0
    for deal in deals[:CHOICES_SHOWN]:
        shown += 1
        blocks.append(
            mrkdwn_section(
                f"*{escape(deal.name)}* (job)\n{reach_line(deal.contact, region)}\n"
                f"{escape(in_words(deal.stage))}",
                block_id=f"{BlockId.OPPORTUNITY_ACTIONS}-{deal.opportunity_id}",
                accessory=button(
                    label, action_id, values.get(deal.opportunity_id, deal.opportunity_id)
                ),
            )
        )
    for lead in leads[: CHOICES_SHOWN - shown]:
        shown += 1
        blocks.append(
            mrkdwn_section(
                f"*{escape(lead.title)}*\n{reach_line(lead.contact, region)}\n{lead_summary(lead)}",
                block_id=f"{BlockId.LEAD_ACTIONS}-{lead.lead_id}",
                accessory=button(label, action_id, values.get(lead.lead_id, lead.lead_id)),
            )
        )
    if len(leads) + len(deals) > shown:
        more = len(leads) + len(deals) - shown
        blocks.append(context(f"…and {more} more — type `/lead find {escape(name)}`."))
    return message(asked, blocks)


def log_entry_value(contact_id: str, entry: LogEntry) -> str:
    """The LOG_ENTRY button value: the person and the `/log` line as parsed (`LogEntryChoice`)."""
    chosen = LogEntryChoice(contact_id, entry.interaction_type, entry.summary, entry.follow_up_date)
    return chosen.encode()


def log_entry_choice(
    people: Sequence[FoundContact], entry: LogEntry, *, region: str = "US"
) -> Message:
    """`/log` naming several people: choose one and the entry is logged for them as typed.

    A summary too long for a button value (2,000 characters) is not carried: the buttons
    open the Log interaction form for that person instead (**Log call**, value contact_id).
    """
    values = {person.contact_id: log_entry_value(person.contact_id, entry) for person in people}
    if all(slack_len(value) <= MAX_BUTTON_VALUE for value in values.values()):
        return contact_choice(
            people, name=entry.who, action_id=ActionId.LOG_ENTRY, label="Log it", values=values
        )
    question = (
        f"Which {entry.who}? {len(people)} people match. Your note is long, so choose the "
        "person and paste it into the form."
    )
    return contact_choice(
        people,
        name=entry.who,
        action_id=ActionId.LOG_CALL,
        label="Log call",
        region=region,
        question=question,
    )


# --- search results -------------------------------------------------------------------------------


def lead_search_results(leads: Sequence[Lead], words: str, *, region: str = "US") -> Message:
    """`/lead find <words>`: the leads found, newest first, each with its next-step buttons."""
    if not leads:
        text = f"No leads match “{words}”. Try words from the job title, or the customer's name."
        return message(text, [mrkdwn_section(escape(text))])
    heading = f"Leads matching “{words}” ({len(leads)}):"
    groups: list[list[Block]] = []
    for lead in leads:
        line = f"*{escape(lead.title)}*\n{reach_line(lead.contact, region)}\n{lead_summary(lead)}"
        group = [mrkdwn_section(line)]
        if lead_is_open(lead):
            group.append(lead_actions(lead.lead_id, stage=lead.pipeline_stage))
        groups.append(group)
    more = "…and {n} more — add words to narrow the search."
    blocks = [mrkdwn_section(escape(heading)), *cap_blocks(groups, SEARCH_SHOWN * 2 + 1, more)]
    return message(heading, blocks)


def newest_customers_list(customers: Sequence[CustomerSummary], *, region: str = "US") -> Message:
    """ "Who are our newest customers?": a brief list, each with Open contact and Log call."""
    if not customers:
        text = "No customers yet: a contact becomes a customer when one of their jobs is won."
        return message(text, [mrkdwn_section(text)])
    blocks: list[Block] = [header("Newest customers")]
    for customer in customers[: MAX_BLOCKS_MESSAGE - 1]:
        reach = [phone_text(customer.phone, region) if customer.phone else None, customer.email]
        shown = " · ".join(escape(part) for part in reach if part)
        line = f"*{escape(customer.name)}*" + (f" · {shown}" if shown else "")
        blocks.append(
            mrkdwn_section(
                line,
                block_id=f"{BlockId.CONTACT_ACTIONS}-{customer.contact_id}",
                accessory=button("Open contact", ActionId.OPEN_CONTACT, customer.contact_id),
            )
        )
    return message(render_newest_customers(customers), blocks)


# --- /followups -----------------------------------------------------------------------------------


class FollowUpPart(StrEnum):
    """A part of `/followups` that can be listed on its own, page by page.

    `reminders` (due re-engage reminders) and `upcoming` (the next seven days, `upcoming_list`)
    are only ever listed on their own: plain `/followups` shows what docs/product.md,
    Commands, names, and says how many are coming up.
    """

    due = "due"
    overdue = "overdue"
    stale = "stale"
    reminders = "reminders"
    upcoming = "upcoming"


def follow_up_group(item: FollowUpItem, today: date, *, mark: str = "") -> list[Block]:
    """One promised follow-up with **Done** and **Reschedule**."""
    return [
        mrkdwn_section(mark + escape(followup_line(item, today))),
        actions(
            f"{BlockId.FOLLOW_UP_ACTIONS}-{item.interaction_id}",
            [
                button("Done", ActionId.DONE, item.interaction_id, style="primary"),
                button("Reschedule", ActionId.RESCHEDULE, item.interaction_id),
            ],
        ),
    ]


def reminder_line(reminder: Reminder, today: date) -> str:
    """`— Check back with Dana Smith: price was too high (due Monday, November 23)`."""
    who = reminder.contact.full_name if reminder.contact is not None else "them"
    late = "" if reminder.due_date >= today else f" (due {friendly_date(reminder.due_date, today)})"
    return f"— Check back with {who}: {reminder.note}{late}"


def reminder_group(reminder: Reminder, today: date) -> list[Block]:
    """One due re-engage reminder with **Done**."""
    return [
        mrkdwn_section(escape(reminder_line(reminder, today))),
        actions(
            f"{BlockId.REMINDER_ACTIONS}-{reminder.reminder_id}",
            [button("Done", ActionId.REMINDER_DONE, reminder.reminder_id)],
        ),
    ]


def stale_group(item: StaleLead, *, mark: str = "") -> list[Block]:
    """One stale-lead nudge with the lead's next-step buttons."""
    return [
        mrkdwn_section(mark + escape(nudge_text(item))),
        lead_actions(item.lead_id, stage=None),
    ]


def _more(part: FollowUpPart, what: str) -> str:
    return f"…and {{n}} more {what} — type `/followups {part.value}` to list them."


def followups_list(
    followups: FollowUpList,
    stale: StaleLeadReport,
    *,
    part: FollowUpPart | None = None,
    page: int = 1,
    coming_up: int = 0,
) -> Message:
    """`/followups`: today's follow-ups, overdue ones, and stale leads, each with its buttons.

    Each heading shows even when its list is empty ("Overdue: none"), so the reader knows it
    was looked at; `coming_up` (follow-ups promised for the next seven days) is one line
    pointing at `/followups upcoming`. With `part`, only that list, `PART_PAGE_SIZE` at a time
    (`page` counts from 1); the lists may hold fewer items than they count (loaded with a
    limit), the totals say how many. Reminders and the week ahead have their own builders.
    """
    if part in (FollowUpPart.reminders, FollowUpPart.upcoming):
        raise ValueError("reminders and the week ahead have their own lists")
    today = followups.today
    lists: dict[FollowUpPart, tuple[str, list[list[Block]], str]] = {
        FollowUpPart.due: (
            "Today's follow-ups:",
            [follow_up_group(item, today) for item in followups.due_today],
            "due today",
        ),
        FollowUpPart.overdue: (
            "Overdue:",
            [follow_up_group(item, today) for item in followups.overdue],
            "overdue",
        ),
        FollowUpPart.stale: (
            f"Stale leads ({stale.total}):",
            [stale_group(item) for item in stale.items],
            "stale leads",
        ),
    }
    counts = {
        FollowUpPart.due: followups.due_today_total,
        FollowUpPart.overdue: followups.overdue_total,
        FollowUpPart.stale: stale.total,
    }
    summary = (
        f"Today's follow-ups: {counts[FollowUpPart.due]}; overdue: {counts[FollowUpPart.overdue]}; "
        f"stale leads: {counts[FollowUpPart.stale]}"
    )
    if part is not None:
        heading, groups, what = lists[part]
        start = (max(page, 1) - 1) * PART_PAGE_SIZE
        shown = groups[start : start + PART_PAGE_SIZE]
        title = f"*{heading}* page {max(page, 1)}" if start else f"*{heading}*"
        blocks: list[Block] = [mrkdwn_section(title)]
        blocks += [block for group in shown for block in group]
        rest = counts[part] - start - len(shown)
        if not shown:
            blocks.append(context(f"Nothing {what} here."))
        elif rest > 0:
            nxt = f"/followups {part.value} {max(page, 1) + 1}"
            blocks.append(context(f"…and {rest} more {what} — type `{nxt}` for the next page."))
        return message(summary, blocks)

    blocks = []
    for key, (heading, groups, what) in lists.items():
        if not counts[key]:
            blocks.append(mrkdwn_section(f"*{heading.split(' (')[0].rstrip(':')}:* none"))
            continue
        blocks.append(mrkdwn_section(f"*{heading}*"))
        shown = groups[:PAGE_SIZE]
        blocks += [block for group in shown for block in group]
        rest = counts[key] - len(shown)  # a stale report may list fewer than it counts
        if rest > 0:
            blocks.append(context(_more(key, what).format(n=rest)))
    upcoming_part = FollowUpPart.upcoming.value
    if coming_up:
        blocks.append(
            context(
                f"{coming_up} more promised for the next {UPCOMING_DAYS} days — type "
                f"`/followups {upcoming_part}` to see them."
            )
        )
    else:
        blocks.append(context(f"Nothing else promised for the next {UPCOMING_DAYS} days."))
    return message(summary, blocks)


def reminders_list(due: DueReminders, *, page: int = 1) -> Message:
    """`/followups reminders`: the due re-engage reminders, `PART_PAGE_SIZE` a page, with Done."""
    page = max(page, 1)
    start = (page - 1) * PART_PAGE_SIZE
    shown = due.items[start : start + PART_PAGE_SIZE]
    heading = f"Re-engage reminders due ({due.total}):"
    blocks: list[Block] = [mrkdwn_section(f"*{heading}* page {page}" if start else f"*{heading}*")]
    blocks += [block for reminder in shown for block in reminder_group(reminder, due.today)]
    rest = due.total - start - len(shown)
    if not due.total:
        blocks = [mrkdwn_section("No re-engage reminders are due.")]
    elif not shown:
        blocks.append(context("Nothing more due here."))
    elif rest > 0:
        nxt = f"/followups {FollowUpPart.reminders.value} {page + 1}"
        blocks.append(context(f"…and {rest} more reminders due — type `{nxt}` for the next page."))
    return message(f"Re-engage reminders due: {due.total}", blocks)


def rows_wanted(part: FollowUpPart | None, page: int) -> int:
    """How many records of each list `/followups` shows at most for this part and page."""
    return PAGE_SIZE if part is None else max(page, 1) * PART_PAGE_SIZE


def parse_followups_args(text: str) -> tuple[FollowUpPart | None, int]:
    """`/followups stale 2` -> (stale, 2); unknown words list everything from page 1."""
    words = text.lower().split()
    part = next((FollowUpPart(w) for w in words if w in FollowUpPart.__members__), None)
    page = next((int(w) for w in words if w.isdigit() and 0 < int(w) < 10_000), 1)
    return part, page
