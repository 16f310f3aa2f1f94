"""Modal submissions: the capture modals (`capture`), the decision modals (`decisions`) and
the modals that move a lead or job along (`stages`).

`submission` reads a submission and answers it; this table is the one place that says which
modal runs what, and on which blocks a refusal of each core field is shown.
"""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.do_not_contact import DO_NOT_CONTACT_FIELDS
from bot.blocks.modals.capture import LOG_INTERACTION_FIELDS, NEW_CUSTOMER_FIELDS, NEW_LEAD_FIELDS
from bot.blocks.modals.contact_forms import (
    EDIT_COMPANY_FIELDS,
    EDIT_CONTACT_FIELDS,
    MERGE_INTO_FIELDS,
)
from bot.blocks.modals.decisions import (
    DISQUALIFY_FIELDS,
    EDIT_DRAFT_FIELDS,
    MARK_LOST_FIELDS,
    RESCHEDULE_FIELDS,
)
from bot.blocks.modals.stages import (
    CONVERT_FIELDS,
    EDIT_JOB_FIELDS,
    EDIT_LEAD_FIELDS,
    MARK_WON_FIELDS,
)
from bot.blocks.settings import SETTINGS_FIELDS
from bot.context import BotContext
from bot.handlers.views import capture, contact_forms, decisions, do_not_contact, stages
from bot.handlers.views.submission import on_submit
from bot.ids import ViewId


def register(app: App, ctx: BotContext) -> None:
    """Register every modal submission: the capture modals, then the decision modals."""
    on_submit(app, ctx, ViewId.NEW_LEAD, NEW_LEAD_FIELDS, capture.new_lead_submitted)
    on_submit(app, ctx, ViewId.NEW_CUSTOMER, NEW_CUSTOMER_FIELDS, capture.new_customer_submitted)
    on_submit(
        app, ctx, ViewId.LOG_INTERACTION, LOG_INTERACTION_FIELDS, capture.log_interaction_submitted
    )
    on_submit(app, ctx, ViewId.EDIT_DRAFT, EDIT_DRAFT_FIELDS, decisions.edit_submitted)
    on_submit(app, ctx, ViewId.MARK_LOST, MARK_LOST_FIELDS, decisions.lost_submitted)
    on_submit(app, ctx, ViewId.DISQUALIFY, DISQUALIFY_FIELDS, decisions.disqualify_submitted)
    on_submit(app, ctx, ViewId.RESCHEDULE, RESCHEDULE_FIELDS, decisions.reschedule_submitted)
    on_submit(app, ctx, ViewId.SETTINGS, SETTINGS_FIELDS, decisions.settings_submitted)
    on_submit(app, ctx, ViewId.CONVERT, CONVERT_FIELDS, stages.convert_submitted)
    on_submit(app, ctx, ViewId.MARK_WON, MARK_WON_FIELDS, stages.won_submitted)
    on_submit(app, ctx, ViewId.DO_NOT_CONTACT, DO_NOT_CONTACT_FIELDS, do_not_contact.submitted)
    on_submit(app, ctx, ViewId.EDIT_LEAD, EDIT_LEAD_FIELDS, stages.edit_lead_submitted)
    on_submit(app, ctx, ViewId.EDIT_JOB, EDIT_JOB_FIELDS, stages.edit_job_submitted)
    # the contact card's forms
    on_submit(
        app, ctx, ViewId.EDIT_CONTACT, EDIT_CONTACT_FIELDS, contact_forms.edit_contact_submitted
    )
    on_submit(
        app, ctx, ViewId.EDIT_COMPANY, EDIT_COMPANY_FIELDS, contact_forms.edit_company_submitted
    )
    on_submit(app, ctx, ViewId.MERGE_INTO, MERGE_INTO_FIELDS, contact_forms.merge_into_submitted)
    on_submit(app, ctx, ViewId.CONFIRM_MERGE, {}, contact_forms.merge_confirmed)
