"""Merging two contacts and an owner undoing it: what moves, what goes back, who may undo."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.activity.last_touch import refresh_last_touch
from core.common.enums import InteractionType, LifecycleStage
from core.contacts.edits import update_contact
from core.contacts.merge_undo import undo_merge
from core.contacts.merges import merge_contacts, merge_preview
from core.errors import InvalidTransition, NotAnOwner
from core.models import (
    AuditEntry,
    Contact,
    ContactMerge,
    Interaction,
    Lead,
    Opportunity,
    Workspace,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_interaction, make_lead, make_opportunity

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
EARLIER = datetime(2026, 2, 20, 15, 0, tzinfo=UTC)
LATER = datetime(2026, 2, 27, 15, 0, tzinfo=UTC)


def _pair(session: Session) -> tuple[Contact, Contact]:
    survivor = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    other = make_contact(
        session,
        TEAM,
        "Dana",
        None,
        phones=["+15552019999"],
        emails=["dana@example.com"],
        address="1 Elm St",
        lifecycle_stage=LifecycleStage.customer,
        tags=["vip"],
    )
    lead = make_lead(session, TEAM, other, title="Water heater", created_at=EARLIER)
    make_opportunity(session, TEAM, other, name="Bathroom")
    make_interaction(session, TEAM, other, lead=lead, timestamp=LATER)
    make_interaction(session, TEAM, survivor, timestamp=EARLIER)
    session.flush()
    refresh_last_touch(
        session, workspace_id=TEAM, contact_ids=(survivor.contact_id, other.contact_id)
    )
    return survivor, other


def _on(session: Session, model: Any, contact: Contact) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(model).where(model.contact_id == contact.contact_id)
        )
        or 0
    )


def _touch(session: Session, contact_id: str) -> tuple[datetime | None, datetime | None]:
    """(the contact's column, the newest interaction) read fresh from the rows."""
    column = session.scalar(select(Contact.last_touch_at).where(Contact.contact_id == contact_id))
    newest = session.scalar(
        select(func.max(Interaction.timestamp)).where(Interaction.contact_id == contact_id)
    )
    return column, newest


def test_the_preview_says_what_will_move(session: Session, ws: Workspace) -> None:
    survivor, other = _pair(session)
    preview = merge_preview(
        session, workspace=ws, survivor_id=survivor.contact_id, other_id=other.contact_id
    )
    assert (preview.leads, preview.interactions, preview.opportunities) == (1, 1, 1)
    assert preview.phones == ["+15552019999"] and preview.emails == ["dana@example.com"]


def test_undo_puts_back_exactly_what_the_merge_moved(session: Session, ws: Workspace) -> None:
    survivor, other = _pair(session)
    merge_contacts(
        session=session,
        workspace=ws,
        actor=STAFF,
        survivor_id=survivor.contact_id,
        other_id=other.contact_id,
        now=NOW,
    )
    assert (_on(session, Lead, survivor), _on(session, Opportunity, survivor)) == (1, 1)
    assert _on(session, Interaction, survivor) == 3  # its own, the moved one, the merge note
    note = session.scalars(
        select(Interaction).where(
            Interaction.contact_id == survivor.contact_id,
            Interaction.type == InteractionType.system,
        )
    ).one()
    assert note.body == "Merged Dana into this contact (1 lead, 1 interaction, 1 job moved)."
    assert survivor.phones == ["+15552013344", "+15552019999"]
    assert survivor.address == "1 Elm St" and survivor.lifecycle_stage == LifecycleStage.customer
    assert _touch(session, survivor.contact_id) == (NOW, NOW)
    record = session.scalars(select(ContactMerge)).one()
    assert record.moved["leads"] and record.points_added == [
        ["phone", "+15552019999"],
        ["email", "dana@example.com"],
    ]

    # Someone edits the address after the merge: undo keeps that edit.
    update_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=survivor.contact_id,
        address="9 Oak Ave",
    )
    undo_merge(session=session, workspace=ws, actor=OWNER, merge_id=record.merge_id, now=NOW)
    session.expire_all()
    survivor = session.get(Contact, survivor.contact_id)  # type: ignore[assignment]
    other = session.get(Contact, other.contact_id)  # type: ignore[assignment]
    assert other.merged_into_contact_id is None and other.archived is False
    assert (_on(session, Lead, other), _on(session, Opportunity, other)) == (1, 1)
    assert _on(session, Interaction, other) == 1
    assert (_on(session, Lead, survivor), _on(session, Opportunity, survivor)) == (0, 0)
    assert survivor.phones == ["+15552013344"] and survivor.emails == []
    assert other.phones == ["+15552019999"] and other.emails == ["dana@example.com"]
    assert survivor.lifecycle_stage == LifecycleStage.prospect and survivor.tags == []
    assert survivor.address == "9 Oak Ave"
    notes = session.scalars(
        select(Interaction.body)
        .where(
            Interaction.contact_id == survivor.contact_id,
            Interaction.type == InteractionType.system,
        )
        .order_by(Interaction.created_at)
    ).all()
    assert notes[-1] == "Undid the merge of Dana: 1 lead, 1 interaction, 1 job went back."
    # Both contacts' and the lead's last touch equal the history again.
    assert _touch(session, survivor.contact_id) == (NOW, NOW)
    assert _touch(session, other.contact_id) == (LATER, LATER)
    lead = session.scalars(select(Lead).where(Lead.contact_id == other.contact_id)).one()
    assert lead.last_touch_at == LATER
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_id == other.contact_id)
    ).all()
    assert actions[-2:] == ["merged_into", "unmerged"]
    assert session.get(ContactMerge, record.merge_id).undone_by == OWNER  # type: ignore[union-attr]


def test_only_an_owner_can_undo_and_only_once(session: Session, ws: Workspace) -> None:
    survivor, other = _pair(session)
    merge_contacts(
        session=session,
        workspace=ws,
        actor=STAFF,
        survivor_id=survivor.contact_id,
        other_id=other.contact_id,
        now=NOW,
    )
    merge_id = session.scalars(select(ContactMerge.merge_id)).one()
    with pytest.raises(NotAnOwner, match="Only an owner can undo a merge"):
        undo_merge(session=session, workspace=ws, actor=STAFF, merge_id=merge_id)
    assert session.get(Contact, other.contact_id).merged_into_contact_id == survivor.contact_id  # type: ignore[union-attr]
    undo_merge(session=session, workspace=ws, actor=OWNER, merge_id=merge_id)
    with pytest.raises(InvalidTransition, match="already undone"):
        undo_merge(session=session, workspace=ws, actor=OWNER, merge_id=merge_id)


def test_undo_is_refused_once_the_survivor_was_merged_again(
    session: Session, ws: Workspace
) -> None:
    survivor, other = _pair(session)
    third = make_contact(session, TEAM, "Dee", "Smith")
    merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=survivor.contact_id,
        other_id=other.contact_id,
    )
    first = session.scalars(select(ContactMerge.merge_id)).one()
    merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=third.contact_id,
        other_id=survivor.contact_id,
    )
    with pytest.raises(InvalidTransition, match="undo that merge first"):
        undo_merge(session=session, workspace=ws, actor=OWNER, merge_id=first)


def test_a_do_not_contact_wish_moves_with_the_merge_and_back_with_the_undo(
    session: Session, ws: Workspace
) -> None:
    survivor, other = _pair(session)
    other.do_not_contact, other.do_not_contact_at = True, NOW
    other.do_not_contact_by, other.do_not_contact_reason = OWNER, "Asked us to stop"
    session.flush()
    merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=survivor.contact_id,
        other_id=other.contact_id,
    )
    assert survivor.do_not_contact and survivor.do_not_contact_reason == "Asked us to stop"
    merge_id = session.scalars(select(ContactMerge.merge_id)).one()
    undo_merge(session=session, workspace=ws, actor=OWNER, merge_id=merge_id)
    session.expire_all()
    back = session.get(Contact, survivor.contact_id)
    assert back is not None and not back.do_not_contact and back.do_not_contact_at is None
    assert session.get(Contact, other.contact_id).do_not_contact  # type: ignore[union-attr]
