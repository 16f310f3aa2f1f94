"""Each lead's and each contact's last touch, kept as a column so "stale" is an index range scan.

The definitions (docs/performance.md, "What makes it fast"):

- a contact's `last_touch_at` is its newest interaction (`interactions.contact_id`), NULL when
  it has none;
- a lead's `last_touch_at` is the newest of its creation, its own interactions, its contact's
  last touch and, when that contact was merged away, the survivor's (where the history moved).

Every interaction written through the ORM moves both forward in the same flush (an
`after_insert` hook in `core.models`, so no write path can forget it; a back-dated interaction
moves nothing it is older than). A new lead starts from its contact's last touch, inside its
own INSERT. Writes that move history in bulk (a merge, an import) recompute the rows they touch
with `refresh_last_touch`; the migration that added the columns backfilled them the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Update,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from core.platform.column_types import UTCDateTime

__all__ = [
    "greatest",
    "lead_touch_as_of",
    "lead_touch_at_insert",
    "note_touch",
    "refresh_last_touch",
]

_IN_CHUNK = 5000  # ids per IN (...) list, far below both databases' parameter limits


class greatest(FunctionElement[datetime]):
    """The latest of several timestamps: `greatest()` on Postgres, scalar `max()` on SQLite."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(greatest)
def _greatest_default(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def _models() -> Any:
    # core.models registers the hooks that call this module, so it is imported when used.
    from core import models

    return models


def _at(value: datetime) -> ColumnElement[datetime]:
    return literal(value, UTCDateTime())


@cache
def _aliases() -> Any:
    """The aliases the touch statements use, made once: a fresh `aliased()` builds its
    adapted columns on first use, milliseconds on every interaction written."""
    m = _models()
    return SimpleNamespace(
        contact=aliased(m.Contact),
        survivor=aliased(m.Contact),
        lead=aliased(m.Lead),
        merged_lead=aliased(m.Lead),
    )


def _contact_touch(contact_id: Any, floor: Any) -> ColumnElement[datetime]:
    """The last touch a lead gets from its contact and that contact's survivor (or `floor`)."""
    contact, survivor = _aliases().contact, _aliases().survivor
    own = select(contact.last_touch_at).where(contact.contact_id == contact_id)
    moved = (
        select(survivor.last_touch_at)
        .join(contact, contact.merged_into_contact_id == survivor.contact_id)
        .where(contact.contact_id == contact_id)
    )
    return greatest(
        func.coalesce(own.scalar_subquery(), floor),
        func.coalesce(moved.scalar_subquery(), floor),
    )


def lead_touch_at_insert(created_at: datetime, contact_id: str | None) -> Any:
    """The value a new lead's `last_touch_at` is inserted with: its creation or its contact's
    newer touch, read inside the INSERT itself (no statement of its own)."""
    if contact_id is None:
        return created_at
    return greatest(_at(created_at), _contact_touch(literal(contact_id), _at(created_at)))


def note_touch(
    connection: Connection | Session,
    *,
    workspace_id: str,
    at: datetime,
    contact_id: str | None,
    lead_id: str | None,
) -> None:
    """Move the last touch of the interaction's contact and of every lead it counts for to `at`
    where that is newer: at most two UPDATEs, each index probes whatever the book's size."""
    m = _models()
    Contact, Lead = m.Contact, m.Lead
    if contact_id is not None:
        connection.execute(
            _keep_updated_at(
                update(Contact)
                .where(
                    Contact.workspace_id == workspace_id,
                    Contact.contact_id == contact_id,
                    or_(Contact.last_touch_at.is_(None), Contact.last_touch_at < _at(at)),
                )
                .values(last_touch_at=_at(at)),
                Contact,
            )
        )
    touched = _leads_touched(lead_id, contact_id)
    if touched is None:
        return
    connection.execute(
        _keep_updated_at(
            update(Lead)
            .where(
                Lead.workspace_id == workspace_id,
                Lead.lead_id.in_(touched),
                or_(Lead.last_touch_at.is_(None), Lead.last_touch_at < _at(at)),
            )
            .values(last_touch_at=_at(at)),
            Lead,
        )
    )


def _leads_touched(lead_id: str | None, contact_id: str | None) -> Any:
    """The ids of the leads an interaction counts for, as a UNION ALL of index probes.

    Not `lead_id = :l OR contact_id = :c OR contact_id IN (merged…)` on the leads themselves:
    an OR with a subquery arm cannot be a bitmap OR of indexes, so Postgres scanned every lead
    of the book on every interaction written (300 ms at 300,000 leads, on each `/lead`).
    """
    Contact = _models().Contact
    lead, merged_lead = _aliases().lead, _aliases().merged_lead
    arms: list[Any] = []
    if lead_id is not None:
        arms.append(select(lead.lead_id).where(lead.lead_id == lead_id))
    if contact_id is not None:
        arms.append(select(lead.lead_id).where(lead.contact_id == contact_id))
        arms.append(
            select(merged_lead.lead_id)
            .join(Contact, Contact.contact_id == merged_lead.contact_id)
            .where(Contact.merged_into_contact_id == contact_id)
        )
    if not arms:
        return None
    return arms[0] if len(arms) == 1 else union_all(*arms)


def refresh_last_touch(
    session: Session,
    *,
    workspace_id: str,
    contact_ids: Collection[str] = (),
    lead_ids: Collection[str] = (),
) -> None:
    """Recompute from the history the last touch of these contacts, of these leads and of every
    lead of these contacts (or of contacts merged into them): after history moved in bulk."""
    m = _models()
    Contact, Interaction, Lead = m.Contact, m.Interaction, m.Lead
    newest_of_contact = (
        select(func.max(Interaction.timestamp))
        .where(Interaction.contact_id == Contact.contact_id)
        .scalar_subquery()
    )
    for chunk in _chunks(contact_ids):
        session.execute(
            _keep_updated_at(
                update(Contact)
                .where(Contact.workspace_id == workspace_id, Contact.contact_id.in_(chunk))
                .values(last_touch_at=newest_of_contact),
                Contact,
            ),
            execution_options={"synchronize_session": False},
        )
    recomputed = lead_touch_expression()
    for chunk in _chunks(contact_ids):
        merged_here = select(Contact.contact_id).where(Contact.merged_into_contact_id.in_(chunk))
        _refresh_leads(
            session,
            workspace_id,
            or_(Lead.contact_id.in_(chunk), Lead.contact_id.in_(merged_here)),
            recomputed,
        )
    for chunk in _chunks(lead_ids):
        _refresh_leads(session, workspace_id, Lead.lead_id.in_(chunk), recomputed)


def lead_touch_expression() -> ColumnElement[datetime]:
    """A lead's last touch computed from the history (and its contacts' columns), per row."""
    m = _models()
    Interaction, Lead = m.Interaction, m.Lead
    newest_of_lead = (
        select(func.max(Interaction.timestamp))
        .where(Interaction.lead_id == Lead.lead_id)
        .scalar_subquery()
    )
    return greatest(
        Lead.created_at,
        func.coalesce(newest_of_lead, Lead.created_at),
        _contact_touch(Lead.contact_id, Lead.created_at),
    )


def lead_touch_as_of(now: ColumnElement[datetime]) -> ColumnElement[datetime]:
    """A lead's last touch as of `now`: the column, unless the lead was touched after `now`
    (a report run for a past time, a future-dated interaction); then the history up to `now`,
    computed for those rows alone."""
    m = _models()
    Contact, Interaction, Lead = m.Contact, m.Interaction, m.Lead
    contact = aliased(Contact)

    def newest(*where: ColumnElement[bool]) -> Any:
        return func.coalesce(
            select(func.max(Interaction.timestamp))
            .where(Interaction.timestamp <= now, *where)
            .scalar_subquery(),
            Lead.created_at,
        )

    survivor_id = (
        select(contact.merged_into_contact_id)
        .where(contact.contact_id == Lead.contact_id)
        .correlate(Lead)
        .scalar_subquery()
    )
    from_history = greatest(
        Lead.created_at,
        newest(Interaction.lead_id == Lead.lead_id),
        newest(Interaction.contact_id == Lead.contact_id),
        newest(Interaction.contact_id == survivor_id),
    )
    return case((Lead.last_touch_at <= now, Lead.last_touch_at), else_=from_history)


def _refresh_leads(
    session: Session, workspace_id: str, which: ColumnElement[bool], value: Any
) -> None:
    Lead = _models().Lead
    session.execute(
        _keep_updated_at(
            update(Lead)
            .where(Lead.workspace_id == workspace_id, which)
            .values(last_touch_at=value),
            Lead,
        ),
        execution_options={"synchronize_session": False},
    )


def _keep_updated_at(statement: Update, model: Any) -> Update:
    """A touch is not an edit of the record: naming `updated_at` keeps it (no onupdate)."""
    return statement.values(updated_at=model.updated_at)


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    values = sorted(set(ids))
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]
