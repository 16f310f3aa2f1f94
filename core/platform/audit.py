"""The audit trail: every write names its actor and keeps the values before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from core.models import AuditEntry, Base, Workspace


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Column values as JSON-ready data, as `snapshot` gives them (for rows written in bulk)."""
    return {key: _jsonable(value) for key, value in values.items()}


def snapshot(record: Base) -> dict[str, Any]:
    """The record's column values as JSON-ready data; secret columns (tokens) are left out."""
    mapper = inspect(record).mapper
    return {
        attr.key: _jsonable(getattr(record, attr.key))
        for attr in mapper.column_attrs
        if not attr.columns[0].info.get("secret")
    }


def record_audit(
    session: Session,
    *,
    workspace_id: str,
    actor: str,
    action: str,
    entity: Base,
    before: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit row for `entity` in the caller's transaction (flushes to get ids)."""
    session.flush()
    mapper = inspect(entity).mapper
    entity_id = str(mapper.primary_key_from_instance(entity)[0])
    entry = AuditEntry(
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        entity_type=str(getattr(entity, "__tablename__", type(entity).__name__)),
        entity_id=entity_id,
        before=before,
        after=snapshot(entity),
    )
    session.add(entry)
    return entry


def audit(
    session: Session,
    workspace: Workspace,
    *,
    actor: str,
    action: str,
    entity: Base,
    before: dict[str, Any] | None = None,
) -> AuditEntry:
    """The audit row of one step of an operation in `workspace` (see `record_audit`)."""
    return record_audit(
        session,
        workspace_id=workspace.workspace_id,
        actor=actor,
        action=action,
        entity=entity,
        before=before,
    )
