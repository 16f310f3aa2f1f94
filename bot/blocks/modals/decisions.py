"""Modals for decisions: edit a draft, mark a deal lost, disqualify a lead, reschedule a
follow-up, and the owners' settings; each with one pure `parse_<view>` keyed by block id.

Input blocks are named by the core field, so a `CRMError(field=...)` lands on its input
(`bot.blocks.modals.inputs`). `private_metadata` is a `ModalMeta`: the record, the version
the person saw, and where the click came from (channel, message ts, response_url) so the
submission can answer there. The settings modal lives in `bot.blocks.settings` (re-exported).

A draft body may be 10,000 characters but a Slack text input holds 3,000, so the edit modal
splits the body at line breaks (or spaces, for one very long line) into as many inputs as it
needs and keeps the separators in the metadata; `parse_edit_draft` joins them back exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from bot.blocks.cards import DISQUALIFY_REASON_LABELS
from bot.blocks.drafts import CHANNEL_WORDS, show_recipient
from bot.blocks.limits import Block, View, context, escape, mrkdwn_section, option
from bot.blocks.modals.inputs import (
    ModalMeta,
    form_modal,
    input_block,
    join_inputs,
    select_from,
    split_for_inputs,
    state_checked,
    state_element,
    state_selected,
    state_text,
    state_values,
    text_element,
)
from bot.blocks.settings import SettingsInput, parse_settings, settings_modal
from bot.ids import BlockId, ViewId
from core.common.enums import DisqualificationReason, DraftChannel, LossReason
from core.common.money import format_money
from core.errors import InvalidInput
from core.leads.opportunities import REENGAGE_DAYS
from core.models import Draft, Interaction, Lead, Opportunity

LOSS_REASON_LABELS = {
    LossReason.price: "Price",
    LossReason.competition: "Went with a competitor",
    LossReason.timing: "Timing",
    LossReason.no_decision: "No decision",
    LossReason.scope: "Scope",
    LossReason.other: "Other",
}
SUBJECT_LIMIT = 500
Reason = TypeVar("Reason", LossReason, DisqualificationReason)

# Core field -> the block its error is shown on, per modal.
EDIT_DRAFT_FIELDS = {"body": BlockId.BODY.value, "subject": BlockId.SUBJECT.value}
MARK_LOST_FIELDS = {
    "reason": BlockId.LOSS_REASON.value,
    "notes": BlockId.LOSS_NOTES.value,
    "reengage_in_days": BlockId.REENGAGE_IN_DAYS.value,
}
DISQUALIFY_FIELDS = {"reason": BlockId.DISQUALIFICATION_REASON.value, "note": BlockId.NOTES.value}
RESCHEDULE_FIELDS = {"follow_up_date": BlockId.FOLLOW_UP_DATE.value}


__all__ = [
    "DisqualifyInput",
    "EditDraftInput",
    "MarkLostInput",
    "ModalMeta",
    "RescheduleInput",
    "SettingsInput",
    "disqualify_modal",
    "edit_draft_modal",
    "join_inputs",
    "mark_lost_modal",
    "parse_disqualify",
    "parse_edit_draft",
    "parse_mark_lost",
    "parse_reschedule",
    "parse_settings",
    "reschedule_modal",
    "settings_modal",
    "split_for_inputs",
]


def _reason_input(block: BlockId, question: str, labels: Mapping[Reason, str]) -> Block:
    """The reason, chosen from the procedure's list (required)."""
    return input_block(block, question, select_from(labels))


def _chosen_reason(view: View, block: BlockId, refusal: str) -> str:
    """The reason picked; none picked is refused on the reason's input."""
    reason = state_selected(view, block)
    if not reason:
        raise InvalidInput(refusal, field="reason")
    return reason


# --- edit draft -----------------------------------------------------------------------------------


def body_block_id(n: int) -> str:
    """The first body input is `crm-body` (errors on `body` land there), then `crm-body-2`…"""
    return BlockId.BODY.value if n == 0 else f"{BlockId.BODY}-{n + 1}"


@dataclass(frozen=True)
class EditDraftInput:
    draft_id: str
    version: int | None
    subject: str | None
    body: str
    meta: ModalMeta


def edit_draft_modal(draft: Draft, *, meta: ModalMeta | None = None, region: str = "US") -> View:
    """The draft's text in inputs (split when long); saving makes a new version to approve."""
    parts, joins = split_for_inputs(draft.body)
    carried = (meta or ModalMeta()).about(draft.draft_id, version=draft.version, joins=joins)
    to = escape(show_recipient(draft, region))
    blocks: list[Block] = [
        context(
            f"{CHANNEL_WORDS[draft.channel]} to {to} · version {draft.version}. "
            "Saving makes a new version that needs approval again."
        )
    ]
    if draft.channel == DraftChannel.email:
        blocks.append(
            input_block(
                BlockId.SUBJECT.value,
                "Subject",
                text_element(draft.subject, max_length=SUBJECT_LIMIT),
                optional=True,
            )
        )
    for n, part in enumerate(parts):
        label = "Message" if len(parts) == 1 else f"Message (part {n + 1} of {len(parts)})"
        blocks.append(
            input_block(
                body_block_id(n),
                label,
                text_element(part, multiline=True),
                optional=n > 0,
                hint="Slack holds 3,000 characters per box; long drafts use several."
                if n == 0 and len(parts) > 1
                else None,
            )
        )
    return form_modal(
        ViewId.EDIT_DRAFT,
        title="Edit draft",
        submit="Save",
        blocks=blocks,
        meta=carried,
    )


def parse_edit_draft(view: View) -> EditDraftInput:
    """The edited subject and the body joined back from its inputs."""
    meta = ModalMeta.load(view.get("private_metadata"))
    values = state_values(view)
    parts: list[str] = []
    n = 0
    while body_block_id(n) in values:
        parts.append(state_element(view, body_block_id(n)).get("value") or "")
        n += 1
    subject = None
    if BlockId.SUBJECT.value in values:
        subject = state_element(view, BlockId.SUBJECT.value).get("value") or ""
    return EditDraftInput(
        draft_id=meta.record_id,
        version=meta.version,
        subject=subject,
        body=join_inputs(parts, meta.joins),
        meta=meta,
    )


# --- mark lost ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkLostInput:
    opportunity_id: str
    reason: str
    notes: str | None
    reengage_in_days: int | None
    meta: ModalMeta


def reengage_question(opportunity: Opportunity) -> str:
    """The procedure's question, as the label of the modal's checkbox."""
    name = opportunity.contact.full_name if opportunity.contact else opportunity.name
    return f"Want me to set a reminder to check back with {name} in {REENGAGE_DAYS} days?"


def mark_lost_modal(opportunity: Opportunity, *, meta: ModalMeta | None = None) -> View:
    """Why the deal was lost (the procedure's reasons), notes, and the 90-day reminder."""
    carried = (meta or ModalMeta()).about(opportunity.opportunity_id)
    amount = f" — {format_money(opportunity.amount)}" if opportunity.amount is not None else ""
    who = f" ({escape(opportunity.contact.full_name)})" if opportunity.contact else ""
    blocks = [
        mrkdwn_section(f"*{escape(opportunity.name)}*{amount}{who}"),
        _reason_input(BlockId.LOSS_REASON, "Why was it lost?", LOSS_REASON_LABELS),
        input_block(BlockId.LOSS_NOTES, "Notes", text_element(multiline=True), optional=True),
        input_block(
            BlockId.REENGAGE_IN_DAYS.value,
            reengage_question(opportunity),
            {
                "type": "checkboxes",
                "options": [option(f"Yes, remind me in {REENGAGE_DAYS} days", str(REENGAGE_DAYS))],
            },
            optional=True,
        ),
        context("Nothing is deleted: the lead, the contact and the history stay."),
    ]
    return form_modal(
        ViewId.MARK_LOST,
        title="Mark lost",
        submit="Mark lost",
        blocks=blocks,
        meta=carried,
    )


def parse_mark_lost(view: View) -> MarkLostInput:
    """Read the Mark lost form; a reason is required (the procedure asks for one)."""
    meta = ModalMeta.load(view.get("private_metadata"))
    reason = _chosen_reason(view, BlockId.LOSS_REASON, "Choose why the deal was lost.")
    ticked = state_checked(view, BlockId.REENGAGE_IN_DAYS.value)
    days = next((int(v) for v in ticked if v and v.isdigit()), None)
    return MarkLostInput(
        opportunity_id=meta.record_id,
        reason=reason,
        notes=state_text(view, BlockId.LOSS_NOTES.value),
        reengage_in_days=days,
        meta=meta,
    )


# --- disqualify -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisqualifyInput:
    lead_id: str
    reason: str
    note: str | None
    meta: ModalMeta


def disqualify_modal(lead: Lead, *, meta: ModalMeta | None = None) -> View:
    """The procedure's "Ask for reason": budget, timing, outside scope, no response, other."""
    carried = (meta or ModalMeta()).about(lead.lead_id)
    who = f" from {escape(lead.contact.full_name)}" if lead.contact else ""
    blocks = [
        mrkdwn_section(f"*{escape(lead.title)}*{who}"),
        _reason_input(BlockId.DISQUALIFICATION_REASON, "Reason", DISQUALIFY_REASON_LABELS),
        input_block(BlockId.NOTES.value, "Note", text_element(multiline=True), optional=True),
        context("The lead stays on file as disqualified; nothing is deleted."),
    ]
    return form_modal(
        ViewId.DISQUALIFY,
        title="Disqualify lead",
        submit="Disqualify",
        blocks=blocks,
        meta=carried,
    )


def parse_disqualify(view: View) -> DisqualifyInput:
    """Read the Disqualify form; a reason is required (the procedure: "Ask for reason")."""
    meta = ModalMeta.load(view.get("private_metadata"))
    reason = _chosen_reason(view, BlockId.DISQUALIFICATION_REASON, "Choose a reason.")
    return DisqualifyInput(
        lead_id=meta.record_id,
        reason=reason,
        note=state_text(view, BlockId.NOTES.value),
        meta=meta,
    )


# --- reschedule -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RescheduleInput:
    interaction_id: str
    new_date: date
    meta: ModalMeta


def reschedule_modal(interaction: Interaction, *, meta: ModalMeta | None = None) -> View:
    """Pick the new day of a promised follow-up."""
    carried = (meta or ModalMeta()).about(interaction.interaction_id)
    about = " ".join((interaction.subject or interaction.body or "").split())
    picker: Block = {"type": "datepicker"}
    if interaction.follow_up_date is not None:
        picker["initial_date"] = interaction.follow_up_date.isoformat()
    blocks: list[Block] = []
    if about:
        blocks.append(context(escape(about[:300])))
    blocks.append(input_block(BlockId.FOLLOW_UP_DATE.value, "New follow-up date", picker))
    return form_modal(
        ViewId.RESCHEDULE,
        title="Reschedule follow-up",
        submit="Reschedule",
        blocks=blocks,
        meta=carried,
    )


def parse_reschedule(view: View) -> RescheduleInput:
    meta = ModalMeta.load(view.get("private_metadata"))
    picked = state_element(view, BlockId.FOLLOW_UP_DATE.value).get("selected_date")
    try:
        new_date = date.fromisoformat(str(picked))
    except ValueError:
        raise InvalidInput("Pick the new follow-up date.", field="follow_up_date") from None
    return RescheduleInput(interaction_id=meta.record_id, new_date=new_date, meta=meta)
