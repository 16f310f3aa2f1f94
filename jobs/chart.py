"""The weekly digest's chart: open value by stage, and won amounts over the last 8 weeks.

The won weeks are the pipeline summary's own window stepped back (week 0 is the dates after
today - 7 up to today, the same as "Won this week"), so the last bar matches the text.
The PNG is 1200 x 700 pixels, drawn with matplotlib's Agg canvas (no display, no pyplot state).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import OPEN_LEAD_STATUSES, OpportunityStage, PipelineStage
from core.common.money import format_money
from core.models import Lead, Opportunity, Workspace
from core.workspaces.service import zone

WEEKS = 8
WIDTH, HEIGHT, DPI = 12, 7, 100  # inches and dots per inch: 1200 x 700 pixels
OPEN_DEAL_STAGES = (
    OpportunityStage.estimating,
    OpportunityStage.proposal_sent,
    OpportunityStage.scheduled,
)
LEAD_COLOUR, DEAL_COLOUR, WON_COLOUR = "#4C78A8", "#F58518", "#54A24B"


@dataclass(frozen=True)
class StageValue:
    label: str
    value: Decimal
    is_deal: bool


@dataclass(frozen=True)
class WeekWon:
    first_day: date
    last_day: date
    amount: Decimal


@dataclass(frozen=True)
class ChartData:
    today: date
    open_by_stage: tuple[StageValue, ...]
    won_by_week: tuple[WeekWon, ...]  # oldest first


def _dollars(value: Decimal | None) -> Decimal:
    """A SUM over no rows (or only NULL amounts) is NULL: count it as $0."""
    return Decimal(0) if value is None else Decimal(value)


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def chart_data(session: Session, *, workspace: Workspace, now: datetime) -> ChartData:
    """The chart's figures for the report time `now`: three GROUP BY statements."""
    ws = workspace.workspace_id
    today = now.astimezone(zone(workspace)).date()
    lead_values: dict[object, Decimal] = {
        stage: _dollars(value)
        for stage, value in session.execute(
            select(Lead.pipeline_stage, func.sum(Lead.estimated_value))
            .where(
                Lead.workspace_id == ws,
                Lead.status.in_(OPEN_LEAD_STATUSES),
                Lead.created_at <= now,
            )
            .group_by(Lead.pipeline_stage)
        ).tuples()
    }
    deal_values: dict[object, Decimal] = {
        stage: _dollars(value)
        for stage, value in session.execute(
            select(Opportunity.stage, func.sum(Opportunity.amount))
            .where(Opportunity.workspace_id == ws, Opportunity.stage.in_(OPEN_DEAL_STAGES))
            .group_by(Opportunity.stage)
        ).tuples()
    }
    first_day = today - timedelta(days=7 * WEEKS - 1)
    won_by_day = session.execute(
        select(Opportunity.close_date, func.sum(Opportunity.amount))
        .where(
            Opportunity.workspace_id == ws,
            Opportunity.stage == OpportunityStage.won,
            Opportunity.close_date >= first_day,
            Opportunity.close_date <= today,
        )
        .group_by(Opportunity.close_date)
    ).tuples()
    weeks = [Decimal(0)] * WEEKS
    for day, amount in won_by_day:
        if day is not None:
            weeks[WEEKS - 1 - (today - day).days // 7] += _dollars(amount)
    stages = [
        StageValue(f"Lead: {_label(stage)}", lead_values.get(stage, Decimal(0)), False)
        for stage in PipelineStage
    ] + [
        StageValue(f"Deal: {_label(stage)}", deal_values.get(stage, Decimal(0)), True)
        for stage in OPEN_DEAL_STAGES
    ]
    return ChartData(
        today=today,
        open_by_stage=tuple(stages),
        won_by_week=tuple(
            WeekWon(
                first_day=first_day + timedelta(days=7 * i),
                last_day=first_day + timedelta(days=7 * i + 6),
                amount=weeks[i],
            )
            for i in range(WEEKS)
        ),
    )


def _span(first: date, last: date) -> str:
    """ "Nov 24–30", or "Oct 27–Nov 2" across a month end."""
    end = f"{last.day}" if last.month == first.month else f"{last:%b} {last.day}"
    return f"{first:%b} {first.day}–{end}"


def _money_axis(value: float, _position: object) -> str:
    return format_money(Decimal(str(round(value))))


def render_chart(data: ChartData) -> bytes:
    """Draw the two panels side by side and return the PNG bytes (1200 x 700)."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    stages, weeks = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    figure.suptitle(f"Pipeline — {data.today:%a %b} {data.today.day}, {data.today.year}")

    labels = [s.label for s in data.open_by_stage]
    values = [float(s.value) for s in data.open_by_stage]
    colours = [DEAL_COLOUR if s.is_deal else LEAD_COLOUR for s in data.open_by_stage]
    bars = stages.barh(labels, values, color=colours)
    stages.invert_yaxis()
    stages.set_title("Open value by stage")
    stages.xaxis.set_major_formatter(FuncFormatter(_money_axis))
    stages.bar_label(bars, labels=[format_money(s.value) for s in data.open_by_stage], padding=3)
    stages.margins(x=0.25)

    week_labels = [_span(w.first_day, w.last_day) for w in data.won_by_week]
    amounts = [float(w.amount) for w in data.won_by_week]
    columns = weeks.bar(week_labels, amounts, color=WON_COLOUR)
    weeks.set_title(f"Won per week, last {len(data.won_by_week)} weeks")
    weeks.yaxis.set_major_formatter(FuncFormatter(_money_axis))
    weeks.bar_label(columns, labels=[format_money(w.amount) for w in data.won_by_week], fontsize=8)
    weeks.tick_params(axis="x", labelrotation=45)
    weeks.margins(y=0.15)

    figure.subplots_adjust(left=0.16, right=0.97, top=0.88, bottom=0.15, wspace=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
