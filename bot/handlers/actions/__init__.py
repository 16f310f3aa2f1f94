"""Block action listeners: every button, each acknowledged at once and then handled.

The handlers live by subject: the owner-review gate in `drafts`, the next steps on leads, jobs
and follow-ups in `next_steps`, answers to the bot's questions in `prompt_answers`; `click`
reads a click and answers the clicker. This table is the one place that says which button
runs what.
"""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext
from bot.handlers.actions import (
    contact_card,
    do_not_contact,
    drafts,
    gmail,
    next_steps,
    prompt_answers,
    quickbooks,
    web_form,
    words,
)
from bot.handlers.actions.click import ClickHandler, on_click
from bot.handlers.home import turn_page
from bot.ids import ActionId

BUTTONS: dict[ActionId, ClickHandler] = {
    # the owner-review gate
    ActionId.APPROVE: drafts.approve,
    ActionId.EDIT: drafts.edit,
    ActionId.DISCARD: drafts.discard,
    ActionId.MARK_SENT: drafts.mark_sent,
    ActionId.SETTLE_SEND: drafts.settle_send,
    ActionId.DRAFT_FOLLOW_UP: drafts.request_follow_up,
    ActionId.DRAFT_RESPONSE: drafts.request_follow_up,
    # next steps
    ActionId.LOG_CALL: next_steps.log_call,
    ActionId.LOG_ENTRY: next_steps.log_entry,
    ActionId.QUALIFY: next_steps.qualify,
    ActionId.QUALIFY_AS: next_steps.qualify_as,
    ActionId.CONVERT: next_steps.convert,
    ActionId.MARK_WON: next_steps.won,
    ActionId.MARK_LOST: next_steps.lost,
    ActionId.DISQUALIFY: next_steps.disqualify,
    ActionId.DISQUALIFY_REASON: next_steps.disqualify_with_reason,
    ActionId.SNOOZE: next_steps.snooze,
    ActionId.EDIT_LEAD: next_steps.edit_lead,
    ActionId.EDIT_JOB: next_steps.edit_job,
    ActionId.DONE: next_steps.done,
    ActionId.RESCHEDULE: next_steps.reschedule,
    ActionId.REMINDER_DONE: next_steps.reminder_done,
    ActionId.OPEN_LEAD: next_steps.open_lead,
    ActionId.OPEN_CONTACT: next_steps.open_contact,
    ActionId.ADD_CUSTOMER: next_steps.add_customer,
    # the contact card
    ActionId.EDIT_CONTACT: contact_card.edit_contact,
    ActionId.EDIT_COMPANY: contact_card.edit_company,
    ActionId.MERGE_INTO: contact_card.merge_into,
    ActionId.ARCHIVE_CONTACT: contact_card.archive,
    ActionId.RESTORE_CONTACT: contact_card.restore,
    ActionId.UNDO_MERGE: contact_card.undo,
    # answers to the bot's questions
    ActionId.USE_EXISTING: prompt_answers.use_existing,
    ActionId.MERGE: prompt_answers.merge,
    ActionId.CREATE_SEPARATE: prompt_answers.create_separate,
    ActionId.NOT_NOW: prompt_answers.not_now,
    # QuickBooks (owners): create or link, and connecting it
    ActionId.CREATE_IN_QUICKBOOKS: quickbooks.create_in_quickbooks,
    ActionId.LINK_QUICKBOOKS_CUSTOMER: quickbooks.link_customer,
    ActionId.CREATE_NEW_IN_QUICKBOOKS: quickbooks.create_new,
    ActionId.CREATE_RENAMED_IN_QUICKBOOKS: quickbooks.create_renamed,
    ActionId.RETRY_QUICKBOOKS: quickbooks.retry,
    ActionId.CONNECT_QUICKBOOKS: quickbooks.connect,
    ActionId.RECONNECT_QUICKBOOKS: quickbooks.connect,
    ActionId.OPEN_QUICKBOOKS_LINK: quickbooks.open_link,
    # the Gmail mailbox (owners)
    ActionId.CONNECT_GMAIL: gmail.connect,
    ActionId.RECONNECT_GMAIL: gmail.connect,
    ActionId.OPEN_GMAIL_LINK: gmail.open_link,
    ActionId.DISCONNECT_GMAIL: gmail.disconnect,
    ActionId.REENGAGE_YES: prompt_answers.reengage_yes,
    ActionId.REENGAGE_NO: prompt_answers.reengage_no,
    # plain words: the record chosen for a request, a nearest request
    ActionId.WORDS_CHOICE: words.words_choice,
    ActionId.TRY_REQUEST: words.try_request,
    # the web form (owners)
    ActionId.FORM_NEW_LINK: web_form.new_link,
    ActionId.FORM_OFF: web_form.turn_off,
    ActionId.FORM_ON: web_form.turn_on,
    # do not contact, on the contact card
    ActionId.MARK_DO_NOT_CONTACT: do_not_contact.mark,
    ActionId.CLEAR_DO_NOT_CONTACT: do_not_contact.clear,
    # owners' App Home: a page of the drafts waiting for approval
    ActionId.HOME_DRAFTS_PAGE: turn_page,
}


def register(app: App, ctx: BotContext) -> None:
    """Register a listener for every button in `BUTTONS`."""
    for action_id, handler in BUTTONS.items():
        on_click(app, ctx, action_id, handler)
