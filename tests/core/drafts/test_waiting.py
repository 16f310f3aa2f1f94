"""The page of drafts waiting for approval: newest first, paged in SQL, owners only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.common.enums import DraftChannel, DraftStatus
from core.contacts.merges import merge_contacts
from core.drafts.waiting import drafts_waiting
from core.errors import NotAnOwner
from core.models import Draft, Workspace
from tests.conftest import OWNER, STAFF
from tests.core.factories import count_statements, make_contact

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def drafts(
    session: Session, ws: Workspace, n: int, status: DraftStatus = DraftStatus.pending_approval
) -> list[str]:
    made = []
    for i in range(n):
        person = make_contact(session, ws.workspace_id, f"P{i}", "Lee")
        draft = Draft(
            draft_id=f"dr_{status.value[:3]}_{i:02d}",
            workspace_id=ws.workspace_id,
            contact_id=person.contact_id,
            channel=DraftChannel.sms,
            recipient="+15552013344",
            body="Hi",
            status=status,
            created_at=NOW - timedelta(minutes=n - i),
        )
        session.add(draft)
        made.append(draft.draft_id)
    session.flush()
    return made


def test_pages_are_newest_first_one_statement_each(session: Session, ws: Workspace) -> None:
    ids = drafts(session, ws, 12)
    drafts(session, ws, 3, DraftStatus.sent)  # not waiting
    with count_statements(session) as statements:
        first = drafts_waiting(session, workspace=ws, viewer=OWNER, page=1, per_page=5)
    assert statements.n == 1
    assert [w.draft.draft_id for w in first.items] == ids[::-1][:5]
    assert (first.total, first.pages, first.has_previous, first.has_next) == (12, 3, False, True)
    assert [w.contact_name for w in first.items][0] == "P11 Lee"

    last = drafts_waiting(session, workspace=ws, viewer=OWNER, page=3, per_page=5)
    assert [w.draft.draft_id for w in last.items] == [ids[1], ids[0]]
    assert (last.has_previous, last.has_next) == (True, False)

    past = drafts_waiting(session, workspace=ws, viewer=OWNER, page=9, per_page=5)
    assert past.page == 3 and [w.draft.draft_id for w in past.items] == [ids[1], ids[0]]


def test_nothing_waiting_and_staff_refused(session: Session, ws: Workspace) -> None:
    empty = drafts_waiting(session, workspace=ws, viewer=OWNER)
    assert (empty.items, empty.total, empty.page, empty.pages) == ((), 0, 1, 1)
    with pytest.raises(NotAnOwner):
        drafts_waiting(session, workspace=ws, viewer=STAFF)


def test_a_merged_contact_is_named_by_its_survivor(session: Session, ws: Workspace) -> None:
    [draft_id] = drafts(session, ws, 1)
    draft = session.get(Draft, draft_id)
    assert draft is not None and draft.contact_id is not None
    survivor = make_contact(session, ws.workspace_id, "Dana", "Smith")
    merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=survivor.contact_id,
        other_id=draft.contact_id,
    )
    [shown] = drafts_waiting(session, workspace=ws, viewer=OWNER).items
    assert shown.contact_name == "Dana Smith"
