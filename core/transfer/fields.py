"""The `crm export` document's records: which fields, how each is written and read back.

One table of fields per record kind drives export, import and the comparison of an imported
record with one already stored, so the three can never disagree. Money is whole dollars as a
JSON integer and dollars-and-cents as a JSON number (`350`, `350.5`); dates `YYYY-MM-DD`;
timestamps UTC as `+00:00`; phones E.164 (re-normalized on the way in), emails lower-cased.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy import Table

from core.common import enums
from core.common.money import MAX_AMOUNT
from core.contacts.points import normalize_email, normalize_phone
from core.errors import CRMError, ImportRejected
from core.models import Base, Company, Contact, Interaction, Lead, Opportunity
from schemas import validation_errors

__all__ = [
    "DOCUMENT_KEYS",
    "KINDS",
    "WRITE_ORDER",
    "Field",
    "ItemError",
    "RecordKind",
    "check_schema",
    "parse_document",
    "parse_value",
    "render_record",
    "with_defaults",
]

DOCUMENT_KEYS = ("contacts", "companies", "leads", "interactions", "opportunities")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Field:
    """One field of a record: how its value is read, written, and what it points at."""

    name: str
    kind: str = "plain"  # plain | enum | money | date | timestamp | phone | phones | emails
    enum: type[StrEnum] | None = None
    ref: str | None = None  # the document key this id points at
    late: bool = False  # written after every table is in: it closes a cycle of references
    # A field the product adds to the procedure's records: export always writes it, an import
    # may leave it out and gets `default` (a timestamp: the import's time, see `document`).
    optional: bool = False
    default: Any = None


@dataclass(frozen=True)
class RecordKind:
    """One list of the document (contacts, leads...) and the table its records live in."""

    key: str  # document key
    model: type[Base]
    id_field: str
    fields: tuple[Field, ...]

    @property
    def table(self) -> Table:
        table: Table = self.model.__table__  # type: ignore[assignment]
        return table

    @property
    def one(self) -> str:
        return {"companies": "company", "opportunities": "opportunity"}.get(self.key, self.key[:-1])


def _f(name: str, kind: str = "plain", **options: Any) -> Field:
    return Field(name, kind, **options)


E = enums
# The fields in the schema's order; a table reads better than ruff's one-call-per-line.
# fmt: off
_CONTACT = (
    _f("contact_id"), _f("first_name"), _f("last_name"), _f("company_id", ref="companies"),
    _f("phones", "phones"), _f("emails", "emails"), _f("address"),
    _f("preferred_channel", "enum", enum=E.PreferredChannel),
    _f("lifecycle_stage", "enum", enum=E.LifecycleStage), _f("tags"),
    _f("quickbooks_customer_id"), _f("notes"),
    _f("merged_into_contact_id", ref="contacts", late=True, optional=True),
    _f("archived", optional=True, default=False),
    _f("do_not_contact", optional=True, default=False),
)
_COMPANY = (
    _f("company_id"), _f("name"), _f("type", "enum", enum=E.CompanyType),
    _f("main_phone", "phone"), _f("billing_address"),
    _f("primary_contact_id", ref="contacts", late=True),
    _f("status", "enum", enum=E.CompanyStatus), _f("quickbooks_customer_id"),
)
_LEAD = (
    _f("lead_id"), _f("title"), _f("description"), _f("contact_id", ref="contacts"),
    _f("source", "enum", enum=E.LeadSource), _f("status", "enum", enum=E.LeadStatus),
    _f("disqualification_reason", "enum", enum=E.DisqualificationReason),
    _f("estimated_value", "money"), _f("pipeline_stage", "enum", enum=E.PipelineStage),
    _f("expected_close_date", "date"), _f("owner"),
    _f("converted_opportunity_id", ref="opportunities", late=True),
)
_INTERACTION = (
    _f("interaction_id"), _f("type", "enum", enum=E.InteractionType),
    _f("timestamp", "timestamp"), _f("contact_id", ref="contacts"),
    _f("lead_id", ref="leads"), _f("opportunity_id", ref="opportunities"),
    _f("subject"), _f("body"), _f("outcome", "enum", enum=E.Outcome),
    _f("follow_up_date", "date"), _f("follow_up_status", "enum", enum=E.FollowUpStatus),
    _f("ai_summary"),
)
_OPPORTUNITY = (
    _f("opportunity_id"), _f("lead_id", ref="leads"), _f("contact_id", ref="contacts"),
    _f("company_id", ref="companies"), _f("name"),
    _f("stage", "enum", enum=E.OpportunityStage), _f("amount", "money"),
    _f("expected_close_date", "date"), _f("close_date", "date"),
    _f("loss_reason", "enum", enum=E.LossReason), _f("loss_notes"), _f("estimate_id"),
    _f("owner"),
)
# fmt: on
_STAMPS = (
    _f("created_at", "timestamp", optional=True),
    _f("updated_at", "timestamp", optional=True),
)
KINDS: dict[str, RecordKind] = {
    kind.key: kind
    for kind in (
        RecordKind("contacts", Contact, "contact_id", _CONTACT + _STAMPS),
        RecordKind("companies", Company, "company_id", _COMPANY + _STAMPS),
        RecordKind("leads", Lead, "lead_id", _LEAD + _STAMPS),
        RecordKind("interactions", Interaction, "interaction_id", _INTERACTION + _STAMPS),
        RecordKind("opportunities", Opportunity, "opportunity_id", _OPPORTUNITY + _STAMPS),
    )
}
# Referenced tables go in first; the `late` references are filled in once everything exists.
WRITE_ORDER = ("companies", "contacts", "leads", "opportunities", "interactions")


# ---------------------------------------------------------------- values in and out


def _render_money(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def render_record(kind: RecordKind, row: Mapping[str, Any]) -> dict[str, Any]:
    """One record as the schema describes it, from column values (and phones/emails)."""
    record: dict[str, Any] = {}
    for f in kind.fields:
        value = row[f.name]
        if value is None:
            record[f.name] = None
        elif isinstance(value, Enum):
            record[f.name] = value.value
        elif f.kind == "money":
            record[f.name] = _render_money(value)
        elif f.kind == "timestamp":
            record[f.name] = value.astimezone(UTC).isoformat()
        elif isinstance(value, date):
            record[f.name] = value.isoformat()
        elif isinstance(value, list):
            record[f.name] = list(value)
        else:
            record[f.name] = value
    return record


def _parse_money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:  # pragma: no cover - the schema already wants a number
        raise CRMError(f"{value!r} is not an amount.") from error
    if amount != amount.quantize(_CENT):
        raise CRMError(f"{value} has more than two decimals; amounts are dollars and cents.")
    if amount > MAX_AMOUNT:
        raise CRMError(f"{value} is more than the largest amount, {MAX_AMOUNT}.")
    return amount.quantize(_CENT)


def parse_value(f: Field, value: Any, region: str) -> Any:
    """A document value as the model keeps it, or a CRMError saying what is wrong."""
    if value is None:
        return None
    if f.kind == "enum" and f.enum is not None:
        return f.enum(value)
    if f.kind == "money":
        return _parse_money(value)
    if f.kind == "date":
        return date.fromisoformat(value)
    if f.kind == "timestamp":
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError as error:
            raise CRMError(f"{value!r} is not a timestamp: {error}.") from error
    if f.kind == "phone":
        return normalize_phone(value, region)
    if f.kind in ("phones", "emails"):
        values: list[str] = []
        for index, raw in enumerate(value):
            try:
                clean = normalize_phone(raw, region) if f.kind == "phones" else normalize_email(raw)
            except CRMError as error:
                raise ItemError(index, error.message) from error
            if clean not in values:
                values.append(clean)
        return values
    return list(value) if isinstance(value, list) else value


def with_defaults(kind: RecordKind, raw: Mapping[str, Any], now: str) -> dict[str, Any]:
    """The record with every product-added field it left out set to its default."""
    full = dict(raw)
    for f in kind.fields:
        if f.optional and f.name not in full:
            if f.kind == "timestamp":
                full[f.name] = full.get("created_at", now) if f.name == "updated_at" else now
            else:
                full[f.name] = f.default
    return full


class ItemError(Exception):
    """A bad item of a list field, so the refusal can name `phones[1]` rather than `phones`."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


def parse_document(text: str) -> Any:
    """Read JSON text, or say where it stops being JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRejected(
            f"the file is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}. Nothing was imported."
        ) from error


def check_schema(document: Any) -> None:
    """Refuse a document the schema refuses, naming the first record and field that is wrong."""
    problems = validation_errors(document)
    if not problems:
        return
    path, _, message = problems[0].partition(": ")
    more = f" ({len(problems) - 1} more problems)" if len(problems) > 1 else ""
    row, _, field_name = path.partition(".")
    if "[" not in row:  # a top-level problem: no record to name
        row, field_name = "", path if path != "(document)" else ""
    if not field_name and ("is a required property" in message or "unexpected" in message):
        field_name = message.split("'")[1]  # the property the message quotes
    raise ImportRejected(
        message + more + ". Nothing was imported.", row=row or None, field=field_name or None
    )
