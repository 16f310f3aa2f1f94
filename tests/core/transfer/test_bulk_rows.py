"""`insert_rows`: many rows in one statement (COPY on Postgres) that are the rows an INSERT
writes: enums as their values, timestamps in UTC, JSON (and JSON null) as the ORM keeps it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.common.enums import ContactPointKind, LifecycleStage, PreferredChannel
from core.models import AuditEntry, Contact, ContactPoint
from core.transfer.bulk_rows import insert_rows
from tests.conftest import TEAM
from tests.core.factories import count_statements

CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
POINTS: Table = ContactPoint.__table__  # type: ignore[assignment]
AUDIT: Table = AuditEntry.__table__  # type: ignore[assignment]
AT = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))  # not UTC on purpose


def _contact(contact_id: str, **values: Any) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "workspace_id": TEAM,
        "first_name": "Zoë",
        "last_name": None,
        "preferred_channel": PreferredChannel.sms,
        "lifecycle_stage": LifecycleStage.customer,
        "tags": ["vip", "plumbing"],
        "notes": 'Gate code 4411, "beware of dog"\n\ttab\\slash 🐕',
        "archived": False,
        "created_at": AT,
        "updated_at": AT,
        **values,
    }


def _audit(entity_id: str, before: dict[str, Any] | None) -> dict[str, Any]:
    after = {"phones": ["+15552013344"], "note": None, "n": 1.5, "ok": True}
    return {
        "workspace_id": TEAM,
        "actor": "system:cli",
        "action": "import",
        "entity_type": "contacts",
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "at": AT,
    }


def _stored(session: Session, table: Table, key: Any, ids: list[str]) -> list[dict[str, Any]]:
    rows = session.execute(select(table).where(key.in_(ids)).order_by(key)).mappings()
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


def test_rows_are_the_ones_an_insert_writes(session: Session, workspace_id: str) -> None:
    insert_rows(session, CONTACTS, [_contact("ct_bulk1"), _contact("ct_bulk2", tags=[])])
    session.execute(insert(CONTACTS), [_contact("ct_plain1"), _contact("ct_plain2", tags=[])])
    insert_rows(session, AUDIT, [_audit("bulk1", None), _audit("bulk2", {"a": [1]})])
    session.execute(insert(AUDIT), [_audit("plain1", None), _audit("plain2", {"a": [1]})])

    bulk = _stored(session, CONTACTS, CONTACTS.c.contact_id, ["ct_bulk1", "ct_bulk2"])
    plain = _stored(session, CONTACTS, CONTACTS.c.contact_id, ["ct_plain1", "ct_plain2"])
    assert [{**row, "contact_id": None} for row in bulk] == [
        {**row, "contact_id": None} for row in plain
    ]
    assert bulk[0]["created_at"] == AT and bulk[0]["created_at"].tzinfo == UTC
    assert bulk[0]["preferred_channel"] == PreferredChannel.sms and bulk[1]["tags"] == []
    audit_bulk = _stored(session, AUDIT, AUDIT.c.entity_id, ["bulk1", "bulk2"])
    audit_plain = _stored(session, AUDIT, AUDIT.c.entity_id, ["plain1", "plain2"])
    assert [{**row, "entity_id": None} for row in audit_bulk] == [
        {**row, "entity_id": None} for row in audit_plain
    ]
    # The ORM keeps a None before as JSON null on Postgres; the rows above are equal either way.
    assert audit_bulk[1]["before"] == {"a": [1]} and audit_bulk[0]["after"]["note"] is None


def test_one_statement_however_many_rows(session: Session, workspace_id: str) -> None:
    def points(n: int, start: int) -> list[dict[str, Any]]:
        return [
            {
                "workspace_id": TEAM,
                "contact_id": "ct_owner",
                "kind": ContactPointKind.email,
                "value": f"p{i}@example.com",
                "position": i,
            }
            for i in range(start, start + n)
        ]

    session.execute(insert(CONTACTS), [_contact("ct_owner")])
    with count_statements(session) as few:
        insert_rows(session, POINTS, points(2, 0))
    with count_statements(session) as many:
        insert_rows(session, POINTS, points(500, 2))
    with count_statements(session) as none:
        insert_rows(session, POINTS, [])

    assert len(few) == len(many) == 1 and len(none) == 0
    stored = session.scalars(
        select(ContactPoint).where(ContactPoint.contact_id == "ct_owner")
    ).all()
    assert len(stored) == 502 and {p.kind for p in stored} == {ContactPointKind.email}


def test_a_refused_row_raises_as_an_insert_would(session: Session, workspace_id: str) -> None:
    orphan = {
        "workspace_id": TEAM,
        "contact_id": "ct_nobody",
        "kind": ContactPointKind.phone,
        "value": "+15552013344",
        "position": 0,
    }
    with pytest.raises(IntegrityError):  # the foreign key: no such contact
        insert_rows(session, POINTS, [orphan])
