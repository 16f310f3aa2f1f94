"""Every action_id, callback_id and block_id the bot uses, so handlers and builders share one name.

Values are kebab-case with a `crm-` prefix (docs/architecture.md, Conventions). Slack wants an
action_id unique within its block and a block_id unique within its message or view: a list of
records reuses these ids, carries the record id in the button `value`, and suffixes block ids
per record (`f"{BlockId.LEAD_ACTIONS}-{lead_id}"`) where one message holds several.
A value that carries more than a record id is one of `bot.values`' kinds (the draft buttons:
`DraftVersion`).
"""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    """Buttons and other interactive elements (block_actions `action_id`)."""

    # drafts (owner-only: approve, edit, discard)
    APPROVE = "crm-approve"
    EDIT = "crm-edit"
    DISCARD = "crm-discard"
    MARK_SENT = "crm-mark-sent"
    SETTLE_SEND = "crm-settle-send"  # Mark sent on a send never confirmed; "<draft_id>:<version>"
    # a duplicate match (hard stop 3)
    USE_EXISTING = "crm-use-existing"
    MERGE = "crm-merge"
    CREATE_SEPARATE = "crm-create-separate"
    # the QuickBooks prompt (hard stop 5)
    CREATE_IN_QUICKBOOKS = "crm-create-in-quickbooks"
    NOT_NOW = "crm-not-now"
    # after the owner's tap (value: contact_id): QuickBooks found it, or the name is taken,
    # or QuickBooks said no
    LINK_QUICKBOOKS_CUSTOMER = "crm-link-quickbooks-customer"
    CREATE_NEW_IN_QUICKBOOKS = "crm-create-new-in-quickbooks"
    CREATE_RENAMED_IN_QUICKBOOKS = "crm-create-renamed-in-quickbooks"
    RETRY_QUICKBOOKS = "crm-retry-quickbooks"
    # connecting QuickBooks (owners): the buttons ask for a link; the link button opens Intuit
    CONNECT_QUICKBOOKS = "crm-connect-quickbooks"
    RECONNECT_QUICKBOOKS = "crm-reconnect-quickbooks"
    OPEN_QUICKBOOKS_LINK = "crm-open-quickbooks-link"
    # the Gmail mailbox (owners): Connect / Reconnect ask for Google's link; Disconnect confirms
    CONNECT_GMAIL = "crm-connect-gmail"
    RECONNECT_GMAIL = "crm-reconnect-gmail"
    OPEN_GMAIL_LINK = "crm-open-gmail-link"
    DISCONNECT_GMAIL = "crm-disconnect-gmail"
    # next steps on a lead or opportunity
    LOG_CALL = "crm-log-call"
    DRAFT_FOLLOW_UP = "crm-draft-follow-up"
    QUALIFY = "crm-qualify"
    CONVERT = "crm-convert"
    MARK_WON = "crm-mark-won"
    MARK_LOST = "crm-mark-lost"
    DISQUALIFY = "crm-disqualify"
    SNOOZE = "crm-snooze"
    EDIT_LEAD = "crm-edit-lead"  # stage, expected close date, estimated value, owner
    EDIT_JOB = "crm-edit-job"  # stage, amount, expected close date
    # follow-ups and reminders
    DONE = "crm-done"
    RESCHEDULE = "crm-reschedule"
    REMINDER_DONE = "crm-reminder-done"
    # decisions engineer: the new-inquiry notice, the qualify stage choice, the re-engage question
    DRAFT_RESPONSE = "crm-draft-response"  # value: lead_id
    QUALIFY_AS = "crm-qualify-as"  # value: `bot.values.QualifyChoice`
    REENGAGE_YES = "crm-reengage-yes"  # value: opportunity_id
    REENGAGE_NO = "crm-reengage-no"  # value: opportunity_id
    # navigation
    OPEN_LEAD = "crm-open-lead"
    SEE_ALL = "crm-see-all"
    # capture and plain-word requests (values: ids, or `bot.values`)
    OPEN_CONTACT = "crm-open-contact"  # value: contact_id -> the contact card
    WORDS_CHOICE = "crm-words-choice"  # value: WordsChoice -> the request on the one chosen
    TRY_REQUEST = "crm-try-request"  # value: an IntentKind -> that request (asks who if needed)
    ADD_CUSTOMER = "crm-add-customer"  # opens the New customer modal (a DM has no trigger_id)
    LOG_ENTRY = "crm-log-entry"  # value: `bot.values.LogEntryChoice` JSON -> log it for that person
    DISQUALIFY_REASON = "crm-disqualify-reason"  # value: `bot.values.DisqualifyChoice`
    # the contact card (value: contact_id; Undo merge: the merge_id)
    EDIT_CONTACT = "crm-edit-contact"
    EDIT_COMPANY = "crm-edit-company"
    MERGE_INTO = "crm-merge-into"
    ARCHIVE_CONTACT = "crm-archive-contact"
    RESTORE_CONTACT = "crm-restore-contact"
    UNDO_MERGE = "crm-undo-merge"
    # the Merge into… form's contact search (an external_select: its options are searched)
    MERGE_SURVIVOR = "crm-merge-survivor"
    # the element inside every modal input block; the block id says which field it is
    INPUT = "crm-input"
    # the web form (owners): a new link, off, on
    FORM_NEW_LINK = "crm-form-new-link"
    FORM_OFF = "crm-form-off"
    FORM_ON = "crm-form-on"
    # do not contact, on the contact card (value: contact_id); clearing is an owner's
    MARK_DO_NOT_CONTACT = "crm-mark-do-not-contact"
    CLEAR_DO_NOT_CONTACT = "crm-clear-do-not-contact"
    # owners' App Home: the page of drafts waiting for approval (value: the page number)
    HOME_DRAFTS_PAGE = "crm-home-drafts-page"


class ViewId(StrEnum):
    """Modal `callback_id`s (view_submission and view_closed)."""

    NEW_LEAD = "crm-new-lead"
    NEW_CUSTOMER = "crm-new-customer"
    LOG_INTERACTION = "crm-log-interaction"
    EDIT_DRAFT = "crm-edit-draft"
    MARK_LOST = "crm-mark-lost"
    DISQUALIFY = "crm-disqualify"
    CONVERT = "crm-convert"  # the deal stage, amount and expected close date of the new job
    MARK_WON = "crm-mark-won"  # the owner's confirmation, with the final amount
    EDIT_LEAD = "crm-edit-lead"
    EDIT_JOB = "crm-edit-job"
    SETTINGS = "crm-settings"
    RESCHEDULE = "crm-reschedule"
    DO_NOT_CONTACT = "crm-do-not-contact"
    EDIT_CONTACT = "crm-edit-contact"
    EDIT_COMPANY = "crm-edit-company"
    MERGE_INTO = "crm-merge-into"
    CONFIRM_MERGE = "crm-confirm-merge"


class BlockId(StrEnum):
    """Block ids: a modal input block is `crm-` + the core field name in kebab-case.

    Keeping that rule lets `bot.errors` put a `CRMError(field=...)` on the right input
    of any modal without a mapping (`block_for_field`).
    """

    # contact and company fields
    NAME = "crm-name"
    FIRST_NAME = "crm-first-name"
    LAST_NAME = "crm-last-name"
    PHONE = "crm-phone"
    EMAIL = "crm-email"
    ADDRESS = "crm-address"
    COMPANY = "crm-company"
    PREFERRED_CHANNEL = "crm-preferred-channel"
    TAGS = "crm-tags"
    NOTES = "crm-notes"
    HEARD_ABOUT = "crm-heard-about"
    COMPANY_NAME = "crm-company-name"
    COMPANY_ID = "crm-company-id"
    LIFECYCLE_STAGE = "crm-lifecycle-stage"
    MAIN_PHONE = "crm-main-phone"
    BILLING_ADDRESS = "crm-billing-address"
    STATUS = "crm-status"
    SURVIVOR_ID = "crm-survivor-id"
    # lead fields
    TITLE = "crm-title"
    DESCRIPTION = "crm-description"
    SOURCE = "crm-source"
    ESTIMATED_VALUE = "crm-estimated-value"
    PIPELINE_STAGE = "crm-pipeline-stage"
    EXPECTED_CLOSE_DATE = "crm-expected-close-date"
    OWNER = "crm-owner"
    DISQUALIFICATION_REASON = "crm-disqualification-reason"
    # interaction fields
    CONTACT = "crm-contact"
    TYPE = "crm-type"
    SUBJECT = "crm-subject"
    BODY = "crm-body"
    OUTCOME = "crm-outcome"
    FOLLOW_UP_DATE = "crm-follow-up-date"
    # opportunity fields
    STAGE = "crm-stage"
    AMOUNT = "crm-amount"
    LOSS_REASON = "crm-loss-reason"
    LOSS_NOTES = "crm-loss-notes"
    # settings fields
    TIMEZONE = "crm-timezone"
    PIPELINE_CHANNEL = "crm-pipeline-channel"
    OWNER_IDS = "crm-owner-ids"
    AUTO_SEND = "crm-auto-send"
    STALE_AFTER_BUSINESS_DAYS = "crm-stale-after-business-days"
    DIGEST_HOUR = "crm-digest-hour"
    DAILY_DIGEST_ENABLED = "crm-daily-digest-enabled"
    WEEKLY_DIGEST_ENABLED = "crm-weekly-digest-enabled"
    MONTHLY_DIGEST_ENABLED = "crm-monthly-digest-enabled"
    HOLIDAY_COUNTRY = "crm-holiday-country"
    # decision modals (mark lost: the 90-day checkbox is the `reengage_in_days` field)
    REENGAGE_IN_DAYS = "crm-reengage-in-days"
    # message sections
    LEAD_ACTIONS = "crm-lead-actions"
    DRAFT_ACTIONS = "crm-draft-actions"
    DUPLICATE_ACTIONS = "crm-duplicate-actions"
    QUICKBOOKS_ACTIONS = "crm-quickbooks-actions"
    FORM_ACTIONS = "crm-form-actions"
    QUICKBOOKS_CONNECT = "crm-quickbooks-connect"
    GMAIL_CONNECT = "crm-gmail-connect"
    FOLLOW_UP_ACTIONS = "crm-follow-up-actions"
    REMINDER_ACTIONS = "crm-reminder-actions"
    CONTACT_ACTIONS = "crm-contact-actions"
    OPPORTUNITY_ACTIONS = "crm-opportunity-actions"
    CHOICE = "crm-choice"
    NEAREST_REQUESTS = "crm-nearest-requests"
    INQUIRY_ACTIONS = "crm-inquiry-actions"
    QUALIFY_ACTIONS = "crm-qualify-actions"
    REENGAGE_ACTIONS = "crm-reengage-actions"
    DO_NOT_CONTACT_ACTIONS = "crm-do-not-contact-actions"
    DO_NOT_CONTACT_REASON = "crm-do-not-contact-reason"
    HOME_DRAFTS = "crm-home-drafts"


def block_for_field(field: str) -> str:
    """The block id of a core field's modal input: `follow_up_date` -> `crm-follow-up-date`."""
    return "crm-" + field.replace("_", "-")
