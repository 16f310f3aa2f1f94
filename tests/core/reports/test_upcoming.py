"""Follow-ups promised for later (issue 15, item 1): the week ahead, and each record's next one.

The clock is Monday, November 30, 2026, 8am in New York; "the next 7 days" are Tuesday,
December 1 up to and including Monday, December 7.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy.orm import Session

from core.common.enums import FollowUpStatus, InteractionType
from core.models import Workspace
from core.reports.followups import FollowUpKind
from core.reports.upcoming import next_followups, upcoming
from tests.core.factories import (
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    ny,
)

MON_NOV_30 = ny(2026, 11, 30, 8)
EARLIER = ny(2026, 11, 20, 9)
_MADE = count()


def _promise(session: Session, ws: Workspace, day: date, body: str, **links: object) -> None:
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=EARLIER + timedelta(minutes=next(_MADE)),  # the order they were promised
        type=InteractionType.phone_call,
        body=body,
        follow_up_date=day,
        **links,  # type: ignore[arg-type]
    )


def test_the_week_ahead_leaves_out_today_the_past_and_later(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, ws.workspace_id, "Dana", "Smith")
    faucet = make_lead(session, ws.workspace_id, dana, title="Leaky faucet")
    _promise(session, ws, date(2026, 11, 30), "today's", lead=faucet)
    _promise(session, ws, date(2026, 11, 27), "overdue", lead=faucet)
    _promise(session, ws, date(2026, 12, 4), "left voicemail, call back Friday", lead=faucet)
    _promise(session, ws, date(2026, 12, 1), "send the estimate", contact=dana)
    _promise(session, ws, date(2026, 12, 7), "last day of the week", contact=dana)
    _promise(session, ws, date(2026, 12, 8), "too late", contact=dana)
    make_interaction(
        session,
        ws.workspace_id,
        contact=dana,
        follow_up_date=date(2026, 12, 2),
        follow_up_status=FollowUpStatus.completed,
    )

    week = upcoming(session, workspace=ws, now=MON_NOV_30, limit=10)

    assert (week.today, week.until, week.total) == (date(2026, 11, 30), date(2026, 12, 7), 3)
    assert [(i.follow_up_date, i.topic) for i in week.items] == [
        (date(2026, 12, 1), "send the estimate"),
        (date(2026, 12, 4), "left voicemail, call back Friday"),
        (date(2026, 12, 7), "last day of the week"),
    ]
    assert week.items[1].contact_name == "Dana Smith" and week.items[1].lead_title == "Leaky faucet"
    assert week.items[1].kind == FollowUpKind.call_back


@pytest.mark.parametrize("rows", [3, 60])
def test_a_page_of_the_week_is_one_statement_and_counts_them_all(
    session: Session, ws: Workspace, rows: int
) -> None:
    for n in range(rows):  # made in order, so the same day's come in this order
        person = make_contact(session, ws.workspace_id, f"Person {n:02}")
        _promise(session, ws, date(2026, 12, 1 + n % 7), f"call {n:02}", contact=person)

    with count_statements(session) as statements:
        second = upcoming(session, workspace=ws, now=MON_NOV_30, limit=2, offset=2)

    assert statements.n == 1
    assert second.total == rows
    by_day = sorted(range(rows), key=lambda n: (n % 7, n))
    assert [i.topic for i in second.items] == [f"call {n:02}" for n in by_day[2:4]]
    past_the_end = upcoming(session, workspace=ws, now=MON_NOV_30, limit=2, offset=rows)
    assert (past_the_end.items, past_the_end.total) == ((), rows)


def test_each_lead_and_contact_gets_its_earliest_pending_follow_up(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, ws.workspace_id, "Dana", "Smith")
    sam = make_contact(session, ws.workspace_id, "Sam", "Lee")
    faucet = make_lead(session, ws.workspace_id, dana, title="Leaky faucet")
    heater = make_lead(session, ws.workspace_id, dana, title="Water heater")
    quiet = make_lead(session, ws.workspace_id, sam, title="Quiet lead")
    _promise(session, ws, date(2026, 12, 9), "later one", lead=faucet)
    _promise(session, ws, date(2026, 12, 4), "call back Friday", lead=faucet)
    _promise(session, ws, date(2026, 11, 25), "overdue estimate", lead=heater)
    make_interaction(
        session,
        ws.workspace_id,
        lead=quiet,
        follow_up_date=date(2026, 12, 1),
        follow_up_status=FollowUpStatus.canceled,
    )

    with count_statements(session) as statements:
        found = next_followups(
            session,
            workspace=ws,
            now=MON_NOV_30,
            lead_ids=[faucet.lead_id, heater.lead_id, quiet.lead_id],
            contact_ids=[dana.contact_id, sam.contact_id],
        )

    assert statements.n == 1
    assert {lead: item.topic for lead, item in found.by_lead.items()} == {
        faucet.lead_id: "call back Friday",
        heater.lead_id: "overdue estimate",
    }
    assert found.by_lead[heater.lead_id].days_overdue == 5
    assert found.by_contact[dana.contact_id].topic == "overdue estimate"
    assert sam.contact_id not in found.by_contact
    assert next_followups(session, workspace=ws, now=MON_NOV_30) == type(found)()
