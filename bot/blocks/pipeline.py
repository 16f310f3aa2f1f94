"""The pipeline summary (`/pipeline`, "what's our pipeline?"): the procedure's lines, then the
leads past their expected close date, each with its next-step buttons, a page at a time (the
summary comes loaded with that page, `past_due_page`, and their total)."""

from __future__ import annotations

from dataclasses import replace

from bot.blocks.cards import lead_actions
from bot.blocks.limits import (
    Block,
    Message,
    context,
    escape,
    header,
    message,
    mrkdwn_section,
    mrkdwn_sections,
)
from bot.ids import BlockId
from core.reports.summaries import PastDueLead, PipelineSummary
from core.reports.wording import days, friendly_date, render_pipeline_summary

PAST_DUE_SHOWN = 20  # 2 blocks each: with the figures, well inside 50 blocks


def past_due_page(page: int) -> dict[str, int]:
    """`pipeline_summary`'s arguments that load the leads `pipeline_message` shows on `page`."""
    return {
        "past_due_limit": PAST_DUE_SHOWN,
        "past_due_offset": (max(page, 1) - 1) * PAST_DUE_SHOWN,
    }


def past_due_line(summary: PipelineSummary, lead: PastDueLead) -> str:
    who = escape(lead.contact_name or "unknown contact")
    expected = friendly_date(lead.expected_close_date, summary.today)
    return f"— {who}: *{escape(lead.title)}* — expected {expected} ({days(lead.days_past)} past)"


def pipeline_message(summary: PipelineSummary, *, page: int = 1) -> Message:
    """The summary now; `page` > 1 lists the next leads past their expected close date."""
    figures = render_pipeline_summary(replace(summary, past_expected_close=()))
    first, _, rest = figures.partition("\n")
    blocks: list[Block] = [header(first), *mrkdwn_sections(escape(rest.strip()), max_blocks=3)]
    oldest = summary.oldest_open_lead
    if oldest is not None:
        blocks.append(
            lead_actions(
                oldest.lead_id,
                stage=oldest.stage,
                block_id=f"{BlockId.LEAD_ACTIONS}-oldest-{oldest.lead_id}",
            )
        )
    total = summary.past_expected_close_total
    shown: tuple[PastDueLead, ...] = ()
    if total:
        page = max(page, 1)
        start = min((page - 1) * PAST_DUE_SHOWN, total)
        stop = min(start + PAST_DUE_SHOWN, total)
        # Positions among all of them; the summary holds those from its offset on.
        loaded_from = summary.past_expected_close_offset
        shown = summary.past_expected_close[
            max(start - loaded_from, 0) : max(stop - loaded_from, 0)
        ]
        title = f"*Past expected close ({total}):*"
        blocks.append(mrkdwn_section(title if page == 1 else f"{title} page {page}"))
        for lead in shown:
            blocks.append(mrkdwn_section(past_due_line(summary, lead)))
            blocks.append(lead_actions(lead.lead_id, stage=lead.stage))
        rest_count = total - stop
        if rest_count > 0:
            blocks.append(
                context(
                    f"…and {rest_count} more past their expected close date — "
                    f"type `/pipeline {page + 1}` to list them."
                )
            )
        elif not shown:
            blocks.append(context("No more leads past their expected close date."))
    return message(render_pipeline_summary(replace(summary, past_expected_close=shown)), blocks)
