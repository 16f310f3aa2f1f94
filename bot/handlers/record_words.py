"""The day-one plain-word requests: lists, a lead in one line, and a record changed by name.

Each request about someone first settles the name on one record (a lead or job, or a person);
when it fits several, the answer is a choice whose buttons carry the request (`WordsChoice`),
and the click runs `act_on_record` on the one chosen. Each then calls one core operation.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.blocks import answers, words
from bot.blocks.do_not_contact import changed_text
from bot.blocks.lists import FollowUpPart, followups_list, rows_wanted
from bot.blocks.prompts import captured_lead_reply
from bot.handlers.word_request import Answer, Request
from bot.notify import queue_new_inquiry_notice
from core.common.local_dates import local_today
from core.contacts.do_not_contact import set_do_not_contact
from core.contacts.person_lookup import LeadLookup, look_up_open_job
from core.contacts.search import resolve_person
from core.leads.follow_up_dates import read_day
from core.leads.inquiries import capture_quick_lead
from core.leads.intents import IntentKind
from core.leads.opportunities import set_opportunity_close_date, set_opportunity_stage
from core.leads.quotes import quoted_to
from core.leads.service import set_expected_close_date, set_lead_stage
from core.leads.stage_words import CLOSING_WORDS, deal_stage_named, lead_stage_named, stage_key
from core.reports.dashboard import followups_now

__all__ = ["RECORD_ANSWERS", "act_on_record"]

_LEAD_STAGE_WORDS = "inquiry, needs analysis, estimate sent, follow up or scheduled visit"
_DEAL_STAGE_WORDS = "estimating, proposal sent or scheduled"


def _followups(request: Request, part: FollowUpPart) -> Answer:
    wanted = rows_wanted(part, 1)
    due = followups_now(
        request.session,
        workspace=request.workspace,
        now=request.now,
        stale_limit=wanted,
        followup_limit=wanted,
    )
    return Answer(followups_list(due.followups, due.stale, part=part, page=1))


def _capture(request: Request) -> Answer:
    """ "new lead: Rita Moreno, 555-777-0101, clogged drain": the same capture as `/lead`."""
    captured = capture_quick_lead(
        session=request.session,
        workspace=request.workspace,
        actor=request.actor,
        text=request.detail or "",
        now=request.now,
    )
    queue_new_inquiry_notice(
        request.session, workspace=request.workspace, captured=captured, now=request.now
    )
    return Answer(captured_lead_reply(captured, region=request.region))


def _one_record(request: Request, kind: IntentKind, label: str) -> str | Answer:
    """The one open lead or job the name means, or the answer asking which (or saying none)."""
    found: LeadLookup = look_up_open_job(
        request.session, workspace=request.workspace, name=request.name
    )
    if found.lead is not None:
        return found.lead.lead_id
    if found.deal is not None:
        return found.deal.opportunity_id
    return Answer(
        words.job_choice_for(
            found, kind=kind.value, detail=request.detail, label=label, region=request.region
        )
    )


def _one_person(request: Request, kind: IntentKind, label: str) -> str | Answer:
    people = resolve_person(request.session, workspace=request.workspace, name=request.name)
    if len(people) == 1:
        return people[0].contact_id
    return Answer(
        words.people_choice_for(
            people, request.name, kind=kind.value, label=label, region=request.region
        )
    )


def _move(request: Request, record_id: str) -> Answer:
    said = request.detail or ""
    if stage_key(said) in CLOSING_WORDS:
        return Answer(
            answers.notice("Won and lost are decided with Mark won and Mark lost on the job.")
        )
    if record_id.startswith("op_"):
        deal_stage = deal_stage_named(said)
        if deal_stage is None:
            return Answer(answers.notice(f"“{said}” is not a job stage: say {_DEAL_STAGE_WORDS}."))
        deal = set_opportunity_stage(
            session=request.session,
            workspace=request.workspace,
            actor=request.actor,
            opportunity_id=record_id,
            stage=deal_stage,
            now=request.now,
        )
        return Answer(words.stage_moved(deal.name, deal_stage, job=True))
    lead_stage = lead_stage_named(said)
    if lead_stage is None:
        return Answer(answers.notice(f"“{said}” is not a lead stage: say {_LEAD_STAGE_WORDS}."))
    lead = set_lead_stage(
        session=request.session,
        workspace=request.workspace,
        actor=request.actor,
        lead_id=record_id,
        stage=lead_stage,
        now=request.now,
    )
    return Answer(words.stage_moved(lead.title, lead_stage, job=False))


def _close_date(request: Request, record_id: str) -> Answer:
    today = local_today(request.workspace, request.now)
    said = request.detail or ""
    day = read_day(said, today=today)
    if day is None:
        return Answer(
            answers.notice(
                f"I couldn't read “{said}” as a day; try “on March 20” or “next Friday”."
            )
        )
    session, workspace, actor, now = request.session, request.workspace, request.actor, request.now
    if record_id.startswith("op_"):
        deal = set_opportunity_close_date(
            session=session,
            workspace=workspace,
            actor=actor,
            opportunity_id=record_id,
            expected_close_date=day,
            now=now,
        )
        return Answer(words.close_date_set(deal.name, day, job=True, today=today))
    lead = set_expected_close_date(
        session=session,
        workspace=workspace,
        actor=actor,
        lead_id=record_id,
        expected_close_date=day,
        now=now,
    )
    return Answer(words.close_date_set(lead.title, day, job=False, today=today))


def _do_not_contact(request: Request, contact_id: str) -> Answer:
    """ "Mark Dana as do not contact", "Dana asked us not to contact her"."""
    change = set_do_not_contact(
        request.session,
        workspace=request.workspace,
        contact_id=contact_id,
        actor=request.actor,
        reason=request.detail,
        now=request.now,
    )
    return Answer(answers.notice(changed_text(change)))


def _quote(request: Request, contact_id: str) -> Answer:
    return Answer(
        words.quotes_message(
            quoted_to(request.session, workspace=request.workspace, contact_id=contact_id)
        )
    )


# The requests about someone: how the name is settled, and what is done with the one record.
_ON_RECORD: dict[IntentKind, tuple[str, str, Callable[[Request, str], Answer]]] = {
    IntentKind.move_stage: ("job", "Move", _move),
    IntentKind.close_date: ("job", "Set close date", _close_date),
    IntentKind.quote: ("person", "Show quotes", _quote),
    IntentKind.do_not_contact: ("person", "Mark do not contact", _do_not_contact),
}


def act_on_record(request: Request, kind: IntentKind, record_id: str) -> Answer:
    """Run a request about someone on the record chosen (a lead, job or contact id)."""
    if kind not in _ON_RECORD:
        return Answer(answers.notice("That choice is out of date; say the request again."))
    return _ON_RECORD[kind][2](request, record_id)


def _about_someone(kind: IntentKind) -> Callable[[Request], Answer]:
    settle, label, act = _ON_RECORD[kind]

    def answer(request: Request) -> Answer:
        one = _one_record if settle == "job" else _one_person
        found = one(request, kind, label)
        return found if isinstance(found, Answer) else act(request, found)

    return answer


RECORD_ANSWERS: dict[IntentKind, Callable[[Request], Answer]] = {
    IntentKind.follow_ups_today: lambda request: _followups(request, FollowUpPart.due),
    IntentKind.overdue: lambda request: _followups(request, FollowUpPart.overdue),
    IntentKind.stale_leads: lambda request: _followups(request, FollowUpPart.stale),
    IntentKind.capture_lead: _capture,
    **{kind: _about_someone(kind) for kind in _ON_RECORD},
}
