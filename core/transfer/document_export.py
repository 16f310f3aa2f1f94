"""`crm export`: a workspace's history as one JSON document (docs/product.md, Data).

Export writes every contact (merged and archived ones too: history is permanent), company,
lead, interaction and opportunity, sorted by `created_at` then id, in six queries however many
rows; `crm import` (`core.transfer.document_import`) reads the same document back.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import ContactPointKind
from core.models import Contact, ContactPoint, Workspace
from core.transfer.fields import DOCUMENT_KEYS, KINDS, RecordKind, render_record

__all__ = ["export_document", "iter_export", "write_document"]

_BATCH = 500  # rows fetched per round trip when streaming an export


def _stream(session: Session, statement: Any) -> Iterator[Any]:
    return iter(session.execute(statement.execution_options(yield_per=_BATCH)))


def _iter_records(
    session: Session, kind: RecordKind, workspace_id: str
) -> Iterator[dict[str, Any]]:
    table = kind.table
    rows = _stream(
        session,
        select(table)
        .where(table.c.workspace_id == workspace_id)
        .order_by(table.c.created_at, table.c[kind.id_field]),
    )
    if kind.key != "contacts":
        for row in rows:
            yield render_record(kind, row._mapping)
        return
    # Phones and emails come in one more query in the same order, walked alongside.
    points = _stream(
        session,
        select(ContactPoint.contact_id, ContactPoint.kind, ContactPoint.value)
        .join(Contact, Contact.contact_id == ContactPoint.contact_id)
        .where(Contact.workspace_id == workspace_id, ContactPoint.workspace_id == workspace_id)
        .order_by(Contact.created_at, Contact.contact_id, ContactPoint.position, ContactPoint.id),
    )
    point = next(points, None)
    for row in rows:
        values: dict[str, Any] = dict(row._mapping)
        values["phones"], values["emails"] = [], []
        while point is not None and point.contact_id == values["contact_id"]:
            values["phones" if point.kind == ContactPointKind.phone else "emails"].append(
                point.value
            )
            point = next(points, None)
        yield render_record(kind, values)


def iter_export(
    session: Session, *, workspace: Workspace
) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
    """Each document key with a stream of its records, for writing big workspaces."""
    for key in DOCUMENT_KEYS:
        yield key, _iter_records(session, KINDS[key], workspace.workspace_id)


def export_document(session: Session, *, workspace: Workspace) -> dict[str, list[dict[str, Any]]]:
    """The whole workspace as one document valid against `schemas/crm.json`."""
    return {key: list(records) for key, records in iter_export(session, workspace=workspace)}


def write_document(session: Session, *, workspace: Workspace, out: TextIO) -> dict[str, int]:
    """Write the document as `json.dumps(doc, indent=2)` would, one record at a time."""
    counts: dict[str, int] = {}
    out.write("{\n")
    for position, (key, records) in enumerate(iter_export(session, workspace=workspace)):
        out.write(f"  {json.dumps(key)}: [")
        count = 0
        for record in records:
            text = json.dumps(record, indent=2, ensure_ascii=False)
            out.write(("," if count else "") + "\n" + textwrap.indent(text, "    "))
            count += 1
        out.write("\n  ]" if count else "]")
        out.write(",\n" if position < len(DOCUMENT_KEYS) - 1 else "\n")
        counts[key] = count
    out.write("}\n")
    return counts
