"""Moving a lead and a job through the procedure's stages from their cards, over signed requests.

Everything here starts from what a person types (`/lead`) and presses; the rows and what the
person reads are checked after each step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId, ViewId
from core.common.enums import LeadStatus, OpportunityStage, PipelineStage
from core.models import AuditEntry, Interaction, Lead, Opportunity
from integrations.slack import make_client
from jobs.weekly import run_weekly
from tests.bot.fakes import last_view, open_won_form, submit_won_form
from tests.bot.harness import (
    START,
    SlackHarness,
    datepicker,
    labels,
    messages_to,
    shown,
    static_select,
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
    assert labels(last_reply(slack, OWNER)) == ["Create in QuickBooks (owner)", "Not now (owner)"]
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


# --- Edit lead ---------------------------------------------------------------------------------


def edit_lead_form(slack: SlackHarness, lead_id: str) -> dict[str, Any]:
    slack.action(
        ActionId.EDIT_LEAD, lead_id, user=STAFF, block_id=f"{BlockId.LEAD_ACTIONS}-{lead_id}"
    )
    form = last_view(slack)
    assert form["callback_id"] == ViewId.EDIT_LEAD
    return form


def lead_plan(
    stage: str,
    *,
    closes: date | None = None,
    value: str | None = None,
    owner: str | None = None,
) -> dict[Any, Any]:
    """The Edit lead form's state as Slack sends it."""
    return {
        BlockId.PIPELINE_STAGE: {ActionId.INPUT: static_select(stage)},
        BlockId.EXPECTED_CLOSE_DATE: {ActionId.INPUT: datepicker(closes)},
        BlockId.ESTIMATED_VALUE: {ActionId.INPUT: text_input(value)},
        BlockId.OWNER: {ActionId.INPUT: {"type": "users_select", "selected_user": owner}},
    }


def history(sessions: sessionmaker[Session], lead_id: str) -> list[str]:
    with sessions() as session:
        query = (
            select(Interaction.body)
            .where(Interaction.lead_id == lead_id, Interaction.type == "system")
            .order_by(Interaction.created_at, Interaction.interaction_id)
        )
        return [body or "" for body in session.scalars(query)]


def test_edit_lead_moves_the_stage_and_sets_close_date_value_and_owner(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    captured = slack.command("lead", QUICK_LEAD).json()  # `/lead` answers in its HTTP reply
    assert labels(captured) == [
        "Log call",
        "Draft follow-up",
        "Qualify",
        "Convert",
        "Edit lead",
        "Snooze",
        "Disqualify",
    ]
    with sessions() as session:
        lead_id = session.scalars(select(Lead.lead_id)).one()
    form = edit_lead_form(slack, lead_id)
    assert element(form, BlockId.PIPELINE_STAGE)["initial_option"]["value"] == "inquiry"
    assert element(form, BlockId.ESTIMATED_VALUE)["initial_value"] == "$350"
    assert [o["text"]["text"] for o in element(form, BlockId.PIPELINE_STAGE)["options"]] == [
        "Inquiry",
        "Needs analysis",
        "Estimate sent",
        "Follow-up",
        "Scheduled visit",
    ]
    closes = TODAY + timedelta(days=18)
    plan = lead_plan("follow_up", closes=closes, value="1,200", owner=OWNER)
    assert slack.submit_view(None, plan, user=STAFF, view=form).body == ""

    lead = lead_of(sessions, lead_id)
    assert (lead.status, lead.pipeline_stage) == (LeadStatus.working, PipelineStage.follow_up)
    assert (lead.expected_close_date, lead.estimated_value, lead.owner) == (
        date(2026, 3, 20),
        Decimal("1200"),
        OWNER,
    )
    card = last_reply(slack)
    assert card["text"] == (
        "Updated the leaky faucet at 123 Main lead — stage: follow up; expected close: "
        f"Friday, March 20, 2026; estimated value: $1,200; owner: <@{OWNER}>."
    )
    assert "working · follow up · phone call · $1,200" in shown(card)
    assert "Expected close: Friday, March 20, 2026" in shown(card)
    assert f"Owner: <@{OWNER}>" in shown(card)
    assert sorted(history(sessions, lead_id)) == [  # one system note per change
        "Estimated value: $1,200.",
        "Expected close date: Friday, March 20, 2026.",
        f"Follow-up owner: {OWNER}.",
        "Lead moved to follow up (was inquiry).",
    ]
    for action in ("set_lead_stage", "set_expected_close_date", "set_estimated_value"):
        assert audits(sessions, action) == 1

    again = edit_lead_form(slack, lead_id)  # shows what is stored; saving it changes nothing
    assert element(again, BlockId.EXPECTED_CLOSE_DATE)["initial_date"] == "2026-03-20"
    assert element(again, BlockId.OWNER)["initial_user"] == OWNER
    same = lead_plan("follow_up", closes=closes, value="$1,200", owner=OWNER)
    slack.submit_view(None, same, user=STAFF, view=again)
    assert last_reply(slack)["text"] == "Nothing changed on the leaky faucet at 123 Main lead."
    assert len(history(sessions, lead_id)) == 4


def test_edit_lead_refuses_bad_input_on_its_field_and_writes_nothing(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    lead_id = captured_lead(slack, sessions)
    form = edit_lead_form(slack, lead_id)
    for plan, block, said in (
        (
            lead_plan("follow_up", value="-20"),
            BlockId.ESTIMATED_VALUE,
            '"-20" is negative; an amount must be zero or more.',
        ),
        (
            lead_plan("follow_up", value="12 hundred"),
            BlockId.ESTIMATED_VALUE,
            '"12 hundred" is not an amount I can read. Use dollars like $1,250 or 1250.50.',
        ),
        (
            lead_plan("follow_up", closes=TODAY - timedelta(days=3)),
            BlockId.EXPECTED_CLOSE_DATE,
            "The expected close date 2026-02-27 is in the past.",
        ),
        (lead_plan("won"), BlockId.PIPELINE_STAGE, None),
    ):
        refused = slack.submit_view(None, plan, user=STAFF, view=form)
        errors = refused.json()["errors"]
        assert list(errors) == [block]
        assert said is None or errors[block] == said
    forged = lead_plan("follow_up") | {
        BlockId.EXPECTED_CLOSE_DATE: {ActionId.INPUT: {"selected_date": "next friday"}}
    }
    refused = slack.submit_view(None, forged, user=STAFF, view=form)
    assert refused.json()["errors"] == {
        BlockId.EXPECTED_CLOSE_DATE: "Pick the expected close date from the calendar."
    }
    lead = lead_of(sessions, lead_id)
    assert (lead.pipeline_stage, lead.estimated_value, lead.expected_close_date) == (
        PipelineStage.inquiry,
        Decimal("350"),
        None,
    )
    assert history(sessions, lead_id) == []


def test_edit_lead_walks_every_stage(slack: SlackHarness, sessions: sessionmaker[Session]) -> None:
    lead_id = captured_lead(slack, sessions)
    for stage in ("needs_analysis", "estimate_sent", "follow_up", "scheduled_visit", "inquiry"):
        slack.now += timedelta(minutes=1)  # so the history reads in order
        form = edit_lead_form(slack, lead_id)
        slack.submit_view(None, lead_plan(stage, value="$350"), user=STAFF, view=form)
        assert lead_of(sessions, lead_id).pipeline_stage == stage
    assert history(sessions, lead_id) == [
        "Lead moved to needs analysis (was inquiry).",
        "Lead moved to estimate sent (was needs analysis).",
        "Lead moved to follow up (was estimate sent).",
        "Lead moved to scheduled visit (was follow up).",
        "Lead moved to inquiry (was scheduled visit).",
    ]


# --- Edit job ----------------------------------------------------------------------------------


def edit_job_form(slack: SlackHarness, deal_id: str) -> dict[str, Any]:
    slack.action(
        ActionId.EDIT_JOB, deal_id, user=STAFF, block_id=f"{BlockId.OPPORTUNITY_ACTIONS}-{deal_id}"
    )
    form = last_view(slack)
    assert form["callback_id"] == ViewId.EDIT_JOB
    return form


def job_plan(
    stage: str, *, amount: str | None = None, closes: date | None = None
) -> dict[Any, Any]:
    return {
        BlockId.STAGE: {ActionId.INPUT: static_select(stage)},
        BlockId.AMOUNT: {ActionId.INPUT: text_input(amount)},
        BlockId.EXPECTED_CLOSE_DATE: {ActionId.INPUT: datepicker(closes)},
    }


def test_edit_job_moves_it_through_its_stages_with_amount_and_close_date(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    lead_id = captured_lead(slack, sessions)
    slack.submit_view(None, {}, user=STAFF, view=convert_form(slack, lead_id))
    deal = the_deal(sessions)
    assert deal is not None and deal.stage == OpportunityStage.estimating
    deal_id = deal.opportunity_id
    assert labels(last_reply(slack)) == [  # a staff member's own card: no Mark won
        "Log call",
        "Draft follow-up",
        "Edit job",
        "Mark lost",
    ]
    form = edit_job_form(slack, deal_id)
    stage = element(form, BlockId.STAGE)
    assert [o["value"] for o in stage["options"]] == ["estimating", "proposal_sent", "scheduled"]
    assert element(form, BlockId.AMOUNT)["initial_value"] == "$350"
    plan = job_plan("proposal_sent", amount="$2,400", closes=date(2026, 3, 27))
    assert slack.submit_view(None, plan, user=STAFF, view=form).body == ""
    card = last_reply(slack)
    assert card["text"] == (
        "Updated leaky faucet at 123 Main — stage: proposal sent; amount: $2,400; "
        "expected close: Friday, March 27, 2026."
    )
    assert "proposal sent · $2,400" in shown(card)
    slack.now += timedelta(minutes=1)
    slack.submit_view(
        None,
        job_plan("scheduled", amount="$2,400", closes=date(2026, 3, 27)),
        user=STAFF,
        view=edit_job_form(slack, deal_id),
    )
    deal = the_deal(sessions)
    assert deal is not None
    assert (deal.stage, deal.amount, deal.expected_close_date) == (
        OpportunityStage.scheduled,
        Decimal("2400"),
        date(2026, 3, 27),
    )
    with sessions() as session:
        notes = session.scalars(
            select(Interaction.body)
            .where(Interaction.opportunity_id == deal_id, Interaction.type == "system")
            .order_by(Interaction.created_at, Interaction.interaction_id)
        ).all()
    assert sorted(notes[:-1]) == [
        "Amount: $2,400.",
        "Expected close date: Friday, March 27, 2026.",
        "Lead converted — opportunity leaky faucet at 123 Main at stage estimating.",
        "Opportunity leaky faucet at 123 Main moved to proposal sent.",
    ]
    assert notes[-1] == "Opportunity leaky faucet at 123 Main moved to scheduled."
    refused = slack.submit_view(
        None, job_plan("won", amount="$2,400"), user=STAFF, view=edit_job_form(slack, deal_id)
    )
    assert refused.json()["errors"] == {BlockId.STAGE: "Use Mark won to close a deal as won."}
    refused = slack.submit_view(
        None, job_plan("scheduled", amount="-1"), user=STAFF, view=edit_job_form(slack, deal_id)
    )
    assert list(refused.json()["errors"]) == [BlockId.AMOUNT]
    deal = the_deal(sessions)
    assert deal is not None and deal.stage == OpportunityStage.scheduled
    assert deal.amount == Decimal("2400")


# --- the weekly digest, from what was set in Slack --------------------------------------------


def test_the_weekly_digest_counts_the_stages_and_dates_set_from_slack(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    """Follow-up, proposals out and a past expected close, every one set by a person in Slack."""
    people = [
        "Ann Lee, 555-201-1111, gutter repair $400",
        "Bob Ray, 555-201-2222, water heater $1,200",
        "Cal Diaz, 555-201-3333, bathroom remodel at 12 Oak St $5,000",
    ]
    for n, line in enumerate(people):
        slack.now = START + timedelta(minutes=n)  # Ann's lead is the oldest
        slack.command("lead", line)
    with sessions() as session:
        ids = {
            lead.title: lead.lead_id
            for lead in session.scalars(select(Lead).where(Lead.workspace_id == TEAM))
        }
    ann = lead_plan("follow_up", closes=date(2026, 3, 4), value="$400")
    slack.submit_view(None, ann, user=STAFF, view=edit_lead_form(slack, ids["gutter repair"]))
    bob = lead_plan("estimate_sent", value="$1,200")
    slack.submit_view(None, bob, user=STAFF, view=edit_lead_form(slack, ids["water heater"]))
    cal = {
        BlockId.STAGE: {ActionId.INPUT: static_select("proposal_sent")},
        BlockId.AMOUNT: {ActionId.INPUT: text_input("$5,000")},
    }
    slack.submit_view(
        None, cal, user=STAFF, view=convert_form(slack, ids["bathroom remodel at 12 Oak St"])
    )

    report_time = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
    client = make_client("xoxb-test", base_url=slack.api.url)
    run_weekly(sessions=sessions, slack=client, now=report_time, workspace_id=TEAM)
    [digest] = [m for m in slack.api.messages if str(m.get("text", "")).startswith("Pipeline —")]
    assert digest["text"].split("\n") == [
        "Pipeline — Monday, March 9, 2026",
        "New leads this week: 3",
        "Leads in follow-up: 1 (avg age: 7.0 days)",
        "Proposals out: 2 (total value: $6,200)",  # Bob's estimate and Cal's proposal
        "Won this week: 0 ($0)",
        "Lost this week: 0",
        "",
        "Oldest open lead: Ann Lee — 7 days, stage: follow up",
        "",
        "Past expected close:",
        "— Ann Lee: gutter repair — expected Wednesday, March 4 (5 days past)",
    ]
