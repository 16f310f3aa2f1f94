"""An owner undoing a merge: everything the merge recorded as moved goes back.

A row moved elsewhere since the merge stays where it is now, and a field of the survivor
edited since keeps its edit (docs/product.md, "Merging contacts"). The pair is locked as for a
merge, and `undone_at` is set by a conditional UPDATE, so two undos at once undo once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, tuple_, update
from sqlalchemy.orm import Session

from core.activity.service import log_system_note
from core.common.enums import LifecycleStage, PreferredChannel
from core.contacts.merges import HISTORY_TABLES, locked_pair, moved_in_words, refresh_pair
from core.errors import AlreadyDone, InvalidTransition, NotFound
from core.models import Company, Contact, ContactMerge, ContactPoint, Workspace, utcnow
from core.platform.audit import audit, snapshot
from core.workspaces.service import require_owner

__all__ = ["undo_merge"]


def undo_merge(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    merge_id: str,
    now: datetime | None = None,
) -> ContactMerge:
    """An owner puts back what one merge moved; the other contact is separate again."""
    require_owner(workspace, actor, "undo a merge")
    now = now or utcnow()
    record = session.scalars(
        select(ContactMerge).where(
            ContactMerge.workspace_id == workspace.workspace_id, ContactMerge.merge_id == merge_id
        )
    ).first()
    if record is None:
        raise NotFound("That merge is not in this workspace.", field="merge_id")
    survivor, other = locked_pair(session, workspace, record.survivor_id, record.other_id)
    session.refresh(record)
    if record.undone_at is not None:
        raise AlreadyDone(f"That merge of {other.full_name} was already undone.")
    if survivor.merged_into_contact_id is not None:
        raise InvalidTransition(
            f"{survivor.full_name} was merged into another contact since; undo that merge first."
        )
    if other.merged_into_contact_id != survivor.contact_id:
        raise InvalidTransition(f"{other.full_name} is no longer merged into {survivor.full_name}.")
    scope = workspace.workspace_id
    undone = session.execute(  # the write that decides: a second undo finds nothing to change
        update(ContactMerge)
        .where(ContactMerge.merge_id == merge_id, ContactMerge.undone_at.is_(None))
        .values(undone_at=now, undone_by=actor, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], undone).rowcount != 1:
        raise AlreadyDone(f"That merge of {other.full_name} was already undone.")
    survivor_id, other_id = survivor.contact_id, other.contact_id
    for key, (model, id_column) in HISTORY_TABLES.items():
        ids = record.moved.get(key) or []
        if ids:  # only rows still on the survivor: one moved elsewhere since stays there
            session.execute(
                update(model)
                .where(
                    model.workspace_id == scope, id_column.in_(ids), model.contact_id == survivor_id
                )
                .values(contact_id=other_id, updated_at=now)
                .execution_options(synchronize_session=False)
            )
    if record.moved.get("companies"):
        session.execute(
            update(Company)
            .where(
                Company.workspace_id == scope,
                Company.company_id.in_(record.moved["companies"]),
                Company.primary_contact_id == survivor_id,
            )
            .values(primary_contact_id=other_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    if record.moved.get("contacts"):
        session.execute(
            update(Contact)
            .where(
                Contact.workspace_id == scope,
                Contact.contact_id.in_(record.moved["contacts"]),
                Contact.merged_into_contact_id == survivor_id,
            )
            .values(merged_into_contact_id=other_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    if record.points_added:  # copies of the other's phones and emails, which it still has
        session.execute(
            delete(ContactPoint)
            .where(
                ContactPoint.contact_id == survivor_id,
                tuple_(ContactPoint.kind, ContactPoint.value).in_(
                    [tuple(point) for point in record.points_added]
                ),
            )
            .execution_options(synchronize_session=False)
        )
        session.expire(survivor, ["points"])
    survivor_before, other_before = snapshot(survivor), snapshot(other)
    current = snapshot(survivor)
    for name, value in record.survivor_before.items():
        if current.get(name) == record.survivor_after.get(name):  # not edited since
            setattr(survivor, name, _column_value(name, value))
    other.merged_into_contact_id = None
    other.archived = record.other_was_archived
    audit(
        session,
        workspace,
        actor=actor,
        action="undo_merge",
        entity=survivor,
        before=survivor_before,
    )
    audit(session, workspace, actor=actor, action="unmerged", entity=other, before=other_before)
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=f"Undid the merge of {other.full_name}: {moved_in_words(record.moved)} went back.",
        now=now,
        contact_id=survivor_id,
    )
    refresh_pair(session, scope, survivor_id, other_id)
    return record


def _column_value(name: str, value: Any) -> Any:
    """A snapshot value (JSON) back as the column's Python value (an enum member)."""
    if value is None:
        return None
    if name == "preferred_channel":
        return PreferredChannel(value)
    if name == "lifecycle_stage":
        return LifecycleStage(value)
    if name == "do_not_contact_at":
        return datetime.fromisoformat(value)
    return value
