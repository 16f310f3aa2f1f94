"""Modal listeners: view submissions.

The capture modals (New lead, New customer, Log interaction) do their one operation before
acknowledging, so a refusal is shown on the field that was wrong (`response_action: errors`)
and the modal stays open with nothing written. Once it is written, the modal closes and the
person is answered where they opened it (the command's response_url, else by DM).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import cards
from bot.blocks.modals import (
    LOG_INTERACTION_FIELDS,
    NEW_CUSTOMER_FIELDS,
    NEW_LEAD_FIELDS,
    ModalContext,
    choice_hint,
    parse_log_interaction,
    parse_new_customer,
    parse_new_lead,
)
from bot.blocks.prompts import duplicate_prompt
from bot.context import BotContext
from bot.errors import view_errors
from bot.handlers import decision_views
from bot.ids import ViewId
from bot.notify import notify_new_inquiry, reply
from core.contact_input import friendly_phone
from core.contacts import add_customer, get_contact
from core.errors import CRMError, DuplicateContact, InvalidInput
from core.followups import local_today
from core.inquiries import capture_inquiry
from core.interactions import log_interaction
from core.models import Contact
from core.search import resolve_person

View = dict[str, Any]
Body = dict[str, Any]
Listener = Callable[..., None]


def _shown(view: View, fields: Mapping[str, str]) -> dict[str, str]:
    """The field -> block map restricted to the blocks this modal shows."""
    present = {block.get("block_id") for block in view.get("blocks") or []}
    present |= set(((view.get("state") or {}).get("values") or {}).keys())
    return {field: block for field, block in fields.items() if block in present}


def _refuse(ack: Ack, error: CRMError, view: View, fields: Mapping[str, str]) -> None:
    shown = _shown(view, fields)
    if not shown:  # nothing to hang the error on: the error handler tells the person
        raise error
    ack(**view_errors(error, shown))


def _team(body: Body) -> str:
    return str((body.get("team") or {}).get("id") or (body.get("view") or {}).get("team_id"))


def _tell(client: WebClient, where: ModalContext, user: str, message: dict[str, Any]) -> None:
    reply(
        client,
        text=message["text"],
        blocks=message["blocks"],
        response_url=where.response_url,
        channel=where.channel_id,
        user=user,
    )


def new_lead_submitted(ctx: BotContext) -> Listener:
    """New lead: capture the inquiry (linked to a matching contact), then tell the owners."""

    def submitted(ack: Ack, body: Body, view: View, client: WebClient) -> None:
        user = body["user"]["id"]
        try:
            form = parse_new_lead(view)
            with ctx.sessions.begin() as session:
                workspace = ctx.workspace(session, _team(body))
                captured = capture_inquiry(
                    session=session,
                    workspace=workspace,
                    actor=user,
                    inquiry=form.inquiry(),
                    now=ctx.now(),
                )
                shown = cards.captured_lead_card(captured, region=workspace.default_phone_region)
        except CRMError as error:
            _refuse(ack, error, view, NEW_LEAD_FIELDS)
            return
        ack()
        _tell(client, form.context, user, shown)
        notify_new_inquiry(client, workspace, captured)

    return submitted


def new_customer_submitted(ctx: BotContext) -> Listener:
    """New customer: add them, or, on a phone or email match, ask first (hard stop 3)."""

    def submitted(ack: Ack, body: Body, view: View, client: WebClient) -> None:
        user = body["user"]["id"]
        try:
            form = parse_new_customer(view)
            with ctx.sessions.begin() as session:
                workspace = ctx.workspace(session, _team(body))
                try:
                    added = add_customer(
                        session=session, workspace=workspace, actor=user, data=form.contact
                    )
                    shown = cards.customer_added_card(added)
                except DuplicateContact as duplicate:  # refused before anything was written
                    shown = duplicate_prompt(duplicate, region=workspace.default_phone_region)
        except CRMError as error:
            _refuse(ack, error, view, NEW_CUSTOMER_FIELDS)
            return
        ack()
        _tell(client, form.context, user, shown)

    return submitted


def _label(contact: Contact, region: str) -> str:
    reach = contact.phones[:1] or contact.emails[:1]
    if not reach:
        return contact.full_name
    shown = reach[0] if "@" in reach[0] else friendly_phone(reach[0], region)
    return f"{contact.full_name} ({shown})"


def log_interaction_submitted(ctx: BotContext) -> Listener:
    """Log interaction: resolve who it was with (a choice is asked for on the field), log it."""

    def submitted(ack: Ack, body: Body, view: View, client: WebClient) -> None:
        user = body["user"]["id"]
        try:
            form = parse_log_interaction(view)
            with ctx.sessions.begin() as session:
                workspace = ctx.workspace(session, _team(body))
                region = workspace.default_phone_region
                contact_id = form.contact_id
                if not (contact_id or form.lead_id or form.opportunity_id):
                    people = resolve_person(session, workspace=workspace, name=form.who or "")
                    if not people:
                        raise InvalidInput(
                            f"No one called “{form.who}” here. Check the spelling, try their "
                            "phone or email, or add them with /customer first.",
                            field="contact",
                        )
                    if len(people) > 1:
                        names = [_label(person, region) for person in people]
                        raise InvalidInput(choice_hint(names), field="contact")
                    contact_id = people[0].contact_id
                now = ctx.now()
                interaction = log_interaction(
                    session=session,
                    workspace=workspace,
                    actor=user,
                    type=form.interaction_type,
                    body=form.body,
                    contact_id=contact_id,
                    lead_id=form.lead_id,
                    opportunity_id=form.opportunity_id,
                    outcome=form.outcome,
                    follow_up_date=form.follow_up_date,
                    now=now,
                )
                name = "them"
                if interaction.contact_id:
                    contact = get_contact(
                        session, workspace=workspace, contact_id=interaction.contact_id
                    )
                    name = contact.full_name
                shown = cards.logged_interaction(
                    interaction, name, today=local_today(workspace, now)
                )
        except CRMError as error:
            _refuse(ack, error, view, LOG_INTERACTION_FIELDS)
            return
        ack()
        _tell(client, form.context, user, shown)

    return submitted


def register(app: App, ctx: BotContext) -> None:
    """Register the modal submissions: the capture modals, then the decision modals."""
    # --- capture modals (capture engineer) ---------------------------------------------------
    app.view(ViewId.NEW_LEAD.value)(new_lead_submitted(ctx))
    app.view(ViewId.NEW_CUSTOMER.value)(new_customer_submitted(ctx))
    app.view(ViewId.LOG_INTERACTION.value)(log_interaction_submitted(ctx))
    # --- decision modals (decisions engineer): register their submissions below this line ----
    decision_views.register(app, ctx)
