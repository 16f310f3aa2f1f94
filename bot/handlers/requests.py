"""The procedure's eight Common Requests in plain words, shared by `/crm`, DMs and mentions.

`answer_request` runs inside the caller's transaction: it reads the request, calls one core
operation and renders one builder. Slack calls that must wait for the commit (the draft to the
owners) come back as `Answer.after_commit`. A name that could mean several people gets a
choice, never a guess; a name that means no one says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import cards
from bot.blocks.help import help_message
from bot.blocks.lists import contact_choice, lead_choice, newest_customers_list
from bot.blocks.pipeline import pipeline_message
from bot.context import BotContext
from bot.ids import ActionId
from bot.notify import share_draft_for_review
from core.contacts import contact_card
from core.drafts import draft_follow_up
from core.errors import IncompleteContact
from core.followups import last_touchpoint, local_today, newest_customers
from core.intents import Intent, IntentKind, parse_request
from core.leads import convert_lead
from core.models import Contact, Lead, Workspace
from core.reports import pipeline_summary
from core.search import open_leads_for_person, resolve_person
from core.workspaces import zone

Message = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """What to show the person, and what to tell Slack once the transaction committed."""

    message: Message
    after_commit: Callable[[WebClient], object] | None = None


@dataclass(frozen=True)
class Request:
    """One request being answered: who asks, in which workspace, about whom, and when."""

    ctx: BotContext
    session: Session
    workspace: Workspace
    actor: str
    now: datetime
    name: str | None

    @property
    def region(self) -> str:
        return self.workspace.default_phone_region


def answer_request(
    ctx: BotContext, session: Session, *, workspace: Workspace, actor: str, text: str
) -> Answer:
    """Read plain words and answer them; anything else gets the help, saying it was unclear."""
    intent = parse_request(text)
    if intent is None:
        return Answer(help_message(unknown=text))
    return answer_intent(ctx, session, workspace=workspace, actor=actor, intent=intent)


def answer_intent(
    ctx: BotContext, session: Session, *, workspace: Workspace, actor: str, intent: Intent
) -> Answer:
    request = Request(ctx, session, workspace, actor, ctx.now(), intent.name)
    return _ANSWERS[intent.kind](request)


# --- shared by the commands and the buttons ---------------------------------------------------


def show_contact(
    session: Session, *, workspace: Workspace, contact_id: str, now: datetime
) -> Message:
    """The contact card (`/customer <name>`, and the **Open contact** button)."""
    card = contact_card(session, workspace=workspace, contact_id=contact_id, now=now)
    return cards.contact_card(card, region=workspace.default_phone_region)


def _ask_for_name(example: str) -> Answer:
    return Answer(cards.notice(f"Who is it about? For example: “{example}”."))


def _people(request: Request, example: str) -> list[Contact] | Answer:
    """Everyone the name could mean (at least one), or the answer to give when it means no one."""
    if not request.name:
        return _ask_for_name(example)
    people = resolve_person(request.session, workspace=request.workspace, name=request.name)
    return people or Answer(cards.nobody_found(request.name))


def _choice(request: Request, people: list[Contact], action_id: ActionId, label: str) -> Answer:
    """Several people fit the name: one button each, never a guess."""
    return Answer(
        contact_choice(
            people,
            name=request.name or "",
            action_id=action_id,
            label=label,
            region=request.region,
        )
    )


def _one_lead(request: Request, action_id: ActionId, label: str, example: str) -> Lead | Answer:
    """The one open lead the name means, or a choice of leads, or why there is none."""
    if not request.name:
        return _ask_for_name(example)
    leads = open_leads_for_person(request.session, workspace=request.workspace, name=request.name)
    if len(leads) == 1:
        return leads[0]
    if leads:
        return Answer(
            lead_choice(
                leads, name=request.name, action_id=action_id, label=label, region=request.region
            )
        )
    people = resolve_person(request.session, workspace=request.workspace, name=request.name)
    if not people:
        return Answer(cards.nobody_found(request.name))
    names = ", ".join(person.full_name for person in people[:5])
    return Answer(cards.notice(f"{names} {'has' if len(people) == 1 else 'have'} no open leads."))


# --- the eight requests ---------------------------------------------------------------------------


def _help(request: Request) -> Answer:
    return Answer(help_message())


def _add_customer(request: Request) -> Answer:
    return Answer(cards.add_customer_prompt(request.name))


def _log_call(request: Request) -> Answer:
    people = _people(request, "log a call with Dana")
    if isinstance(people, Answer):
        return people
    if len(people) > 1:
        return _choice(request, people, ActionId.LOG_CALL, "Log call")
    return Answer(cards.log_call_prompt(people[0], region=request.region))


def _pipeline(request: Request) -> Answer:
    summary = pipeline_summary(request.session, workspace=request.workspace, now=request.now)
    return Answer(pipeline_message(summary))


def _follow_up(request: Request) -> Answer:
    found = _one_lead(
        request, ActionId.DRAFT_FOLLOW_UP, "Draft follow-up", "follow up on the Dana lead"
    )
    if isinstance(found, Answer):
        return found
    result = draft_follow_up(
        session=request.session,
        workspace=request.workspace,
        actor=request.actor,
        lead_id=found.lead_id,
        now=request.now,
    )
    shown = cards.follow_up_requested(
        result,
        found,
        zone=zone(request.workspace),
        today=local_today(request.workspace, request.now),
    )
    ctx, workspace, actor, now = request.ctx, request.workspace, request.actor, request.now

    def to_owners(client: WebClient) -> object:
        return share_draft_for_review(ctx.sessions, client, workspace, result, actor=actor, now=now)

    return Answer(shown, after_commit=to_owners)


def _convert(request: Request) -> Answer:
    found = _one_lead(request, ActionId.CONVERT, "Convert", "convert Dana to a job")
    if isinstance(found, Answer):
        return found
    try:
        opportunity = convert_lead(
            session=request.session,
            workspace=request.workspace,
            actor=request.actor,
            lead_id=found.lead_id,
            now=request.now,
        )
    except IncompleteContact as missing:  # refused before anything was written
        return Answer(cards.incomplete_contact(missing.missing, found))
    return Answer(cards.converted_card(opportunity, region=request.region))


def _disqualify(request: Request) -> Answer:
    found = _one_lead(request, ActionId.DISQUALIFY, "Disqualify", "disqualify the Dana lead")
    if isinstance(found, Answer):
        return found
    return Answer(cards.disqualify_reasons(found))


def _last_touch(request: Request) -> Answer:
    people = _people(request, "how long since we talked to Dana?")
    if isinstance(people, Answer):
        return people
    if len(people) > 1:
        return _choice(request, people, ActionId.OPEN_CONTACT, "Open contact")
    last = last_touchpoint(
        request.session,
        workspace=request.workspace,
        contact_id=people[0].contact_id,
        now=request.now,
    )
    return Answer(cards.last_touch_card(last))


def _newest_customers(request: Request) -> Answer:
    customers = newest_customers(request.session, workspace=request.workspace)
    return Answer(newest_customers_list(customers, region=request.region))


_ANSWERS: dict[IntentKind, Callable[[Request], Answer]] = {
    IntentKind.help: _help,
    IntentKind.add_customer: _add_customer,
    IntentKind.log_call: _log_call,
    IntentKind.pipeline: _pipeline,
    IntentKind.follow_up: _follow_up,
    IntentKind.convert: _convert,
    IntentKind.disqualify: _disqualify,
    IntentKind.last_touch: _last_touch,
    IntentKind.newest_customers: _newest_customers,
}
