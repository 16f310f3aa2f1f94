"""A modal's inputs as a terminal asks for them, and what was typed as Slack's `state.values`.

Pure: `form_fields(view)` lists the inputs (label, kind, choices, optional, initial value);
`FormField.parse(typed)` turns one typed line into the entry Slack would send for that
element (choices by number or label, dates as YYYY-MM-DD, blank keeps the initial value or
skips an optional field) or raises `FieldError` saying what to type instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from console.render import Block, Control, Rendered, options_of, render_view, text_of

# --- fields -------------------------------------------------------------------------------------


class FieldError(ValueError):
    """What was typed does not fit the field; the console says why and asks again."""


@dataclass(frozen=True)
class FormField:
    """One input of a modal, as the console asks for it."""

    block_id: str
    action_id: str
    label: str
    kind: str
    optional: bool
    element: Mapping[str, Any]
    hint: str = ""
    choices: tuple[Mapping[str, Any], ...] = ()
    users: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_block(cls, block: Mapping[str, Any], users: Mapping[str, str]) -> FormField | None:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, Mapping):
            return None
        return cls(
            block_id=str(block.get("block_id") or ""),
            action_id=str(element.get("action_id") or ""),
            label=text_of(block.get("label")) or str(block.get("block_id")),
            kind=str(element.get("type")),
            optional=bool(block.get("optional")),
            element=element,
            hint=text_of(block.get("hint")),
            choices=tuple(options_of(element)),
            users=users,
        )

    @property
    def multiple(self) -> bool:
        return self.kind.startswith("multi_") or self.kind == "checkboxes"

    def choice_labels(self) -> list[str]:
        return [text_of(c.get("text"), self.users) for c in self.choices]

    def what(self) -> str:
        """The kind of answer in words: `text`, `date YYYY-MM-DD`, `one of: A, B`."""
        if self.choices:
            many = "any of" if self.multiple else "one of"
            return f"{many}: {', '.join(self.choice_labels())}"
        return {
            "datepicker": "date YYYY-MM-DD",
            "timepicker": "time HH:MM",
            "datetimepicker": "date and time YYYY-MM-DD HH:MM",
            "number_input": "number",
            "email_text_input": "email",
            "url_text_input": "web address",
            "external_select": "a search",
            "users_select": "a user",
            "multi_users_select": "users",
            "conversations_select": "a channel",
            "channels_select": "a channel",
            "multi_conversations_select": "channels",
            "multi_channels_select": "channels",
            "file_input": "a file (not available in the console)",
        }.get(self.kind, "text")

    def describe(self) -> str:
        """`Source — one of: Phone call, Email; optional`."""
        extras = [self.what()] + (["optional"] if self.optional else [])
        return f"{self.label} — {'; '.join(extras)}"

    def initial(self) -> Any:
        """The value shown in the field before anyone types (None when empty)."""
        e = self.element
        for key in ("initial_value", "initial_option", "initial_date", "initial_time"):
            if e.get(key) not in (None, ""):
                return e[key]
        for key in ("initial_user", "initial_conversation", "initial_channel", "initial_date_time"):
            if e.get(key) not in (None, ""):
                return e[key]
        for key in (
            "initial_options",
            "initial_users",
            "initial_conversations",
            "initial_channels",
        ):
            if e.get(key):
                return e[key]
        return None

    def shown_initial(self) -> str | None:
        value = self.initial()
        if value is None:
            return None
        if isinstance(value, Mapping):
            return text_of(value.get("text"), self.users)
        if isinstance(value, list):
            return ", ".join(
                text_of(v.get("text"), self.users) if isinstance(v, Mapping) else str(v)
                for v in value
            )
        return str(value)

    def prompt(self) -> str:
        """What the console prints before reading the answer."""
        bits = []
        if self.choices:
            bits.append("numbers, comma-separated" if self.multiple else "number")
        elif self.kind == "datepicker":
            bits.append("YYYY-MM-DD")
        shown = self.shown_initial()
        if shown is not None:
            bits.append(f"Enter keeps: {shown}")
        elif self.optional:
            bits.append("optional, Enter skips")
        return f"{self.label}" + (f" ({'; '.join(bits)})" if bits else "") + "> "

    # -- answers -> state values --------------------------------------------------------------

    def state(self, value: Any) -> dict[str, Any]:
        """The `state.values[block][action]` entry Slack sends for this element holding `value`."""
        key = STATE_KEYS.get(self.kind, "value")
        return {"type": self.kind, key: value}

    def blank(self) -> dict[str, Any]:
        """The state when nothing is typed: the initial value, else empty (refused if required)."""
        initial = self.initial()
        if initial is not None:
            return self.state(initial)
        if not self.optional:
            raise FieldError(f"{self.label} is required.")
        return self.state([] if self.multiple else None)

    def parse(self, typed: str) -> dict[str, Any]:
        """Turn what was typed into this field's state entry, or raise FieldError saying why."""
        text = typed.strip()
        if not text:
            return self.blank()
        if self.choices:
            picked = [self._choice(part) for part in _split(text)] if self.multiple else None
            if picked is None:
                return self.state(self._choice(text))
            return self.state(picked)
        if self.kind == "datepicker":
            return self.state(_date(text).isoformat())
        if self.kind == "timepicker":
            return self.state(_time(text))
        if self.kind == "datetimepicker":
            day, _, clock = text.partition(" ")
            moment = datetime.combine(_date(day), time.fromisoformat(_time(clock or "00:00")))
            return self.state(int(moment.replace(tzinfo=UTC).timestamp()))
        if self.kind == "number_input":
            return self.state(self._number(text))
        if self.kind in ("users_select", "conversations_select", "channels_select"):
            return self.state(self._user(text) if self.kind == "users_select" else text)
        if self.kind.startswith("multi_") and self.kind.endswith("_select"):
            parts = _split(text)
            return self.state([self._user(p) for p in parts] if "users" in self.kind else parts)
        if self.kind == "rich_text_input":
            section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            return self.state({"type": "rich_text", "elements": [section]})
        if self.kind == "file_input":
            raise FieldError("Files cannot be attached in the console; press Enter to skip.")
        return self.state(self._text(typed))

    def _text(self, typed: str) -> str:
        value = typed.strip()
        if self.element.get("multiline"):
            value = value.replace("\\n", "\n")
        longest, shortest = self.element.get("max_length"), self.element.get("min_length")
        if isinstance(longest, int) and len(value) > longest:
            raise FieldError(f"{self.label} takes at most {longest} characters.")
        if isinstance(shortest, int) and len(value) < shortest:
            raise FieldError(f"{self.label} needs at least {shortest} characters.")
        if self.kind == "email_text_input" and "@" not in value:
            raise FieldError("That does not look like an email address.")
        return value

    def _number(self, text: str) -> str:
        try:
            number = float(text)
        except ValueError:
            raise FieldError(f"{self.label} must be a number.") from None
        if not self.element.get("is_decimal_allowed") and not number.is_integer():
            raise FieldError(f"{self.label} must be a whole number.")
        low, high = self.element.get("min_value"), self.element.get("max_value")
        if low is not None and number < float(low) or high is not None and number > float(high):
            raise FieldError(f"{self.label} must be between {low} and {high}.")
        return text

    def _choice(self, text: str) -> Mapping[str, Any]:
        labels = self.choice_labels()
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self.choices[int(text) - 1]
        for choice, label in zip(self.choices, labels, strict=True):
            if text.lower() in (label.lower(), str(choice.get("value")).lower()):
                return choice
        raise FieldError(f"Choose a number from 1 to {len(self.choices)}.")

    def _user(self, text: str) -> str:
        wanted = text.lstrip("@").strip()
        for uid, name in self.users.items():
            if wanted.lower() in (uid.lower(), name.lower()):
                return uid
        return wanted


STATE_KEYS = {
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "overflow": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "rich_text_input": "rich_text_value",
    "file_input": "files",
}


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", text) if part.strip()]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FieldError("Type the date as YYYY-MM-DD, like 2026-03-10.") from None


def _time(text: str) -> str:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise FieldError("Type the time as HH:MM, like 09:30.")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def form_fields(view: Mapping[str, Any], users: Mapping[str, str] | None = None) -> list[FormField]:
    """The inputs of a modal, in order, as the console asks for them."""
    found = (FormField.from_block(block, users or {}) for block in view.get("blocks") or [])
    return [form for form in found if form is not None]


def control_value(control: Control, typed: str | None = None) -> dict[str, Any]:
    """The `actions[0]` fields a press sends: the option chosen, or the picked value."""
    kind = str(control.element.get("type"))
    key = STATE_KEYS.get(kind)
    if control.option is not None:
        if kind in ("checkboxes", "multi_static_select"):
            return {"selected_options": [dict(control.option)]}
        return {"selected_option": dict(control.option)}
    if control.asks is None or key is None and kind != "plain_text_input":
        return {}
    probe = FormField(
        block_id=control.block_id or "",
        action_id=control.action_id,
        label=control.label,
        kind=kind,
        optional=False,
        element=control.element,
    )
    state = probe.parse(typed or "")
    state.pop("type", None)
    return state


def describe_input(block: Block, users: Mapping[str, str] | None = None) -> str:
    """`Source — one of: Phone call, Email; optional` for a modal's input block."""
    form = FormField.from_block(block, users or {})
    return form.describe() if form is not None else text_of(block.get("label"), users)


def render_form(view: Mapping[str, Any], users: Mapping[str, str] | None = None) -> Rendered:
    """A modal as a form: its title and buttons, its texts, each input with type and choices."""
    return render_view(view, users=users, describe=lambda block: describe_input(block, users))
