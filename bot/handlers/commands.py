"""Slash command listeners: /lead, /customer, /log, /pipeline, /followups, /crm (DESIGN.md 5).

Each acknowledges at once, then does its one operation in one transaction and answers the
person privately (ephemeral, through the command's response_url): a capture is the person's
own business, and the owners are told of new leads by direct message anyway.
A `CRMError` raised here reaches `bot.errors`, which shows its sentence to the person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import cards
from bot.blocks.decision_modals import settings_modal
from bot.blocks.help import help_message
from bot.blocks.lists import (
    PAGE_SIZE,
    PART_PAGE_SIZE,
    contact_choice,
    followups_list,
    lead_search_results,
    log_entry_choice,
    parse_followups_args,
)
from bot.blocks.modal_inputs import ModalMeta
from bot.blocks.modals import log_interaction_modal, new_customer_modal, new_lead_modal
from bot.blocks.pipeline import pipeline_message
from bot.context import BotContext
from bot.handlers.requests import answer_request, show_contact
from bot.ids import ActionId
from bot.notify import notify_new_inquiry
from core.followups import followups, local_today, stale_leads
from core.inquiries import capture_quick_lead
from core.interactions import log_interaction
from core.models import Contact
from core.quick_capture import parse_log_text
from core.reports import pipeline_summary
from core.search import resolve_person, search_contacts, search_leads
from core.workspaces import require_owner

Command = dict[str, Any]
Listener = Callable[..., None]

FIND = "find"


def _answer(respond: Respond, message: dict[str, Any]) -> None:
    respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral")


def _open(client: WebClient, command: Command, view: dict[str, Any]) -> None:
    client.views_open(trigger_id=command["trigger_id"], view=view)


def _where(command: Command) -> tuple[str | None, str | None]:
    """Where the command was typed, so the modal's submission is answered there."""
    return command.get("channel_id"), command.get("response_url")


def lead_command(ctx: BotContext) -> Listener:
    """`/lead`: the New lead modal; one-line quick capture; `/lead find <words>`."""

    def lead(ack: Ack, command: Command, client: WebClient, respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        channel, response_url = _where(command)
        if not text:
            _open(client, command, new_lead_modal(channel_id=channel, response_url=response_url))
            return
        first, _, words = text.partition(" ")
        if first.lower() == FIND:
            with ctx.sessions.begin() as session:
                workspace = ctx.workspace(session, command["team_id"])
                leads = search_leads(session, workspace=workspace, words=words, limit=50)
                shown = lead_search_results(
                    leads, words.strip(), region=workspace.default_phone_region
                )
            _answer(respond, shown)
            return
        with ctx.sessions.begin() as session:
            workspace = ctx.workspace(session, command["team_id"])
            captured = capture_quick_lead(
                session=session,
                workspace=workspace,
                actor=command["user_id"],
                text=text,
                now=ctx.now(),
            )
            shown = cards.captured_lead_card(captured, region=workspace.default_phone_region)
        _answer(respond, shown)
        notify_new_inquiry(client, workspace, captured)

    return lead


def customer_command(ctx: BotContext) -> Listener:
    """`/customer`: the New customer modal; with a name, phone or email, their card."""

    def customer(ack: Ack, command: Command, client: WebClient, respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        channel, response_url = _where(command)
        if not text:
            _open(
                client, command, new_customer_modal(channel_id=channel, response_url=response_url)
            )
            return
        with ctx.sessions.begin() as session:
            workspace = ctx.workspace(session, command["team_id"])
            people = resolve_person(session, workspace=workspace, name=text)
            if len(people) == 1:
                shown = show_contact(
                    session, workspace=workspace, contact_id=people[0].contact_id, now=ctx.now()
                )
            elif people:
                shown = _choice(people, text, workspace.default_phone_region)
            else:  # no one for sure: offer the looser search's near misses, if any
                hits = search_contacts(session, workspace=workspace, query=text)
                near = [hit.contact for hit in hits]
                question = f"No one is called “{text}”. Did you mean one of these?"
                shown = (
                    _choice(near, text, workspace.default_phone_region, question)
                    if near
                    else cards.nobody_found(text)
                )
        _answer(respond, shown)

    return customer


def _choice(
    people: list[Contact], name: str, region: str, question: str | None = None
) -> dict[str, Any]:
    """Several people fit the name: one **Open contact** button each."""
    return contact_choice(
        people,
        name=name,
        action_id=ActionId.OPEN_CONTACT,
        label="Open contact",
        region=region,
        question=question,
    )


def log_command(ctx: BotContext) -> Listener:
    """`/log`: the Log interaction modal; `/log call Dana Smith: …` logs it for that person."""

    def log(ack: Ack, command: Command, client: WebClient, respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        channel, response_url = _where(command)
        if not text:
            _open(
                client,
                command,
                log_interaction_modal(channel_id=channel, response_url=response_url),
            )
            return
        with ctx.sessions.begin() as session:
            workspace = ctx.workspace(session, command["team_id"])
            now = ctx.now()
            today = local_today(workspace, now)
            entry = parse_log_text(text, today=today)
            people = resolve_person(session, workspace=workspace, name=entry.who)
            region = workspace.default_phone_region
            if not people:
                shown = cards.nobody_found(entry.who)
            elif len(people) > 1:
                shown = log_entry_choice(people, entry, region=region)
            else:
                interaction = log_interaction(
                    session=session,
                    workspace=workspace,
                    actor=command["user_id"],
                    type=entry.interaction_type,
                    body=entry.summary,
                    contact_id=people[0].contact_id,
                    follow_up_date=entry.follow_up_date,
                    now=now,
                )
                shown = cards.logged_interaction(interaction, people[0].full_name, today=today)
        _answer(respond, shown)

    return log


def pipeline_command(ctx: BotContext) -> Listener:
    """`/pipeline`: the summary now (`/pipeline 2`: the next page of late leads)."""

    def pipeline(ack: Ack, command: Command, respond: Respond) -> None:
        ack()
        _, page = parse_followups_args(command.get("text") or "")
        with ctx.sessions.begin() as session:
            workspace = ctx.workspace(session, command["team_id"])
            summary = pipeline_summary(session, workspace=workspace, now=ctx.now())
            shown = pipeline_message(summary, page=page)
        _answer(respond, shown)

    return pipeline


def followups_command(ctx: BotContext) -> Listener:
    """`/followups`: today's, overdue, stale; `/followups stale 2` pages through one list."""

    def followups_listener(ack: Ack, command: Command, respond: Respond) -> None:
        ack()
        part, page = parse_followups_args(command.get("text") or "")
        stale_wanted = PAGE_SIZE if part is None else page * PART_PAGE_SIZE
        with ctx.sessions.begin() as session:
            workspace = ctx.workspace(session, command["team_id"])
            now = ctx.now()
            due = followups(session, workspace=workspace, now=now)
            stale = stale_leads(session, workspace=workspace, now=now, limit=stale_wanted)
            shown = followups_list(due, stale, part=part, page=page)
        _answer(respond, shown)

    return followups_listener


def crm_command(ctx: BotContext) -> Listener:
    """`/crm`: help; `/crm settings` (owners); any Common Request in plain words."""

    def crm(ack: Ack, command: Command, client: WebClient, respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        if not text:
            _answer(respond, help_message())
            return
        if text.lower() == "settings":
            with ctx.sessions.begin() as session:
                workspace = ctx.workspace(session, command["team_id"])
                require_owner(workspace, command["user_id"], "change settings")
                meta = ModalMeta(
                    channel=command.get("channel_id"), response_url=command.get("response_url")
                )
                view = settings_modal(workspace, meta=meta)
            _open(client, command, view)
            return
        with ctx.sessions.begin() as session:
            workspace = ctx.workspace(session, command["team_id"])
            answer = answer_request(
                ctx, session, workspace=workspace, actor=command["user_id"], text=text
            )
        _answer(respond, answer.message)
        if answer.after_commit is not None:
            answer.after_commit(client)

    return crm


def register(app: App, ctx: BotContext) -> None:
    """Register the six commands."""
    app.command("/lead")(lead_command(ctx))
    app.command("/customer")(customer_command(ctx))
    app.command("/log")(log_command(ctx))
    app.command("/pipeline")(pipeline_command(ctx))
    app.command("/followups")(followups_command(ctx))
    app.command("/crm")(crm_command(ctx))
