"""Merging two contacts (docs/product.md, "Merging contacts"); undoing one is `merge_undo`.

A merge folds the other contact into the survivor: every lead, interaction, opportunity,
draft and reminder of the other is re-pointed to the survivor, its phones and emails are
added, the survivor's blanks are filled, and the other is kept (archived, marked
`merged_into_contact_id`), never deleted. The `contact_merges` row records each id that moved
and each field filled, so **Undo merge** puts back exactly what this merge moved (rows that
were moved elsewhere since stay where they are; a field edited since keeps its edit).

Both contacts are locked (`SELECT … FOR UPDATE`, in id order) before either is read for the
decision, and the writes that decide are conditional UPDATEs, so two merges or undos of the
same pair run one after the other and the second is refused, never half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from core.activity.last_touch import refresh_last_touch
from core.activity.service import log_system_note
from core.common.enums import LifecycleStage
from core.contacts.found import FoundContact
from core.contacts.history import load_contact
from core.contacts.input import NOTES_LIMIT, join_notes, merge_tags
from core.contacts.matching import set_contact_points
from core.contacts.search import search_contacts
from core.errors import AlreadyDone, InvalidInput, InvalidTransition
from core.models import (
    Company,
    Contact,
    ContactMerge,
    Draft,
    Interaction,
    Lead,
    Opportunity,
    Reminder,
    Workspace,
    new_id,
    utcnow,
)
from core.platform.audit import audit, snapshot

__all__ = [
    "HISTORY_TABLES",
    "MERGE_CANDIDATES",
    "MergePreview",
    "locked_pair",
    "merge_candidates",
    "merge_contacts",
    "merge_preview",
    "moved_in_words",
    "refresh_pair",
]

_LIFECYCLE_RANK = {
    LifecycleStage.prospect: 0,
    LifecycleStage.past_customer: 1,
    LifecycleStage.customer: 2,
}
#: Every history table whose rows follow their contact, by the key recorded in `moved`.
HISTORY_TABLES: dict[str, tuple[Any, Any]] = {
    "leads": (Lead, Lead.lead_id),
    "interactions": (Interaction, Interaction.interaction_id),
    "opportunities": (Opportunity, Opportunity.opportunity_id),
    "drafts": (Draft, Draft.draft_id),
    "reminders": (Reminder, Reminder.reminder_id),
}
#: The survivor's fields a merge may fill from the other contact.
_FILLED = (
    "last_name",
    "address",
    "company_id",
    "preferred_channel",
    "quickbooks_customer_id",
    "lifecycle_stage",
    "tags",
    "notes",
    "do_not_contact",
    "do_not_contact_at",
    "do_not_contact_by",
    "do_not_contact_reason",
)


@dataclass(frozen=True)
class MergePreview:
    """What a merge of `other` into `survivor` would move, shown before the person confirms."""

    survivor: Contact
    other: Contact
    leads: int
    interactions: int
    opportunities: int
    phones: list[str]
    emails: list[str]


def locked_pair(
    session: Session, workspace: Workspace, survivor_id: str, other_id: str
) -> tuple[Contact, Contact]:
    """Both contacts, row-locked in id order (one order for every caller: no deadlock cycle)."""
    if survivor_id == other_id:
        raise InvalidInput("A contact cannot be merged into itself.", field="other_id")
    load_contact(session, workspace, survivor_id)  # NotFound outside this workspace, first
    load_contact(session, workspace, other_id)
    rows = session.scalars(
        select(Contact)
        .where(
            Contact.workspace_id == workspace.workspace_id,
            Contact.contact_id.in_((survivor_id, other_id)),
        )
        .order_by(Contact.contact_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    found = {row.contact_id: row for row in rows}
    return found[survivor_id], found[other_id]


def _check_mergeable(survivor: Contact, other: Contact) -> None:
    for contact in (survivor, other):
        if contact.merged_into_contact_id is not None:
            raise AlreadyDone(
                f"{contact.full_name} was already merged into another contact.",
                field="contact_id",
            )
    if survivor.archived:
        raise InvalidTransition(
            f"{survivor.full_name} is archived; keep an active contact instead.",
            field="survivor_id",
        )


def merge_preview(
    session: Session, *, workspace: Workspace, survivor_id: str, other_id: str
) -> MergePreview:
    """Counts of what would move (one query), refused as the merge itself would be."""
    if survivor_id == other_id:
        raise InvalidInput("A contact cannot be merged into itself.", field="other_id")
    survivor = load_contact(session, workspace, survivor_id)
    other = load_contact(session, workspace, other_id)
    _check_mergeable(survivor, other)

    def count(model: Any) -> Any:
        return (
            select(func.count())
            .select_from(model)
            .where(model.workspace_id == workspace.workspace_id, model.contact_id == other_id)
            .scalar_subquery()
        )

    leads, interactions, opportunities = session.execute(
        select(count(Lead), count(Interaction), count(Opportunity))
    ).one()
    return MergePreview(
        survivor,
        other,
        leads,
        interactions,
        opportunities,
        [p for p in other.phones if p not in survivor.phones],
        [e for e in other.emails if e not in survivor.emails],
    )


MERGE_CANDIDATES = 100
"""Contacts the "Merge into…" search offers at most (Slack's limit for a select's options)."""


def merge_candidates(
    session: Session,
    *,
    workspace: Workspace,
    contact_id: str,
    query: str,
    limit: int = MERGE_CANDIDATES,
) -> list[FoundContact]:
    """The live contacts `query` could mean that `contact_id` can be merged into, best first.

    The project's contact search (by phone, email or name), without archived and merged
    contacts and without the contact itself.
    """
    hits = search_contacts(
        session, workspace=workspace, query=query, limit=limit + 1, include_archived=False
    )
    return [hit.contact for hit in hits if hit.contact.contact_id != contact_id][:limit]


def _fill_survivor(survivor: Contact, other: Contact) -> None:
    survivor.last_name = survivor.last_name or other.last_name
    survivor.address = survivor.address or other.address
    survivor.company_id = survivor.company_id or other.company_id
    survivor.preferred_channel = survivor.preferred_channel or other.preferred_channel
    survivor.quickbooks_customer_id = (
        survivor.quickbooks_customer_id or other.quickbooks_customer_id
    )
    if _LIFECYCLE_RANK[other.lifecycle_stage] > _LIFECYCLE_RANK[survivor.lifecycle_stage]:
        survivor.lifecycle_stage = other.lifecycle_stage
    survivor.tags = merge_tags(survivor.tags or [], other.tags or [])
    if other.do_not_contact and not survivor.do_not_contact:  # the person's wish survives too
        survivor.do_not_contact = True
        survivor.do_not_contact_at = other.do_not_contact_at
        survivor.do_not_contact_by = other.do_not_contact_by
        survivor.do_not_contact_reason = other.do_not_contact_reason
    if other.notes:
        heading = f"From merged contact {other.full_name} ({other.contact_id}):"
        notes = join_notes(survivor.notes, f"{heading}\n{other.notes}") or ""
        if len(notes) > NOTES_LIMIT:  # the full text stays on the merged record
            notes = notes[: NOTES_LIMIT - 1] + "…"
        survivor.notes = notes


def moved_in_words(moved: dict[str, list[str]]) -> str:
    """`1 lead, 3 interactions, 0 jobs`: what a merge moved, as the history says it."""
    parts = []
    for key, one, many in (
        ("leads", "lead", "leads"),
        ("interactions", "interaction", "interactions"),
        ("opportunities", "job", "jobs"),
    ):
        n = len(moved.get(key, []))
        parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def merge_contacts(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    survivor_id: str,
    other_id: str,
    now: datetime | None = None,
) -> Contact:
    """Fold a duplicate into the survivor: its history moves, the record itself stays, archived."""
    now = now or utcnow()
    survivor, other = locked_pair(session, workspace, survivor_id, other_id)
    _check_mergeable(survivor, other)
    scope = workspace.workspace_id
    claimed = session.execute(  # the write that decides: a second merge of `other` finds nothing
        update(Contact)
        .where(
            Contact.workspace_id == scope,
            Contact.contact_id == other_id,
            Contact.merged_into_contact_id.is_(None),
        )
        .values(merged_into_contact_id=survivor_id, archived=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise AlreadyDone(f"{other.full_name} was already merged into another contact.")
    other_before = snapshot(other)
    other_before.update(merged_into_contact_id=None, archived=other.archived)
    moved: dict[str, list[str]] = {}
    for key, (model, id_column) in HISTORY_TABLES.items():
        moved[key] = list(
            session.scalars(
                update(model)
                .where(model.workspace_id == scope, model.contact_id == other_id)
                .values(contact_id=survivor_id, updated_at=now)
                .returning(id_column)
                .execution_options(synchronize_session=False)
            )
        )
    moved["companies"] = list(
        session.scalars(
            update(Company)
            .where(Company.workspace_id == scope, Company.primary_contact_id == other_id)
            .values(primary_contact_id=survivor_id, updated_at=now)
            .returning(Company.company_id)
            .execution_options(synchronize_session=False)
        )
    )
    moved["contacts"] = list(  # contacts merged into `other` before now lead to the survivor
        session.scalars(
            update(Contact)
            .where(Contact.workspace_id == scope, Contact.merged_into_contact_id == other_id)
            .values(merged_into_contact_id=survivor_id, updated_at=now)
            .returning(Contact.contact_id)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(other)

    survivor_before = snapshot(survivor)
    have = {(p.kind.value, p.value) for p in survivor.points}
    added = [[p.kind.value, p.value] for p in other.points if (p.kind.value, p.value) not in have]
    set_contact_points(survivor, phones=other.phones, emails=other.emails)
    _fill_survivor(survivor, other)
    survivor_after = snapshot(survivor)
    record = ContactMerge(
        merge_id=new_id("mg"),
        workspace_id=scope,
        survivor_id=survivor_id,
        other_id=other_id,
        merged_by=actor,
        moved=moved,
        points_added=added,
        survivor_before={f: survivor_before[f] for f in _FILLED},
        survivor_after={f: survivor_after[f] for f in _FILLED},
        other_was_archived=bool(other_before["archived"]),
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    audit(
        session,
        workspace,
        actor=actor,
        action="merge_contacts",
        entity=survivor,
        before=survivor_before,
    )
    audit(session, workspace, actor=actor, action="merged_into", entity=other, before=other_before)
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=f"Merged {other.full_name} into this contact ({moved_in_words(moved)} moved).",
        now=now,
        contact_id=survivor_id,
    )
    # The other contact's interactions and leads moved: recompute both contacts and their leads.
    refresh_pair(session, scope, survivor_id, other_id)
    return survivor


def refresh_pair(session: Session, scope: str, survivor_id: str, other_id: str) -> None:
    """Recompute both contacts' and their leads' last touch; re-read rows already in memory."""
    session.flush()
    refresh_last_touch(session, workspace_id=scope, contact_ids=(survivor_id, other_id))
    for record in list(session.identity_map.values()):  # re-pointed rows already in memory
        if isinstance(record, Lead | Opportunity | Interaction | Draft | Reminder | Company):
            session.expire(record)
        elif isinstance(record, Contact) and record.contact_id not in (survivor_id, other_id):
            session.expire(record)
    for record in list(session.identity_map.values()):
        if isinstance(record, Contact) and record.contact_id in (survivor_id, other_id):
            session.expire(record, ["last_touch_at", "updated_at"])
