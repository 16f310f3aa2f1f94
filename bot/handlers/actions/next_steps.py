"""The next-step buttons on leads, jobs, contacts and follow-ups.

Log call, Qualify, Convert, Mark won, Mark lost, Disqualify, Snooze, Done, Reschedule, Open
lead / contact, and the "which Dana?" choices. Each is thin: parse the click, call one core
operation in one transaction, render with one builder, answer. Buttons that need more input
(Log call, Convert, Edit lead, Edit job, Mark won, Mark lost, Disqualify, Reschedule, Add
customer) open a modal;
its submission is handled in `bot.handlers.views.decisions`, `.stages` or `.capture`.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.answers import (
    follow_up_done_text,
    incomplete_contact,
    logged_answer,
    reminder_done_text,
    snoozed_text,
)
from bot.blocks.cards import (
    contact_card,
    disqualified_card,
    lead_card,
    qualified_card,
)
from bot.blocks.modals.capture import log_interaction_modal, new_customer_modal
from bot.blocks.modals.decisions import disqualify_modal, mark_lost_modal, reschedule_modal
from bot.blocks.modals.stages import (
    convert_modal,
    edit_job_modal,
    edit_lead_modal,
    mark_won_modal,
)
from bot.blocks.prompts import qualify_choice
from bot.context import BotContext
from bot.handlers.actions.click import Click, answer
from bot.values import DisqualifyChoice, LogEntryChoice, QualifyChoice
from core.activity.flows import log_with_person, person_on_record
from core.activity.reminders import complete_reminder
from core.activity.service import complete_follow_up, follow_up_to_reschedule
from core.common.local_dates import local_today
from core.contacts.history import contact_card as load_contact_card
from core.leads.decisions import deal_to_decide, lead_to_convert, lead_to_decide
from core.leads.lead_card import lead_to_show
from core.leads.opportunities import get_opportunity
from core.leads.quick_capture import LogEntry
from core.leads.service import disqualify_lead, qualify_lead, snooze_lead
from core.leads.won_confirmations import confirm_won

SNOOZE_DAYS = 3


def log_call(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Log interaction form for the lead's, job's or contact's person."""
    with ctx.transaction(click.team_id) as (session, workspace):
        person = person_on_record(session, workspace=workspace, **click.record())
        view = log_interaction_modal(
            person.contact_id,
            contact_name=person.contact_name,
            lead_id=person.lead_id,
            opportunity_id=person.opportunity_id,
            channel_id=click.channel_id,
            response_url=click.response_url,
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


def log_entry(ctx: BotContext, click: Click, client: WebClient) -> None:
    """`/log` naming several people or leads: the one chosen, the entry logged as typed.

    A person chosen who has several open leads is asked which, like a typed `/log`.
    """
    chosen = click.value_as(LogEntryChoice)
    entry = LogEntry(chosen.interaction_type, "", chosen.summary, chosen.follow_up_date)
    with ctx.transaction(click.team_id) as (session, workspace):
        logged = log_with_person(
            session,
            workspace=workspace,
            actor=click.user_id,
            contact_id=chosen.contact_id,
            lead_id=chosen.lead_id,
            type=chosen.interaction_type,
            body=chosen.summary,
            follow_up_date=chosen.follow_up_date,
            now=ctx.now(),
            entry=entry,
            choose_lead=True,
        )
        shown = logged_answer(logged, region=workspace.default_phone_region)
    answer(client, click, shown, replace=True)


def qualify(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Ask which stage the qualified lead moves to (needs analysis or estimate sent)."""
    with ctx.transaction(click.team_id) as (session, workspace):
        choice = qualify_choice(lead_to_decide(session, workspace=workspace, lead_id=click.value))
    answer(client, click, choice)


def qualify_as(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Qualify the lead at the chosen stage (procedure: "Lead qualified")."""
    chosen = click.value_as(QualifyChoice)
    with ctx.transaction(click.team_id) as (session, workspace):
        lead = qualify_lead(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            lead_id=chosen.lead_id,
            stage=chosen.stage,
            now=ctx.now(),
        )
        card = qualified_card(lead, region=workspace.default_phone_region)
    answer(client, click, card, replace=True)


def convert(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Convert form (stage, amount, close date); an incomplete contact is named."""
    with ctx.transaction(click.team_id) as (session, workspace):
        conversion = lead_to_convert(session, workspace=workspace, lead_id=click.value)
        if conversion.missing:
            answer(client, click, incomplete_contact(conversion.missing, conversion.lead))
            return
        view = convert_modal(conversion.lead, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def won(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Mark won: an owner's tap issues the confirmation and opens the form asking the amount.

    A non-owner is refused by core here, before any confirmation is shown.
    """
    with ctx.transaction(click.team_id) as (session, workspace):
        confirmation = confirm_won(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            opportunity_id=click.value,
            now=ctx.now(),
        )
        deal = get_opportunity(session, workspace=workspace, opportunity_id=click.value)
        view = mark_won_modal(deal, confirmation, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def edit_lead(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Edit lead form: stage, expected close date, estimated value, who follows up."""
    with ctx.transaction(click.team_id) as (session, workspace):
        lead = lead_to_decide(session, workspace=workspace, lead_id=click.value)
        view = edit_lead_modal(lead, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def edit_job(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Edit job form: stage, amount, expected close date."""
    with ctx.transaction(click.team_id) as (session, workspace):
        deal = deal_to_decide(session, workspace=workspace, opportunity_id=click.value)
        view = edit_job_modal(deal, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def lost(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Mark lost form: reason, notes, the 90-day re-engage reminder."""
    with ctx.transaction(click.team_id) as (session, workspace):
        deal = deal_to_decide(session, workspace=workspace, opportunity_id=click.value)
        view = mark_lost_modal(deal, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def disqualify(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Disqualify form (the procedure: "Ask for reason")."""
    with ctx.transaction(click.team_id) as (session, workspace):
        lead = lead_to_decide(session, workspace=workspace, lead_id=click.value)
        view = disqualify_modal(lead, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def disqualify_with_reason(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A reason button (`"<lead_id>:<reason>"`) from a plain-word request: disqualify now."""
    chosen = click.value_as(DisqualifyChoice)
    with ctx.transaction(click.team_id) as (session, workspace):
        lead = disqualify_lead(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            lead_id=chosen.lead_id,
            reason=chosen.reason,
            now=ctx.now(),
        )
        card = disqualified_card(lead, region=workspace.default_phone_region)
    answer(client, click, card, replace=True)


def snooze(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Quiet the stale-lead nudge for three days."""
    with ctx.transaction(click.team_id) as (session, workspace):
        now = ctx.now()
        lead = snooze_lead(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            lead_id=click.value,
            days=SNOOZE_DAYS,
            now=now,
        )
        text = snoozed_text(lead, local_today(workspace, now))
    answer(client, click, text)


def done(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A promised follow-up is done; it leaves the morning list."""
    with ctx.transaction(click.team_id) as (session, workspace):
        item = complete_follow_up(
            session=session, workspace=workspace, actor=click.user_id, interaction_id=click.value
        )
        text = follow_up_done_text(item)
    answer(client, click, text)


def reschedule(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Reschedule form for a pending follow-up."""
    with ctx.transaction(click.team_id) as (session, workspace):
        item = follow_up_to_reschedule(session, workspace=workspace, interaction_id=click.value)
        view = reschedule_modal(item, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def reminder_done(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A re-engage reminder was acted on; it stops coming up."""
    with ctx.transaction(click.team_id) as (session, workspace):
        reminder = complete_reminder(
            session=session, workspace=workspace, actor=click.user_id, reminder_id=click.value
        )
        text = reminder_done_text(reminder)
    answer(client, click, text)


def open_lead(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The lead card: its next promised follow-up, its next-step buttons."""
    with ctx.transaction(click.team_id) as (session, workspace):
        shown = lead_to_show(session, workspace=workspace, lead_id=click.value, now=ctx.now())
        card = lead_card(
            shown.lead,
            region=workspace.default_phone_region,
            next_follow_up=shown.next_follow_up,
        )
    answer(client, click, card)


def open_contact(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The contact card: details, open leads, last touchpoint."""
    with ctx.transaction(click.team_id) as (session, workspace):
        loaded = load_contact_card(
            session, workspace=workspace, contact_id=click.value, now=ctx.now()
        )
        card = contact_card(loaded, region=workspace.default_phone_region)
    answer(client, click, card)


def add_customer(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the New customer form (a direct message carries no trigger; a button does)."""
    view = new_customer_modal(channel_id=click.channel_id, name=click.value or None)
    client.views_open(trigger_id=click.trigger_id, view=view)
