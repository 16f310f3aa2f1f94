"""The owner-review gate in Slack: a draft shown to the owners, and what happens to it after.

One builder renders a draft in every state, so each owner's copy of the review message is
re-rendered (never patched) when anyone approves, edits, discards or sends it:
pending -> **Approve** / **Edit** / **Discard**; approved but not sendable by the bot (sms,
phone, or email while no mailbox is connected) -> the text handed to the owner with **Mark
sent**; sent -> "Sent by … at …"; failed -> the error and **Approve** again to retry.
Every draft button carries `"<draft_id>:<version>"`, so an approval is bound to the text
the owner read (an older version's button is refused by core).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from bot.blocks.cards import reach_text
from bot.blocks.do_not_contact import draft_warning
from bot.blocks.limits import (
    MAX_SECTION_TEXT,
    Block,
    Message,
    actions,
    button,
    confirm_dialog,
    context,
    escape,
    fields_section,
    header,
    message,
    mrkdwn_section,
    split_mrkdwn,
    user_mention,
)
from bot.ids import ActionId, BlockId
from bot.values import DraftVersion
from core.common.enums import DraftChannel, DraftStatus
from core.drafts.approval import Approval, ApprovalOutcome
from core.drafts.compose import FollowUpDraft
from core.drafts.decisions import DraftShown
from core.drafts.sending import AUTO_SEND_ACTOR, SendOutcome
from core.drafts.unconfirmed_sends import UnconfirmedSend
from core.models import Draft, Workspace
from core.reports.rows import Touchpoint
from core.workspaces.service import zone

#: Sections of body shown at most; 8 x 3,000 characters is far above a 10,000-character draft.
BODY_SECTIONS = 8

CHANNEL_WORDS = {
    DraftChannel.email: "Email",
    DraftChannel.sms: "Text message",
    DraftChannel.phone: "Phone call",
}
UNCONFIRMED_HEADING = "These messages may not have gone out — check and resend by hand:"
UNCONFIRMED_HOW = (
    "I started sending these and stopped before I could record them (a restart or a crash), "
    "so I will not send them again. Look for each in your sent mail; if it is not there, send "
    "it yourself. Then press *Mark sent* to put it in the customer's history."
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- small pieces shared with the other decision builders -----------------------------------------


def who(actor: str | None) -> str:
    """A Slack user as a mention; the auto-send switch and system actors in words."""
    if not actor:
        return "someone"
    if actor == AUTO_SEND_ACTOR:
        return "auto-send"
    if actor.startswith("system:"):
        return actor.removeprefix("system:").replace("_", " ")
    return user_mention(actor)


def when(moment: datetime | None, zone: tzinfo = UTC) -> str:
    """`Mar 2, 9:05 AM EST` in the workspace's zone (locale-independent)."""
    if moment is None:
        return "an unknown time"
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    name = local.tzname() or ""
    return (
        f"{_MONTHS[local.month - 1]} {local.day}, {hour}:{local.minute:02d} {half} {name}".strip()
    )


def show_recipient(draft: Draft, region: str) -> str:
    """The address as people write it: the email, or the phone in the workspace's style."""
    if not draft.recipient:
        return "no address on file"
    return reach_text(draft.recipient, region)


def already_sent_text(draft: Draft, zone: tzinfo = UTC) -> str:
    """What a second click on Approve or Mark sent answers: nothing is sent twice."""
    return f"Already sent by {who(draft.sent_by)} at {when(draft.sent_at, zone)}."


def already_approved_text(draft: Draft, zone: tzinfo = UTC) -> str:
    """What a second Approve of a draft sent by hand answers: it is still the owner's to send."""
    return (
        f"Already approved by {who(draft.approved_by)} at {when(draft.approved_at, zone)}; "
        "send it, then press Mark sent."
    )


def send_failed_text(error: str | None) -> str:
    """What the approver is told when the mailbox refused the draft: how to try again."""
    reason = (error or "no reason given").strip().rstrip(".")
    return f"Sending failed: {reason}. Approve again to retry."


# --- the review message ---------------------------------------------------------------------------


def _body_blocks(body: str) -> list[Block]:
    """The whole body as quoted sections; a body past BODY_SECTIONS sections is cut with a note."""
    quoted = "\n".join(f">{line}" for line in escape(body).split("\n"))
    pieces = split_mrkdwn(quoted, MAX_SECTION_TEXT) or [">"]
    blocks = [mrkdwn_section(piece) for piece in pieces[:BODY_SECTIONS]]
    if len(pieces) > BODY_SECTIONS:
        hidden = sum(len(piece) for piece in pieces[BODY_SECTIONS:])
        blocks.append(
            context(f"…and about {hidden:,} more characters; press *Edit* to see the whole text.")
        )
    return blocks


def _handoff(draft: Draft, region: str) -> str:
    """What the owner does by hand once a draft is approved but the bot cannot send it."""
    to = escape(show_recipient(draft, region))
    if draft.channel == DraftChannel.phone:
        return f"*Over to you:* call {to} and say the above, then press *Mark sent*."
    if draft.channel == DraftChannel.sms:
        return f"*Over to you:* text the message above to {to}, then press *Mark sent*."
    return (
        "*Over to you:* no mailbox is connected yet, so email the message above to "
        f"{to} yourself, then press *Mark sent*."
    )


def review_buttons(draft: Draft) -> list[Block]:
    """Approve, Edit, Discard, bound to the version shown (`"<draft_id>:<version>"`)."""
    value = DraftVersion(draft.draft_id, draft.version).encode()
    return [
        button("Approve", ActionId.APPROVE, value, style="primary"),
        button("Edit", ActionId.EDIT, value),
        button(
            "Discard",
            ActionId.DISCARD,
            value,
            style="danger",
            confirm=confirm_dialog(
                "Discard this draft?",
                "Nothing will be sent; the draft stays in the history.",
                confirm="Discard",
                danger=True,
            ),
        ),
    ]


def _state_blocks(
    draft: Draft, zone: tzinfo, region: str, discarded_by: str | None
) -> tuple[str, list[Block]]:
    """The fallback text and the blocks that say where the draft stands, with its buttons."""
    ids = f"{BlockId.DRAFT_ACTIONS}-{draft.draft_id}"
    approved = (
        f"Approved by {who(draft.approved_by)} at {when(draft.approved_at, zone)}."
        if draft.approved_by
        else ""
    )
    status = draft.status
    if status == DraftStatus.pending_approval:
        text = f"Waiting for an owner's approval (version {draft.version})."
        return text, [context(text), actions(ids, review_buttons(draft))]
    if status == DraftStatus.approved:
        value = DraftVersion(draft.draft_id, draft.version).encode()
        return approved, [
            context(approved),
            mrkdwn_section(_handoff(draft, region)),
            actions(
                ids,
                [
                    button("Mark sent", ActionId.MARK_SENT, value, style="primary"),
                    button("Edit", ActionId.EDIT, value),
                ],
            ),
        ]
    if status == DraftStatus.sent:
        if draft.sent_by == AUTO_SEND_ACTOR:
            sent = f"Sent automatically (auto-send is on) at {when(draft.sent_at, zone)}."
            return sent, [context(sent)]
        sent = f"Sent by {who(draft.sent_by)} at {when(draft.sent_at, zone)}."
        return sent, [context(" ".join(part for part in (approved, sent) if part))]
    if status == DraftStatus.failed:
        text = send_failed_text(draft.error)
        return text, [context(escape(text)), actions(ids, review_buttons(draft))]
    by = f" by {who(discarded_by)}" if discarded_by else ""
    text = f"Discarded{by} at {when(draft.updated_at, zone)}. Nothing was sent."
    return text, [context(text)]


def draft_review_message(
    draft: Draft,
    *,
    contact_name: str | None = None,
    last_touchpoint: Touchpoint | None = None,
    zone: tzinfo = UTC,
    region: str = "US",
    discarded_by: str | None = None,
    do_not_contact: bool = False,
) -> Message:
    """The draft as owners review it: who it goes to, how, the text, and what to press."""
    to = escape(show_recipient(draft, region))
    name = escape(contact_name) if contact_name else None
    heading = "Draft for review" if draft.status == DraftStatus.pending_approval else "Draft"
    blocks: list[Block] = [
        header(f"{heading}: follow-up to {contact_name}" if contact_name else heading),
        fields_section(
            [
                ("To", f"{name} ({to})" if name else to),
                ("Channel", CHANNEL_WORDS[draft.channel]),
                ("Version", str(draft.version)),
                ("Asked by", who(draft.requested_by)),
            ]
        ),
    ]
    if draft.subject:
        blocks.append(mrkdwn_section(f"*Subject:* {escape(draft.subject)}"))
    blocks += _body_blocks(draft.body)
    if last_touchpoint is not None:
        summary = escape(" ".join(last_touchpoint.summary.split())) or "no summary"
        kind = last_touchpoint.type.value.replace("_", " ")
        blocks.append(
            context(f"Last touchpoint: {when(last_touchpoint.timestamp, zone)}, {kind}: {summary}")
        )
    if do_not_contact and draft.status != DraftStatus.sent:
        blocks.append(draft_warning(contact_name))
    state, state_blocks = _state_blocks(draft, zone, region, discarded_by)
    blocks += state_blocks
    who_to = contact_name or show_recipient(draft, region)
    return message(f"Draft follow-up to {who_to} ({CHANNEL_WORDS[draft.channel]}): {state}", blocks)


def review_message(
    shown: DraftShown, workspace: Workspace, *, discarded_by: str | None = None
) -> Message:
    """A draft's review message as it now stands, in the workspace's zone and phone style."""
    return draft_review_message(
        shown.draft,
        contact_name=shown.contact_name,
        zone=zone(workspace),
        region=workspace.default_phone_region,
        discarded_by=discarded_by,
        do_not_contact=shown.do_not_contact,
    )


@dataclass(frozen=True)
class ApprovalReply:
    """After Approve: the review message every owner's copy now shows, and a word to the approver.

    Either may be None: a second click changes no copy and only answers; a send re-renders the
    copies and says something only when it failed.
    """

    review: Message | None
    note: str | None


def approval_reply(
    approval: Approval, delivered: SendOutcome | None, workspace: Workspace
) -> ApprovalReply:
    """What pressing Approve shows: the re-rendered review, and/or why nothing more happened."""
    local = zone(workspace)
    if approval.outcome == ApprovalOutcome.already_sent:
        return ApprovalReply(None, already_sent_text(approval.draft, local))
    if approval.outcome == ApprovalOutcome.already_approved:
        return ApprovalReply(None, already_approved_text(approval.draft, local))
    draft = delivered.draft if delivered is not None else approval.draft
    review = review_message(DraftShown(draft, approval.contact_name), workspace)
    if delivered is not None and delivered.failed:
        return ApprovalReply(review, send_failed_text(delivered.error))
    return ApprovalReply(review, None)


def draft_requested_message(
    followup: FollowUpDraft, *, owners_told: int, by_owner: bool, auto_sent: bool = False
) -> str:
    """What the person who asked for a draft is told: where it went and that it awaits approval."""
    name = followup.contact_name
    if auto_sent:
        return (
            f"Auto-send is on, so the follow-up to {name} was sent by "
            f"{CHANNEL_WORDS[followup.draft.channel].lower()}; the owners can see what went out."
        )
    if owners_told == 0:
        return (
            f"I drafted a follow-up to {name}, but no owner is set up to review it. "
            "An owner can add owners with `/crm settings`."
        )
    if by_owner:
        return f"I drafted a follow-up to {name} and sent it to you by direct message for review."
    return (
        f"I drafted a follow-up to {name}. It is waiting for an owner's approval; "
        "nothing is sent before that."
    )


# --- sends that may not have gone out -------------------------------------------------------------


def unconfirmed_send_line(send: UnconfirmedSend, zone: tzinfo, region: str) -> str:
    """`— Email to Dana Smith (dana@example.com), sending started by @U at Nov 25, 10:00 AM EST`.

    Mrkdwn: the name and address are escaped, the person who started it is a mention.
    """
    to = reach_text(send.recipient, region) if send.recipient else "no address on file"
    whom = escape(f"{send.contact_name} ({to})" if send.contact_name else to)
    started = f"sending started by {who(send.claimed_by)} at {when(send.claimed_at, zone)}"
    return f"— {CHANNEL_WORDS[send.channel]} to {whom}, {started}"


def unconfirmed_send_group(send: UnconfirmedSend, zone: tzinfo, region: str) -> list[Block]:
    """One unconfirmed send with **Mark sent** (value `"<draft_id>:<version>"`, owners only)."""
    return [
        mrkdwn_section(
            unconfirmed_send_line(send, zone, region),
            block_id=f"{BlockId.DRAFT_ACTIONS}-{send.draft_id}",
            accessory=button(
                "Mark sent",
                ActionId.SETTLE_SEND,
                DraftVersion(send.draft_id, send.version).encode(),
            ),
        )
    ]


def settled_send_text(shown: DraftShown, *, already: bool) -> str:
    """What an owner is told after **Mark sent** on a send that was never confirmed."""
    draft = shown.draft
    what = f"the {CHANNEL_WORDS[draft.channel].lower()} to {shown.contact_name or 'them'}"
    if already:
        return f"Already recorded: {what} is in the history as sent. Nothing more to do."
    return f"Recorded: {what} went out, and it is now in the customer's history."
