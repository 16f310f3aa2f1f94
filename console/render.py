"""Block Kit as a terminal shows it: messages, App Home and modals as text, with numbered controls.

Pure (no app, no I/O): `crm console` and its tests render whatever the bot sends through
these functions. Buttons, select options and pickers get numbers (`[1] Approve`) so a person
can press them by typing the number. Modal inputs are `console.form`'s business.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Block = Mapping[str, Any]
LINE_WIDTH = 96
EMOJI = {
    "tada": "🎉",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "wave": "👋",
    "bell": "🔔",
    "calendar": "📅",
    "date": "📅",
    "memo": "📝",
    "phone": "📞",
    "telephone_receiver": "📞",
    "email": "✉️",
    "envelope": "✉️",
    "moneybag": "💰",
    "hourglass": "⏳",
    "hourglass_flowing_sand": "⏳",
    "star": "⭐",
    "fire": "🔥",
    "pushpin": "📌",
    "inbox_tray": "📥",
    "chart_with_upwards_trend": "📈",
    "bar_chart": "📊",
    "zzz": "💤",
    "no_entry": "⛔",
    "lock": "🔒",
    "sparkles": "✨",
    "mag": "🔍",
    "information_source": "ℹ️",
    "hammer_and_wrench": "🛠️",
    "wrench": "🔧",
    "house": "🏠",
    "speech_balloon": "💬",
}

# Element types that hold a value the person types or picks when pressing it in a message.
VALUE_ASKS = {
    "datepicker": "date (YYYY-MM-DD)",
    "timepicker": "time (HH:MM)",
    "datetimepicker": "date and time (YYYY-MM-DD HH:MM)",
    "users_select": "user id",
    "conversations_select": "channel id",
    "channels_select": "channel id",
    "external_select": "text",
    "plain_text_input": "text",
}
OPTION_ELEMENTS = {
    "static_select",
    "overflow",
    "radio_buttons",
    "checkboxes",
    "multi_static_select",
}


# --- text --------------------------------------------------------------------------------------


def _user_link(match: re.Match[str], users: Mapping[str, str]) -> str:
    uid, label = match.group(1), match.group(2)
    return "@" + (users.get(uid) or label or uid)


def mrkdwn_to_text(text: str, users: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as plain text: mentions by name, links with their target, no `*` or `_`."""
    names = users or {}
    out = re.sub(r"<@([A-Z0-9]+)(?:\|([^>]*))?>", lambda m: _user_link(m, names), text)
    out = re.sub(r"<#([A-Z0-9]+)\|([^>]*)>", r"#\2", out)
    out = re.sub(r"<#([A-Z0-9]+)>", r"#\1", out)
    out = re.sub(r"<!(here|channel|everyone)(?:\|[^>]*)?>", r"@\1", out)
    out = re.sub(r"<!subteam\^[A-Z0-9]+\|([^>]*)>", r"\1", out)
    out = re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", out)
    out = re.sub(r"<mailto:([^|>]+)\|([^>]*)>", _mail_link, out)
    out = re.sub(r"<([a-z][a-z0-9+.-]*:[^|>]+)\|([^>]*)>", r"\2 (\1)", out)
    out = re.sub(r"<([a-z][a-z0-9+.-]*:[^|>]+)>", r"\1", out)
    out = re.sub(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])", r"\1", out)
    out = re.sub(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])", r"\1", out)
    out = re.sub(r":([a-z0-9_+-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), out)
    out = re.sub(r"(?m)^&gt; ?", "│ ", out)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _mail_link(match: re.Match[str]) -> str:
    address, label = match.group(1), match.group(2)
    return label if label == address else f"{label} ({address})"


def text_of(obj: Any, users: Mapping[str, str] | None = None) -> str:
    """The words of a text object (plain_text or mrkdwn), or of a bare string."""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, Mapping):
        return ""
    raw = str(obj.get("text") or "")
    return mrkdwn_to_text(raw, users) if obj.get("type") == "mrkdwn" else raw


def _wrap_items(items: Sequence[str], indent: str = "") -> list[str]:
    """Put `[1] A  [2] B` items side by side, starting a new line before LINE_WIDTH."""
    lines: list[str] = []
    line = ""
    for item in items:
        candidate = f"{line}  {item}" if line else item
        if line and len(indent + candidate) > LINE_WIDTH:
            lines.append(indent + line)
            candidate = item
        line = candidate
    if line:
        lines.append(indent + line)
    return lines


# --- controls ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    """One thing a person can press: a button, one option of a select/overflow, or a picker."""

    number: int
    label: str
    block_id: str | None
    element: Mapping[str, Any]
    option: Mapping[str, Any] | None = None
    asks: str | None = None  # a picker: what the person types when pressing it

    @property
    def action_id(self) -> str:
        return str(self.element.get("action_id") or "")

    @property
    def confirm(self) -> Mapping[str, Any] | None:
        """The "are you sure?" dialog Slack shows before sending the click, if any."""
        dialog = self.element.get("confirm")
        return dialog if isinstance(dialog, Mapping) else None


@dataclass
class Rendered:
    """Lines to print and the controls they number."""

    lines: list[str] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)

    @property
    def next_number(self) -> int:
        return self.controls[-1].number + 1 if self.controls else 0


def options_of(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """An element's options, option groups flattened."""
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


class _Numberer:
    def __init__(self, first: int, users: Mapping[str, str]) -> None:
        self.next = first
        self.users = users
        self.controls: list[Control] = []

    def add(
        self,
        label: str,
        block_id: str | None,
        element: Mapping[str, Any],
        option: Mapping[str, Any] | None = None,
        asks: str | None = None,
    ) -> str:
        control = Control(self.next, label, block_id, element, option, asks)
        self.controls.append(control)
        self.next += 1
        return f"[{control.number}] {label}"

    def element(self, element: Mapping[str, Any], block_id: str | None) -> list[str]:
        """Items for one interactive element: a button, each option, or a picker."""
        kind = element.get("type")
        if kind == "button":
            label = text_of(element.get("text"), self.users) or "Button"
            item = self.add(label, block_id, element)
            return [item + (f" ({element['url']})" if element.get("url") else "")]
        if kind in OPTION_ELEMENTS:
            heading = text_of(element.get("placeholder"), self.users)
            heading = heading or ("More" if kind == "overflow" else "Choose")
            items = [f"{heading}:"]
            for opt in options_of(element):
                items.append(self.add(text_of(opt.get("text"), self.users), block_id, element, opt))
            return items
        if kind in VALUE_ASKS or str(kind).endswith("_select"):
            asks = VALUE_ASKS.get(str(kind), "value")
            label = text_of(element.get("placeholder"), self.users) or f"Pick a {asks}"
            return [self.add(label, block_id, element, asks=asks)]
        if kind == "image":
            return [f"[image: {element.get('alt_text') or ''}]"]
        return []


# --- blocks ------------------------------------------------------------------------------------


def _section(block: Mapping[str, Any], numberer: _Numberer) -> list[str]:
    users = numberer.users
    lines = text_of(block.get("text"), users).splitlines() if block.get("text") else []
    for item in block.get("fields") or []:
        parts = text_of(item, users).splitlines()
        if len(parts) > 1 and parts[0].strip():
            lines.append(f"{parts[0].strip()}: {' '.join(p.strip() for p in parts[1:])}")
        else:
            lines.extend(parts)
    accessory = block.get("accessory")
    if isinstance(accessory, Mapping):
        lines.extend(_wrap_items(numberer.element(accessory, block.get("block_id"))))
    return lines


def _rich_text(node: Any) -> str:
    """The plain words of a rich_text block (sections, lists, quotes, code)."""
    if isinstance(node, list):
        return "".join(_rich_text(item) for item in node)
    if not isinstance(node, Mapping):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text") or "")
    if kind == "link":
        return str(node.get("text") or node.get("url") or "")
    if kind == "user":
        return f"@{node.get('user_id')}"
    if kind == "emoji":
        return EMOJI.get(str(node.get("name")), f":{node.get('name')}:")
    if kind == "rich_text_list":
        return "".join("• " + _rich_text(item) + "\n" for item in node.get("elements") or [])
    inner = _rich_text(node.get("elements") or [])
    return inner + "\n" if kind in ("rich_text_section", "rich_text_preformatted") else inner


Describe = Callable[[Block], str]


def _label(block: Block) -> str:
    return text_of(block.get("label")) + ("" if not block.get("optional") else " (optional)")


def render_blocks(
    blocks: Iterable[Block],
    *,
    first: int = 1,
    users: Mapping[str, str] | None = None,
    describe: Describe = _label,
) -> Rendered:
    """Every block as lines of text; interactive elements numbered from `first`.

    An input block (in a modal) is one line from `describe`; `console_form` says more.
    """
    numberer = _Numberer(first, users or {})
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            lines.extend(_section(block, numberer))
        elif kind == "header":
            title = text_of(block.get("text"))
            lines.extend([title, "─" * min(len(title), LINE_WIDTH)])
        elif kind == "context":
            parts = [
                f"[image: {e.get('alt_text') or ''}]"
                if e.get("type") == "image"
                else text_of(e, numberer.users)
                for e in block.get("elements") or []
            ]
            lines.extend(" · ".join(p for p in parts if p).splitlines())
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "actions":
            items: list[str] = []
            for element in block.get("elements") or []:
                items.extend(numberer.element(element, block.get("block_id")))
            lines.extend(_wrap_items(items))
        elif kind == "input":
            lines.append(describe(block))
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text') or block.get('image_url') or ''}]")
        elif kind == "rich_text":
            lines.extend(_rich_text(block.get("elements") or []).rstrip("\n").splitlines())
        elif kind in ("file", "video"):
            lines.append(f"[{kind}: {text_of(block.get('title')) or block.get('external_id', '')}]")
    return Rendered(lines, numberer.controls)


def render_message(
    message: Mapping[str, Any], *, first: int = 1, users: Mapping[str, str] | None = None
) -> Rendered:
    """A chat message: its blocks, or its plain text when it has none."""
    blocks = message.get("blocks") or []
    if blocks:
        return render_blocks(blocks, first=first, users=users)
    text = mrkdwn_to_text(str(message.get("text") or ""), users)
    return Rendered(text.splitlines() or [""], [])


def render_view(
    view: Mapping[str, Any],
    *,
    first: int = 1,
    users: Mapping[str, str] | None = None,
    describe: Describe = _label,
) -> Rendered:
    """App Home as its blocks; a modal under its title and buttons, inputs by `describe`."""
    blocks = view.get("blocks") or []
    rendered = render_blocks(blocks, first=first, users=users, describe=describe)
    if view.get("type") == "home":
        return rendered
    title = text_of(view.get("title")) or "Form"
    buttons = [text_of(view.get(key)) for key in ("submit", "close") if view.get(key)]
    head = f"=== {title} ===" + (f"  [{' / '.join(buttons)}]" if buttons else "")
    return Rendered([head, *rendered.lines], rendered.controls)


def confirm_question(dialog: Mapping[str, Any]) -> tuple[list[str], str]:
    """A confirm dialog's title and text, and the yes/no question to ask: `Mark won? [y/N] `."""
    lines = [text_of(dialog.get("title")), text_of(dialog.get("text"))]
    yes = text_of(dialog.get("confirm")) or "Yes"
    return [line for line in lines if line], f"{yes}? [y/N] "
