"""The 1st of the month: last month's win/loss summary, by direct message to each owner."""

from __future__ import annotations

from datetime import date

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from console.local_slack import LocalSlackAPI
from core.common.enums import (
    DisqualificationReason,
    LeadSource,
    LeadStatus,
    LossReason,
    OpportunityStage,
)
from core.models import Workspace
from jobs.monthly import run_monthly
from jobs.runner import OutcomeStatus
from tests.conftest import OWNER
from tests.core.factories import make_lead, make_opportunity, ny

DEC_1 = ny(2026, 12, 1, 8)
JAN_1 = ny(2027, 1, 1, 8)
SECOND_OWNER = "U0OWNER2"


@pytest.fixture
def owners(sessions: sessionmaker[Session], ws: str) -> list[str]:
    """Two owners: each gets the summary by direct message."""
    with sessions.begin() as session:
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        workspace.owner_ids = [OWNER, SECOND_OWNER]
    return [OWNER, SECOND_OWNER]


def seed_november(session: Session, wid: str) -> None:
    # Leads created in November (3): one converted, one disqualified (budget), one open.
    # One from October does not count.
    faucet = make_lead(
        session,
        wid,
        title="Faucet",
        created_at=ny(2026, 11, 2, 9),
        status=LeadStatus.converted,
        source=LeadSource.referral,
    )
    make_lead(
        session,
        wid,
        title="Shed",
        created_at=ny(2026, 11, 10, 9),
        status=LeadStatus.disqualified,
        disqualification_reason=DisqualificationReason.budget,
        source=LeadSource.web_form,
    )
    make_lead(
        session, wid, title="Gate", created_at=ny(2026, 11, 30, 23, 30), source=LeadSource.web_form
    )
    make_lead(session, wid, title="October", created_at=ny(2026, 10, 31, 9))
    # Deals closed in November: won $2,000 (from the faucet lead: Nov 2 -> Nov 12 = 10 days),
    # lost one on price; a December close does not count.
    make_opportunity(
        session,
        wid,
        name="Faucet job",
        stage=OpportunityStage.won,
        amount="2000",
        lead=faucet,
        close_date=date(2026, 11, 12),
    )
    make_opportunity(
        session,
        wid,
        name="Deck",
        stage=OpportunityStage.lost,
        close_date=date(2026, 11, 20),
        loss_reason=LossReason.price,
    )
    make_opportunity(
        session,
        wid,
        name="Later",
        stage=OpportunityStage.won,
        amount="50",
        close_date=date(2026, 12, 1),
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
    sessions: sessionmaker[Session],
    ws: str,
    owners: list[str],
    slack_api: LocalSlackAPI,
    slack: WebClient,
) -> None:
    with sessions.begin() as session:
        seed_november(session, ws)

    outcome = run_monthly(sessions=sessions, slack=slack, now=DEC_1, workspace_id=ws)

    assert (outcome.status, outcome.period, outcome.messages) == (
        OutcomeStatus.posted,
        "2026-12",
        2,
    )
    assert [m["channel"] for m in slack_api.messages] == owners == [OWNER, SECOND_OWNER]
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


def test_on_new_years_day_it_is_last_december(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        seed_november(session, ws)  # its "Later" deal, won Dec 1 for $50 with no lead, counts
        boxing = make_lead(
            session,
            ws,
            title="Boxing Day",
            created_at=ny(2026, 12, 1, 10),
            status=LeadStatus.converted,
            source=LeadSource.ad,
        )
        # Dec 1 -> Dec 11: 10 days from lead to win.
        make_opportunity(
            session,
            ws,
            name="Boxing Day job",
            stage=OpportunityStage.won,
            amount="800",
            lead=boxing,
            close_date=date(2026, 12, 11),
        )
        make_opportunity(  # won in the new year: January's
            session, ws, name="New year", stage=OpportunityStage.won, close_date=date(2027, 1, 1)
        )

    outcome = run_monthly(sessions=sessions, slack=slack, now=JAN_1, workspace_id=ws)

    assert (outcome.status, outcome.period) == (OutcomeStatus.posted, "2027-01")
    (message,) = slack_api.messages
    assert message["channel"] == OWNER
    assert message["text"].split("\n") == [
        "Win/loss — December 2026",
        "",
        "Leads created: 1",
        "— Converted: 1",
        "— Disqualified: 0",
        "— Still open: 0",
        "",
        "Deals closed:",
        "— Won: 2 ($850)",
        "— Lost: 0",
        "Win rate: 100%",
        "",
        "Top sources by leads: ad 1",
        "Top sources by won amount: ad $800, no lead $50",
        "Average days from lead to win: 10.0",
    ]
