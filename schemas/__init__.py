"""JSON Schemas for the `crm export` document, and a validator that knows both of them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing import Registry, Resource

CRM_SCHEMA = "crm.json"
OPPORTUNITY_SCHEMA = "opportunity.json"

# A value's repr longer than this is shortened inside messages (a 10,000-character note).
_MAX_REPR = 80


def load_schema(name: str) -> dict[str, Any]:
    """Read one of the shipped schema files."""
    schema: dict[str, Any] = json.loads(files(__name__).joinpath(name).read_text("utf-8"))
    return schema


@cache
def crm_validator() -> Validator:
    """Build the validator for an export document, resolving `opportunity.json` locally."""
    crm = load_schema(CRM_SCHEMA)
    opportunity = load_schema(OPPORTUNITY_SCHEMA)
    registry: Registry[Any] = Registry().with_resource(
        opportunity["$id"], Resource.from_contents(opportunity)
    )
    validator: Validator = Draft202012Validator(
        crm, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return validator


def validation_errors(document: Any) -> list[str]:
    """List every way `document` breaks the export schema, as `path: problem`, sorted by path."""
    errors = sorted(crm_validator().iter_errors(document), key=_sort_key)
    return [f"{_format_path(error.absolute_path)}: {_describe(error)}" for error in errors]


def _sort_key(error: ValidationError) -> tuple[tuple[tuple[int, int, str], ...], str]:
    # Indices compare as numbers, so contacts[2] comes before contacts[10].
    path = tuple(
        (0, part, "") if isinstance(part, int) else (1, 0, str(part))
        for part in error.absolute_path
    )
    return path, _describe(error)


def _format_path(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(document)"


def _describe(error: ValidationError) -> str:
    # anyOf/oneOf messages repeat the whole record; the schema's description says what is wrong.
    if error.validator in ("anyOf", "oneOf") and isinstance(error.schema, dict):
        description = error.schema.get("description")
        if isinstance(description, str):
            return description
    message: str = error.message
    full = repr(error.instance)
    if len(full) > _MAX_REPR:
        message = message.replace(full, full[: _MAX_REPR - 3] + "...")
    return message
