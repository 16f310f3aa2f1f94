"""Merges and undos of one pair at the same moment: the database lets one through, whole.

Six threads, each in its own transaction, merge Dana into Dee and Dee into Dana at once (a
barrier releases them together); then six owners undo the merge at once. Exactly one merge
and one undo happen, every row is on one contact or the other, never a cycle.

Postgres only: SQLite lets one writer at a time hold the whole database (see
tests/core/platform/test_transition_races.py, whose database and `race` helper this uses).
"""

from __future__ import annotations

from secrets import token_hex
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.contacts.merge_undo import undo_merge
from core.contacts.merges import merge_contacts
from core.errors import AlreadyDone
from core.models import AuditEntry, Contact, ContactMerge, Interaction, Lead
from core.workspaces.service import WorkspaceDefaults, ensure_workspace, get_workspace
from tests.conftest import OWNER
from tests.core.factories import make_contact, make_interaction, make_lead
from tests.core.platform.test_transition_races import CLICKS, race


def _count(session: Session, team: str, action: str) -> int:
    query = select(func.count()).where(AuditEntry.workspace_id == team, AuditEntry.action == action)
    return int(session.scalar(query) or 0)


def test_crossed_merges_and_double_undos_change_the_pair_once(
    race_sessions: sessionmaker[Session],
) -> None:
    team = f"TM{token_hex(5)}"
    with race_sessions.begin() as session:
        ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        dana = make_contact(session, team, "Dana", "Smith", phones=["+15552013344"])
        dee = make_contact(session, team, "Dee", "Smith", phones=["+15552019999"])
        for contact in (dana, dee):
            make_interaction(session, team, make_contact(session, team, "X"))  # noise
            make_interaction(session, team, contact, lead=make_lead(session, team, contact))
        ids = [dana.contact_id, dee.contact_id]

    turn = iter(range(CLICKS))

    def merge(session: Session) -> Any:
        n = next(turn)  # half merge Dana into Dee, half Dee into Dana
        survivor, other = (ids[0], ids[1]) if n % 2 else (ids[1], ids[0])
        return merge_contacts(
            session=session,
            workspace=get_workspace(session, team),
            actor=OWNER,
            survivor_id=survivor,
            other_id=other,
        ).contact_id

    results = race(race_sessions, team, merge)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == CLICKS - 1 and all(isinstance(e, AlreadyDone) for e in errors), results
    with race_sessions() as session:
        assert _count(session, team, "merge_contacts") == 1
        rows = {
            c.contact_id: c
            for c in session.scalars(select(Contact).where(Contact.contact_id.in_(ids)))
        }
        merged = [c for c in rows.values() if c.merged_into_contact_id is not None]
        assert len(merged) == 1  # one merged, one survivor: never both, never a cycle
        survivor_id = merged[0].merged_into_contact_id
        assert rows[survivor_id].merged_into_contact_id is None  # type: ignore[index]
        on_survivor = select(func.count()).where(Lead.contact_id == survivor_id)
        assert session.scalar(on_survivor) == 2
        merge_id = session.scalars(
            select(ContactMerge.merge_id).where(ContactMerge.workspace_id == team)
        ).one()

    def undo(session: Session) -> Any:
        return undo_merge(
            session=session, workspace=get_workspace(session, team), actor=OWNER, merge_id=merge_id
        )

    results = race(race_sessions, team, undo)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == CLICKS - 1 and all(isinstance(e, AlreadyDone) for e in errors), results
    with race_sessions() as session:
        assert _count(session, team, "undo_merge") == 1
        for contact_id in ids:
            contact = session.get(Contact, contact_id)
            assert contact is not None and contact.merged_into_contact_id is None
            assert not contact.archived and len(contact.phones) == 1
            leads = select(func.count()).where(Lead.contact_id == contact_id)
            assert session.scalar(leads) == 1
            touches = select(func.count()).where(
                Interaction.contact_id == contact_id, Interaction.type != "system"
            )
            assert session.scalar(touches) == 1
