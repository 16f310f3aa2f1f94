"""Moving a lead and a job through the procedure's stages from their cards, over signed requests.

Everything here starts from what a person types (`/lead`) and presses; the rows and what the
person reads are checked after each step.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId, ViewId
from core.common.enums import LeadStatus, OpportunityStage, PipelineStage
from core.models import AuditEntry, Interaction, Lead, Opportunity
from tests.bot.fakes import last_view, open_won_form, submit_won_form
from tests.bot.harness import (
    SlackHarness,
    datepicker,
    labels,
    messages_to,
    shown,
    text_input,
)
from tests.conftest import OWNER, STAFF, TEAM

TODAY = date(2026, 3, 2)  # the harness's clock in New York
QUICK_LEAD = "Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350"


def last_reply(slack: SlackHarness, user: str = STAFF) -> dict[str, Any]:
    replies = messages_to(slack.api, kind="response_url", user=user)
    assert replies, "no reply"
    return replies[-1]


def captured_lead(
    slack: SlackHarness, sessions: sessionmaker[Session], text: str = QUICK_LEAD
) -> str:
    """`/lead` as staff type it; the id of the lead it saved."""
    slack.command("lead", text)
    with sessions() as session:
        return session.scalars(select(Lead.lead_id).where(Lead.workspace_id == TEAM)).one()


def lead_of(sessions: sessionmaker[Session], lead_id: str) -> Lead:
    with sessions() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead


def the_deal(sessions: sessionmaker[Session]) -> Opportunity | None:
    with sessions() as session:
        return session.scalars(select(Opportunity)).one_or_none()


def convert_form(slack: SlackHarness, lead_id: str, user: str = STAFF) -> dict[str, Any]:
    slack.action(ActionId.CONVERT, lead_id, user=user, block_id=f"{BlockId.LEAD_ACTIONS}-{lead_id}")
    form = last_view(slack)
    assert form["callback_id"] == ViewId.CONVERT
    return form


def element(form: dict[str, Any], block: BlockId) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in form["blocks"] if b.get("block_id") == block)
    return dict(found["element"])


def audits(sessions: sessionmaker[Session], action: str) -> int:
    with sessions() as session:
        return len(session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all())


# --- Convert -----------------------------------------------------------------------------------


def test_convert_preselects_the_deal_stage_matching_the_leads_and_prefills_the_estimate(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    lead_id = captured_lead(slack, sessions)
    slack.action(ActionId.QUALIFY_AS, f"{lead_id}:estimate_sent", block_id="crm-qualify-actions")
    assert lead_of(sessions, lead_id).pipeline_stage == PipelineStage.estimate_sent
    form = convert_form(slack, lead_id)
    assert element(form, BlockId.STAGE)["initial_option"]["value"] == "proposal_sent"
    assert element(form, BlockId.AMOUNT)["initial_value"] == "$350"
    assert "initial_date" not in element(form, BlockId.EXPECTED_CLOSE_DATE)
    assert slack.submit_view(None, {}, user=STAFF, view=form).body == ""  # as prefilled
    assert last_reply(slack)["text"] == (
        "Converted to a job: leaky faucet at 123 Main (stage: proposal sent)."
    )
    deal = the_deal(sessions)
    assert deal is not None
    assert (deal.stage, deal.amount) == (OpportunityStage.proposal_sent, Decimal("350"))


def test_convert_refuses_a_bad_amount_or_date_on_its_field_and_writes_nothing(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    lead_id = captured_lead(slack, sessions)
    form = convert_form(slack, lead_id)
    cases = {
        BlockId.AMOUNT: ({BlockId.AMOUNT: {ActionId.INPUT: text_input("-200")}}, "negative"),
        BlockId.EXPECTED_CLOSE_DATE: (
            {BlockId.EXPECTED_CLOSE_DATE: {ActionId.INPUT: datepicker(TODAY - timedelta(days=1))}},
            "The expected close date 2026-03-01 is in the past.",
        ),
    }
    for block, (values, said) in cases.items():
        refused = slack.submit_view(None, values, user=STAFF, view=form)
        assert list(refused.json()["errors"]) == [block]
        assert said in refused.json()["errors"][block]
    garbled = {BlockId.AMOUNT: {ActionId.INPUT: text_input("about 3 grand")}}
    refused = slack.submit_view(None, garbled, user=STAFF, view=form)
    assert refused.json()["errors"][BlockId.AMOUNT] == (
        '"about 3 grand" is not an amount I can read. Use dollars like $1,250 or 1250.50.'
    )
    forged = {BlockId.EXPECTED_CLOSE_DATE: {ActionId.INPUT: {"selected_date": "2026-13-45"}}}
    refused = slack.submit_view(None, forged, user=STAFF, view=form)
    assert refused.json()["errors"] == {
        BlockId.EXPECTED_CLOSE_DATE: "Pick the expected close date from the calendar."
    }
    assert the_deal(sessions) is None
    assert lead_of(sessions, lead_id).status == LeadStatus.new


# --- Mark won ----------------------------------------------------------------------------------


def converted_without_amount(slack: SlackHarness, sessions: sessionmaker[Session]) -> str:
    lead_id = captured_lead(slack, sessions, "Dana Smith, 555-201-3344, new boiler at 9 Elm")
    form = convert_form(slack, lead_id)
    assert "initial_value" not in element(form, BlockId.AMOUNT)
    slack.submit_view(None, {}, user=STAFF, view=form)
    deal = the_deal(sessions)
    assert deal is not None and deal.amount is None
    return deal.opportunity_id


def test_mark_won_with_no_amount_asks_it_and_takes_zero_only_when_typed(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    deal_id = converted_without_amount(slack, sessions)
    form = open_won_form(slack, deal_id)
    amount = element(form, BlockId.AMOUNT)
    assert "initial_value" not in amount  # nothing prefilled: no $0 by default
    block = next(b for b in form["blocks"] if b.get("block_id") == BlockId.AMOUNT)
    assert block["optional"] is False and block["label"]["text"] == "Final amount ($)"
    for typed, said in (
        ("", "What was the final amount for new boiler at 9 Elm? Type 0 if there was no charge."),
        ("-5", '"-5" is negative; an amount must be zero or more.'),
        ("lots", '"lots" is not an amount I can read. Use dollars like $1,250 or 1250.50.'),
    ):
        refused = submit_won_form(slack, form, typed)
        assert refused.json()["errors"] == {BlockId.AMOUNT: said}
    deal = the_deal(sessions)
    assert deal is not None and deal.stage == OpportunityStage.estimating
    assert audits(sessions, "mark_won") == 0

    assert submit_won_form(slack, form, "0").body == ""
    deal = the_deal(sessions)
    assert deal is not None
    assert (deal.stage, deal.amount) == (OpportunityStage.won, Decimal("0"))
    won = last_reply(slack, OWNER)
    assert won["response_type"] == "in_channel"
    assert won["text"].startswith("Opportunity won — new boiler at 9 Elm — $0. Closed Monday")


def test_mark_won_prefills_the_amount_and_the_owner_may_change_it(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    lead_id = captured_lead(slack, sessions)
    slack.submit_view(None, {}, user=STAFF, view=convert_form(slack, lead_id))
    deal = the_deal(sessions)
    assert deal is not None
    form = open_won_form(slack, deal.opportunity_id)
    assert element(form, BlockId.AMOUNT)["initial_value"] == "$350"
    assert "Mark leaky faucet at 123 Main won?" in shown({"blocks": form["blocks"]})
    submit_won_form(slack, form, "$1,275.50")
    deal = the_deal(sessions)
    assert deal is not None
    assert (deal.stage, deal.amount) == (OpportunityStage.won, Decimal("1275.50"))
    assert (
        "Opportunity won — leaky faucet at 123 Main — $1,275.50."
        in last_reply(slack, OWNER)["text"]
    )
    assert labels(last_reply(slack, OWNER)) == ["Create in QuickBooks", "Not now"]
    again = submit_won_form(slack, form, "$1,275.50")  # the confirmation was used up
    assert "already won" in again.json()["errors"][BlockId.AMOUNT]
    assert audits(sessions, "mark_won") == 1


def test_staff_pressing_mark_won_gets_no_confirmation_and_nothing_is_issued(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    deal_id = converted_without_amount(slack, sessions)
    views = len(slack.api.views)
    slack.action(
        ActionId.MARK_WON, deal_id, user=STAFF, block_id=f"{BlockId.OPPORTUNITY_ACTIONS}-{deal_id}"
    )
    assert len(slack.api.views) == views  # no form, no dialog
    assert last_reply(slack)["text"] == "Only an owner can mark a deal won."
    assert audits(sessions, "confirm_won") == 0
    with sessions() as session:
        notes = session.scalars(select(Interaction.body)).all()
    assert not any("won" in (body or "") for body in notes)
