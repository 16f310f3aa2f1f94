"""Modals that move a lead or a job along: Convert, Mark won, Edit lead, Edit job; each with
one pure parser.

Convert asks the new job's stage (preselected from the lead's, `core.leads.service.
deal_stage_for`), its amount (the lead's estimate) and expected close date (the lead's).
Mark won is the owner's confirmation: opened only for an owner (core issues the single-use
confirmation on the click, carried in `ModalMeta.confirmation`), it asks the final amount,
prefilled when the deal has one; nothing is prefilled otherwise, so $0 is only ever typed.
Edit lead (stage, expected close date, estimated value, who follows up) and Edit job (stage,
amount, expected close date) show the record as it stands; core applies what changed.
Amounts and dates are read by core, which names the field that is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from bot.blocks.limits import Block, View, context, escape, mrkdwn_section
from bot.blocks.modals.inputs import (
    ModalMeta,
    form_modal,
    input_block,
    select_from,
    state_element,
    state_selected,
    state_text,
    state_value,
    text_element,
)
from bot.ids import BlockId, ViewId
from core.common.enums import OpportunityStage, PipelineStage
from core.common.money import format_money
from core.errors import InvalidInput
from core.leads.planning import DealPlan, LeadPlan
from core.leads.service import CONVERT_STAGES, deal_stage_for
from core.models import Lead, Opportunity, WonConfirmation

DEAL_STAGE_LABELS: Mapping[OpportunityStage, str] = {
    OpportunityStage.estimating: "Estimating",
    OpportunityStage.proposal_sent: "Proposal sent",
    OpportunityStage.scheduled: "Scheduled",
}
AMOUNT_LENGTH = 20

CONVERT_FIELDS = {
    "stage": BlockId.STAGE.value,
    "amount": BlockId.AMOUNT.value,
    "expected_close_date": BlockId.EXPECTED_CLOSE_DATE.value,
}
MARK_WON_FIELDS = {"amount": BlockId.AMOUNT.value}


def money_text(amount: Decimal | None) -> str | None:
    """An amount as a form shows it for editing (`$1,250`), or nothing."""
    return format_money(amount) if amount is not None else None


def amount_input(label: str, amount: Decimal | None, *, optional: bool, hint: str) -> Block:
    element = text_element(money_text(amount), max_length=AMOUNT_LENGTH, placeholder="$1,250")
    return input_block(BlockId.AMOUNT, label, element, optional=optional, hint=hint)


def date_input(block: BlockId, label: str, day: date | None) -> Block:
    picker: Block = {"type": "datepicker"}
    if day is not None:
        picker["initial_date"] = day.isoformat()
    return input_block(block, label, picker, optional=True)


def picked_date(view: View, block: BlockId, *, field: str, what: str) -> date | None:
    """The day picked in a datepicker; none is None, anything unreadable is refused there."""
    picked = state_element(view, block.value).get("selected_date")
    if not picked:
        return None
    try:
        return date.fromisoformat(str(picked))
    except ValueError:
        raise InvalidInput(f"Pick the {what} from the calendar.", field=field) from None


def expected_close(view: View) -> date | None:
    """The expected close date picked on a form (none: None)."""
    return picked_date(
        view, BlockId.EXPECTED_CLOSE_DATE, field="expected_close_date", what="expected close date"
    )


# --- convert --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvertInput:
    lead_id: str
    stage: str | None
    amount: str | None
    expected_close_date: date | None
    meta: ModalMeta


def convert_modal(lead: Lead, *, meta: ModalMeta | None = None) -> View:
    """The new job's stage, amount and expected close date, prefilled from the lead."""
    carried = (meta or ModalMeta()).about(lead.lead_id)
    stages = {stage: DEAL_STAGE_LABELS[stage] for stage in CONVERT_STAGES}
    who = f" from {escape(lead.contact.full_name)}" if lead.contact else ""
    blocks = [
        mrkdwn_section(f"*{escape(lead.title)}*{who}"),
        input_block(
            BlockId.STAGE,
            "Where does the job stand?",
            select_from(stages, deal_stage_for(lead.pipeline_stage)),
        ),
        amount_input(
            "Amount ($)",
            lead.estimated_value,
            optional=True,
            hint="The quote or estimate, if known.",
        ),
        date_input(BlockId.EXPECTED_CLOSE_DATE, "Expected close date", lead.expected_close_date),
        context("The lead stays on file as converted; the job carries its history."),
    ]
    return form_modal(
        ViewId.CONVERT, title="Convert to a job", submit="Convert", blocks=blocks, meta=carried
    )


def parse_convert(view: View) -> ConvertInput:
    """Read the Convert form; core checks the stage, the amount and the date."""
    meta = ModalMeta.load(view.get("private_metadata"))
    return ConvertInput(
        lead_id=meta.record_id,
        stage=state_selected(view, BlockId.STAGE.value),
        amount=state_text(view, BlockId.AMOUNT.value),
        expected_close_date=expected_close(view),
        meta=meta,
    )


# --- mark won -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkWonInput:
    opportunity_id: str
    confirmation: str | None
    amount: str | None
    meta: ModalMeta


def mark_won_modal(
    opportunity: Opportunity, confirmation: WonConfirmation, *, meta: ModalMeta | None = None
) -> View:
    """The owner's "are you sure", asking the final amount (the deal's, when it has one)."""
    about = (meta or ModalMeta()).about(opportunity.opportunity_id)
    carried = replace(about, confirmation=confirmation.token)
    who = escape(opportunity.contact.full_name) if opportunity.contact else "the customer"
    blocks = [
        mrkdwn_section(
            f"*Mark {escape(opportunity.name)} won?*\n"
            f"This closes the deal as won, marks {who} as a customer, "
            "and asks about QuickBooks."
        ),
        amount_input(
            "Final amount ($)",
            opportunity.amount,
            optional=False,
            hint="What the job came to. Type 0 if there was no charge.",
        ),
    ]
    return form_modal(
        ViewId.MARK_WON, title="Mark won", submit="Mark won", blocks=blocks, meta=carried
    )


def parse_mark_won(view: View) -> MarkWonInput:
    """Read the Mark won form: the confirmation it carries and the amount typed."""
    meta = ModalMeta.load(view.get("private_metadata"))
    return MarkWonInput(
        opportunity_id=meta.record_id,
        confirmation=meta.confirmation,
        amount=state_text(view, BlockId.AMOUNT.value),
        meta=meta,
    )


# --- edit a lead's plan ---------------------------------------------------------------------------

LEAD_STAGE_LABELS: Mapping[PipelineStage, str] = {
    PipelineStage.inquiry: "Inquiry",
    PipelineStage.needs_analysis: "Needs analysis",
    PipelineStage.estimate_sent: "Estimate sent",
    PipelineStage.follow_up: "Follow-up",
    PipelineStage.scheduled_visit: "Scheduled visit",
}
EDIT_LEAD_FIELDS = {
    "stage": BlockId.PIPELINE_STAGE.value,
    "expected_close_date": BlockId.EXPECTED_CLOSE_DATE.value,
    "estimated_value": BlockId.ESTIMATED_VALUE.value,
    "owner": BlockId.OWNER.value,
}
EDIT_JOB_FIELDS = CONVERT_FIELDS


@dataclass(frozen=True)
class EditLeadInput:
    lead_id: str
    plan: LeadPlan
    meta: ModalMeta


def edit_lead_modal(lead: Lead, *, meta: ModalMeta | None = None) -> View:
    """The lead's stage, expected close date, estimated value and owner, as they stand."""
    carried = (meta or ModalMeta()).about(lead.lead_id)
    who = f" from {escape(lead.contact.full_name)}" if lead.contact else ""
    value = text_element(
        money_text(lead.estimated_value), max_length=AMOUNT_LENGTH, placeholder="$350"
    )
    owner: Block = {"type": "users_select"}
    if lead.owner and not lead.owner.startswith("system:"):
        owner["initial_user"] = lead.owner
    blocks = [
        mrkdwn_section(f"*{escape(lead.title)}*{who}"),
        input_block(
            BlockId.PIPELINE_STAGE, "Stage", select_from(LEAD_STAGE_LABELS, lead.pipeline_stage)
        ),
        date_input(BlockId.EXPECTED_CLOSE_DATE, "Expected close date", lead.expected_close_date),
        input_block(BlockId.ESTIMATED_VALUE, "Estimated value ($)", value, optional=True),
        input_block(BlockId.OWNER, "Who follows up", owner, optional=True),
    ]
    return form_modal(
        ViewId.EDIT_LEAD, title="Edit lead", submit="Save", blocks=blocks, meta=carried
    )


def parse_edit_lead(view: View) -> EditLeadInput:
    """Read the Edit lead form; blank value or date clear them, a blank owner keeps it."""
    meta = ModalMeta.load(view.get("private_metadata"))
    plan = LeadPlan(
        stage=state_selected(view, BlockId.PIPELINE_STAGE.value) or "",
        expected_close_date=expected_close(view),
        estimated_value=state_text(view, BlockId.ESTIMATED_VALUE.value),
        owner=state_value(view, BlockId.OWNER.value),
    )
    return EditLeadInput(lead_id=meta.record_id, plan=plan, meta=meta)


# --- edit a job's plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EditJobInput:
    opportunity_id: str
    plan: DealPlan
    meta: ModalMeta


def edit_job_modal(opportunity: Opportunity, *, meta: ModalMeta | None = None) -> View:
    """An open job's stage, amount and expected close date; won and lost have their buttons."""
    carried = (meta or ModalMeta()).about(opportunity.opportunity_id)
    who = f" ({escape(opportunity.contact.full_name)})" if opportunity.contact else ""
    blocks = [
        mrkdwn_section(f"*{escape(opportunity.name)}*{who}"),
        input_block(BlockId.STAGE, "Stage", select_from(DEAL_STAGE_LABELS, opportunity.stage)),
        amount_input(
            "Amount ($)", opportunity.amount, optional=True, hint="The quote, as it stands."
        ),
        date_input(
            BlockId.EXPECTED_CLOSE_DATE, "Expected close date", opportunity.expected_close_date
        ),
        context("Won or lost? Use Mark won or Mark lost on the job."),
    ]
    return form_modal(ViewId.EDIT_JOB, title="Edit job", submit="Save", blocks=blocks, meta=carried)


def parse_edit_job(view: View) -> EditJobInput:
    """Read the Edit job form; a blank amount or date clears it."""
    meta = ModalMeta.load(view.get("private_metadata"))
    plan = DealPlan(
        stage=state_selected(view, BlockId.STAGE.value) or "",
        amount=state_text(view, BlockId.AMOUNT.value),
        expected_close_date=expected_close(view),
    )
    return EditJobInput(opportunity_id=meta.record_id, plan=plan, meta=meta)
