"""The Monday pipeline digest: the procedure's lines with hand-computed figures, and the chart.

Report time Mon 2026-11-30 08:00 New York (13:00 UTC). The 7 x 24 hours before it open at
Mon 2026-11-23 08:00; close dates in the window are Tue Nov 24 .. Mon Nov 30.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.limit_check import limit_violations
from console.local_slack import LocalSlackAPI
from core.common.enums import LeadStatus, OpportunityStage, PipelineStage
from core.models import Workspace
from jobs.chart import chart_data
from jobs.runner import OutcomeStatus
from jobs.weekly import run_weekly
from tests.core.factories import make_contact, make_lead, make_opportunity, ny
from tests.jobs.conftest import PIPELINE
from tests.jobs.test_chart import png_size

NOW = ny(2026, 11, 30, 8)
WON, LOST, PROPOSAL = OpportunityStage.won, OpportunityStage.lost, OpportunityStage.proposal_sent


def seed_week(session: Session, wid: str) -> None:
    dana = make_contact(session, wid, "Dana", "Smith")
    sam = make_contact(session, wid, "Sam", "Lee")
    pat = make_contact(session, wid, "Pat", "Kim")
    working, follow_up = LeadStatus.working, PipelineStage.follow_up
    # In follow-up: Nov 2 -> Nov 30 = 28 days and Nov 16 -> Nov 30 = 14 days; avg 21.0.
    # The first is also the oldest open lead.
    make_lead(
        session,
        wid,
        title="Roof leak",
        contact=dana,
        created_at=ny(2026, 11, 2, 9),
        status=working,
        pipeline_stage=follow_up,
        estimated_value="500",
    )
    make_lead(
        session,
        wid,
        title="Fence",
        contact=sam,
        created_at=ny(2026, 11, 16, 10),
        pipeline_stage=follow_up,
        expected_close_date=date(2026, 11, 20),
    )  # 10 days past
    # New this week (3): created Mon 09:00, Wed, and Mon 30 07:59; one is an estimate out.
    make_lead(
        session,
        wid,
        title="Bath remodel",
        contact=pat,
        created_at=ny(2026, 11, 23, 9),
        status=working,
        pipeline_stage=PipelineStage.estimate_sent,
        estimated_value="1250",
    )
    make_lead(session, wid, title="Window", created_at=ny(2026, 11, 25, 12))
    make_lead(session, wid, title="Gate", created_at=ny(2026, 11, 30, 7, 59))
    # Not new (a minute before the window opened), not open.
    make_lead(
        session,
        wid,
        title="Old",
        created_at=ny(2026, 11, 23, 7, 59),
        status=LeadStatus.disqualified,
    )
    # Proposals out: the estimate above ($1,250) and this deal ($4,000.50): 2, $5,250.50.
    make_opportunity(session, wid, name="Kitchen", stage=PROPOSAL, amount="4000.50", contact=pat)
    # Won this week: Nov 24 and Nov 30: 2, $3,500. Nov 23 is the week before.
    make_opportunity(
        session, wid, name="Boiler", stage=WON, amount="2000", close_date=date(2026, 11, 24)
    )
    make_opportunity(
        session, wid, name="Sink", stage=WON, amount="1500", close_date=date(2026, 11, 30)
    )
    make_opportunity(
        session, wid, name="Porch", stage=WON, amount="999", close_date=date(2026, 11, 23)
    )
    # Lost this week: 1 (Nov 27); Nov 20 is out.
    make_opportunity(session, wid, name="Shed", stage=LOST, close_date=date(2026, 11, 27))
    make_opportunity(session, wid, name="Patio", stage=LOST, close_date=date(2026, 11, 20))


EXPECTED_LINES = [
    "Pipeline — Monday, November 30, 2026",
    "New leads this week: 3",
    "Leads in follow-up: 2 (avg age: 21.0 days)",
    "Proposals out: 2 (total value: $5,250.50)",
    "Won this week: 2 ($3,500)",
    "Lost this week: 1",
    "",
    "Oldest open lead: Dana Smith — 28 days, stage: follow up",
    "",
    "Past expected close:",
    "— Sam Lee: Fence — expected Friday, November 20 (10 days past)",
]


def test_the_pipeline_digest_line_by_line_then_the_chart(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        seed_week(session, ws)

    outcome = run_weekly(sessions=sessions, slack=slack, now=NOW, workspace_id=ws)

    assert (outcome.status, outcome.period, outcome.messages) == (
        OutcomeStatus.posted,
        "2026-W49",
        2,
    )
    (digest,) = slack_api.messages
    assert digest["channel"] == PIPELINE
    assert digest["text"].split("\n") == EXPECTED_LINES
    header, body = digest["blocks"]
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "Pipeline — Monday, November 30, 2026",
            "emoji": True,
        },
    }
    assert body["text"]["text"].split("\n") == EXPECTED_LINES[1:]
    assert limit_violations(digest) == []

    # files_upload_v2: an upload URL, the bytes, then completeUploadExternal into the channel.
    methods = [c.method for c in slack_api.calls if c.method.startswith(("files.", "upload"))]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    (upload,) = slack_api.uploads
    assert upload["channel_id"] == PIPELINE
    assert upload["filename"] == "pipeline-2026-11-30.png"
    assert upload["title"] == "Pipeline chart — November 30, 2026"
    assert png_size(upload["content"]) == (1200, 700)

    again = run_weekly(sessions=sessions, slack=slack, now=ny(2026, 12, 3, 9), workspace_id=ws)
    assert again.status is OutcomeStatus.already_done
    assert len(slack_api.messages) == 1 and len(slack_api.uploads) == 1


def test_the_chart_figures(sessions: sessionmaker[Session], ws: str) -> None:
    with sessions.begin() as session:
        seed_week(session, ws)
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        data = chart_data(session, workspace=workspace, now=NOW)
    values = {s.label: s.value for s in data.open_by_stage}
    assert values == {
        "Lead: Inquiry": Decimal(0),  # Window and Gate have no value
        "Lead: Needs analysis": Decimal(0),
        "Lead: Estimate sent": Decimal(1250),
        "Lead: Follow up": Decimal(500),
        "Lead: Scheduled visit": Decimal(0),
        "Deal: Estimating": Decimal(0),
        "Deal: Proposal sent": Decimal("4000.50"),
        "Deal: Scheduled": Decimal(0),
    }
    weeks = [(w.first_day, w.last_day, w.amount) for w in data.won_by_week]
    assert weeks[-1] == (date(2026, 11, 24), date(2026, 11, 30), Decimal(3500))
    assert weeks[-2] == (date(2026, 11, 17), date(2026, 11, 23), Decimal(999))
    assert weeks[0][0] == date(2026, 10, 6) and len(weeks) == 8
    assert sum(w[2] for w in weeks[:-2]) == 0


def test_a_long_past_due_list_is_cut_to_fit_slack(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        for n in range(40):
            make_lead(
                session,
                ws,
                title=f"Job {n} " + "x" * 150,
                created_at=ny(2026, 10, 1, 9),
                expected_close_date=date(2026, 11, 1),
            )
    run_weekly(sessions=sessions, slack=slack, now=NOW, workspace_id=ws)
    (digest,) = slack_api.messages
    assert limit_violations(digest) == []
    lines = [line for block in digest["blocks"][1:] for line in block["text"]["text"].split("\n")]
    assert lines[-1] == "…and 15 more past their expected close date."
    assert sum(line.startswith("— unknown contact: Job") for line in lines) == 25
