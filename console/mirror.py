"""What a person's Slack would show, rebuilt from what the app sent to the local stand-in.

`crm console` has no Slack client to keep its messages and modals, so `SlackMirror` keeps
them: every message by (channel, ts), replaced when the app updates it (chat.update, or a
response_url with replace_original) and marked when deleted; the stack of open modals as
views.open / views.push / views.update and the `response_action` of a submission leave it;
the App Home each user was last shown. Each request's changes come back as a `Turn`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from console.local_slack import LocalSlackAPI

MessageKey = tuple[str, str]  # (channel, ts)


@dataclass
class Shown:
    """A message as the console shows it: where it is, who sees it, what it says now."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    audience: str | None = None  # the one user who sees an ephemeral message
    change: str = "new"  # new | updated | deleted
    thread_ts: str | None = None

    @property
    def key(self) -> MessageKey:
        return (self.channel, self.ts)

    @property
    def message(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


@dataclass
class Turn:
    """What one request changed: messages, App Homes, the open modal, errors on its fields."""

    status: int = 200
    messages: list[Shown] = field(default_factory=list)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> published view
    view: dict[str, Any] | None = None  # the modal on top once the turn is over
    view_changed: bool = False  # a modal was opened, pushed or changed
    errors: dict[str, str] = field(default_factory=dict)  # block_id -> message
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mark:
    """Where the stand-in's recordings stood before a request, to tell what it added."""

    calls: int
    views: frozenset[str]


class SlackMirror:
    """Messages, open modals and App Homes as the person would see them; see the module doc."""

    def __init__(self, api: LocalSlackAPI, *, team_id: str, app_id: str) -> None:
        self.api = api
        self.team_id = team_id
        self.app_id = app_id
        self.messages: dict[MessageKey, Shown] = {}
        self.stack: list[str] = []  # open modal view ids, the top last
        self._homes: dict[str, str] = {}  # user -> hash of the App Home last shown
        self._seen = 0
        self._ids = count(1)

    def mark(self) -> Mark:
        return Mark(len(self.api.calls), frozenset(self.api.views))

    def skip_recorded(self) -> None:
        """Ignore what the stand-in recorded so far (the app's start-up calls)."""
        self._seen = len(self.api.messages)

    def forget_home(self, user: str) -> None:
        """Show this user's App Home next time it is published, even if it did not change."""
        self._homes.pop(user, None)

    # -- views ---------------------------------------------------------------------------------

    def view(self, view_id: str) -> dict[str, Any] | None:
        """The latest version of a view the app opened, pushed, updated or published."""
        found = self.api.views.get(view_id)
        if found is None:
            found = next((v for v in self.api.published.values() if v.get("id") == view_id), None)
        return dict(found) if found is not None else None

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal on top of the stack, or None when no modal is open."""
        while self.stack:
            view = self.view(self.stack[-1])
            if view is not None:
                return view
            self.stack.pop()
        return None

    def close_all(self) -> None:
        """The person closed the modal with its X: every view of the stack goes."""
        self.stack.clear()

    def stamp(self, view: Mapping[str, Any], view_id: str | None = None) -> dict[str, Any]:
        """Keep a view the app answered with (update/push) as Slack would, id and hash added."""
        vid = view_id or f"VCONSOLE{next(self._ids):06d}"
        base = {"callback_id": "", "private_metadata": "", "external_id": "", "root_view_id": vid}
        meta = {"id": vid, "team_id": self.team_id, "state": {"values": {}}, "app_id": self.app_id}
        stamped = base | dict(view) | meta | {"hash": f"{time.time():.6f}.{next(self._ids)}"}
        self.api.views[vid] = stamped  # so a later views.update by the app finds it
        return stamped

    def answer_submission(self, body: str, view: Mapping[str, Any], turn: Turn) -> None:
        """Honour the ack of a view_submission: errors, update, push, clear, or close."""
        try:
            answer = json.loads(body) if body.strip() else {}
        except ValueError:
            answer = {}
        action = answer.get("response_action") if isinstance(answer, dict) else None
        vid = str(view.get("id"))
        if action == "errors":
            turn.errors = {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
        elif action == "update":
            self.stamp(answer.get("view") or {}, vid)
            turn.view_changed = True
        elif action == "push":
            self.stack.append(self.stamp(answer.get("view") or {})["id"])
            turn.view_changed = True
        elif action == "clear":
            self.stack.clear()
        elif vid in self.stack:  # a plain ack closes the view that was submitted
            self.stack.remove(vid)

    # -- messages ------------------------------------------------------------------------------

    def ack_message(self, body: str, *, channel: str, user: str, turn: Turn) -> None:
        """A slash command's ack with text or blocks: shown to the person who typed it."""
        try:
            answer = json.loads(body) if body.strip() else None
        except ValueError:
            answer = {"text": body}
        if not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
            return
        shown = Shown(
            channel=channel,
            ts=f"ack.{next(self._ids):06d}",
            text=str(answer.get("text") or ""),
            blocks=list(answer.get("blocks") or []),
            audience=None if answer.get("response_type") == "in_channel" else user,
        )
        self.messages[shown.key] = shown
        turn.messages.append(shown)

    def collect(self, turn: Turn, since: Mark) -> None:
        """Fold what the app sent to the stand-in since `since` into the picture and the turn."""
        recorded = self.api.messages
        for raw in recorded[self._seen :]:
            self._record(raw, turn)
        self._seen = len(recorded)
        new_views = [vid for vid in self.api.views if vid not in since.views]
        for call in self.api.calls[since.calls :]:
            if call.method == "views.open" and new_views:
                self.stack = [new_views.pop(0)]
                turn.view_changed = True
            elif call.method == "views.push" and new_views:
                self.stack.append(new_views.pop(0))
                turn.view_changed = True
            elif call.method == "views.update":
                turn.view_changed = True
            elif call.method == "views.publish":
                user = str(call.params.get("user_id"))
                home = self.api.published.get(user)
                if home is not None and self._homes.get(user) != home.get("hash"):
                    self._homes[user] = str(home.get("hash"))
                    turn.homes[user] = dict(home)
        turn.view = self.modal

    def _record(self, raw: Mapping[str, Any], turn: Turn) -> None:
        kind = raw.get("kind")
        channel, ts = str(raw.get("channel") or ""), str(raw.get("ts") or "")
        old = self.messages.get((channel, ts))
        if kind == "response_url" and raw.get("delete_original"):
            if old is not None:
                old.change = "deleted"
                self._add(turn, old)
            return
        ephemeral = kind == "ephemeral" or (
            kind == "response_url" and raw.get("response_type") != "in_channel"
        )
        replacing = old is not None and (kind == "update" or bool(raw.get("replace_original")))
        audience = raw.get("user") if ephemeral else None
        shown = Shown(
            channel=channel,
            ts=ts,
            text=str(raw.get("text") or ""),
            blocks=list(raw.get("blocks") or []),
            audience=old.audience if replacing and old is not None else audience,
            change="updated" if replacing else "new",
            thread_ts=raw.get("thread_ts"),
        )
        self.messages[shown.key] = shown
        self._add(turn, shown)

    @staticmethod
    def _add(turn: Turn, shown: Shown) -> None:
        """Show each message once per turn, at its first place, as it ended up."""
        for n, earlier in enumerate(turn.messages):
            if earlier.key == shown.key:
                if earlier.change == "new" and shown.change == "updated":
                    shown.change = "new"
                turn.messages[n] = shown
                return
        turn.messages.append(shown)
