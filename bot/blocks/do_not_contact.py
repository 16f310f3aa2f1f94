"""Do not contact as Slack shows it: the marker every card carries, the contact card's part
(who marked it, when, why, and the button to set or clear it), and the form that asks why.

Pure builders. Marking is open to everyone (staff take the calls); **Clear do not contact**
is an owner's, refused by core to anyone else (core/contacts/do_not_contact.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.limits import (
    Block,
    View,
    actions,
    button,
    confirm_dialog,
    context,
    escape,
    mrkdwn_section,
    user_mention,
)
from bot.blocks.modals.inputs import (
    ModalMeta,
    form_modal,
    input_block,
    state_text,
    text_element,
)
from bot.ids import ActionId, BlockId, ViewId
from core.contacts.do_not_contact import REASON_LIMIT, DoNotContactChange
from core.models import Contact

__all__ = [
    "DO_NOT_CONTACT_FIELDS",
    "MARKER",
    "DoNotContactInput",
    "changed_text",
    "contact_card_part",
    "do_not_contact_modal",
    "do_not_contact_line",
    "draft_warning",
    "inquiry_warning",
    "parse_do_not_contact",
]

MARKER = ":no_entry: do not contact"
DO_NOT_CONTACT_FIELDS = {"reason": BlockId.DO_NOT_CONTACT_REASON.value}


def _status(contact: Contact) -> str:
    """`*Do not contact* — marked by @Sam on Dec 6: moved away` (dates in the reader's zone)."""
    parts = [":no_entry: *Do not contact*"]
    by = contact.do_not_contact_by
    marked = f"marked by {user_mention(by)}" if by and not by.startswith("system:") else "marked"
    at = contact.do_not_contact_at
    if at is not None:
        marked += f" on <!date^{int(at.timestamp())}^{{date_short}}|{at.date().isoformat()}>"
    parts.append(marked)
    line = " — ".join(parts)
    reason = contact.do_not_contact_reason
    return (
        line
        + (f": {escape(reason)}" if reason else "")
        + (". Nothing can be drafted or sent to them, and their leads raise no reminders.")
    )


def contact_card_part(contact: Contact) -> list[Block]:
    """On the contact card: the flag with who, when and why and **Clear**, else the button."""
    block_id = f"{BlockId.DO_NOT_CONTACT_ACTIONS}-{contact.contact_id}"
    if not contact.do_not_contact:
        mark = button("Do not contact", ActionId.MARK_DO_NOT_CONTACT, contact.contact_id)
        return [actions(block_id, [mark])]
    sure = confirm_dialog(
        f"Contact {contact.full_name} again?",
        "Drafts and reminders for them start again. Only an owner can clear this.",
        confirm="Clear",
    )
    clear = button(
        "Clear do not contact", ActionId.CLEAR_DO_NOT_CONTACT, contact.contact_id, confirm=sure
    )
    return [mrkdwn_section(_status(contact)), actions(block_id, [clear])]


def _warning(contact_name: str | None, consequence: str) -> str:
    who = escape(contact_name) if contact_name else "This contact"
    return f":no_entry: {who} is marked do not contact: {consequence}"


def do_not_contact_line(contact_name: str | None) -> str:
    """The warning as a line of mrkdwn, for a draft listed with others."""
    return _warning(contact_name, "this draft can't be approved or sent.")


def draft_warning(contact_name: str | None) -> Block:
    """On a draft's review message: why Approve will be refused."""
    return context(do_not_contact_line(contact_name))


def inquiry_warning(contact_name: str | None) -> Block:
    """On the new-inquiry notice of someone marked: no response can be drafted."""
    return context(
        _warning(contact_name, "no response can be drafted or sent until an owner clears it.")
    )


@dataclass(frozen=True)
class DoNotContactInput:
    contact_id: str
    reason: str | None
    meta: ModalMeta


def do_not_contact_modal(contact: Contact, *, meta: ModalMeta | None = None) -> View:
    """Ask why (optional) before marking the contact."""
    carried = (meta or ModalMeta()).about(contact.contact_id)
    blocks = [
        mrkdwn_section(f"Mark *{escape(contact.full_name)}* as do not contact?"),
        input_block(
            BlockId.DO_NOT_CONTACT_REASON,
            "Why (optional)",
            text_element(max_length=REASON_LIMIT, placeholder="e.g. asked us to stop calling"),
            optional=True,
        ),
        context(
            "No draft to them can be approved or sent, and their leads raise no stale nudges "
            "or reminders. Only an owner can clear it."
        ),
    ]
    return form_modal(
        ViewId.DO_NOT_CONTACT, title="Do not contact", submit="Mark", blocks=blocks, meta=carried
    )


def parse_do_not_contact(view: View) -> DoNotContactInput:
    meta = ModalMeta.load(view.get("private_metadata"))
    reason = state_text(view, BlockId.DO_NOT_CONTACT_REASON.value)
    return DoNotContactInput(contact_id=meta.record_id, reason=reason, meta=meta)


def changed_text(change: DoNotContactChange) -> str:
    """What the person who pressed the button (or submitted the form) reads first."""
    name = change.contact.full_name
    if change.contact.do_not_contact:
        if change.changed:
            return f"{name} is now marked do not contact. Nothing will be sent to them."
        return f"{name} was already marked do not contact."
    if change.changed:
        return f"{name} can be contacted again."
    return f"{name} is not marked do not contact."
