"""Following up after a lead became a job, and the inquiry tone saying how the customer came."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import ActionId, BlockId
from core.common.enums import InteractionType, LeadSource, OpportunityStage, Outcome, PipelineStage
from core.models import Contact, Draft
from tests.bot.harness import CHANNEL, SlackHarness, iter_buttons, messages_to
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_interaction, make_lead, make_opportunity


def dana_with_lead(slack: SlackHarness, **lead: Any) -> None:
    with slack.sessions.begin() as session:
        contact = make_contact(
            session,
            TEAM,
            "Dana",
            "Smith",
            phones=["+15552013344"],
            emails=["dana@example.com"],
            address="123 Main St",
            contact_id="ct_dana",
        )
        made = make_lead(
            session,
            TEAM,
            contact,
            title="Water heater",
            lead_id="ld_dana",
            created_at=slack.now - timedelta(days=9),
            **lead,
        )
        if made.pipeline_stage == PipelineStage.estimate_sent:
            make_interaction(
                session,
                TEAM,
                lead=made,
                type=InteractionType.email_outbound,
                body="Estimate attached",
                outcome=Outcome.sent_proposal,
                timestamp=slack.now - timedelta(days=4),  # Thursday, February 26
            )


def ask(slack: SlackHarness, how: str, text: str) -> dict[str, Any]:
    """Send the request by DM or mention; the newest answer the bot posted there."""
    if how == "dm":
        slack.message_dm(text, user=STAFF)
        return messages_to(slack.api, kind="message", channel=f"D{STAFF}")[-1]
    slack.mention(text, user=STAFF)
    return messages_to(slack.api, kind="message", channel=CHANNEL)[-1]


def the_draft(slack: SlackHarness) -> Draft:
    with slack.sessions() as session:
        return session.scalars(select(Draft)).one()


@pytest.mark.parametrize("how", ["dm", "mention"])
def test_follow_up_on_a_converted_lead_follows_the_job_with_the_estimate_tone(
    slack: SlackHarness, how: str
) -> None:
    dana_with_lead(slack, pipeline_stage=PipelineStage.estimate_sent)
    assert ask(slack, how, "convert Dana to a job")["text"].startswith("Converted to a job")
    answer = ask(slack, how, "follow up on the Dana lead")
    assert answer["text"].endswith("Draft sent to the owners for review.")
    assert "*Water heater*" in answer["blocks"][0]["text"]["text"]
    draft = the_draft(slack)
    assert (draft.lead_id, draft.status) == ("ld_dana", "pending_approval")
    assert draft.opportunity_id is not None and draft.opportunity_id.startswith("op_")
    assert draft.body == (
        "Hi Dana, just following up on the estimate I sent over on February 26. Do you have any "
        "questions, or would you like to move forward? Happy to talk through it if helpful."
    )


def test_draft_follow_up_on_a_scheduled_job_uses_the_accepted_tone(slack: SlackHarness) -> None:
    dana_with_lead(slack)
    with slack.sessions.begin() as session:
        contact = session.get_one(Contact, "ct_dana")
        make_opportunity(
            session,
            TEAM,
            contact,
            name="Water heater",
            opportunity_id="op_dana",
            stage=OpportunityStage.scheduled,
        )
    slack.action(
        ActionId.DRAFT_FOLLOW_UP,
        "op_dana",
        user=OWNER,
        block_id=f"{BlockId.OPPORTUNITY_ACTIONS}-op_dana",
    )
    draft = the_draft(slack)
    assert (draft.opportunity_id, draft.requested_by) == ("op_dana", OWNER)
    assert draft.body == (
        "Great news — I have you on my list to get scheduled. I'll reach out shortly with "
        "available dates. Looking forward to it."
    )


def test_a_lead_and_a_job_of_the_same_person_get_a_choice(slack: SlackHarness) -> None:
    dana_with_lead(slack)
    with slack.sessions.begin() as session:
        contact = session.get_one(Contact, "ct_dana")
        make_opportunity(
            session,
            TEAM,
            contact,
            name="Boiler",
            opportunity_id="op_boiler",
            stage=OpportunityStage.proposal_sent,
        )
    answer = ask(slack, "dm", "follow up on Dana")
    assert answer["text"] == "Which Dana lead or job? 2 open ones match."
    offered = [(b["action_id"], b["value"]) for b in iter_buttons(answer["blocks"])]
    assert offered == [
        (ActionId.DRAFT_FOLLOW_UP, "op_boiler"),
        (ActionId.DRAFT_FOLLOW_UP, "ld_dana"),
    ]
    [job_block] = [
        b for b in answer["blocks"] if b.get("accessory", {}).get("value") == "op_boiler"
    ]
    slack.action(ActionId.DRAFT_FOLLOW_UP, "op_boiler", user=STAFF, block_id=job_block["block_id"])
    draft = the_draft(slack)
    assert (draft.opportunity_id, draft.lead_id) == ("op_boiler", None)
    assert draft.body.startswith("Hi Dana, just following up on the estimate I sent over on ")


@pytest.mark.parametrize(
    "source, reached",
    [
        (LeadSource.phone_call, "after your call"),
        (LeadSource.email, "after your email"),
        (LeadSource.web_form, "after your message on our website"),
        (LeadSource.referral, "after you got in touch"),
    ],
)
def test_the_inquiry_tone_says_how_the_customer_reached_us(
    slack: SlackHarness, source: LeadSource, reached: str
) -> None:
    dana_with_lead(slack, source=source)
    ask(slack, "dm", "follow up on the Dana lead")
    assert the_draft(slack).body == (
        f"Hi Dana, just checking in {reached} about water heater. I'd love to set up a quick "
        "visit to take a look and give you a firm price. Are you available Tuesday, March 3 at "
        "10am?"
    )
