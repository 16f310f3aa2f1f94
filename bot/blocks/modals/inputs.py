"""Pieces every modal shares: the typed private metadata, input blocks, reading the state.

Every input block holds one element whose action_id is `ActionId.INPUT`; the block id names
the core field (`bot.ids.block_for_field`), so a `CRMError(field=...)` lands on its input.
A Slack text input holds 3,000 characters, so long text (a 10,000-character draft) is split
into several inputs by `split_for_inputs` and joined back exactly by `join_inputs`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from bot.blocks.limits import (
    MAX_INPUT_LENGTH,
    Block,
    View,
    modal,
    option,
    plain,
    slack_len,
    truncate,
)
from bot.ids import ActionId, BlockId, ViewId
from core.common.validation import MAX_TYPED_TEXT, capped

Choice = TypeVar("Choice", bound=str)  # an option's value: text, or a core StrEnum member


# --- private metadata -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModalMeta:
    """What a modal carries in `private_metadata`, from what opened it to its submission.

    Where to answer once it is submitted (the channel, the message's ts, the response_url of
    the command or click that opened it); the record a decision form is about (`record_id`,
    and the `version` the person saw); the contact, lead or job the Log form is for; and how
    a long text was split over several inputs (`joins`). Stored as compact JSON.
    """

    record_id: str = ""
    version: int | None = None
    channel: str | None = None
    ts: str | None = None
    response_url: str | None = None
    joins: tuple[str, ...] = ()
    contact_id: str | None = None
    lead_id: str | None = None
    opportunity_id: str | None = None
    confirmation: str | None = None
    home_page: int | None = None  # opened from the App Home: its page of drafts, to refresh it

    def about(
        self, record_id: str, *, version: int | None = None, joins: Sequence[str] = ()
    ) -> ModalMeta:
        """The same place to answer, for a form about `record_id` (as seen at `version`)."""
        return replace(self, record_id=record_id, version=version, joins=tuple(joins))

    @property
    def message_ref(self) -> dict[str, str] | None:
        """The message whose button opened the modal, when the bot can update it."""
        if self.channel and self.ts:
            return {"channel": self.channel, "ts": self.ts}
        return None

    def dump(self) -> str:
        data = {key: getattr(self, name) for name, key in _META_KEYS.items()}
        data["j"] = list(self.joins) or None
        return json.dumps({k: v for k, v in data.items() if v not in (None, "")})

    @classmethod
    def load(cls, text: str | None) -> ModalMeta:
        """Read it back; anything unreadable is empty metadata (the modal still works)."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        found = {name: data.get(key) for name, key in _META_KEYS.items()}
        version, joins = found.pop("version"), found.pop("joins")
        home_page = found.pop("home_page")
        texts = {name: value for name, value in found.items() if isinstance(value, str)}
        return cls(
            **texts,
            version=version if isinstance(version, int) else None,
            home_page=home_page if isinstance(home_page, int) and home_page >= 1 else None,
            joins=tuple(str(j) for j in joins) if isinstance(joins, list) else (),
        )


_META_KEYS = {
    "record_id": "id",
    "version": "v",
    "channel": "c",
    "ts": "t",
    "response_url": "r",
    "joins": "j",
    "contact_id": "ct",
    "lead_id": "ld",
    "opportunity_id": "op",
    "confirmation": "cf",
    "home_page": "hp",
}


def form_modal(
    callback_id: ViewId, *, title: str, submit: str, blocks: Sequence[Block], meta: ModalMeta
) -> View:
    """A modal that carries `meta` from what opened it to its submission."""
    return modal(
        callback_id=callback_id,
        title=title,
        submit=submit,
        blocks=blocks,
        private_metadata=meta.dump(),
    )


# --- input blocks ---------------------------------------------------------------------------------


def input_block(
    block_id: str | BlockId,
    label: str,
    element: Block,
    *,
    optional: bool = False,
    hint: str | None = None,
    action_id: ActionId = ActionId.INPUT,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": str(block_id),
        "label": plain(label),
        "element": {**element, "action_id": action_id.value},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def text_element(
    initial: str | None = None,
    *,
    multiline: bool = False,
    max_length: int = MAX_INPUT_LENGTH,
    placeholder: str | None = None,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": min(max_length, MAX_INPUT_LENGTH),
    }
    if initial:
        element["initial_value"] = truncate(initial, element["max_length"])
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def select_element(options: list[Block], initial: str | None = None) -> Block:
    element: Block = {"type": "static_select", "options": options, "placeholder": plain("Choose…")}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def select_from(choices: Mapping[Choice, str], initial: str | None = None) -> Block:
    """A static select of `{value: label}`."""
    return select_element([option(label, str(value)) for value, label in choices.items()], initial)


def state_values(view: View) -> dict[str, Any]:
    return dict((view.get("state") or {}).get("values") or {})


def state_element(view: View, block_id: str) -> dict[str, Any]:
    """One input's state; every value is read through here, so a value longer than anyone
    types (a forged submission) is refused before a parser sees it, on that input."""
    block = state_values(view).get(block_id) or {}
    element = dict(block.get(ActionId.INPUT.value) or next(iter(block.values()), None) or {})
    value = element.get("value")
    if isinstance(value, str):
        field = block_id.removeprefix("crm-").replace("-", "_")  # block_for_field undone
        capped(value, limit=MAX_TYPED_TEXT, what="value", field=field)
    return element


def state_text(view: View, block_id: str) -> str | None:
    value = state_element(view, block_id).get("value")
    return value if isinstance(value, str) and value.strip() else None


def state_selected(view: View, block_id: str) -> str | None:
    chosen = state_element(view, block_id).get("selected_option") or {}
    return chosen.get("value") or None


def state_checked(view: View, block_id: str) -> list[str]:
    return [o.get("value") for o in state_element(view, block_id).get("selected_options") or []]


def state_value(view: View, block_id: str) -> str | None:
    """What was entered in a block, whatever its element: text, option, date or first user."""
    element = state_element(view, block_id)
    candidates = (
        element.get("value"),
        (element.get("selected_option") or {}).get("value"),
        element.get("selected_date"),
        element.get("selected_user"),
        (element.get("selected_users") or [None])[0],
    )
    found = next((value for value in candidates if value is not None), None)
    text = str(found).strip() if found is not None else ""
    return text or None


# --- long text in several inputs ------------------------------------------------------------------

_BREAKS = re.compile(r"\n+")


def _fits(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units (Slack's count)."""
    units = 0
    for n, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return n
    return len(text)


def split_for_inputs(text: str, limit: int = MAX_INPUT_LENGTH) -> tuple[list[str], list[str]]:
    """Parts of at most `limit` (Slack-counted) characters and the separators between them.

    Breaks go at runs of newlines; a line longer than `limit` breaks at its last space (or,
    with none, anywhere). The separator never sits at a part's edge, where Slack may trim it,
    so `join_inputs` gives back exactly the text.
    """
    pieces = _BREAKS.split(text)
    seps = _BREAKS.findall(text)
    parts: list[str] = []
    joins: list[str] = []
    current = ""
    pending = ""  # separator between `current` and the next piece
    for n, piece in enumerate(pieces):
        if n > 0 and slack_len(current + pending + piece) <= limit:
            current += pending + piece
        else:
            if n > 0:
                parts.append(current)
                joins.append(pending)
            current = piece
            while slack_len(current) > limit:
                room = _fits(current, limit)
                cut = current.rfind(" ", 1, room)
                if cut <= 0:
                    parts.append(current[:room])
                    joins.append("")
                    current = current[room:]
                else:
                    parts.append(current[:cut])
                    joins.append(" ")
                    current = current[cut + 1 :]
        pending = seps[n] if n < len(seps) else ""
    parts.append(current)
    return parts, joins


def join_inputs(parts: list[str], joins: list[str] | tuple[str, ...]) -> str:
    """Undo `split_for_inputs`: part, separator, part, …"""
    out = parts[0] if parts else ""
    for n, part in enumerate(parts[1:]):
        out += (joins[n] if n < len(joins) else "\n") + part
    return out
