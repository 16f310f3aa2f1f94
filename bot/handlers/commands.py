"""Slash command listeners: /lead, /customer, /log, /pipeline, /followups, /crm (docs/product.md).

Each does its one operation in one transaction and answers the person privately (ephemeral):
a capture is the person's own business, and the owners are told of new leads by direct
message anyway. `/lead` with text captures *before* acknowledging and puts its answer in the
acknowledgement, so an HTTP 200 means the lead is committed (a capture is milliseconds; the
owners' notices follow from the outbox, docs/reliability.md). The others acknowledge at once
and answer through the command's response_url.
A `CRMError` raised here reaches `bot.errors`, which shows its sentence to the person.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.answers import logged_answer, person_lookup_message
from bot.blocks.audience import Audience
from bot.blocks.doctor import doctor_message
from bot.blocks.gmail import MailboxShown
from bot.blocks.help import help_message
from bot.blocks.limits import Message
from bot.blocks.lists import (
    PART_PAGE_SIZE,
    FollowUpPart,
    followups_list,
    lead_search_results,
    parse_followups_args,
    reminders_list,
    rows_wanted,
)
from bot.blocks.modals.capture import log_interaction_modal, new_customer_modal, new_lead_modal
from bot.blocks.modals.decisions import settings_modal
from bot.blocks.modals.inputs import ModalMeta
from bot.blocks.pipeline import past_due_page, pipeline_message
from bot.blocks.prompts import captured_lead_reply
from bot.blocks.upcoming import upcoming_list
from bot.blocks.web_form import form_message
from bot.context import BotContext
from bot.doctor import diagnose
from bot.errors import told_after_ack
from bot.handlers.actions import gmail
from bot.handlers.actions.quickbooks import link_for_owner
from bot.handlers.actions.web_form import form_state
from bot.handlers.plain_words import answer_request
from bot.handlers.webhooks import webhook_request
from bot.handlers.word_request import finish_answer
from bot.notify import queue_new_inquiry_notice
from core.activity.flows import log_from_text
from core.activity.reminders import due_reminders
from core.common.local_dates import local_today
from core.common.validation import MAX_TYPED_TEXT, capped
from core.contacts.person_lookup import look_up_person
from core.contacts.search import search_leads
from core.leads.inquiries import capture_quick_lead
from core.leads.web_form import set_form_redirect
from core.mailbox.connection import get_mailbox
from core.reports.dashboard import followups_now
from core.reports.summaries import pipeline_summary
from core.reports.upcoming import upcoming
from core.workspaces.service import require_owner

Command = dict[str, Any]
Listener = Callable[..., None]
ModalFor = Callable[..., dict[str, Any]]  # (channel_id=, response_url=) -> the modal
TextAnswer = Callable[[BotContext, Command, str, WebClient, Respond], None]

FIND = "find"


def typed_text(command: Command) -> str:
    """The command's text, refused when longer than a person types (the one cap of commands)."""
    text = str(command.get("text") or "")
    return capped(text, limit=MAX_TYPED_TEXT, what=f"{command.get('command') or 'command'}").strip()


def told(client: WebClient, command: Command) -> AbstractContextManager[None]:
    """After the ack, a refusal is told to the person in place (`bot.errors.told_after_ack`)."""
    return told_after_ack(
        client,
        response_url=command.get("response_url"),
        channel=command.get("channel_id"),
        user=command.get("user_id"),
    )


def _answer(respond: Respond, message: Message) -> None:
    respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral")


def acked_first(work: Callable[[Command, WebClient, Respond], None]) -> Listener:
    """A command that acknowledges at once and then does `work`, its refusals told in place."""

    def listener(ack: Ack, command: Command, client: WebClient, respond: Respond) -> None:
        ack()
        with told(client, command):
            work(command, client, respond)

    listener.__name__ = getattr(work, "__name__", "command")
    return listener


def modal_or_text(ctx: BotContext, open_modal: ModalFor, with_text: TextAnswer) -> Listener:
    """A command that opens its modal when typed alone and answers its text otherwise.

    The modal carries where the command was typed, so its submission is answered there.
    """

    def listener(command: Command, client: WebClient, respond: Respond) -> None:
        text = typed_text(command)
        if text:
            with_text(ctx, command, text, client, respond)
            return
        where = {
            "channel_id": command.get("channel_id"),
            "response_url": command.get("response_url"),
        }
        client.views_open(trigger_id=command["trigger_id"], view=open_modal(**where))

    return acked_first(listener)


def lead_text(ctx: BotContext, command: Command, text: str) -> Message:
    """`/lead Dana Smith, 555-201-3344, …`: quick capture; `/lead find <words>` searches.

    The lead and the owners' notices (outbox items) commit in one transaction.
    """
    first, _, words = text.partition(" ")
    with ctx.transaction(command["team_id"]) as (session, workspace):
        region = workspace.default_phone_region
        if first.lower() == FIND:
            leads = search_leads(session, workspace=workspace, words=words, limit=50)
            return lead_search_results(leads, words.strip(), region=region)
        now = ctx.now()
        captured = capture_quick_lead(
            session=session, workspace=workspace, actor=command["user_id"], text=text, now=now
        )
        queue_new_inquiry_notice(session, workspace=workspace, captured=captured, now=now)
        return captured_lead_reply(captured, region=region)


def lead_command(ctx: BotContext) -> Listener:
    """`/lead`: the New lead modal when typed alone; with text, answered in the ack itself."""

    def lead(ack: Ack, command: Command, client: WebClient) -> None:
        text = typed_text(command)  # a refusal is the ack itself (bot.errors)
        if not text:
            ack()
            where = {
                "channel_id": command.get("channel_id"),
                "response_url": command.get("response_url"),
            }
            with told(client, command):
                client.views_open(trigger_id=command["trigger_id"], view=new_lead_modal(**where))
            return
        shown = lead_text(ctx, command, text)
        ack(text=shown["text"], blocks=shown["blocks"], response_type="ephemeral")

    return lead


def customer_text(
    ctx: BotContext, command: Command, text: str, client: WebClient, respond: Respond
) -> None:
    """`/customer Dana`: the best-matching card, a choice among several, or nobody."""
    with ctx.transaction(command["team_id"]) as (session, workspace):
        found = look_up_person(session, workspace=workspace, query=text, now=ctx.now())
        shown = person_lookup_message(found, region=workspace.default_phone_region)
    _answer(respond, shown)


def log_text(
    ctx: BotContext, command: Command, text: str, client: WebClient, respond: Respond
) -> None:
    """`/log call Dana Smith: wants a quote, call back Friday`: logged for that one person."""
    with ctx.transaction(command["team_id"]) as (session, workspace):
        logged = log_from_text(
            session, workspace=workspace, actor=command["user_id"], text=text, now=ctx.now()
        )
        shown = logged_answer(logged, region=workspace.default_phone_region)
    _answer(respond, shown)


def pipeline_command(ctx: BotContext) -> Listener:
    """`/pipeline`: the summary now (`/pipeline 2`: the next page of late leads)."""

    def pipeline(command: Command, client: WebClient, respond: Respond) -> None:
        _, page = parse_followups_args(typed_text(command))
        with ctx.transaction(command["team_id"]) as (session, workspace):
            summary = pipeline_summary(
                session, workspace=workspace, now=ctx.now(), **past_due_page(page)
            )
            shown = pipeline_message(summary, page=page)
        _answer(respond, shown)

    return acked_first(pipeline)


def followups_command(ctx: BotContext) -> Listener:
    """`/followups`: today's, overdue, stale; `/followups stale 2` pages through one list.

    `/followups upcoming [page]` lists what is promised for the next seven days (paged in SQL);
    `/followups reminders [page]` lists the due re-engage reminders (the daily digest shows ten).
    Each list loads only the records up to the page shown; its total is counted in SQL.
    """

    def followups_listener(command: Command, client: WebClient, respond: Respond) -> None:
        part, page = parse_followups_args(typed_text(command))
        wanted = rows_wanted(part, page)
        with ctx.transaction(command["team_id"]) as (session, workspace):
            now = ctx.now()
            if part == FollowUpPart.reminders:
                today = local_today(workspace, now)
                reminders = due_reminders(session, workspace=workspace, today=today, limit=wanted)
                shown = reminders_list(reminders, page=page)
            elif part == FollowUpPart.upcoming:
                offset = (page - 1) * PART_PAGE_SIZE
                week = upcoming(
                    session, workspace=workspace, now=now, limit=PART_PAGE_SIZE, offset=offset
                )
                shown = upcoming_list(week, page=page)
            else:
                due = followups_now(
                    session,
                    workspace=workspace,
                    now=now,
                    stale_limit=wanted,
                    followup_limit=wanted,
                    upcoming_limit=1,  # only its count shows here
                )
                coming_up = due.upcoming.total if due.upcoming else 0
                shown = followups_list(
                    due.followups, due.stale, part=part, page=page, coming_up=coming_up
                )
        _answer(respond, shown)

    return acked_first(followups_listener)


def crm_command(ctx: BotContext) -> Listener:
    """`/crm`: help; `settings`, `doctor`, `form` (owners); a Common Request in plain words."""

    def crm(command: Command, client: WebClient, respond: Respond) -> None:
        text = typed_text(command)
        if not text:
            _answer(respond, help_message())
            return
        if " ".join(text.lower().split()) == "connect quickbooks":
            with ctx.transaction(command["team_id"]) as (session, workspace):
                shown = link_for_owner(ctx, session, workspace, command["user_id"])
            _answer(respond, shown)
            return
        if " ".join(text.lower().split()) == "connect gmail":
            with ctx.transaction(command["team_id"]) as (session, workspace):
                shown = gmail.link_for_owner(ctx, session, workspace, command["user_id"])
            _answer(respond, shown)
            return
        if text.lower() == "settings":
            with ctx.transaction(command["team_id"]) as (session, workspace):
                require_owner(workspace, command["user_id"], "change settings")
                meta = ModalMeta(
                    channel=command.get("channel_id"), response_url=command.get("response_url")
                )
                mailbox = MailboxShown.of(get_mailbox(session, workspace=workspace))
                view = settings_modal(workspace, meta=meta, mailbox=mailbox)
            client.views_open(trigger_id=command["trigger_id"], view=view)
            return
        if text.lower() == "doctor":
            with ctx.transaction(command["team_id"]) as (_, workspace):
                require_owner(workspace, command["user_id"], "run the deployment checks")
            checks = diagnose(
                settings=ctx.settings,
                sessions=ctx.sessions,
                client=client,
                workspace_id=command["team_id"],
            )
            _answer(respond, doctor_message(checks))
            return
        if text.lower().startswith("webhook"):
            with ctx.transaction(command["team_id"]) as (session, workspace):
                shown = webhook_request(
                    session,
                    workspace=workspace,
                    actor=command["user_id"],
                    text=text,
                    now=ctx.now(),
                )
            _answer(respond, shown)
            return
        if text.lower() in ("form", "web form") or text.lower().startswith("form redirect"):
            with ctx.transaction(command["team_id"]) as (session, workspace):
                require_owner(workspace, command["user_id"], "change the web form")
                if text.lower().startswith("form redirect"):
                    set_form_redirect(
                        session=session,
                        workspace=workspace,
                        actor=command["user_id"],
                        url=text[len("form redirect") :].strip(),
                        now=ctx.now(),
                    )
                shown = form_message(form_state(ctx, workspace))
            _answer(respond, shown)
            return
        with ctx.transaction(command["team_id"]) as (session, workspace):
            answer = answer_request(
                ctx, session, workspace=workspace, actor=command["user_id"], text=text
            )
            audience = Audience.of(is_owner=workspace.is_owner(command["user_id"]))
        _answer(respond, finish_answer(answer, client, audience))

    return acked_first(crm)


def register(app: App, ctx: BotContext) -> None:
    """Register the six commands."""
    app.command("/lead")(lead_command(ctx))
    app.command("/customer")(modal_or_text(ctx, new_customer_modal, customer_text))
    app.command("/log")(modal_or_text(ctx, log_interaction_modal, log_text))
    app.command("/pipeline")(pipeline_command(ctx))
    app.command("/followups")(followups_command(ctx))
    app.command("/crm")(crm_command(ctx))
