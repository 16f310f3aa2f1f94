"""An archived contact's leads leave the digests, the App Home lists and `/lead find`.

Two people with the same kind of lead (stale, in follow-up, past its expected close, a
follow-up due today); one is archived: only the other's lead is counted or listed, and
restoring brings it back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from core.common.enums import LeadStatus, PipelineStage
from core.contacts.archiving import archive_contact, restore_contact
from core.contacts.search import search_leads
from core.models import Workspace
from core.reports.followups import followups
from core.reports.stale_leads import stale_leads
from core.reports.summaries import pipeline_summary
from tests.conftest import OWNER, TEAM
from tests.core.factories import make_contact, make_interaction, make_lead

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in New York
LONG_AGO = NOW - timedelta(days=20)


def _person(session: Session, first: str) -> str:
    contact = make_contact(session, TEAM, first, "Smith")
    make_lead(
        session,
        TEAM,
        contact,
        title=f"{first}'s boiler",
        status=LeadStatus.working,
        pipeline_stage=PipelineStage.follow_up,
        expected_close_date=date(2026, 2, 20),
        created_at=LONG_AGO,
        last_touch_at=LONG_AGO,
    )
    make_interaction(session, TEAM, contact, follow_up_date=date(2026, 3, 2), timestamp=LONG_AGO)
    return contact.contact_id


def _seen(session: Session, ws: Workspace) -> dict[str, object]:
    summary = pipeline_summary(session, workspace=ws, now=NOW)
    return {
        "stale": sorted(item.title for item in stale_leads(session, workspace=ws, now=NOW).items),
        "follow_ups": followups(session, workspace=ws, now=NOW).due_today_total,
        "in_follow_up": summary.follow_up_count,
        "past_close": [lead.title for lead in summary.past_expected_close],
        "found": sorted(lead.title for lead in search_leads(session, workspace=ws, words="boiler")),
    }


def test_an_archived_contacts_leads_leave_the_digests_until_restored(
    session: Session, ws: Workspace
) -> None:
    _person(session, "Dana")
    dee = _person(session, "Dee")
    session.flush()
    both = _seen(session, ws)
    assert both["stale"] == ["Dana's boiler", "Dee's boiler"] and both["in_follow_up"] == 2
    assert both["follow_ups"] == 2 and both["found"] == ["Dana's boiler", "Dee's boiler"]
    archive_contact(session=session, workspace=ws, actor=OWNER, contact_id=dee)
    session.flush()
    assert _seen(session, ws) == {
        "stale": ["Dana's boiler"],
        "follow_ups": 1,
        "in_follow_up": 1,
        "past_close": ["Dana's boiler"],
        "found": ["Dana's boiler"],
    }
    restore_contact(session=session, workspace=ws, actor=OWNER, contact_id=dee)
    session.flush()
    assert _seen(session, ws) == both
