"""`crm import`: an exported JSON document read back into a workspace (docs/product.md, Data).

Import reads the document `core.transfer.document_export` writes, ids and timestamps kept,
after checking the whole document (schema, values, references, duplicates) so that a bad file
writes nothing.

Import rules: a record whose id is already in this workspace is skipped when identical and
refused when it differs (an import never overwrites); an id owned by another workspace is
refused; a reference must point into the file or this workspace; a new live contact sharing a
phone or email with one already here is refused (hard stop 3), matched after the file's phones
and emails are claimed (`core.contacts.claims`). Each record written gets its own audit row
(action "import"), all inserted in one statement.

A document carrying only the procedure's fields is accepted: the fields the product adds
(`archived`, `merged_into_contact_id`, `created_at`, `updated_at`) take their defaults (not
archived, not merged, the import's time; `updated_at` follows a given `created_at`), and a
record already here is compared on the fields the document gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.activity.last_touch import refresh_last_touch
from core.activity.summaries import summary_for
from core.common.enums import ContactPointKind
from core.contacts.claims import claim_contact_points
from core.errors import CRMError, ImportRejected
from core.models import AuditEntry, Contact, ContactPoint, Workspace, utcnow
from core.transfer.fields import (
    DOCUMENT_KEYS,
    KINDS,
    WRITE_ORDER,
    ItemError,
    RecordKind,
    check_schema,
    parse_value,
    render_record,
    with_defaults,
)

__all__ = ["ImportReport", "describe_counts", "import_document"]

_IN_CHUNK = 5000  # ids per IN (...) list: far below SQLite's and Postgres's parameter limits


@dataclass
class _Incoming:
    kind: RecordKind
    row: str  # "contacts[3]"
    values: dict[str, Any]  # as the model keeps them
    canonical: dict[str, Any]  # as export would write them
    given: frozenset[str] = frozenset()  # the fields the document carried (others defaulted)

    @property
    def id(self) -> str:
        return str(self.values[self.kind.id_field])


def _parse_records(document: Mapping[str, Any], region: str) -> dict[str, list[_Incoming]]:
    parsed: dict[str, list[_Incoming]] = {}
    now = utcnow().isoformat()
    for key in DOCUMENT_KEYS:
        kind = KINDS[key]
        records: list[_Incoming] = []
        seen: set[str] = set()
        for index, given in enumerate(document[key]):
            row = f"{key}[{index}]"
            raw = with_defaults(kind, given, now)
            values: dict[str, Any] = {}
            for f in kind.fields:
                try:
                    values[f.name] = parse_value(f, raw[f.name], region)
                except ItemError as error:
                    raise ImportRejected(
                        error.message, row=row, field=f"{f.name}[{error.index}]"
                    ) from error
                except CRMError as error:
                    raise ImportRejected(error.message, row=row, field=f.name) from error
                except ValueError as error:  # a date the calendar does not have
                    raise ImportRejected(
                        f"{raw[f.name]!r}: {error}.", row=row, field=f.name
                    ) from error
            incoming = _Incoming(kind, row, values, render_record(kind, values), frozenset(given))
            if incoming.id in seen:
                raise ImportRejected(
                    f"{kind.one} {incoming.id} appears twice in the file.",
                    row=row,
                    field=kind.id_field,
                )
            seen.add(incoming.id)
            records.append(incoming)
        parsed[key] = records
    return parsed


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start : start + _IN_CHUNK]


@dataclass
class _Stored:
    workspace_id: str
    canonical: dict[str, Any] | None = None


def _load_stored(
    session: Session, workspace_id: str, parsed: dict[str, list[_Incoming]]
) -> dict[str, dict[str, _Stored]]:
    """Records already in the database with any id the document defines or points at."""
    wanted: dict[str, set[str]] = {key: {r.id for r in parsed[key]} for key in DOCUMENT_KEYS}
    for records in parsed.values():
        for record in records:
            for f in record.kind.fields:
                if f.ref and record.values[f.name] is not None:
                    wanted[f.ref].add(record.values[f.name])
    stored: dict[str, dict[str, _Stored]] = {key: {} for key in DOCUMENT_KEYS}
    for key in DOCUMENT_KEYS:
        kind = KINDS[key]
        table = kind.table
        for chunk in _chunks(wanted[key]):
            # Ids are global keys: look in every workspace, so one owned elsewhere is refused.
            for row in session.execute(select(table).where(table.c[kind.id_field].in_(chunk))):
                values = dict(row._mapping)
                entry = _Stored(values["workspace_id"])
                if values["workspace_id"] == workspace_id:
                    values.setdefault("phones", [])
                    values.setdefault("emails", [])
                    entry.canonical = values  # rendered below, once phones are known
                stored[key][values[kind.id_field]] = entry
    ours = [i for i, s in stored["contacts"].items() if s.canonical is not None]
    for chunk in _chunks(ours):
        points = session.execute(
            select(ContactPoint.contact_id, ContactPoint.kind, ContactPoint.value)
            .where(ContactPoint.workspace_id == workspace_id, ContactPoint.contact_id.in_(chunk))
            .order_by(ContactPoint.contact_id, ContactPoint.position, ContactPoint.id)
        )
        for point in points:
            values = stored["contacts"][point.contact_id].canonical or {}
            values["phones" if point.kind == ContactPointKind.phone else "emails"].append(
                point.value
            )
    for key in DOCUMENT_KEYS:
        for entry in stored[key].values():
            if entry.canonical is not None:
                entry.canonical = render_record(KINDS[key], entry.canonical)
    return stored


def _new_records(
    parsed: dict[str, list[_Incoming]], stored: dict[str, dict[str, _Stored]], workspace_id: str
) -> dict[str, list[_Incoming]]:
    """Drop records already here and identical; refuse ones that differ or belong elsewhere."""
    new: dict[str, list[_Incoming]] = {}
    for key in DOCUMENT_KEYS:
        new[key] = []
        for record in parsed[key]:
            there = stored[key].get(record.id)
            if there is None:
                new[key].append(record)
                continue
            id_field = record.kind.id_field
            if there.workspace_id != workspace_id:
                raise ImportRejected(
                    f"{record.kind.one} {record.id} belongs to another workspace.",
                    row=record.row,
                    field=id_field,
                )
            old = there.canonical or {}
            changed = [
                name
                for name, value in record.canonical.items()
                if name in record.given and old.get(name) != value
            ]
            if changed:
                raise ImportRejected(
                    f"{record.kind.one} {record.id} is already in this workspace with a "
                    f"different {', '.join(changed)}; the import does not overwrite records.",
                    row=record.row,
                    field=changed[0],
                )
    return new


def _check_references(
    parsed: dict[str, list[_Incoming]], stored: dict[str, dict[str, _Stored]], workspace_id: str
) -> None:
    defined = {key: {r.id for r in parsed[key]} for key in DOCUMENT_KEYS}
    for key in DOCUMENT_KEYS:
        for record in parsed[key]:
            for f in record.kind.fields:
                target = record.values[f.name]
                if f.ref is None or target is None or target in defined[f.ref]:
                    continue
                there = stored[f.ref].get(target)
                if there is not None and there.workspace_id == workspace_id:
                    continue
                one = KINDS[f.ref].one
                where = "belongs to another workspace" if there else "is not in the file"
                raise ImportRejected(
                    f"{one} {target} {where}"
                    + ("" if there else f" nor in workspace {workspace_id}")
                    + ".",
                    row=record.row,
                    field=f.name,
                )


def _check_duplicate_contacts(
    session: Session, workspace: Workspace, parsed: dict[str, list[_Incoming]], new: list[_Incoming]
) -> None:
    """Hard stop 3: a new live contact may not share a phone or email with one already here."""
    live = [
        r for r in new if r.values["merged_into_contact_id"] is None and not r.values["archived"]
    ]
    phones = sorted({p for r in live for p in r.values["phones"]})
    emails = sorted({e for r in live for e in r.values["emails"]})
    if not live or not (phones or emails):
        return
    in_file = {r.id for r in parsed["contacts"]}
    owners: dict[str, Contact] = {}
    for match in claim_contact_points(session, workspace=workspace, phones=phones, emails=emails):
        contact = match.contact
        if contact.contact_id in in_file:
            continue
        for value in match.matched_on:
            owners.setdefault(value, contact)
    for record in live:
        for name in ("phones", "emails"):
            for index, value in enumerate(record.values[name]):
                if value in owners:
                    other = owners[value]
                    raise ImportRejected(
                        f"{value} already belongs to {other.full_name} ({other.contact_id}) "
                        "in this workspace; importing would make a duplicate customer.",
                        row=record.row,
                        field=f"{name}[{index}]",
                    )


# ---------------------------------------------------------------- import: writing


def describe_counts(counts: Mapping[str, int]) -> str:
    """`3 contacts, 1 company, 0 leads`: record counts in words."""
    return ", ".join(f"{n} {key if n != 1 else KINDS[key].one}" for key, n in counts.items())


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote (per document key) and what was already there unchanged."""

    workspace_id: str
    created: Mapping[str, int] = field(default_factory=dict)
    unchanged: Mapping[str, int] = field(default_factory=dict)

    def render(self) -> str:
        created = {key: n for key, n in self.created.items() if n}
        text = f"Imported into {self.workspace_id}: " + (describe_counts(created) or "nothing new")
        same = sum(self.unchanged.values())
        if same:
            text += f" ({same} record{'s' if same != 1 else ''} already there, unchanged)"
        return text + "."


def _write(
    session: Session, workspace_id: str, actor: str, new: dict[str, list[_Incoming]]
) -> None:
    late: dict[str, list[dict[str, Any]]] = {key: [] for key in DOCUMENT_KEYS}
    for key in WRITE_ORDER:
        kind = KINDS[key]
        rows: list[dict[str, Any]] = []
        for record in new[key]:
            row: dict[str, Any] = {"workspace_id": workspace_id}
            fix = {}
            for f in kind.fields:
                if f.kind in ("phones", "emails"):
                    continue
                value = record.values[f.name]
                if f.late and value is not None:
                    fix[f.name], value = value, None
                row[f.name] = value
            if key == "interactions" and not row.get("ai_summary"):
                row["ai_summary"] = summary_for(session, row.get("body"))
            rows.append(row)
            if fix:
                # Naming updated_at keeps its imported value (no onupdate on an explicit SET).
                late[key].append(
                    {kind.id_field: record.id, **fix, "updated_at": record.values["updated_at"]}
                )
        if rows:
            session.execute(insert(kind.model), rows)
        if key == "contacts":
            points = [
                {
                    "workspace_id": workspace_id,
                    "contact_id": record.id,
                    "kind": point_kind,
                    "value": value,
                    "position": position,
                }
                for record in new[key]
                for position, (point_kind, value) in enumerate(
                    [(ContactPointKind.phone, p) for p in record.values["phones"]]
                    + [(ContactPointKind.email, e) for e in record.values["emails"]]
                )
            ]
            if points:
                session.execute(insert(ContactPoint), points)
    for key, fixes in late.items():
        if fixes:
            session.execute(update(KINDS[key].model), fixes)
    now = utcnow()
    audit = [
        {
            "workspace_id": workspace_id,
            "actor": actor,
            "action": "import",
            "entity_type": KINDS[key].table.name,
            "entity_id": record.id,
            "before": None,
            "after": record.canonical,
            "at": now,
        }
        for key in WRITE_ORDER
        for record in new[key]
    ]
    if audit:
        session.execute(insert(AuditEntry), audit)
    _refresh_touches(session, workspace_id, new)


def _refresh_touches(session: Session, workspace_id: str, new: dict[str, list[_Incoming]]) -> None:
    """Bulk inserts skip the ORM's last-touch hook: recompute what the new history reaches."""
    touched = new["interactions"]
    contacts = {r.id for r in new["contacts"]} | {
        r.values["contact_id"] for r in touched if r.values["contact_id"]
    }
    leads = {r.id for r in new["leads"]} | {
        r.values["lead_id"] for r in touched if r.values["lead_id"]
    }
    refresh_last_touch(session, workspace_id=workspace_id, contact_ids=contacts, lead_ids=leads)


def import_document(
    *, session: Session, workspace: Workspace, actor: str, document: Any
) -> ImportReport:
    """Bring an exported document into the workspace, or refuse it whole naming row and field."""
    check_schema(document)
    workspace_id = workspace.workspace_id
    parsed = _parse_records(document, workspace.default_phone_region)
    stored = _load_stored(session, workspace_id, parsed)
    new = _new_records(parsed, stored, workspace_id)
    _check_references(parsed, stored, workspace_id)
    _check_duplicate_contacts(session, workspace, parsed, new["contacts"])
    _write(session, workspace_id, actor, new)
    session.flush()
    return ImportReport(
        workspace_id,
        created={key: len(new[key]) for key in DOCUMENT_KEYS},
        unchanged={key: len(parsed[key]) - len(new[key]) for key in DOCUMENT_KEYS},
    )
