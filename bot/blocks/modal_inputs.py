"""Pieces every decision modal shares: the typed private metadata, input blocks, state reading.

Every input block holds one element whose action_id is `ActionId.INPUT`; the block id names
the core field (`bot.ids.block_for_field`), so a `CRMError(field=...)` lands on its input.
A Slack text input holds 3,000 characters, so long text (a 10,000-character draft) is split
into several inputs by `split_for_inputs` and joined back exactly by `join_inputs`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.blocks.limits import MAX_INPUT_LENGTH, Block, plain, slack_len
from bot.ids import ActionId

View = dict[str, Any]


# --- private metadata -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModalMeta:
    """What a decision modal carries from the click that opened it to its submission."""

    record_id: str = ""
    version: int | None = None
    channel: str | None = None
    ts: str | None = None
    response_url: str | None = None
    joins: tuple[str, ...] = field(default_factory=tuple)

    def dump(self) -> str:
        data = {
            "id": self.record_id,
            "v": self.version,
            "c": self.channel,
            "t": self.ts,
            "r": self.response_url,
            "j": list(self.joins) or None,
        }
        return json.dumps({k: v for k, v in data.items() if v not in (None, "")})

    @classmethod
    def load(cls, text: str | None) -> ModalMeta:
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        version = data.get("v")
        return cls(
            record_id=str(data.get("id") or ""),
            version=version if isinstance(version, int) else None,
            channel=data.get("c"),
            ts=data.get("t"),
            response_url=data.get("r"),
            joins=tuple(str(j) for j in data.get("j") or ()),
        )


# --- input blocks ---------------------------------------------------------------------------------


def input_block(
    block_id: str,
    label: str,
    element: Block,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {**element, "action_id": ActionId.INPUT.value},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def text_element(
    initial: str | None = None, *, multiline: bool = False, max_length: int = MAX_INPUT_LENGTH
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def select_element(options: list[Block], initial: str | None = None) -> Block:
    element: Block = {"type": "static_select", "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def state_values(view: View) -> dict[str, Any]:
    return dict((view.get("state") or {}).get("values") or {})


def state_element(view: View, block_id: str) -> dict[str, Any]:
    block = state_values(view).get(block_id) or {}
    return dict(block.get(ActionId.INPUT.value) or next(iter(block.values()), None) or {})


def state_text(view: View, block_id: str) -> str | None:
    value = state_element(view, block_id).get("value")
    return value if isinstance(value, str) and value.strip() else None


def state_selected(view: View, block_id: str) -> str | None:
    chosen = state_element(view, block_id).get("selected_option") or {}
    return chosen.get("value") or None


def state_checked(view: View, block_id: str) -> list[str]:
    return [o.get("value") for o in state_element(view, block_id).get("selected_options") or []]


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
