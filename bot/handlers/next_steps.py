"""The next-step buttons on leads, jobs, contacts and follow-ups.

Log call, Qualify, Convert, Mark won, Mark lost, Disqualify, Snooze, Done, Reschedule, Open
lead / contact, and the "which Dana?" choices. Each is thin: parse the click, call one core
operation in one transaction, render with one builder, answer. Buttons that need more input
(Log call, Mark lost, Disqualify, Reschedule, Add customer) open a modal; its submission is
handled in `bot.handlers.decision_views` (or the capture engineer's `views`).
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.cards import (
    contact_card,
    converted_card,
    incomplete_contact,
    lead_card,
    logged_interaction,
)
from bot.blocks.decision_modals import disqualify_modal, mark_lost_modal, reschedule_modal
from bot.blocks.lists import parse_log_entry_value
from bot.blocks.modals import log_interaction_modal, new_customer_modal
from bot.blocks.prompts import parse_qualify_value, qualify_choice, won_message
from bot.context import BotContext
from bot.handlers.clicks import Click, RecordKind, answer
from core.contacts import contact_card as load_contact_card
from core.contacts import get_contact
from core.enums import OPEN_LEAD_STATUSES, FollowUpStatus, OpportunityStage
from core.errors import IncompleteContact, InvalidInput, InvalidTransition
from core.interactions import complete_follow_up, get_interaction, in_words, log_interaction
from core.leads import convert_lead, disqualify_lead, get_lead, qualify_lead, snooze_lead
from core.opportunities import get_opportunity, mark_won
from core.reminders import complete_reminder
from core.report_text import friendly_date
from core.workspaces import zone

SNOOZE_DAYS = 3


def log_call(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Log interaction form for the lead's, job's or contact's person."""
    kind = click.kind()
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        if kind == RecordKind.lead:
            lead = get_lead(session, workspace=workspace, lead_id=click.value)
            name = lead.contact.full_name if lead.contact else None
            view = log_interaction_modal(
                lead.contact_id,
                contact_name=name,
                lead_id=lead.lead_id,
                channel_id=click.channel_id,
            )
        elif kind == RecordKind.opportunity:
            deal = get_opportunity(session, workspace=workspace, opportunity_id=click.value)
            name = deal.contact.full_name if deal.contact else None
            view = log_interaction_modal(
                deal.contact_id,
                contact_name=name,
                opportunity_id=deal.opportunity_id,
                channel_id=click.channel_id,
            )
        else:
            contact = get_contact(session, workspace=workspace, contact_id=click.value)
            view = log_interaction_modal(
                contact.contact_id, contact_name=contact.full_name, channel_id=click.channel_id
            )
    client.views_open(trigger_id=click.trigger_id, view=view)


def log_entry(ctx: BotContext, click: Click, client: WebClient) -> None:
    """`/log` naming several people: the person chosen, the entry logged as it was typed."""
    try:
        chosen = parse_log_entry_value(click.value)
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("That button no longer carries the note; type `/log` again.") from None
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        contact = get_contact(session, workspace=workspace, contact_id=chosen.contact_id)
        logged = log_interaction(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            type=chosen.interaction_type,
            body=chosen.summary,
            contact_id=contact.contact_id,
            follow_up_date=chosen.follow_up_date,
            now=ctx.now(),
        )
        shown = logged_interaction(
            logged, contact.full_name, today=ctx.now().astimezone(zone(workspace)).date()
        )
    answer(client, click, shown, replace=True)


def qualify(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Ask which stage the qualified lead moves to (needs analysis or estimate sent)."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        lead = get_lead(session, workspace=workspace, lead_id=click.value)
        if lead.status not in OPEN_LEAD_STATUSES:
            status = lead.status.value
            raise InvalidTransition(f"The {lead.title} lead is already {status}.")
        choice = qualify_choice(lead)
    answer(client, click, choice)


def qualify_as(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Qualify the lead at the chosen stage (procedure: "Lead qualified")."""
    lead_id, stage = parse_qualify_value(click.value)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        lead = qualify_lead(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            lead_id=lead_id,
            stage=stage,
            now=ctx.now(),
        )
        heading = f"Lead qualified — moving to {in_words(lead.pipeline_stage)}."
        card = lead_card(lead, region=workspace.default_phone_region, heading=heading)
    answer(client, click, card, replace=True)


def convert(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Convert the lead to a job; an incomplete contact is named, not guessed around."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        region = workspace.default_phone_region
        try:
            deal = convert_lead(
                session=session,
                workspace=workspace,
                actor=click.user_id,
                lead_id=click.value,
                now=ctx.now(),
            )
        except IncompleteContact as missing:
            lead = get_lead(session, workspace=workspace, lead_id=click.value)
            shown = incomplete_contact(missing.missing, lead)
        else:
            shown = converted_card(deal, region=region)
    answer(client, click, shown)


def won(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Mark won (the button's confirm dialog is the confirmation; owners only, in core)."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        deal = mark_won(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            opportunity_id=click.value,
            confirmed=True,
            now=ctx.now(),
        )
        shown = won_message(deal, today=ctx.now().astimezone(zone(workspace)).date())
    answer(client, click, shown, visible=True)


def lost(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Mark lost form: reason, notes, the 90-day re-engage reminder."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        deal = get_opportunity(session, workspace=workspace, opportunity_id=click.value)
        if deal.stage in (OpportunityStage.won, OpportunityStage.lost):
            raise InvalidTransition(f"{deal.name} is already {deal.stage.value}.")
        view = mark_lost_modal(deal, meta=click.meta(deal.opportunity_id))
    client.views_open(trigger_id=click.trigger_id, view=view)


def disqualify(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Disqualify form (the procedure: "Ask for reason")."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        lead = get_lead(session, workspace=workspace, lead_id=click.value)
        if lead.status not in OPEN_LEAD_STATUSES:
            raise InvalidTransition(f"The {lead.title} lead is already {lead.status.value}.")
        view = disqualify_modal(lead, meta=click.meta(lead.lead_id))
    client.views_open(trigger_id=click.trigger_id, view=view)


def disqualify_with_reason(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A reason button (`"<lead_id>:<reason>"`) from a plain-word request: disqualify now."""
    lead_id, _, reason = click.value.rpartition(":")
    if not lead_id:
        raise InvalidInput("That button does not say which lead; ask again.")
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        lead = disqualify_lead(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            lead_id=lead_id,
            reason=reason,
            now=ctx.now(),
        )
        why = in_words(lead.disqualification_reason or reason)
        heading = f"Lead disqualified — {why}. The record stays."
        card = lead_card(lead, region=workspace.default_phone_region, heading=heading)
    answer(client, click, card, replace=True)


def snooze(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Quiet the stale-lead nudge for three days."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        lead = snooze_lead(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            lead_id=click.value,
            days=SNOOZE_DAYS,
            now=ctx.now(),
        )
        today = ctx.now().astimezone(zone(workspace)).date()
        until = friendly_date(lead.snoozed_until, today) if lead.snoozed_until else "later"
    answer(client, click, f"Snoozed the {lead.title} lead until {until}; no nudges before then.")


def done(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A promised follow-up is done; it leaves the morning list."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        item = complete_follow_up(
            session=session, workspace=workspace, actor=click.user_id, interaction_id=click.value
        )
        about = " ".join((item.subject or item.body or "").split())[:200]
    answer(client, click, f"Follow-up done{': ' + about if about else ''}.")


def reschedule(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Reschedule form for a pending follow-up."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        item = get_interaction(session, workspace=workspace, interaction_id=click.value)
        if item.follow_up_status != FollowUpStatus.pending:
            raise InvalidTransition(f"That follow-up is {item.follow_up_status.value}.")
        view = reschedule_modal(item, meta=click.meta(item.interaction_id))
    client.views_open(trigger_id=click.trigger_id, view=view)


def reminder_done(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A re-engage reminder was acted on; it stops coming up."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        reminder = complete_reminder(
            session=session, workspace=workspace, actor=click.user_id, reminder_id=click.value
        )
    answer(client, click, f"Reminder done: {reminder.note}")


def open_lead(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The lead card, with its next-step buttons."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        lead = get_lead(session, workspace=workspace, lead_id=click.value)
        card = lead_card(lead, region=workspace.default_phone_region)
    answer(client, click, card)


def open_contact(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The contact card: details, open leads, last touchpoint."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        loaded = load_contact_card(
            session, workspace=workspace, contact_id=click.value, now=ctx.now()
        )
        card = contact_card(loaded, region=workspace.default_phone_region)
    answer(client, click, card)


def add_customer(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the New customer form (a direct message carries no trigger; a button does)."""
    view = new_customer_modal(channel_id=click.channel_id, name=click.value or None)
    client.views_open(trigger_id=click.trigger_id, view=view)
