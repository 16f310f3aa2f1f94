"""The 1st of the month: last month's win/loss summary, by direct message to each owner."""

from __future__ import annotations

from datetime import date

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.local_slack import LocalSlackAPI
from core.enums import DisqualificationReason, LeadSource, LeadStatus, LossReason, OpportunityStage
from core.models import Workspace
from jobs.monthly import run_monthly
from jobs.runner import OutcomeStatus
from tests.conftest import OWNER
from tests.core.report_factories import lead, ny, opportunity
from tests.jobs.conftest import PIPELINE

DEC_1 = ny(2026, 12, 1, 8)
SECOND_OWNER = "U0OWNER2"


@pytest.fixture
def ws(sessions: sessionmaker[Session], workspace_id: str) -> str:
    with sessions.begin() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        workspace.pipeline_channel = PIPELINE
        workspace.owner_ids = [OWNER, SECOND_OWNER]
    return workspace_id


def seed_november(session: Session, wid: str) -> None:
    # Leads created in November (3): one converted, one disqualified (budget), one open.
    # One from October does not count.
    faucet = lead(
        session,
        wid,
        "Faucet",
        created_at=ny(2026, 11, 2, 9),
        status=LeadStatus.converted,
        source=LeadSource.referral,
    )
    lead(
        session,
        wid,
        "Shed",
        created_at=ny(2026, 11, 10, 9),
        status=LeadStatus.disqualified,
        disqualification_reason=DisqualificationReason.budget,
        source=LeadSource.web_form,
    )
    lead(session, wid, "Gate", created_at=ny(2026, 11, 30, 23, 30), source=LeadSource.web_form)
    lead(session, wid, "October", created_at=ny(2026, 10, 31, 9))
    # Deals closed in November: won $2,000 (from the faucet lead: Nov 2 -> Nov 12 = 10 days),
    # lost one on price; a December close does not count.
    opportunity(
        session,
        wid,
        "Faucet job",
        stage=OpportunityStage.won,
        amount="2000",
        lead=faucet,
        close_date=date(2026, 11, 12),
    )
    opportunity(
        session,
        wid,
        "Deck",
        stage=OpportunityStage.lost,
        close_date=date(2026, 11, 20),
        loss_reason=LossReason.price,
    )
    opportunity(
        session, wid, "Later", stage=OpportunityStage.won, amount="50", close_date=date(2026, 12, 1)
    )


EXPECTED = [
    "Win/loss — November 2026",
    "",
    "Leads created: 3",
    "— Converted: 1",
    "— Disqualified: 1 (budget 1)",
    "— Still open: 1",
    "",
    "Deals closed:",
    "— Won: 1 ($2,000)",
    "— Lost: 1 (price 1)",
    "Win rate: 50%",
    "",
    "Top sources by leads: web form 2, referral 1",
    "Top sources by won amount: referral $2,000",
    "Average days from lead to win: 10.0",
]


def test_last_months_summary_goes_to_each_owner_once(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        seed_november(session, ws)

    outcome = run_monthly(sessions=sessions, slack=slack, now=DEC_1, workspace_id=ws)

    assert (outcome.status, outcome.period, outcome.messages) == (
        OutcomeStatus.posted,
        "2026-12",
        2,
    )
    assert [m["channel"] for m in slack_api.messages] == [OWNER, SECOND_OWNER]
    for message in slack_api.messages:
        assert message["text"].split("\n") == EXPECTED
        assert message["blocks"][0]["text"]["text"] == "Win/loss — November 2026"

    later = run_monthly(sessions=sessions, slack=slack, now=ny(2026, 12, 20, 9), workspace_id=ws)
    assert later.status is OutcomeStatus.already_done
    assert len(slack_api.messages) == 2


def test_a_workspace_that_turned_it_off_gets_nothing(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        workspace.monthly_digest_enabled = False
    off = run_monthly(sessions=sessions, slack=slack, now=DEC_1, workspace_id=ws)
    assert off.status is OutcomeStatus.skipped
    assert "turned off in settings" in off.describe()
    assert slack_api.messages == []
