"""`crm console`'s engine: the real Bolt app behind a local Slack, driven by signed requests.

`ConsoleSession` builds the app with `wiring.create_bot` against a `LocalSlackAPI` (the stand-in the
tests use), with a signing secret made for this run, and sends it exactly what Slack would:
slash commands with a response_url and a trigger_id, button clicks carrying the message or
view they came from, modal submissions with their state values, `app_home_opened`, direct
messages. Each request goes through `app.dispatch` with Slack's signature headers, so the
app verifies it as it verifies Slack. `SlackMirror` keeps what the person would see;
`console_screen` turns it into text.

Waiting: Bolt acknowledges first and runs the listener afterwards in its executor. The
console gives the app a one-worker executor that counts what it was given and what finished
(`ListenerPool`), and after every request waits until it is idle (a listener that queues
another, as lazy listeners do, keeps it busy) and then until the stand-in has had no new call
for a moment. Listeners so run one at a time, in order, so the console shows their replies in
the order they were sent. What a listener sends after the wait gave up still shows, with the
next turn. Then the console does one pass of `crm worker`'s outbox job, so the owners'
notices show in the same turn.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.listener_pool import ListenerPool
from console.form import FormField, control_value, form_fields
from console.local_slack import LocalSlackAPI
from console.local_workspace import (
    APP_ID,
    BOT_USER,
    CHANNEL_NAMES,
    CONSOLE_CHANNEL,
    CONSOLE_OWNER,
    CONSOLE_TEAM,
    CONSOLE_USERS,
    console_settings,
)
from console.mirror import Shown, SlackMirror, Turn
from console.render import Control, confirm_question, render_message
from console.screen import Pressable, Screen, form_screen, screen
from console.signed_requests import RequestSigner, SlackPayloads
from core.models import Workspace, utcnow
from core.platform.config import Settings, get_settings
from integrations.registry import Integrations
from jobs.outbox import run_outbox
from wiring import build_dependencies, create_bot

FORM = "application/x-www-form-urlencoded"
QUIET = 0.02  # seconds without a new Web API call after which a turn is over


class ConsoleSession:
    """The real app, a local Slack Web API, and one person at a terminal; see the module doc."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        settings: Settings | None = None,
        team_id: str = CONSOLE_TEAM,
        user: str = CONSOLE_OWNER,
        users: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        integrations: Integrations | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.sessions = sessions
        self.team_id = team_id
        self.user = user
        self.users: dict[str, str] = {**CONSOLE_USERS, **(users or {})}
        self.timeout = timeout
        self.api = LocalSlackAPI(team_id=team_id, bot_user_id=BOT_USER, users=self.users)
        self.mirror = SlackMirror(self.api, team_id=team_id, app_id=APP_ID)
        self.pool = ListenerPool("console-listener")
        self._base_settings = settings
        self._clock = clock
        self._integrations = integrations
        self._signing_secret = secrets.token_hex(16)
        self._signer = RequestSigner(self._signing_secret)
        self.payloads = SlackPayloads(
            team_id=team_id, app_id=APP_ID, bot_user=BOT_USER, domain="console"
        )
        self._numbered: list[Pressable] = []
        self.app: App
        self.settings: Settings
        self._slack_for: Callable[[str], WebClient]

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> ConsoleSession:
        self.api.start()
        base = self._base_settings or get_settings()
        owners = base.owner_ids or [CONSOLE_OWNER]
        self.settings = console_settings(
            base, api_url=self.api.url, signing_secret=self._signing_secret, owner_ids=owners
        )
        deps = build_dependencies(
            self.settings,
            sessions=self.sessions,
            clock=self._clock,
            integrations=self._integrations,
        )
        self.app = create_bot(deps, listener_executor=self.pool)
        self._slack_for = deps.slack.client_for  # the worker's clients, on the stand-in
        self.mirror.skip_recorded()
        return self

    def stop(self) -> None:
        self.pool.wait_idle(self.timeout)
        self.pool.shutdown(wait=True)
        self.api.stop()

    def __enter__(self) -> ConsoleSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- who is typing -------------------------------------------------------------------------

    def name_of(self, user: str | None) -> str:
        return self.users.get(user or "", f"User {user}")

    def as_user(self, who: str) -> str:
        """Act as another person: a user id, or the name of a known one ("owner", "staff")."""
        wanted = who.strip().lstrip("@")
        for uid, name in self.users.items():
            if wanted.lower() in (uid.lower(), name.lower()):
                self.user = uid
                return uid
        if not re.fullmatch(r"[UW][A-Z0-9]{2,20}", wanted):
            known = ", ".join(f"{name} ({uid})" for uid, name in self.users.items())
            raise ValueError(f"No user {who!r}: use a Slack user id like U0123ABC, or {known}.")
        self.users[wanted] = self.api.users[wanted] = f"User {wanted}"
        self.user = wanted
        return wanted

    def is_owner(self, user: str | None = None) -> bool:
        """Whether the acting user (or `user`) is an owner of the console's workspace."""
        with self.sessions() as session:
            workspace = session.get(Workspace, self.team_id)
            owners = list(workspace.owner_ids or []) if workspace else self.settings.owner_ids
        return (user or self.user) in owners

    # -- what Slack sends ----------------------------------------------------------------------

    def signed_headers(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        """Slack's signature headers for `body`, signed with this run's secret."""
        return self._signer.headers(body, timestamp=timestamp)

    def dispatch(
        self, body: str, content_type: str, headers: Mapping[str, str] | None = None
    ) -> BoltResponse:
        """Send one signed request into the app and return its HTTP answer (the ack)."""
        all_headers = {"content-type": content_type, **self.signed_headers(body), **(headers or {})}
        return self.app.dispatch(BoltRequest(body=body, headers=dict(all_headers)))

    def command(self, line: str, *, channel: str = CONSOLE_CHANNEL) -> Turn:
        """A slash command as typed: `/lead Dana Smith, 555-201-3344 ...`."""
        key = self.payloads.next_id("cmd")
        fields = self.payloads.slash_command(
            line,
            user=self.user,
            name=self.name_of(self.user),
            channel=channel,
            channel_name=CHANNEL_NAMES.get(channel, channel.lower()),
            response_url=self.api.response_url(key, channel=channel, user=self.user),
        )
        return self._send(urlencode(fields), FORM, ack_to=(channel, self.user))

    def dm(self, text: str) -> Turn:
        """A direct message to the bot (message.im) from the acting user."""
        return self.event(self.payloads.direct_message(text, user=self.user))

    def mention(self, text: str, *, channel: str = CONSOLE_CHANNEL) -> Turn:
        """`@CRM text` in a channel (app_mention)."""
        return self.event(self.payloads.app_mention(text, user=self.user, channel=channel))

    def open_home(self) -> Turn:
        """The acting user opens the bot's App Home tab (app_home_opened)."""
        self.mirror.forget_home(self.user)  # show it even if it did not change
        return self.event(self.payloads.home_opened(user=self.user))

    def event(self, event: Mapping[str, Any]) -> Turn:
        """One Events API delivery of `event`."""
        return self._send(json.dumps(self.payloads.event_callback(event)), "application/json")

    # -- pressing ------------------------------------------------------------------------------

    def pressables(self) -> list[Pressable]:
        """The controls the latest screen numbered (what a bare number presses)."""
        return list(self._numbered)

    def find(self, target: int | str | Pressable) -> Pressable:
        """A control by its number on the latest screen, or by its label (newest first)."""
        if isinstance(target, Pressable):
            return target
        if isinstance(target, int):
            for pressable in self._numbered:
                if pressable.number == target:
                    return pressable
            raise LookupError(f"There is no button [{target}] on the screen.")
        for pressable in self._numbered:
            if pressable.label.lower() == target.lower():
                return pressable
        for shown in reversed(list(self.mirror.messages.values())):
            if shown.change == "deleted":
                continue
            for control in render_message(shown.message, users=self.users).controls:
                if control.label.lower() == target.lower():
                    return Pressable(control, message=shown.key)
        raise LookupError(f"There is no button {target!r} on the screen.")

    def confirmation(self, target: int | str | Pressable) -> tuple[list[str], str] | None:
        """The confirm dialog a control shows before its click is sent: lines and question."""
        dialog = self.find(target).control.confirm
        return confirm_question(dialog) if dialog else None

    def press(
        self, target: int | str | Pressable, *, value: str | None = None, confirmed: bool = True
    ) -> Turn:
        """Click a button (or choose an option, or pick a value) as the acting user.

        A control with a confirm dialog sends nothing unless `confirmed`, as Slack does when
        the person answers the dialog with its deny button.
        """
        pressable = self.find(target)
        control = pressable.control
        if control.confirm and not confirmed:
            return Turn(notes=["Cancelled; nothing was sent."])
        clicked = {**control.element, **control_value(control, value)}
        clicked.pop("confirm", None)
        clicked |= {"block_id": control.block_id or "", "action_ts": self.payloads.ts()}
        clicked["text"] = control.element.get("text") or {"type": "plain_text", "text": ""}
        payload = self.payloads.block_actions(clicked, user=self.user, name=self.name_of(self.user))
        if pressable.view_id is not None:
            view = self.mirror.view(pressable.view_id)
            if view is None:
                return Turn(notes=["That screen is gone; nothing was sent."])
            return self._send_payload(self.payloads.on_view(payload, view))
        assert pressable.message is not None
        shown = self.mirror.messages.get(pressable.message)
        if shown is None or shown.change == "deleted" or not self._still_there(shown, control):
            return Turn(notes=[f"The {control.label} button is no longer there; nothing was sent."])
        channel, ts = shown.key
        message = {"ts": ts, **shown.message}
        if shown.thread_ts:
            message["thread_ts"] = shown.thread_ts
        key = self.payloads.next_id("act")
        payload = self.payloads.on_message(
            payload,
            message,
            channel=channel,
            channel_name=CHANNEL_NAMES.get(channel, channel.lower()),
            ephemeral=shown.audience is not None,
            response_url=self.api.response_url(key, channel=channel, ts=ts, user=self.user),
        )
        return self._send_payload(payload)

    def _still_there(self, shown: Shown, control: Control) -> bool:
        """Whether the message as it is now still has this control (it may have been replaced)."""
        for now in render_message(shown.message, users=self.users).controls:
            same = now.block_id == control.block_id and now.action_id == control.action_id
            if same and now.element.get("value") == control.element.get("value"):
                return True
        return False

    # -- modals --------------------------------------------------------------------------------

    def fields(self) -> list[FormField]:
        """The open modal's inputs, in the order the console asks for them."""
        view = self.modal
        return form_fields(view, self.users) if view else []

    def fill(self, answers: Mapping[str, str]) -> Turn:
        """Submit the open modal with typed answers keyed by label or block id (others blank)."""
        wanted = {key.lower(): value for key, value in answers.items()}
        values: dict[str, dict[str, Any]] = {}
        for form in self.fields():
            typed = wanted.get(form.block_id.lower(), wanted.get(form.label.lower(), ""))
            values[form.block_id] = {form.action_id: form.parse(typed)}
        return self.submit(values)

    def submit(self, values: Mapping[str, Mapping[str, Any]]) -> Turn:
        """Submit the open modal with `state.values` ({block_id: {action_id: state}})."""
        view = self.modal
        if view is None:
            return Turn(notes=["No form is open."])
        name = self.name_of(self.user)
        payload = self.payloads.view_submission(view, values, user=self.user, name=name)
        return self._send_payload(payload, submitted=view)

    def close_modal(self) -> Turn:
        """Close every open modal (the X), telling the app when the modal asked to know."""
        view = self.modal
        self.mirror.close_all()
        if view is None or not view.get("notify_on_close"):
            return Turn()
        payload = self.payloads.view_closed(view, user=self.user, name=self.name_of(self.user))
        return self._send_payload(payload)

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal on top of the stack, or None when no modal is open."""
        return self.mirror.modal

    def form(self) -> Screen:
        """The open modal as a form: title, texts, each input with its type and choices.

        A button in the modal gets a number like any other, which `press` then takes.
        """
        view = self.modal
        shown = form_screen(view, self.users) if view is not None else Screen([], [])
        if shown.pressables:
            self._numbered = shown.pressables
        return shown

    # -- one turn ------------------------------------------------------------------------------

    def _send_payload(
        self, payload: dict[str, Any], *, submitted: Mapping[str, Any] | None = None
    ) -> Turn:
        return self._send(urlencode({"payload": json.dumps(payload)}), FORM, submitted=submitted)

    def _send(
        self,
        body: str,
        content_type: str,
        *,
        ack_to: tuple[str, str] | None = None,
        submitted: Mapping[str, Any] | None = None,
    ) -> Turn:
        since = self.mirror.mark()
        response = self.dispatch(body, content_type)
        turn = Turn(status=response.status)
        settled = self.settle()
        self.deliver_outbox()
        if response.status == 401:
            turn.notes.append("The app refused the request's signature (401).")
        elif response.status == 404:
            turn.notes.append("The app has nothing that answers this (Slack would show an error).")
        elif response.status >= 400:
            turn.notes.append(f"The app answered {response.status}: {response.body[:200]}")
        if not settled:
            turn.notes.append(
                f"The app is still working after {self.timeout:.0f}s; more may follow."
            )
        if ack_to is not None and response.status == 200:
            channel, user = ack_to
            self.mirror.ack_message(response.body, channel=channel, user=user, turn=turn)
        if submitted is not None and response.status == 200:
            self.mirror.answer_submission(response.body, submitted, turn)
        self.mirror.collect(turn, since)
        return turn

    def deliver_outbox(self) -> None:
        """Do what `crm worker` would do next: deliver the outbox (the owners' notices)."""
        run_outbox(
            sessions=self.sessions,
            clients=self._slack_for,
            clock=self._clock or utcnow,
        )

    def settle(self) -> bool:
        """Wait until every listener finished and the stand-in has been quiet for a moment."""
        deadline = time.monotonic() + self.timeout
        while True:
            if not self.pool.wait_idle(max(0.0, deadline - time.monotonic())):
                return False
            calls = len(self.api.calls)
            time.sleep(QUIET)
            if len(self.api.calls) == calls and self.pool.idle:
                return True
            if time.monotonic() > deadline:
                return False

    # -- as text -------------------------------------------------------------------------------

    def screen(self, turn: Turn) -> Screen:
        """The turn as the console prints it; its numbers become what a bare number presses."""
        shown = screen(turn, user=self.user, users=self.users, channels=CHANNEL_NAMES)
        if shown.pressables:
            self._numbered = shown.pressables
        return shown
