"""Cards: one lead, contact or opportunity as Slack shows it, with the buttons for its next step.

Pure builders (docs/architecture.md, Conventions): core results in, `{"text", "blocks"}` out.
Button values are record ids; the kind of record a button acts on is also in its block id
(`crm-lead-actions-<id>`, `crm-opportunity-actions-<id>`, `crm-contact-actions-<id>`), because
**Log call** and **Draft follow-up** appear on leads, opportunities and contacts alike.
"""

from __future__ import annotations

import phonenumbers

from bot.blocks.do_not_contact import MARKER, contact_card_part
from bot.blocks.limits import (
    Block,
    Message,
    actions,
    button,
    cap_blocks,
    confirm_dialog,
    context,
    escape,
    fields_section,
    header,
    message,
    mrkdwn_section,
    truncate,
    user_mention,
)
from bot.ids import ActionId, BlockId
from bot.values import DisqualifyChoice
from core.common.enums import (
    OPEN_LEAD_STATUSES,
    DisqualificationReason,
    LeadStatus,
    OpportunityStage,
    PipelineStage,
    in_words,
)
from core.common.money import format_money
from core.contacts.found import Person
from core.contacts.history import ContactCard
from core.contacts.input import friendly_phone
from core.leads.inquiries import SOURCE_IN_WORDS, CapturedInquiry
from core.models import Lead, Opportunity
from core.reports.followups import FollowUpItem
from core.reports.upcoming import NextFollowUps
from core.reports.wording import TOUCH_WORDS, days, friendly_date, next_follow_up_line

DESCRIPTION_SHOWN = 500
NOTES_SHOWN = 700
OPEN_LEADS_SHOWN = 5
OPEN_OPPORTUNITY_STAGES = (
    OpportunityStage.estimating,
    OpportunityStage.proposal_sent,
    OpportunityStage.scheduled,
)
DISQUALIFY_REASON_LABELS = {
    DisqualificationReason.budget: "Budget",
    DisqualificationReason.timing: "Timing",
    DisqualificationReason.outside_scope: "Outside scope",
    DisqualificationReason.no_response: "No response",
    DisqualificationReason.other: "Other",
}


def phone_text(e164: str, region: str) -> str:
    """A stored phone as people write it; a value `phonenumbers` cannot read is shown as stored."""
    try:
        return friendly_phone(e164, region)
    except phonenumbers.NumberParseException:  # imported history may hold anything
        return e164


def reach_text(value: str, region: str) -> str:
    """A stored phone or email as people read it."""
    return value if "@" in value else phone_text(value, region)


def reach_line(contact: Person | None, region: str) -> str:
    """`Dana Smith · (555) 201-3344 · dana@example.com` (escaped for mrkdwn)."""
    if contact is None:
        return "_no contact linked_"
    parts = [f"*{escape(contact.full_name)}*"]
    if contact.phones:
        parts.append(escape(phone_text(contact.phones[0], region)))
    if contact.emails:
        parts.append(escape(contact.emails[0]))
    if contact.do_not_contact:
        parts.append(MARKER)
    return " · ".join(parts)


def _mention(user_id: str | None) -> str | None:
    return user_mention(user_id) if user_id and not user_id.startswith("system:") else user_id


# --- leads ----------------------------------------------------------------------------------------


def lead_is_open(lead: Lead) -> bool:
    return lead.status in OPEN_LEAD_STATUSES


def lead_actions(lead_id: str, *, stage: PipelineStage | None = None, block_id: str = "") -> Block:
    """An open lead's buttons: Log call, Draft follow-up, Qualify, Convert, Edit lead, Snooze,
    Disqualify."""
    buttons = [
        button("Log call", ActionId.LOG_CALL, lead_id, style="primary"),
        button("Draft follow-up", ActionId.DRAFT_FOLLOW_UP, lead_id),
    ]
    if stage is None or stage == PipelineStage.inquiry:
        buttons.append(button("Qualify", ActionId.QUALIFY, lead_id))
    buttons += [
        button("Convert", ActionId.CONVERT, lead_id),
        button("Edit lead", ActionId.EDIT_LEAD, lead_id),
        button("Snooze", ActionId.SNOOZE, lead_id),
        button("Disqualify", ActionId.DISQUALIFY, lead_id, style="danger"),
    ]
    return actions(block_id or f"{BlockId.LEAD_ACTIONS}-{lead_id}", buttons)


def lead_summary(lead: Lead) -> str:
    """`new · inquiry · phone call · $350`: where the lead stands, in one line."""
    parts = [in_words(lead.status), in_words(lead.pipeline_stage), SOURCE_IN_WORDS[lead.source]]
    if lead.estimated_value is not None:
        parts.append(format_money(lead.estimated_value))
    return " · ".join(parts)


def lead_blocks(
    lead: Lead,
    *,
    region: str = "US",
    describe: bool = True,
    next_follow_up: FollowUpItem | None = None,
) -> list[Block]:
    """A lead's details (its next promised follow-up among them) and, while open, its buttons."""
    lines = [f"*{escape(lead.title)}*", reach_line(lead.contact, region), lead_summary(lead)]
    if lead.contact is not None and lead.contact.address:
        lines.append(f"Service address: {escape(lead.contact.address)}")
    if next_follow_up is not None:
        lines.append(escape(next_follow_up_line(next_follow_up)))
    if lead.expected_close_date is not None:
        lines.append(f"Expected close: {friendly_date(lead.expected_close_date)}")
    if lead.owner:
        lines.append(f"Owner: {_mention(lead.owner)}")
    if describe and lead.description and lead.description.strip() != lead.title:
        lines.append(">" + escape(truncate(" ".join(lead.description.split()), DESCRIPTION_SHOWN)))
    blocks = [mrkdwn_section("\n".join(lines))]
    if lead_is_open(lead):
        blocks.append(lead_actions(lead.lead_id, stage=lead.pipeline_stage))
    elif lead.status == LeadStatus.disqualified:
        reason = lead.disqualification_reason
        why = in_words(reason) if reason else "no reason"
        blocks.append(context(f"Disqualified ({why}). The record stays."))
    else:
        blocks.append(context("Converted to a job."))
    return blocks


def lead_card(
    lead: Lead,
    *,
    region: str = "US",
    heading: str | None = None,
    next_follow_up: FollowUpItem | None = None,
) -> Message:
    """One lead, optionally under a line saying what just happened to it."""
    shown = lead_blocks(lead, region=region, next_follow_up=next_follow_up)
    blocks = ([mrkdwn_section(heading)] if heading else []) + shown
    return message(heading or f"Lead: {lead.title}", blocks)


def qualified_card(lead: Lead, *, region: str = "US") -> Message:
    """The procedure's "Lead qualified — moving to [stage]." over the lead."""
    heading = f"Lead qualified — moving to {in_words(lead.pipeline_stage)}."
    return lead_card(lead, region=region, heading=heading)


def disqualified_card(lead: Lead, *, region: str = "US") -> Message:
    """A disqualified lead with its reason; the record stays (hard stop 2)."""
    reason = lead.disqualification_reason
    why = in_words(reason) if reason else "no reason given"
    return lead_card(lead, region=region, heading=f"Lead disqualified — {why}. The record stays.")


def captured_lead_card(captured: CapturedInquiry, *, region: str = "US") -> Message:
    """The `/lead` reply: the saved lead and whether it joined an existing contact."""
    title = escape(captured.lead.title)
    heading = f"Lead saved: *{title}*. {escape(captured.link_text)}"
    blocks = [mrkdwn_section(heading), *lead_blocks(captured.lead, region=region)]
    return message(f"Lead saved: {captured.lead.title}. {captured.link_text}", blocks)


def disqualify_reasons(lead: Lead) -> Message:
    """Ask why a lead is disqualified: one button per reason, value `<lead_id>:<reason>`."""
    who = lead.contact.full_name if lead.contact is not None else "an unknown contact"
    question = f"Why disqualify the {lead.title} lead from {who}? The record stays either way."
    buttons = [
        button(label, ActionId.DISQUALIFY_REASON, DisqualifyChoice(lead.lead_id, reason).encode())
        for reason, label in DISQUALIFY_REASON_LABELS.items()
    ]
    blocks = [
        mrkdwn_section(escape(question)),
        actions(f"{BlockId.LEAD_ACTIONS}-{lead.lead_id}", buttons),
    ]
    return message(question, blocks)


# --- contacts -------------------------------------------------------------------------------------


def touch_line(card: ContactCard) -> str:
    """`Last touchpoint: phone call 3 days ago — wants a quote.`"""
    touch = card.last_touchpoint
    if touch is None:
        return "Last touchpoint: none logged yet."
    ago = card.days_since_last_touch
    when = "" if ago is None else " today" if ago == 0 else f" {days(ago)} ago"
    said = f"{TOUCH_WORDS[touch.type]}{when}"
    return f"Last touchpoint: {said}" + (f" — {touch.summary}" if touch.summary else "")


def contact_actions(contact_id: str) -> Block:
    return actions(
        f"{BlockId.CONTACT_ACTIONS}-{contact_id}",
        [button("Log call", ActionId.LOG_CALL, contact_id, style="primary")],
    )


def contact_manage_actions(card: ContactCard) -> Block:
    """Log call, Edit, Edit company, Merge into…, Archive or Restore, and Undo merge."""
    contact = card.contact
    cid = contact.contact_id
    buttons = [
        button("Log call", ActionId.LOG_CALL, cid, style="primary"),
        button("Edit", ActionId.EDIT_CONTACT, cid),
    ]
    if contact.company_id:
        buttons.append(button("Edit company", ActionId.EDIT_COMPANY, contact.company_id))
    if contact.archived:
        buttons.append(button("Restore", ActionId.RESTORE_CONTACT, cid, style="primary"))
    else:
        buttons.append(button("Merge into…", ActionId.MERGE_INTO, cid))
        archive = confirm_dialog(
            f"Archive {contact.full_name}?",
            "They leave lists, searches and digests; nothing is deleted, and Restore brings "
            "them back.",
            confirm="Archive",
        )
        buttons.append(button("Archive", ActionId.ARCHIVE_CONTACT, cid, confirm=archive))
    if card.last_merge is not None:
        merge_id, name = card.last_merge
        undo = confirm_dialog(
            f"Undo the merge of {name}?",
            f"{name} becomes a separate contact again with everything the merge moved.",
            confirm="Undo merge",
        )
        buttons.append(button("Undo merge", ActionId.UNDO_MERGE, merge_id, confirm=undo))
    return actions(f"{BlockId.CONTACT_ACTIONS}-{cid}", buttons)


def contact_card(
    card: ContactCard,
    *,
    region: str = "US",
    open_leads_shown: int = OPEN_LEADS_SHOWN,
    heading: str | None = None,
) -> Message:
    """`/customer`: details, open leads (each with its buttons), last touchpoint.

    Under a line saying what just happened to the contact, when there is one.
    """
    contact = card.contact
    phones = ", ".join(phone_text(p, region) for p in contact.phones) or "—"
    details = [
        ("Phone", escape(phones)),
        ("Email", escape(", ".join(contact.emails) or "—")),
        ("Service address", escape(contact.address or "—")),
        ("Stage", in_words(contact.lifecycle_stage)),
    ]
    if card.company_name:
        details.append(("Company", escape(card.company_name)))
    if contact.preferred_channel:
        details.append(("Prefers", in_words(contact.preferred_channel)))
    if contact.quickbooks_customer_id:
        details.append(("QuickBooks", escape(contact.quickbooks_customer_id)))
    title = f"{contact.full_name} (archived)" if contact.archived else contact.full_name
    blocks: list[Block] = [mrkdwn_section(escape(heading))] if heading else []
    blocks += [header(title), fields_section(details)]
    if contact.archived:
        blocks.append(
            context(
                ":file_cabinet: Archived: hidden from lists, searches and digests. "
                "Nothing was deleted; *Restore* brings them back."
            )
        )
    if contact.notes:
        blocks.append(mrkdwn_section("*Notes*\n" + escape(truncate(contact.notes, NOTES_SHOWN))))
    if contact.tags:
        blocks.append(context("Tags: " + escape(", ".join(contact.tags))))
    lines = [touch_line(card)]
    promised = card.next_follow_ups or NextFollowUps()
    if contact.contact_id in promised.by_contact:
        lines.append(next_follow_up_line(promised.by_contact[contact.contact_id]))
    blocks += [mrkdwn_section(escape("\n".join(lines))), contact_manage_actions(card)]
    blocks += contact_card_part(contact)
    leads = card.open_leads
    if leads:
        blocks.append(mrkdwn_section(f"*Open leads ({len(leads)})*"))
        groups = [
            lead_blocks(
                lead,
                region=region,
                describe=False,
                next_follow_up=promised.by_lead.get(lead.lead_id),
            )
            for lead in leads
        ]
        more = f"…and {{n}} more open leads — type `/lead find {escape(contact.full_name)}`."
        blocks += cap_blocks(groups, open_leads_shown * 2 + 1, more)
    else:
        blocks.append(context("No open leads."))
    said = f"{heading} " if heading else ""
    return message(f"{said}{title} — {touch_line(card)}", blocks)


# --- opportunities --------------------------------------------------------------------------------


def opportunity_actions(opportunity: Opportunity) -> Block:
    """Next steps on an open job: Log call, Draft follow-up, Edit job, Mark won, Mark lost.

    Mark won carries no client-side confirm dialog: the server checks the clicker is an owner
    first, then opens the confirmation form (`bot.blocks.modals.stages.mark_won_modal`).
    """
    oid = opportunity.opportunity_id
    return actions(
        f"{BlockId.OPPORTUNITY_ACTIONS}-{oid}",
        [
            button("Log call", ActionId.LOG_CALL, oid),
            button("Draft follow-up", ActionId.DRAFT_FOLLOW_UP, oid),
            button("Edit job", ActionId.EDIT_JOB, oid),
            button("Mark won", ActionId.MARK_WON, oid, style="primary"),
            button("Mark lost", ActionId.MARK_LOST, oid, style="danger"),
        ],
    )


def opportunity_blocks(opportunity: Opportunity, *, region: str = "US") -> list[Block]:
    parts = [in_words(opportunity.stage)]
    if opportunity.amount is not None:
        parts.append(format_money(opportunity.amount))
    lines = [
        f"*{escape(opportunity.name)}*",
        reach_line(opportunity.contact, region),
        " · ".join(parts),
    ]
    if opportunity.expected_close_date is not None:
        lines.append(f"Expected close: {friendly_date(opportunity.expected_close_date)}")
    if opportunity.close_date is not None:
        lines.append(f"Closed: {friendly_date(opportunity.close_date)}")
    if opportunity.owner:
        lines.append(f"Owner: {_mention(opportunity.owner)}")
    blocks = [mrkdwn_section("\n".join(lines))]
    if opportunity.stage in OPEN_OPPORTUNITY_STAGES:
        blocks.append(opportunity_actions(opportunity))
    return blocks


def opportunity_card(
    opportunity: Opportunity, *, region: str = "US", heading: str | None = None
) -> Message:
    """One job (opportunity) with Log call, Draft follow-up, Mark won and Mark lost."""
    blocks = ([mrkdwn_section(heading)] if heading else []) + opportunity_blocks(
        opportunity, region=region
    )
    return message(heading or f"Job: {opportunity.name}", blocks)


def converted_card(opportunity: Opportunity, *, region: str = "US") -> Message:
    """ "Convert [name] to a job": the new opportunity, ready for estimating or scheduling."""
    stage = in_words(opportunity.stage)
    heading = f"Converted to a job: *{escape(opportunity.name)}* (stage: {stage})."
    card = opportunity_card(opportunity, region=region, heading=heading)
    card["text"] = f"Converted to a job: {opportunity.name} (stage: {stage})."
    return card
