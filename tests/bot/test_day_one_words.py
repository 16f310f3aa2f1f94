"""What an office says on day one, in plain words: by DM, by mention and after `/crm`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks.limit_check import limit_violations
from bot.ids import ActionId
from core.common.enums import InteractionType, LeadSource, OpportunityStage, PipelineStage
from core.models import AuditEntry, Contact, Draft, Lead, Opportunity
from tests.bot.harness import (
    CHANNEL,
    SlackHarness,
    block_texts,
    iter_buttons,
    messages_to,
    row_count,
)
from tests.conftest import STAFF, TEAM
from tests.core.factories import make_contact, make_interaction, make_lead, make_opportunity

HOW = ["dm", "mention", "crm"]


def say(slack: SlackHarness, how: str, text: str) -> dict[str, Any]:
    """Send the words by DM, mention or `/crm`; the bot's newest answer there."""
    if how == "dm":
        slack.message_dm(text, user=STAFF)
        shown = messages_to(slack.api, kind="message", channel=f"D{STAFF}")
    elif how == "mention":
        slack.mention(text, user=STAFF)
        shown = messages_to(slack.api, kind="message", channel=CHANNEL)
    else:
        slack.command("crm", text, user=STAFF)
        shown = messages_to(slack.api, kind="response_url")
    answer = shown[-1]
    assert limit_violations(answer["blocks"] or []) == []
    return answer


def seen(answer: dict[str, Any]) -> str:
    return "\n".join(block_texts(answer["blocks"]))


def buttons(answer: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (b["text"]["text"], b["action_id"], b.get("value")) for b in iter_buttons(answer["blocks"])
    ]


@pytest.fixture
def office(slack: SlackHarness) -> None:
    """Dana (open lead, $350, follow-up due today), Sam (overdue follow-up), Pat (stale lead)."""
    now = slack.now
    with slack.sessions.begin() as session:
        dana = make_contact(
            session,
            TEAM,
            "Dana",
            "Smith",
            phones=["+15552013344"],
            address="123 Main St",
            contact_id="ct_dana",
        )
        lead = make_lead(
            session,
            TEAM,
            dana,
            title="Leaky faucet",
            lead_id="ld_dana",
            estimated_value="350",
            created_at=now - timedelta(days=1),
        )
        make_interaction(
            session,
            TEAM,
            lead=lead,
            type=InteractionType.phone_call,
            body="Call back about the faucet",
            timestamp=now - timedelta(days=1),
            follow_up_date=date(2026, 3, 2),
        )
        sam = make_contact(session, TEAM, "Sam", "Lee", contact_id="ct_sam")
        make_interaction(
            session,
            TEAM,
            sam,
            type=InteractionType.phone_call,
            body="Send the brochure",
            timestamp=now - timedelta(days=6),
            follow_up_date=date(2026, 2, 25),
        )
        pat = make_contact(session, TEAM, "Pat", "Quinn", contact_id="ct_pat")
        make_lead(
            session,
            TEAM,
            pat,
            title="Gutter cleaning",
            lead_id="ld_pat",
            created_at=now - timedelta(days=10),
        )


def lead(slack: SlackHarness, lead_id: str) -> Lead:
    with slack.sessions() as session:
        found = session.get(Lead, lead_id)
        assert found is not None
        return found


# --- the lists --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_who_needs_a_follow_up_today(slack: SlackHarness, office: None, how: str) -> None:
    answer = say(slack, how, "who needs a follow-up today?")
    text = seen(answer)
    assert text.startswith("*Today's follow-ups:*")
    assert "Dana Smith" in text and "Sam Lee" not in text
    assert ("Done", ActionId.DONE) in [(label, action) for label, action, _ in buttons(answer)]


@pytest.mark.parametrize("how", HOW)
def test_whats_overdue(slack: SlackHarness, office: None, how: str) -> None:
    text = seen(say(slack, how, "what's overdue?"))
    assert text.startswith("*Overdue:*")
    assert "Sam Lee" in text and "Dana Smith" not in text


@pytest.mark.parametrize("how", HOW)
def test_show_stale_leads(slack: SlackHarness, office: None, how: str) -> None:
    text = seen(say(slack, how, "show stale leads"))
    assert text.startswith("*Stale leads (1):*")
    assert (
        "Heads up: the Gutter cleaning lead from Pat Quinn has had no activity in 10 days." in text
    )


# --- a lead in one line -----------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_new_lead_in_words_is_the_quick_capture(
    slack: SlackHarness, office: None, how: str
) -> None:
    answer = say(slack, how, "new lead: Rita Moreno, 555-777-0101, clogged drain")
    assert "Rita Moreno" in seen(answer)
    with slack.sessions() as session:
        rita = session.scalars(select(Contact).where(Contact.first_name == "Rita")).one()
        assert (rita.last_name, rita.phones) == ("Moreno", ["+15557770101"])
        made = session.scalars(select(Lead).where(Lead.contact_id == rita.contact_id)).one()
        assert (made.title, made.source, made.pipeline_stage) == (
            "clogged drain",
            LeadSource.phone_call,
            PipelineStage.inquiry,
        )


def test_a_second_lead_in_words_with_the_same_phone_goes_through_the_duplicate_gate(
    slack: SlackHarness, office: None
) -> None:
    say(slack, "dm", "new lead: Rita Moreno, 555-777-0101, clogged drain")
    again = say(slack, "dm", "new lead: Rita Moreno, 555-777-0101, leaking water heater")
    assert "Rita Moreno" in seen(again)
    with slack.sessions() as session:
        ritas = session.scalars(select(Contact).where(Contact.first_name == "Rita")).all()
        assert len(ritas) == 1  # the gate linked the second inquiry to the same contact
        titles = set(
            session.scalars(select(Lead.title).where(Lead.contact_id == ritas[0].contact_id))
        )
        assert titles == {"clogged drain", "leaking water heater"}


# --- moving a lead or a job -------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_move_the_dana_lead_to_estimate_sent(slack: SlackHarness, office: None, how: str) -> None:
    answer = say(slack, how, "move the Dana lead to estimate sent")
    assert answer["text"] == "Moved the Leaky faucet lead to estimate sent."
    assert lead(slack, "ld_dana").pipeline_stage == PipelineStage.estimate_sent
    with slack.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_id == "ld_dana")
        ).all()
        assert "set_lead_stage" in actions


def test_after_conversion_the_same_words_move_the_job(slack: SlackHarness, office: None) -> None:
    assert say(slack, "dm", "convert Dana to a job")["text"].startswith("Converted to a job")
    answer = say(slack, "dm", "move the Dana lead to estimate sent")
    assert answer["text"] == "Moved the Leaky faucet job to proposal sent."
    with slack.sessions() as session:
        job = session.scalars(select(Opportunity)).one()
        assert job.stage == OpportunityStage.proposal_sent


def test_a_stage_that_is_none_is_named_and_nothing_moves(slack: SlackHarness, office: None) -> None:
    answer = say(slack, "dm", "move the Dana lead to banana")
    assert answer["text"] == (
        "“banana” is not a lead stage: say inquiry, needs analysis, estimate sent, follow up "
        "or scheduled visit."
    )
    assert lead(slack, "ld_dana").pipeline_stage == PipelineStage.inquiry


def test_two_danas_get_a_choice_and_the_click_moves_the_one_chosen(
    slack: SlackHarness, office: None
) -> None:
    with slack.sessions.begin() as session:
        jones = make_contact(session, TEAM, "Dana", "Jones", phones=["+15552019999"])
        make_lead(session, TEAM, jones, title="Roof leak", lead_id="ld_jones")
    answer = say(slack, "dm", "move the Dana lead to follow up")
    assert answer["text"] == "Which Dana lead? 2 open leads match."
    offered = buttons(answer)
    assert {(label, action) for label, action, _ in offered} == {("Move", ActionId.WORDS_CHOICE)}
    assert lead(slack, "ld_jones").pipeline_stage == PipelineStage.inquiry  # nothing guessed
    [jones_button] = [b for b in iter_buttons(answer["blocks"]) if "ld_jones" in b["value"]]
    slack.action(
        ActionId.WORDS_CHOICE,
        jones_button["value"],
        user=STAFF,
        block_id=[
            b["block_id"]
            for b in answer["blocks"]
            if b.get("accessory", {}).get("value") == jones_button["value"]
        ][0],
    )
    assert lead(slack, "ld_jones").pipeline_stage == PipelineStage.follow_up
    assert lead(slack, "ld_dana").pipeline_stage == PipelineStage.inquiry
    assert messages_to(slack.api, kind="response_url")[-1]["text"] == (
        "Moved the Roof leak lead to follow up."
    )


# --- close dates ------------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_danas_job_closes_on_the_20th(slack: SlackHarness, office: None, how: str) -> None:
    answer = say(slack, how, "Dana's job closes on the 20th")
    assert answer["text"] == "The Leaky faucet lead is expected to close on Friday, March 20."
    assert lead(slack, "ld_dana").expected_close_date == date(2026, 3, 20)


def test_the_20th_is_read_in_the_workspace_timezone(slack: SlackHarness, office: None) -> None:
    # 03:00 UTC on March 21 is still the evening of March 20 in New York: the 20th is today.
    slack.now = slack.now.replace(day=21, hour=3)
    answer = say(slack, "dm", "Dana's job closes on the 20th")
    assert answer["text"] == "The Leaky faucet lead is expected to close on Friday, March 20."
    assert lead(slack, "ld_dana").expected_close_date == date(2026, 3, 20)


def test_a_job_gets_its_close_date_too(slack: SlackHarness, office: None) -> None:
    with slack.sessions.begin() as session:
        pat = session.get_one(Contact, "ct_pat")
        make_opportunity(session, TEAM, pat, name="Boiler", opportunity_id="op_pat")
    say(slack, "dm", "the Pat Quinn job will close next Friday")
    with slack.sessions() as session:
        job = session.get_one(Opportunity, "op_pat")
        assert job.expected_close_date is None  # Pat has a lead and a job: asked which first
    answer = messages_to(slack.api, kind="message", channel=f"D{STAFF}")[-1]
    assert answer["text"] == "Which Pat Quinn lead or job? 2 open ones match."


# --- quotes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_what_did_we_quote_dana(slack: SlackHarness, office: None, how: str) -> None:
    with slack.sessions.begin() as session:
        dana = session.get_one(Contact, "ct_dana")
        make_opportunity(
            session,
            TEAM,
            dana,
            name="Water heater",
            amount=Decimal("4250"),
            stage=OpportunityStage.proposal_sent,
        )
    answer = say(slack, how, "what did we quote Dana?")
    assert answer["text"] == (
        "What we quoted Dana Smith:\n"
        "• Water heater (job, proposal sent): $4,250\n"
        "• Leaky faucet (lead, inquiry): $350"
    )


# --- near misses and messages not understood --------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_dont_move_is_not_a_move(slack: SlackHarness, office: None, how: str) -> None:
    answer = say(slack, how, "don't move the Dana lead")
    assert answer["text"].startswith("Sorry, I didn't understand “don't move the Dana lead”.")
    assert lead(slack, "ld_dana").pipeline_stage == PipelineStage.inquiry
    offered = [(action, value) for _, action, value in buttons(answer)]
    assert (ActionId.TRY_REQUEST, "move_stage") in offered


@pytest.mark.parametrize("how", HOW)
def test_new_leads_this_week_is_not_a_capture(slack: SlackHarness, office: None, how: str) -> None:
    before = row_count(slack.sessions, Lead)
    answer = say(slack, how, "new leads this week?")
    assert "New leads this week: 1" in answer["text"]  # the pipeline summary says it
    assert row_count(slack.sessions, Lead) == before


def test_a_past_close_is_not_a_date_to_set(slack: SlackHarness, office: None) -> None:
    answer = say(slack, "dm", "Dana's job closed on the 20th")
    assert answer["text"].startswith("Sorry, I didn't understand")
    assert lead(slack, "ld_dana").expected_close_date is None


def test_a_nearest_request_button_runs_that_request(slack: SlackHarness, office: None) -> None:
    answer = say(slack, "dm", "stale leeds")
    [stale] = [b for b in iter_buttons(answer["blocks"]) if b["value"] == "stale_leads"]
    assert stale["text"]["text"] == "show stale leads"
    slack.action(ActionId.TRY_REQUEST, "stale_leads", user=STAFF, message=answer)
    shown = messages_to(slack.api, kind="response_url")[-1]
    assert seen(shown).startswith("*Stale leads (1):*")


def test_a_nearest_request_about_someone_asks_who(slack: SlackHarness, office: None) -> None:
    answer = say(slack, "dm", "quote for dana")
    assert (ActionId.TRY_REQUEST, "quote") in [(a, v) for _, a, v in buttons(answer)]
    slack.action(ActionId.TRY_REQUEST, "quote", user=STAFF, message=answer)
    shown = messages_to(slack.api, kind="response_url")[-1]
    assert shown["text"] == "Who is it about? For example: “what did we quote Dana?”."


def test_a_person_with_only_a_job_gets_the_jobs_close_date(
    slack: SlackHarness, office: None
) -> None:
    with slack.sessions.begin() as session:
        sam = session.get_one(Contact, "ct_sam")
        make_opportunity(session, TEAM, sam, name="Boiler", opportunity_id="op_sam")
    answer = say(slack, "dm", "Sam Lee's job closes on March 20")
    assert answer["text"] == "The Boiler job is expected to close on Friday, March 20."
    with slack.sessions() as session:
        assert session.get_one(Opportunity, "op_sam").expected_close_date == date(2026, 3, 20)


def test_won_is_not_a_move(slack: SlackHarness, office: None) -> None:
    answer = say(slack, "dm", "move the Dana lead to won")
    assert answer["text"] == "Won and lost are decided with Mark won and Mark lost on the job."
    assert lead(slack, "ld_dana").pipeline_stage == PipelineStage.inquiry


def test_a_quote_for_a_name_that_fits_two_people_asks_which(
    slack: SlackHarness, office: None
) -> None:
    with slack.sessions.begin() as session:
        jones = make_contact(session, TEAM, "Dana", "Jones", contact_id="ct_jones")
        make_lead(session, TEAM, jones, title="Roof leak", estimated_value="900")
    answer = say(slack, "dm", "what did we quote Dana?")
    assert answer["text"] == "Which Dana? 2 people match."
    offered = buttons(answer)
    assert {(label, action) for label, action, _ in offered} == {
        ("Show quotes", ActionId.WORDS_CHOICE)
    }
    [jones_value] = [value for _, _, value in offered if value and "ct_jones" in value]
    slack.action(ActionId.WORDS_CHOICE, jones_value, user=STAFF, message=answer)
    shown = messages_to(slack.api, kind="response_url")[-1]
    assert shown["text"] == "What we quoted Dana Jones:\n• Roof leak (lead, inquiry): $900"


def test_a_forged_choice_is_refused_in_words(slack: SlackHarness, office: None) -> None:
    slack.action(ActionId.WORDS_CHOICE, '{"k":"delete","r":"ld_dana"}', user=STAFF)
    slack.action(ActionId.WORDS_CHOICE, "not json", user=STAFF)
    refusals = [m["text"] for m in messages_to(slack.api, kind="response_url")]
    assert refusals == [
        "That button is out of date; say the request again.",
        "That choice is out of date; say the request again.",
    ]
    assert lead(slack, "ld_dana").pipeline_stage == PipelineStage.inquiry


# --- do not contact ---------------------------------------------------------------------------


def contact(slack: SlackHarness, contact_id: str) -> Contact:
    with slack.sessions() as session:
        return session.get_one(Contact, contact_id)


@pytest.mark.parametrize("how", HOW)
def test_mark_dana_as_do_not_contact(slack: SlackHarness, office: None, how: str) -> None:
    answer = say(slack, how, "mark Dana as do not contact")
    assert (
        answer["text"] == "Dana Smith is now marked do not contact. Nothing will be sent to them."
    )
    dana = contact(slack, "ct_dana")
    assert (dana.do_not_contact, dana.do_not_contact_by, dana.do_not_contact_reason) == (
        True,
        STAFF,
        None,
    )
    with slack.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_id == "ct_dana")
        ).all()
        assert actions.count("set_do_not_contact") == 1


@pytest.mark.parametrize("how", HOW)
def test_dana_asked_us_not_to_contact_her(slack: SlackHarness, office: None, how: str) -> None:
    answer = say(slack, how, "Dana asked us not to contact her")
    assert (
        answer["text"] == "Dana Smith is now marked do not contact. Nothing will be sent to them."
    )
    dana = contact(slack, "ct_dana")
    assert (dana.do_not_contact, dana.do_not_contact_reason) == (
        True,
        "asked us not to contact her",
    )
    again = say(slack, how, "mark Dana as do not contact")
    assert again["text"] == "Dana Smith was already marked do not contact."


def test_then_no_follow_up_can_be_drafted_for_her(slack: SlackHarness, office: None) -> None:
    say(slack, "dm", "Dana asked us not to contact her")
    answer = say(slack, "dm", "follow up on the Dana lead")
    assert answer["text"].startswith("Dana Smith is marked do not contact")
    assert row_count(slack.sessions, Draft) == 0


def test_a_do_not_contact_for_two_danas_asks_which(slack: SlackHarness, office: None) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Dana", "Jones", contact_id="ct_jones")
    answer = say(slack, "dm", "mark Dana as do not contact")
    assert answer["text"] == "Which Dana? 2 people match."
    assert not contact(slack, "ct_dana").do_not_contact
    [jones_value] = [value for _, _, value in buttons(answer) if value and "ct_jones" in value]
    slack.action(ActionId.WORDS_CHOICE, jones_value, user=STAFF, message=answer)
    assert contact(slack, "ct_jones").do_not_contact
    assert not contact(slack, "ct_dana").do_not_contact


@pytest.mark.parametrize(
    "text", ["did Dana ask us not to contact her?", "mark Dana as contacted", "don't contact Dana"]
)
def test_near_misses_mark_no_one(slack: SlackHarness, office: None, text: str) -> None:
    say(slack, "crm", text)
    assert not contact(slack, "ct_dana").do_not_contact
