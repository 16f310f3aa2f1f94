"""`crm import contacts.csv`: contacts from a spreadsheet, deduplicated as they come in.

Every row is checked (`core.transfer.sheet`) before anything is written, so one bad phone on
row 40 writes nothing. A row whose phone or email is already a contact's, under the same name
(`core.contacts.claims.same_person`) or none, is merged into that contact (hard stop 3: no
duplicate customers), filling what it lacks and never overwriting; a later row sharing a
phone or email with an earlier one is merged into it the same way. Under another name (a
spouse, a landlord on a shared number) the row is a conflict: neither merged nor created, and
listed so a person can decide. A row with no name, phone or email is skipped. The report says
which, row by row, and why. The file's phones and emails are claimed (locked) before the
match, so a capture of one of them waits for the import and sees what it made.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from core.common.enums import ContactPointKind, LifecycleStage, PreferredChannel
from core.contacts.claims import claim_contact_points, same_person
from core.contacts.input import NOTES_LIMIT
from core.errors import ImportRejected
from core.models import AuditEntry, Company, Contact, ContactPoint, Workspace, new_id, utcnow
from core.platform.audit import jsonable, snapshot
from core.transfer.bulk_rows import insert_rows
from core.transfer.sheet import SheetRow, read_contact_sheet

__all__ = ["CsvImportReport", "import_contacts_csv"]

Point = tuple[ContactPointKind, str]
_KINDS = {kind.value: kind for kind in ContactPointKind}


@dataclass(frozen=True)
class CsvImportReport:
    """What a contacts CSV import did, row by row, in words a person can check."""

    created: tuple[tuple[int, str], ...] = ()  # (row, name)
    merged: tuple[tuple[int, str, str], ...] = ()  # (row, contact name, reason)
    skipped: tuple[tuple[int, str], ...] = ()  # (row, reason)
    ignored_columns: tuple[str, ...] = ()
    conflicts: tuple[tuple[int, str, str], ...] = ()  # (row, contact name, reason): not imported

    def summary(self) -> str:
        conflicts = len(self.conflicts)
        return (
            f"Imported contacts: {len(self.created)} created, {len(self.merged)} merged, "
            f"{len(self.skipped)} skipped"
            + (
                f", {conflicts} conflict{'s' if conflicts != 1 else ''} not imported"
                * bool(conflicts)
            )
            + "."
        )

    def render(self) -> str:
        lines = [(row, f"row {row}: merged into {name} ({why})") for row, name, why in self.merged]
        lines += [(row, f"row {row}: skipped ({why})") for row, why in self.skipped]
        lines += [
            (row, f"row {row}: conflict, not imported ({why}, which is {name}: another name)")
            for row, name, why in self.conflicts
        ]
        text = [self.summary(), *(line for _, line in sorted(lines))]
        if self.ignored_columns:
            text.append("Ignored columns: " + ", ".join(self.ignored_columns) + ".")
        return "\n".join(text)


@dataclass
class _NewContact:
    """A contact this import creates: plain values, inserted with the others in one batch (an
    ORM instance per row cost more than everything else the import does)."""

    contact_id: str
    workspace_id: str
    first_name: str
    last_name: str | None
    company_id: str | None
    address: str | None
    preferred_channel: PreferredChannel | None
    lifecycle_stage: LifecycleStage
    tags: list[str]
    notes: str | None
    created_at: datetime

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def values(self) -> dict[str, Any]:
        """The row as inserted: every column (the others at their defaults), so the audit row
        shows what was written, as `snapshot` of a flushed contact would."""
        return {
            **_CONTACT_DEFAULTS,
            "contact_id": self.contact_id,
            "workspace_id": self.workspace_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company_id": self.company_id,
            "address": self.address,
            "preferred_channel": self.preferred_channel,
            "lifecycle_stage": self.lifecycle_stage,
            "tags": self.tags,
            "notes": self.notes,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }

    def audited(self, points: dict[str, list[str]]) -> dict[str, Any]:
        """`jsonable(self.values())` with its phones and emails, made without looking at every
        column's type: only the enums and timestamps this import sets need changing."""
        stamp = self.created_at.isoformat()
        channel = self.preferred_channel
        return {
            **_CONTACT_DEFAULTS_JSON,
            "contact_id": self.contact_id,
            "workspace_id": self.workspace_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company_id": self.company_id,
            "address": self.address,
            "preferred_channel": channel.value if channel is not None else None,
            "lifecycle_stage": self.lifecycle_stage.value,
            "tags": self.tags,
            "notes": self.notes,
            "created_at": stamp,
            "updated_at": stamp,
            **points,
        }


#: Each contact column's value when an import gives none: its scalar default, else NULL.
_CONTACT_DEFAULTS: dict[str, Any] = {
    column.key: column.default.arg
    if isinstance(column.default, ScalarElementColumnDefault)
    else None
    for column in Contact.__table__.columns
}
_CONTACT_DEFAULTS_JSON = jsonable(_CONTACT_DEFAULTS)


Record = Contact | _NewContact

_CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
_POINTS: Table = ContactPoint.__table__  # type: ignore[assignment]
_AUDIT: Table = AuditEntry.__table__  # type: ignore[assignment]


class _Gains:
    """Phones and emails contacts gain, kept aside and written in one statement at the end."""

    def __init__(self) -> None:
        # contact id -> (the points it had: (kind, value), the points it gains, next position)
        self.points: dict[str, tuple[list[Point], list[Point], int]] = {}

    def _entry(self, contact: Record) -> tuple[list[Point], list[Point], int]:
        if contact.contact_id not in self.points:
            if isinstance(contact, _NewContact):  # made by this import: none yet
                self.points[contact.contact_id] = ([], [], 0)
            else:
                had = [(p.kind, p.value) for p in contact.points]
                start = max((p.position for p in contact.points), default=-1) + 1
                self.points[contact.contact_id] = (had, [], start)
        return self.points[contact.contact_id]

    def add(self, contact: Record, points: list[tuple[str, str]]) -> None:
        had, gained, _ = self._entry(contact)
        for label, value in points:
            if (point := (_KINDS[label], value)) not in had and point not in gained:
                gained.append(point)

    def of(self, contact: Record) -> dict[str, list[str]]:
        """The contact's phones and emails once the gains are written, primary first."""
        had, gained, _ = self._entry(contact)
        return {
            "phones": [v for k, v in had + gained if k == ContactPointKind.phone],
            "emails": [v for k, v in had + gained if k == ContactPointKind.email],
        }

    def rows(self, workspace_id: str) -> Iterator[dict[str, Any]]:
        return (
            {
                "workspace_id": workspace_id,
                "contact_id": contact_id,
                "kind": kind,
                "value": value,
                "position": start + offset,
            }
            for contact_id, (_, gained, start) in self.points.items()
            for offset, (kind, value) in enumerate(gained)
        )


def _fill(contact: Record, row: SheetRow, company: Company | None, gains: _Gains) -> None:
    """Add what the contact lacks from the row; never overwrite what it already has."""
    gains.add(contact, row.points())
    contact.last_name = contact.last_name or row.last_name
    contact.address = contact.address or row.address
    contact.preferred_channel = contact.preferred_channel or row.preferred_channel
    if contact.company_id is None and company is not None:
        contact.company_id = company.company_id
    have = {t.lower() for t in contact.tags or []}
    contact.tags = [*(contact.tags or []), *(t for t in row.tags if t.lower() not in have)]
    if row.notes and row.notes not in (contact.notes or ""):
        notes = f"{contact.notes}\n{row.notes}" if contact.notes else row.notes
        if len(notes) > NOTES_LIMIT:
            raise ImportRejected(
                f"merging would make {contact.full_name}'s notes longer than "
                f"{NOTES_LIMIT:,} characters.",
                row=row.number,
                field=row.notes_header,
            )
        contact.notes = notes


def _companies(
    session: Session, workspace: Workspace, rows: list[SheetRow]
) -> tuple[dict[str, Company], list[Company]]:
    """The workspace's companies the file names (one query), and the new ones to add."""
    names: dict[str, str] = {}  # lower-cased -> the first spelling the file uses
    for row in rows:
        if row.company:
            names.setdefault(row.company.lower(), row.company)
    if not names:
        return {}, []
    found = session.scalars(
        select(Company)
        .where(
            Company.workspace_id == workspace.workspace_id,
            func.lower(Company.name).in_(sorted(names)),
        )
        .order_by(Company.created_at, Company.company_id)
    )
    by_name: dict[str, Company] = {}
    for company in found:
        by_name.setdefault(company.name.lower(), company)
    new = [
        Company(company_id=new_id("co"), workspace_id=workspace.workspace_id, name=name)
        for key, name in names.items()
        if key not in by_name
    ]
    by_name.update({company.name.lower(): company for company in new})
    return by_name, new


def _existing_owners(
    session: Session, workspace: Workspace, rows: list[SheetRow]
) -> dict[str, tuple[Record, int | None]]:
    """Every phone and email of the file that a live contact already has, claimed first."""
    phones = sorted({p for row in rows for p in row.phones})
    emails = sorted({e for row in rows for e in row.emails})
    owners: dict[str, tuple[Record, int | None]] = {}
    for match in claim_contact_points(session, workspace=workspace, phones=phones, emails=emails):
        for value in match.matched_on:  # never a merged-away record: its survivor is matched
            owners.setdefault(value, (match.contact, None))
    return owners


def import_contacts_csv(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    text: str,
    mapping: dict[str, str] | None = None,
) -> CsvImportReport:
    """Create or merge a contact per CSV row, checking every row before writing any."""
    rows, ignored = read_contact_sheet(text, mapping, workspace.default_phone_region)
    workspace_id = workspace.workspace_id
    owners = _existing_owners(session, workspace, rows)
    by_name, new_companies = _companies(session, workspace, rows)
    created: list[tuple[int, _NewContact]] = []
    merged: list[tuple[int, str, str]] = []
    skipped: list[tuple[int, str]] = []
    conflicts: list[tuple[int, str, str]] = []
    touched: dict[str, tuple[Contact, dict[str, Any]]] = {}  # existing contacts, and before
    gains = _Gains()
    for row in rows:
        company = by_name.get(row.company.lower()) if row.company else None
        points = row.points()
        hit = next(((kind, v) for kind, v in points if v in owners), None)
        if hit is not None:
            kind, value = hit
            contact, source = owners[value]
            seen = f" as row {source}" if source is not None else ""
            if not same_person(contact, row.first_name, row.last_name):
                conflicts.append((row.number, contact.full_name, f"same {kind} {value}{seen}"))
                continue
            if isinstance(contact, Contact) and contact.contact_id not in touched:
                touched[contact.contact_id] = (contact, {**snapshot(contact), **gains.of(contact)})
            _fill(contact, row, company, gains)
            merged.append((row.number, contact.full_name, f"same {kind} {value}{seen}"))
        elif row.first_name or row.last_name or points:
            new = _new_contact(workspace_id, row, company)
            gains.add(new, points)
            created.append((row.number, new))
            contact = new
        else:
            skipped.append((row.number, "no name, phone or email"))
            continue
        for _, value in points:
            owners.setdefault(value, (contact, row.number))  # later rows name the row it came from
    left_out = {number for number, _, _ in conflicts}
    kept = {r.company.lower() for r in rows if r.company and r.number not in left_out}
    new_companies = [c for c in new_companies if c.name.lower() in kept]  # none for a conflict
    _write(session, workspace_id, actor, new_companies, [c for _, c in created], touched, gains)
    return CsvImportReport(
        created=tuple((number, contact.full_name) for number, contact in created),
        merged=tuple(merged),
        skipped=tuple(skipped),
        ignored_columns=tuple(ignored),
        conflicts=tuple(conflicts),
    )


def _new_contact(workspace_id: str, row: SheetRow, company: Company | None) -> _NewContact:
    # With no name at all, the phone or email stands in for one, as a phone's contact list does.
    first = row.first_name or row.last_name or row.points()[0][1]
    return _NewContact(
        contact_id=new_id("ct"),
        workspace_id=workspace_id,
        first_name=first,
        last_name=row.last_name if row.first_name else None,
        company_id=company.company_id if company else None,
        address=row.address,
        preferred_channel=row.preferred_channel,
        lifecycle_stage=row.lifecycle_stage or LifecycleStage.prospect,
        tags=list(row.tags),
        notes=row.notes,
        created_at=utcnow(),
    )


def _write(
    session: Session,
    workspace_id: str,
    actor: str,
    companies: list[Company],
    created: list[_NewContact],
    touched: dict[str, tuple[Contact, dict[str, Any]]],
    gains: _Gains,
) -> None:
    """Write in a fixed number of statements: each table's new rows go in as one batch."""
    # Companies and contacts point at each other: companies first, their primary contact after.
    session.add_all(companies)
    session.flush()
    # The rows are made as COPY sends them, so Python makes the next while Postgres writes.
    insert_rows(session, _CONTACTS, (contact.values() for contact in created))
    first_of: dict[str, str] = {}
    for contact in created:
        if contact.company_id is not None:
            first_of.setdefault(contact.company_id, contact.contact_id)
    for company in companies:
        company.primary_contact_id = first_of.get(company.company_id)
    audit: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any]]] = [
        ("merge_import", "contacts", c.contact_id, was, {**snapshot(c), **gains.of(c)})
        for c, was in touched.values()
    ]
    audit += [
        ("create_company", "companies", company.company_id, None, snapshot(company))
        for company in companies
    ]
    made = (("import", "contacts", c.contact_id, None, c.audited(gains.of(c))) for c in created)
    insert_rows(session, _POINTS, gains.rows(workspace_id))
    for record, _ in touched.values():
        session.expire(record, ["points"])
    now = utcnow()
    insert_rows(
        session,
        _AUDIT,
        (
            {
                "workspace_id": workspace_id,
                "actor": actor,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "before": before,
                "after": after,
                "at": now,
            }
            for action, entity_type, entity_id, before, after in chain(made, audit)
        ),
    )
    session.flush()
