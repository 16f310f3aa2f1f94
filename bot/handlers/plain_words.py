"""Plain-word requests, shared by `/crm`, DMs and mentions: the table's answers, one per kind.

The requests are recognised by `core.leads.intents` (one table); the procedure's eight are
answered here, the day-one ones in `bot.handlers.record_words`. `answer_request` runs inside
the caller's transaction: it reads the request, calls one core operation and renders one
builder. Work that owns its own transactions and must wait for the
caller's commit ("follow up on Dana": `core.drafts.flows`, which may send) comes back as
`Answer.after_commit`; `finish_answer` runs it and says what to show. A name that could mean
several people gets a choice, never a guess; a name that means no one says so.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import answers
from bot.blocks.cards import disqualify_reasons
from bot.blocks.drafts import draft_requested_message
from bot.blocks.help import help_message
from bot.blocks.limits import Message
from bot.blocks.lists import newest_customers_list
from bot.blocks.pipeline import past_due_page, pipeline_message
from bot.blocks.words import not_understood
from bot.context import BotContext
from bot.handlers.actions.drafts import show_requested_draft
from bot.handlers.record_words import RECORD_ANSWERS
from bot.handlers.word_request import Answer, Request
from bot.ids import ActionId
from core.common.local_dates import local_today
from core.contacts.lookups import newest_customers
from core.contacts.person_lookup import (
    LeadLookup,
    look_up_last_touch,
    look_up_open_job,
    look_up_open_lead,
)
from core.contacts.search import resolve_person
from core.drafts.flows import request_follow_up
from core.leads.decisions import convert_or_explain
from core.leads.intents import INTENTS, Intent, IntentKind, nearest_requests, parse_request
from core.models import Workspace
from core.reports.summaries import pipeline_summary
from core.workspaces.service import zone

# What each request that is about someone looks like, to show when the name is left out.
EXAMPLES = {row.kind: row.examples[0] for row in INTENTS if row.about_someone}


def answer_request(
    ctx: BotContext, session: Session, *, workspace: Workspace, actor: str, text: str
) -> Answer:
    """Read plain words and answer them; anything else gets the help, saying it was unclear."""
    intent = parse_request(text)
    if intent is None:
        return Answer(not_understood(text, nearest_requests(text)))
    return answer_intent(ctx, session, workspace=workspace, actor=actor, intent=intent)


def answer_intent(
    ctx: BotContext, session: Session, *, workspace: Workspace, actor: str, intent: Intent
) -> Answer:
    """Answer one recognised request; one about someone who is not named asks who."""
    example = EXAMPLES.get(intent.kind)
    if example is not None and not intent.name:
        return Answer(answers.ask_who(example))
    request = Request(ctx, session, workspace, actor, ctx.now(), intent.name or "", intent.detail)
    answer = _ANSWERS.get(intent.kind)
    if answer is None:  # a row of the table with no answer wired: say so, never fail
        return Answer(answers.notice("I understood that, but I can't do it from Slack yet."))
    return answer(request)


def _open_lead(request: Request) -> LeadLookup:
    return look_up_open_lead(request.session, workspace=request.workspace, name=request.name)


def _no_single_lead(found: LeadLookup, request: Request, action_id: ActionId, label: str) -> Answer:
    """The name did not settle on one open lead: a choice of leads, or why there is none."""
    return Answer(
        answers.lead_lookup_message(found, action_id=action_id, label=label, region=request.region)
    )


# --- the eight requests ---------------------------------------------------------------------------


def _help(request: Request) -> Answer:
    return Answer(help_message())


def _add_customer(request: Request) -> Answer:
    return Answer(answers.add_customer_prompt(request.name or None))


def _log_call(request: Request) -> Answer:
    people = resolve_person(request.session, workspace=request.workspace, name=request.name)
    return Answer(answers.log_call_answer(people, request.name, region=request.region))


def _pipeline(request: Request) -> Answer:
    summary = pipeline_summary(
        request.session, workspace=request.workspace, now=request.now, **past_due_page(1)
    )
    return Answer(pipeline_message(summary))


def _follow_up(request: Request) -> Answer:
    found = look_up_open_job(request.session, workspace=request.workspace, name=request.name)
    if found.lead is not None:
        job, title = {"lead_id": found.lead.lead_id}, found.lead.title
    elif found.deal is not None:  # the lead became a job: follow up on the job
        job, title = {"opportunity_id": found.deal.opportunity_id}, found.deal.name
    else:
        return _no_single_lead(found, request, ActionId.DRAFT_FOLLOW_UP, "Draft follow-up")
    ctx, workspace, actor, now = request.ctx, request.workspace, request.actor, request.now

    def draft_and_tell(client: WebClient) -> Message:
        """The same flow as the Draft follow-up button, once the lookup's transaction is over."""
        requested = request_follow_up(
            sessions=ctx.sessions,
            workspace_id=workspace.workspace_id,
            actor=actor,
            sender_for=ctx.integrations.draft_sender,
            now=now,
            **job,
        )
        show_requested_draft(ctx, client, requested, actor=actor)
        outcome = answers.REVIEW_NOTICE
        if requested.auto_sent:
            outcome = draft_requested_message(
                requested.followup, owners_told=0, by_owner=False, auto_sent=True
            )
        return answers.follow_up_requested(
            requested.followup,
            title,
            zone=zone(workspace),
            today=local_today(workspace, now),
            outcome=outcome,
        )

    return Answer(answers.notice("Drafting the follow-up…"), after_commit=draft_and_tell)


def _convert(request: Request) -> Answer:
    found = _open_lead(request)
    if found.lead is None:
        return _no_single_lead(found, request, ActionId.CONVERT, "Convert")
    conversion = convert_or_explain(
        request.session,
        workspace=request.workspace,
        actor=request.actor,
        lead_id=found.lead.lead_id,
        now=request.now,
    )
    return Answer(answers.conversion_message(conversion, region=request.region))


def _disqualify(request: Request) -> Answer:
    found = _open_lead(request)
    if found.lead is None:
        return _no_single_lead(found, request, ActionId.DISQUALIFY, "Disqualify")
    return Answer(disqualify_reasons(found.lead))


def _last_touch(request: Request) -> Answer:
    found = look_up_last_touch(
        request.session, workspace=request.workspace, name=request.name, now=request.now
    )
    return Answer(answers.last_touch_answer(found, region=request.region))


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
    **RECORD_ANSWERS,
}
