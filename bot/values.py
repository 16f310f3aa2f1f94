"""What a button carries beyond a record id: one small frozen dataclass per kind, one codec.

Builders put `value.encode()` on the button; handlers read it back with `decode(Kind, text)`
(or `click.value_as(Kind)`). Slack hands back whatever the button carried, and anyone can post
a crafted payload, so a value that does not decode is refused with the kind's own sentence
(an `InvalidInput`, answered like any refusal), never a traceback. The words on the wire stay
small: `"<id>:<choice>"` for a record and a choice, compact JSON for richer values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Protocol, Self, TypeVar

from core.common.enums import InteractionType
from core.contacts.edits import EDIT_OF
from core.contacts.input import ContactInput
from core.errors import InvalidInput

_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
_LIST_FIELDS = ("phones", "emails", "tags")


class ButtonValue(Protocol):
    """A kind of button value: encodes itself, parses its text, says why a bad one is refused."""

    refusal: ClassVar[str]

    def encode(self) -> str: ...

    @classmethod
    def parse(cls, text: str) -> Self: ...


Value = TypeVar("Value", bound=ButtonValue)


def decode(kind: type[Value], text: str | None) -> Value:
    """Read a button's value as `kind`; anything that is not one is refused, not guessed."""
    try:
        return kind.parse(text or "")
    except (ValueError, TypeError, KeyError, AttributeError):
        raise InvalidInput(kind.refusal) from None


def _record_and_choice(text: str) -> tuple[str, str]:
    """`"<record_id>:<choice>"`; the id may hold colons, the choice may not."""
    record_id, _, choice = text.rpartition(":")
    if not record_id or not choice:
        raise ValueError(text)
    return record_id, choice


@dataclass(frozen=True)
class DraftVersion:
    """Every draft button: the draft and the version the owner is looking at (`dr_1:2`)."""

    refusal: ClassVar[str] = "That button does not say which version of the draft; try again."

    draft_id: str
    version: int

    def encode(self) -> str:
        return f"{self.draft_id}:{self.version}"

    @classmethod
    def parse(cls, text: str) -> Self:
        draft_id, version = _record_and_choice(text)
        if not _WHOLE_NUMBER.fullmatch(version):
            raise ValueError(version)
        return cls(draft_id, int(version))


@dataclass(frozen=True)
class DraftsPage:
    """Next / Previous page of the owners' drafts on App Home: the page to show (`2`)."""

    refusal: ClassVar[str] = "That button does not say which page; open the Home tab again."

    page: int

    def encode(self) -> str:
        return str(self.page)

    @classmethod
    def parse(cls, text: str) -> Self:
        if not _WHOLE_NUMBER.fullmatch(text) or int(text) < 1:
            raise ValueError(text)
        return cls(int(text))


@dataclass(frozen=True)
class QualifyChoice:
    """A stage button of the Qualify question: the lead and the stage it moves to."""

    refusal: ClassVar[str] = "That button does not say which lead and stage; try again."

    lead_id: str
    stage: str  # core checks it is a stage a qualified lead may take

    def encode(self) -> str:
        return f"{self.lead_id}:{self.stage}"

    @classmethod
    def parse(cls, text: str) -> Self:
        return cls(*_record_and_choice(text))


@dataclass(frozen=True)
class DisqualifyChoice:
    """A reason button of a plain-word "disqualify": the lead and the reason."""

    refusal: ClassVar[str] = "That button does not say which lead and reason; try again."

    lead_id: str
    reason: str  # core checks it is one of the procedure's reasons

    def encode(self) -> str:
        return f"{self.lead_id}:{self.reason}"

    @classmethod
    def parse(cls, text: str) -> Self:
        return cls(*_record_and_choice(text))


@dataclass(frozen=True)
class LogEntryChoice:
    """A person (or lead) button of a `/log` line naming several: who, which lead, the entry."""

    refusal: ClassVar[str] = "That button no longer carries the note; type `/log` again."

    contact_id: str
    interaction_type: InteractionType
    summary: str
    follow_up_date: date | None
    lead_id: str | None = None  # the person's lead chosen, when they have several open

    def encode(self) -> str:
        """`{"c": contact_id, "t": type, "s": summary, "f": date or null[, "l": lead_id]}`."""
        follow_up = self.follow_up_date.isoformat() if self.follow_up_date else None
        data = {
            "c": self.contact_id,
            "t": self.interaction_type.value,
            "s": self.summary,
            "f": follow_up,
        }
        if self.lead_id:
            data["l"] = self.lead_id
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> Self:
        data: dict[str, Any] = json.loads(text)
        follow_up = data.get("f")
        lead = data.get("l")
        return cls(
            contact_id=_text(data["c"]),
            interaction_type=InteractionType(data["t"]),
            summary=_text(data["s"]),
            follow_up_date=date.fromisoformat(follow_up) if follow_up else None,
            lead_id=_text(lead) if lead is not None else None,
        )


@dataclass(frozen=True)
class DuplicateChoice:
    """Use existing / Merge / Create separate: the customer as typed, the match, the lead.

    A question about a capture already saved as a lead also carries that lead and the contact
    it is on, so the answer settles it (`core.leads.duplicate_decisions`).
    """

    refusal: ClassVar[str] = (
        "That button no longer carries the customer's details; add the customer again."
    )

    proposed: Mapping[str, Any]  # `DuplicateContact.proposed`, read back by `ContactInput`
    match_contact_id: str | None = None
    lead_id: str | None = None
    lead_contact_id: str | None = None

    def encode(self) -> str:
        """`{"p": typed (blanks left out), "m": match, "l": lead, "c": its contact}`, compact."""
        kept = {k: v for k, v in self.proposed.items() if v not in (None, "", [], ())}
        payload: dict[str, Any] = {"p": kept}
        for key, carried in zip("mlc", self._ids(), strict=True):
            if carried:
                payload[key] = carried
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> Self:
        payload = json.loads(text)
        proposed, ids = payload["p"], [payload.get(key) for key in "mlc"]
        if not isinstance(proposed, dict) or not all(i is None or isinstance(i, str) for i in ids):
            raise TypeError(text)
        for key, typed in proposed.items():  # a forged field is refused before core sees it
            items = typed if key in _LIST_FIELDS and isinstance(typed, list) else [typed]
            if not all(item is None or isinstance(item, str) for item in items):
                raise TypeError(key)
        return cls(proposed, *ids)

    @property
    def edit_of(self) -> str | None:
        """The contact an edit is of, when the question is about one (`core.contacts.edits`)."""
        value = self.proposed.get(EDIT_OF)
        return value if isinstance(value, str) and value else None

    def _ids(self) -> tuple[str | None, str | None, str | None]:
        return self.match_contact_id, self.lead_id, self.lead_contact_id

    def contact(self) -> ContactInput:
        """The customer as typed; core validates it again before anything is written."""
        return ContactInput.from_proposed(self.proposed)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


@dataclass(frozen=True)
class WordsChoice:
    """A choice button of a plain-words request whose name fitted several records.

    The request (`kind`, as `core.leads.intents.IntentKind`), the record chosen (a contact,
    lead or job id) and what the request carried beside the name (a stage, a date phrase).
    """

    refusal: ClassVar[str] = "That choice is out of date; say the request again."

    kind: str
    record_id: str
    detail: str | None = None

    def encode(self) -> str:
        """`{"k": kind, "r": record_id, "d": detail or null}`."""
        data = {"k": self.kind, "r": self.record_id, "d": self.detail}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> Self:
        data: dict[str, Any] = json.loads(text)
        detail = data.get("d")
        return cls(
            kind=_text(data["k"]),
            record_id=_text(data["r"]),
            detail=None if detail is None else _text(detail),
        )
