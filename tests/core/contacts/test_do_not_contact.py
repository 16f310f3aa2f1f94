"""Do not contact: setting and clearing the flag, who may, and the daily lists it silences.

Calendar (America/New_York, US holidays): Mon 2026-11-30 08:00 is the report time; a lead
created Mon 2026-11-02 with no interaction is stale (far more than 3 business days).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from core.activity.reminders import due_reminders
from core.contacts.archiving import archive_contact
from core.contacts.do_not_contact import clear_do_not_contact, set_do_not_contact
from core.contacts.merges import merge_contacts
from core.errors import InvalidInput, NotAnOwner, NotFound
from core.models import Contact, Workspace
from core.reports.followups import followups
from core.reports.stale_leads import stale_leads
from tests.conftest import OWNER, STAFF
from tests.core.factories import (
    audit_trail,
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    make_reminder,
    ny,
)

MON_NOV_30 = ny(2026, 11, 30, 8)
WAY_BACK = ny(2026, 11, 2, 9)


def test_staff_marks_a_contact_and_the_card_fields_say_who_when_and_why(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, ws.workspace_id)
    change = set_do_not_contact(
        session,
        workspace=ws,
        contact_id=dana.contact_id,
        actor=STAFF,
        reason="  asked us to stop calling ",
        now=MON_NOV_30,
    )
    assert change.changed
    assert change.contact.do_not_contact is True
    assert change.contact.do_not_contact_by == STAFF
    assert change.contact.do_not_contact_at == MON_NOV_30
    assert change.contact.do_not_contact_reason == "asked us to stop calling"
    assert audit_trail(session, dana.contact_id) == [(STAFF, "set_do_not_contact")]


def test_marking_twice_changes_nothing_the_second_time(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, ws.workspace_id)
    set_do_not_contact(session, workspace=ws, contact_id=dana.contact_id, actor=STAFF)
    again = set_do_not_contact(
        session, workspace=ws, contact_id=dana.contact_id, actor=OWNER, reason="other"
    )
    assert not again.changed
    assert again.contact.do_not_contact_by == STAFF and again.contact.do_not_contact_reason is None
    assert audit_trail(session, dana.contact_id) == [(STAFF, "set_do_not_contact")]


def test_only_an_owner_clears_it(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, ws.workspace_id)
    set_do_not_contact(session, workspace=ws, contact_id=dana.contact_id, actor=STAFF)
    with pytest.raises(NotAnOwner):
        clear_do_not_contact(session, workspace=ws, contact_id=dana.contact_id, actor=STAFF)
    assert dana.do_not_contact is True

    cleared = clear_do_not_contact(session, workspace=ws, contact_id=dana.contact_id, actor=OWNER)
    assert cleared.changed and cleared.contact.do_not_contact is False
    assert cleared.contact.do_not_contact_by is None
    assert audit_trail(session, dana.contact_id) == [
        (STAFF, "set_do_not_contact"),
        (OWNER, "clear_do_not_contact"),
    ]
    assert not clear_do_not_contact(
        session, workspace=ws, contact_id=dana.contact_id, actor=OWNER
    ).changed


def test_bad_input_is_refused(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, ws.workspace_id)
    with pytest.raises(InvalidInput):
        set_do_not_contact(
            session, workspace=ws, contact_id=dana.contact_id, actor=STAFF, reason="x" * 501
        )
    with pytest.raises(NotFound):
        set_do_not_contact(session, workspace=ws, contact_id="ct_nobody", actor=STAFF)
    assert dana.do_not_contact is False


def test_a_merged_contact_is_marked_on_its_survivor_and_a_merge_keeps_the_wish(
    session: Session, ws: Workspace
) -> None:
    wid = ws.workspace_id
    survivor = make_contact(session, wid, "Dana", "Smith")
    other = make_contact(session, wid, "Dana", "S.")
    set_do_not_contact(session, workspace=ws, contact_id=other.contact_id, actor=STAFF, reason="no")
    merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=survivor.contact_id,
        other_id=other.contact_id,
    )
    assert survivor.do_not_contact is True and survivor.do_not_contact_reason == "no"

    third = make_contact(session, wid, "Bo", "Chen")
    gone = make_contact(session, wid, "Bo", "C.")
    merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=third.contact_id,
        other_id=gone.contact_id,
    )
    change = set_do_not_contact(session, workspace=ws, contact_id=gone.contact_id, actor=STAFF)
    assert change.contact.contact_id == third.contact_id and third.do_not_contact is True


def _quiet_lead(session: Session, ws: Workspace, first: str) -> tuple[str, str]:
    contact = make_contact(session, ws.workspace_id, first, "Quiet")
    lead = make_lead(session, ws.workspace_id, contact, title=f"{first}'s job", created_at=WAY_BACK)
    return contact.contact_id, lead.lead_id


def test_stale_nudges_stop_for_a_contact_marked_do_not_contact(
    session: Session, ws: Workspace
) -> None:
    dana_id, _ = _quiet_lead(session, ws, "Dana")
    _, bo_lead = _quiet_lead(session, ws, "Bo")
    assert stale_leads(session, workspace=ws, now=MON_NOV_30).total == 2

    set_do_not_contact(session, workspace=ws, contact_id=dana_id, actor=STAFF)
    with count_statements(session) as statements:
        report = stale_leads(session, workspace=ws, now=MON_NOV_30)
    assert [item.lead_id for item in report.items] == [bo_lead]
    assert report.total == 1
    # The same statements as without the flag: the page with its touches (apart on SQLite).
    assert statements.n == (1 if session.get_bind().dialect.name == "postgresql" else 2)

    clear_do_not_contact(session, workspace=ws, contact_id=dana_id, actor=OWNER)
    assert stale_leads(session, workspace=ws, now=MON_NOV_30).total == 2


def test_the_stale_total_leaves_out_the_same_leads_as_the_list(
    session: Session, ws: Workspace
) -> None:
    """The total is counted apart from the page (docs/performance.md): both leave out a
    flagged contact's lead, one on a contact merged into a flagged one, an archived one's."""
    _, bo_lead = _quiet_lead(session, ws, "Bo")
    _, eve_lead = _quiet_lead(session, ws, "Eve")
    dana_id, _ = _quiet_lead(session, ws, "Dana")
    set_do_not_contact(session, workspace=ws, contact_id=dana_id, actor=STAFF)
    cy_id, _ = _quiet_lead(session, ws, "Cy")  # as an older merge could leave the rows
    cy = session.get(Contact, cy_id)
    assert cy is not None
    cy.merged_into_contact_id, cy.archived = dana_id, True
    dee_id, _ = _quiet_lead(session, ws, "Dee")
    archive_contact(session=session, workspace=ws, actor=OWNER, contact_id=dee_id)
    session.flush()

    whole = stale_leads(session, workspace=ws, now=MON_NOV_30)
    assert sorted(item.lead_id for item in whole.items) == sorted([bo_lead, eve_lead])
    assert whole.total == 2
    page = stale_leads(session, workspace=ws, now=MON_NOV_30, limit=1)
    assert len(page.items) == 1 and page.total == 2 and page.more == 1


def test_follow_ups_stop_for_a_contact_marked_do_not_contact(
    session: Session, ws: Workspace
) -> None:
    wid = ws.workspace_id
    dana = make_contact(session, wid, "Dana", "Smith")
    bo = make_contact(session, wid, "Bo", "Chen")
    today, late = date(2026, 11, 30), date(2026, 11, 25)
    for person in (dana, bo):
        lead = make_lead(session, wid, person, created_at=WAY_BACK)
        make_interaction(session, wid, lead=lead, timestamp=WAY_BACK, follow_up_date=today)
        make_interaction(session, wid, lead=lead, timestamp=WAY_BACK, follow_up_date=late)

    set_do_not_contact(session, workspace=ws, contact_id=dana.contact_id, actor=STAFF)
    with count_statements(session) as statements:
        result = followups(session, workspace=ws, now=MON_NOV_30, limit=10)
    assert [item.contact_name for item in result.due_today] == ["Bo Chen"]
    assert [item.contact_name for item in result.overdue] == ["Bo Chen"]
    assert (result.due_today_total, result.overdue_total) == (1, 1)
    assert statements.n == 1


def test_reminders_stop_for_a_contact_marked_do_not_contact(
    session: Session, ws: Workspace
) -> None:
    wid = ws.workspace_id
    dana = make_contact(session, wid, "Dana", "Smith")
    bo = make_contact(session, wid, "Bo", "Chen")
    make_reminder(session, wid, date(2026, 11, 29), dana, note="Check back with Dana")
    make_reminder(session, wid, date(2026, 11, 30), bo, note="Check back with Bo")

    set_do_not_contact(session, workspace=ws, contact_id=dana.contact_id, actor=STAFF)
    due = due_reminders(session, workspace=ws, today=date(2026, 11, 30))
    assert [r.note for r in due.items] == ["Check back with Bo"]
    assert due.total == 1
