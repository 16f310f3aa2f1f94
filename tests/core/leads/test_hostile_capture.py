"""Quick capture and /log that cannot be turned against the user (issue 8, items 8 and 12)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.activity.flows import log_from_text
from core.errors import InvalidInput
from core.leads.inquiries import capture_quick_lead
from core.models import AuditEntry, Contact, ContactPoint, Interaction, Lead, Workspace
from tests.conftest import STAFF, TEAM
from tests.core.factories import make_contact, row_counts

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday in New York
WRITTEN = (Contact, ContactPoint, Lead, Interaction, AuditEntry)


def quick_lead(session: Session, ws: Workspace, text: str) -> Lead:
    captured = capture_quick_lead(session=session, workspace=ws, actor=STAFF, text=text, now=NOW)
    return captured.lead


def test_a_unit_number_in_the_job_text_links_nobody_and_stays_in_the_title(
    session: Session, ws: Workspace
) -> None:
    ann_lead = quick_lead(session, ws, "Ann Lee, 555-343-1111, paint unit 4455123 at 9 Pine")
    bo_lead = quick_lead(
        session, ws, "Bo Chan, 555-343-4545, paint unit 4455123 at 9 Pine via phone"
    )
    assert ann_lead.contact_id != bo_lead.contact_id
    ann = session.get(Contact, ann_lead.contact_id)
    bo = session.get(Contact, bo_lead.contact_id)
    assert ann is not None and bo is not None
    assert (ann.full_name, ann.phones) == ("Ann Lee", ["+15553431111"])
    assert (bo.full_name, bo.phones) == ("Bo Chan", ["+15553434545"])
    assert ann_lead.title == bo_lead.title == "paint unit 4455123 at 9 Pine"
    points = session.scalars(select(ContactPoint.value).order_by(ContactPoint.value)).all()
    assert points == ["+15553431111", "+15553434545"]


def test_an_amount_in_exponent_form_is_refused_and_nothing_written(
    session: Session, ws: Workspace
) -> None:
    before = row_counts(session, *WRITTEN)
    with pytest.raises(InvalidInput) as caught:
        quick_lead(session, ws, "Dana Smith, 555-201-3344, exp job $1e400")
    assert caught.value.field == "estimated_value"
    assert caught.value.message.startswith('"$1e400" is not an amount I can read.')
    assert row_counts(session, *WRITTEN) == before


def test_a_follow_up_on_a_day_that_does_not_exist_is_refused_and_nothing_logged(
    session: Session, ws: Workspace
) -> None:
    make_contact(session, TEAM, "Dana", "Smith")
    before = row_counts(session, *WRITTEN)
    with pytest.raises(InvalidInput) as caught:
        log_from_text(
            session,
            workspace=ws,
            actor=STAFF,
            text="call Dana Smith: wants a quote, call back 2026-02-30",
            now=NOW,
        )
    assert caught.value.field == "follow_up_date"
    assert caught.value.message.startswith('"2026-02-30" is not a date')
    assert row_counts(session, *WRITTEN) == before


def test_a_nul_character_is_refused_before_any_lookup() -> None:
    from datetime import date

    from core.errors import InvalidInput
    from core.leads.intents import parse_request
    from core.leads.quick_capture import parse_lead_text, parse_log_text

    with pytest.raises(InvalidInput, match="NUL"):
        parse_lead_text("Dana\x00 Smith, 555-201-3344, tap", region="US")
    with pytest.raises(InvalidInput, match="NUL"):
        parse_log_text("call Dana\x00: tap", today=date(2026, 3, 2))
    assert parse_request("follow up on the Dana\x00 lead") is None
