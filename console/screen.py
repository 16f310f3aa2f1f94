"""A console turn as the person reads it: a heading per message saying where it landed.

Pure: `screen(turn, ...)` lays out the messages and App Home a request produced, numbering
every control across them from 1, so the next bare number the person types presses one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console.form import render_form
from console.mirror import MessageKey, Shown, Turn
from console.render import Control, render_message, render_view


@dataclass(frozen=True)
class Pressable:
    """A numbered control and where it sits: a message (channel, ts) or a view (its id)."""

    control: Control
    message: MessageKey | None = None
    view_id: str | None = None

    @property
    def number(self) -> int:
        return self.control.number

    @property
    def label(self) -> str:
        return self.control.label


@dataclass
class Screen:
    """A turn as text, and the controls its numbers press."""

    lines: list[str]
    pressables: list[Pressable]


def _name(users: Mapping[str, str], user: str) -> str:
    return users.get(user, f"User {user}")


def where(shown: Shown, *, user: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """`only you can see this`, `direct message to Owner`, `#general`, with what changed."""
    if shown.audience is not None:
        who = "you can" if shown.audience == user else f"{_name(users, shown.audience)} can"
        place = f"only {who} see this"
    elif shown.channel[:1] in ("D", "U", "W"):  # posting to a user id lands in their DM
        to = shown.channel[1:] if shown.channel.startswith("D") else shown.channel
        place = "direct message to " + ("you" if to == user else _name(users, to))
    elif shown.channel.startswith("#"):
        place = shown.channel
    else:
        place = "#" + channels.get(shown.channel, shown.channel.lower())
    if shown.thread_ts:
        place += ", in a thread"
    if shown.change != "new":
        place = f"{shown.change} · {place}"
    return place


def _indented(lines: list[str]) -> list[str]:
    return [f"  {line}".rstrip() for line in lines]


def screen(
    turn: Turn, *, user: str, users: Mapping[str, str], channels: Mapping[str, str]
) -> Screen:
    """The turn as the console prints it; controls numbered from 1 across all its messages."""
    lines: list[str] = []
    pressables: list[Pressable] = []
    number = 1
    for shown in turn.messages:
        lines.append(f"── CRM · {where(shown, user=user, users=users, channels=channels)} ──")
        if shown.change == "deleted":
            lines.append("  (removed)")
            continue
        rendered = render_message(shown.message, first=number, users=users)
        lines += _indented(rendered.lines)
        pressables += [Pressable(c, message=shown.key) for c in rendered.controls]
        number = rendered.next_number or number
    for owner, home in turn.homes.items():
        if owner != user:
            lines.append(f"── App Home of {_name(users, owner)} updated ──")
            continue
        lines.append("── CRM · App Home ──")
        rendered = render_view(home, first=number, users=users)
        lines += _indented(rendered.lines)
        pressables += [Pressable(c, view_id=str(home.get("id"))) for c in rendered.controls]
        number = rendered.next_number or number
    lines += [f"({note})" for note in turn.notes]
    return Screen(lines, pressables)


def form_screen(view: Mapping[str, Any], users: Mapping[str, str]) -> Screen:
    """A modal as a form: `=== Title ===  [Save / Cancel]`, then its texts and inputs."""
    rendered = render_form(view, users)
    head, *rest = rendered.lines
    pressables = [Pressable(c, view_id=str(view.get("id"))) for c in rendered.controls]
    return Screen([head, *_indented(rest)], pressables)
