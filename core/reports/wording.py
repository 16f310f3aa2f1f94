"""The procedure's report texts, rendered from report results with no I/O and no clock.

Wording is the procedure's own (docs/product.md, Definitions); choices it leaves open are fixed
here: dates read "Tuesday, November 24" (the year added when it is not the report's year), day
counts are singular for 1, money is `format_money`, stages and reasons are their vocabulary
values in words (`follow_up` -> "follow up"), and a lead with no contact is from "unknown contact".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from core.common.enums import InteractionType, in_words
from core.common.money import format_money
from core.contacts.lookups import CustomerSummary, LastTouch
from core.reports.followups import FollowUpItem, FollowUpKind, FollowUpList
from core.reports.rows import Touchpoint
from core.reports.stale_leads import StaleLead, StaleLeadReport
from core.reports.summaries import PipelineSummary
from core.reports.win_loss import ReasonCount, WinLossSummary

UNKNOWN_CONTACT = "unknown contact"

TOUCH_WORDS = {
    InteractionType.phone_call: "phone call",
    InteractionType.email_inbound: "email from them",
    InteractionType.email_outbound: "email to them",
    InteractionType.sms: "text message",
    InteractionType.meeting: "meeting",
    InteractionType.note: "note",
    InteractionType.system: "update",
}


def friendly_date(day: date, today: date | None = None) -> str:
    """`Tuesday, November 24`, with the year when it differs from the report's."""
    text = f"{day:%A}, {day:%B} {day.day}"
    return text if today is not None and day.year == today.year else f"{text}, {day.year}"


def days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _name(name: str | None) -> str:
    return name or UNKNOWN_CONTACT


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def describe_touch(touch: Touchpoint, today: date) -> str:
    """`phone call on Monday, November 23 — wants a quote`."""
    said = f"{TOUCH_WORDS[touch.type]} on {friendly_date(touch.local_date, today)}"
    return f"{said} — {touch.summary}" if touch.summary else said


# --- daily ------------------------------------------------------------------------------------


def nudge_text(item: StaleLead) -> str:
    """The procedure's stale-lead nudge for one lead."""
    if item.last_touch is not None:
        last = describe_touch(item.last_touch, item.today)
    else:
        last = f"none logged since it came in on {friendly_date(item.created_on, item.today)}"
    return (
        f"Heads up: the {item.title} lead from {_name(item.contact_name)} has had no activity "
        f"in {days(item.days_since)}. Last touchpoint: {_sentence(last)} "
        "Want me to draft a follow-up message?"
    )


def render_stale_leads(report: StaleLeadReport) -> str:
    """Every listed nudge, then how many more stale leads there are."""
    if report.total == 0:
        return "No stale leads."
    parts = [nudge_text(item) for item in report.items]
    if report.more:
        parts.append(f"…and {report.more} more stale {'lead' if report.more == 1 else 'leads'}.")
    return "\n\n".join(parts)


def followup_line(item: FollowUpItem, today: date) -> str:
    """One line of the morning list; an overdue item says how late it is."""
    name = _name(item.contact_name)
    about = f" re: {item.topic}" if item.topic else ""
    late = f" ({days(item.days_overdue)} late)" if item.days_overdue > 0 else ""
    if item.kind == FollowUpKind.proposal:
        if item.days_overdue > 0:
            when = friendly_date(item.follow_up_date, today)
            return f"— {name} expected a proposal by {when}{late}"
        return f"— {name} expects a proposal by today"
    if item.kind == FollowUpKind.call_back:
        return f"— Call back {name}{about}{late}"
    return f"— Follow up with {name}{about}{late}"


NEXT_STEP_WORDS = {
    FollowUpKind.call_back: "call back",
    FollowUpKind.proposal: "proposal expected",
    FollowUpKind.follow_up: "follow up",
}


def follow_up_day(item: FollowUpItem) -> str:
    """`today`, `Friday, December 4`, or `overdue since Wednesday, November 25`."""
    today = item.follow_up_date + timedelta(days=item.days_overdue)
    if item.days_overdue == 0:
        return "today"
    day = friendly_date(item.follow_up_date, today)
    return f"overdue since {day}" if item.days_overdue > 0 else day


def next_follow_up_line(item: FollowUpItem) -> str:
    """A card's `Next follow-up: Friday, December 4 — call back: left voicemail`."""
    what = NEXT_STEP_WORDS[item.kind] + (f": {item.topic}" if item.topic else "")
    return f"Next follow-up: {follow_up_day(item)} — {what}"


def upcoming_line(item: FollowUpItem) -> str:
    """`— Friday, December 4: call back Dana Smith re: left voicemail` (the week ahead)."""
    about = f" re: {item.topic}" if item.topic else ""
    name = _name(item.contact_name)
    if item.kind == FollowUpKind.proposal:
        return f"— {follow_up_day(item)}: {name} expects a proposal{about}"
    verb = "call back" if item.kind == FollowUpKind.call_back else "follow up with"
    return f"— {follow_up_day(item)}: {verb} {name}{about}"


def render_followups(followups: FollowUpList) -> str:
    """`Today's follow-ups:` with one line each, then `Overdue:` when anything is late."""
    lines = ["Today's follow-ups:" if followups.due_today else "Today's follow-ups: none"]
    lines += [followup_line(item, followups.today) for item in followups.due_today]
    if followups.overdue:
        lines += ["", "Overdue:"]
        lines += [followup_line(item, followups.today) for item in followups.overdue]
    return "\n".join(lines)


# --- on request -------------------------------------------------------------------------------


def render_last_touchpoint(last: LastTouch) -> str:
    """Answer "How long since we talked to [customer]?"."""
    if last.touch is None or last.days_ago is None:
        return f"No touchpoints logged with {last.contact_name} yet."
    ago = "today" if last.days_ago == 0 else f"{days(last.days_ago)} ago"
    touch = last.touch
    said = f"{TOUCH_WORDS[touch.type]} on {friendly_date(touch.local_date, last.today)} ({ago})"
    if touch.summary:
        said = f"{said} — {touch.summary}"
    return f"Last touchpoint with {last.contact_name}: {_sentence(said)}"


def render_newest_customers(customers: Iterable[CustomerSummary]) -> str:
    """A brief list: name with primary phone and email."""
    lines = []
    for customer in customers:
        reach = ", ".join(p for p in (customer.phone, customer.email) if p)
        lines.append(f"— {customer.name} ({reach})" if reach else f"— {customer.name}")
    return "\n".join(["Newest customers:", *lines]) if lines else "No customers yet."


# --- weekly -----------------------------------------------------------------------------------


def _response_time(summary: PipelineSummary) -> str:
    """The follow-up line's response time, only when a lead of the week got a reply."""
    hours = summary.response_avg_hours
    if hours is None:
        return ""
    return f"; first reply to new leads in {hours} hours on average ({summary.replied_leads} leads)"


def render_pipeline_summary(summary: PipelineSummary) -> str:
    """The procedure's weekly pipeline block, then the leads past their expected close date the
    summary was loaded with (a page of them: the callers say how many more)."""
    avg = summary.follow_up_avg_age_days
    lines = [
        f"Pipeline — {summary.today:%A}, {summary.today:%B} {summary.today.day}, "
        f"{summary.today.year}",
        f"New leads this week: {summary.new_leads}",
        f"Leads in follow-up: {summary.follow_up_count} "
        f"(avg age: {avg if avg is not None else Decimal('0.0')} days)" + _response_time(summary),
        f"Proposals out: {summary.proposals_out_count} "
        f"(total value: {format_money(summary.proposals_out_value)})",
        f"Won this week: {summary.won_count} ({format_money(summary.won_value)})",
        f"Lost this week: {summary.lost_count}",
        "",
    ]
    oldest = summary.oldest_open_lead
    if oldest is None:
        lines.append("Oldest open lead: none")
    else:
        lines.append(
            f"Oldest open lead: {_name(oldest.contact_name)} — {days(oldest.age_days)}, "
            f"stage: {in_words(oldest.stage)}"
        )
    if summary.past_expected_close:
        lines += ["", "Past expected close:"]
        lines += [
            f"— {_name(lead.contact_name)}: {lead.title} — expected "
            f"{friendly_date(lead.expected_close_date, summary.today)} "
            f"({days(lead.days_past)} past)"
            for lead in summary.past_expected_close
        ]
    return "\n".join(lines)


# --- monthly ----------------------------------------------------------------------------------


def _reasons(reasons: tuple[ReasonCount, ...]) -> str:
    return f" ({', '.join(f'{in_words(r.reason)} {r.count}' for r in reasons)})" if reasons else ""


def render_win_loss(summary: WinLossSummary) -> str:
    """The one-page monthly summary for the owner."""
    month = f"{summary.month_start:%B} {summary.month_start.year}"
    lines = [
        f"Win/loss — {month}",
        "",
        f"Leads created: {summary.leads_created}",
        f"— Converted: {summary.converted}",
        f"— Disqualified: {summary.disqualified}{_reasons(summary.disqualified_by_reason)}",
        f"— Still open: {summary.still_open}",
        "",
        "Deals closed:",
        f"— Won: {summary.won_count} ({format_money(summary.won_amount)})",
        f"— Lost: {summary.lost_count}{_reasons(summary.lost_by_reason)}",
    ]
    closed = summary.won_count + summary.lost_count
    if closed:
        rate = (Decimal(100 * summary.won_count) / closed).quantize(Decimal(1), ROUND_HALF_UP)
        lines.append(f"Win rate: {rate}%")
    by_leads = ", ".join(f"{in_words(s.source)} {s.count}" for s in summary.top_sources_by_leads)
    by_amount = ", ".join(
        f"{in_words(s.source) if s.source else 'no lead'} {format_money(s.amount)}"
        for s in summary.top_sources_by_won_amount
    )
    avg = summary.avg_days_to_win
    lines += [
        "",
        f"Top sources by leads: {by_leads or 'none'}",
        f"Top sources by won amount: {by_amount or 'none'}",
        f"Average days from lead to win: {avg if avg is not None else 'n/a'}",
    ]
    return "\n".join(lines)
