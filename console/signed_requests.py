"""The requests Slack sends an app, built and signed: what `crm console` and the tests send.

Shapes follow Slack's documented payloads: a slash command's form fields, Events API
callbacks (message.im, app_mention, app_home_opened), and the interaction payloads
(block_actions on a message or a view, view_submission, view_closed). Ids (trigger ids, event
ids, message ts) count up per run so each request is unique. `RequestSigner` adds the
`X-Slack-Signature` headers the app checks, exactly as Slack computes them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from itertools import count
from typing import Any

from slack_sdk.signature import SignatureVerifier


class RequestSigner:
    """Signs request bodies with the app's signing secret, as Slack does."""

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        """Slack's signature headers for `body` (a fresh timestamp unless one is given)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = self._verifier.generate_signature(timestamp=ts, body=body)
        assert signature is not None  # only None without a body or timestamp
        return {"x-slack-request-timestamp": ts, "x-slack-signature": signature}


class SlackPayloads:
    """What Slack would send one app of one workspace; see the module doc."""

    def __init__(self, *, team_id: str, app_id: str, bot_user: str, domain: str = "local") -> None:
        self.team_id = team_id
        self.app_id = app_id
        self.bot_user = bot_user
        self.domain = domain
        self._ids = count(1)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def ts(self) -> str:
        """A message or action timestamp like Slack's, unique in this run."""
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _user(self, user: str, name: str) -> dict[str, str]:
        return {"id": user, "username": name.lower(), "name": name.lower(), "team_id": self.team_id}

    def _common(self, user: str, name: str) -> dict[str, Any]:
        return {
            "team": {"id": self.team_id, "domain": self.domain},
            "user": self._user(user, name),
            "api_app_id": self.app_id,
            "token": self.domain,
            "is_enterprise_install": False,
            "enterprise": None,
        }

    # -- slash commands and events -------------------------------------------------------------

    def slash_command(
        self, line: str, *, user: str, name: str, channel: str, channel_name: str, response_url: str
    ) -> dict[str, str]:
        """The form fields of `/lead Dana Smith, …` typed in `channel`."""
        command, _, text = line.strip().partition(" ")
        return {
            "token": self.domain,
            "team_id": self.team_id,
            "team_domain": self.domain,
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": name.lower(),
            "command": command if command.startswith("/") else f"/{command}",
            "text": text.strip(),
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self.next_id("trigger."),
        }

    def event_callback(
        self, event: Mapping[str, Any], *, event_id: str | None = None
    ) -> dict[str, Any]:
        """One Events API delivery of `event` (a retry reuses the first delivery's `event_id`)."""
        authorization = {"team_id": self.team_id, "user_id": self.bot_user, "is_bot": True}
        return {
            "token": self.domain,
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or self.next_id("Ev"),
            "event_time": int(time.time()),
            "authorizations": [authorization | {"is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        }

    def direct_message(self, text: str, *, user: str) -> dict[str, Any]:
        """A message.im event: `user` writing to the bot in their direct message channel."""
        ts = self.ts()
        event = {"type": "message", "channel_type": "im", "channel": f"D{user}", "user": user}
        event |= {"text": text, "ts": ts, "event_ts": ts, "team": self.team_id}
        return event | {"client_msg_id": self.next_id("msg-")}

    def app_mention(self, text: str, *, user: str, channel: str) -> dict[str, Any]:
        ts = self.ts()
        event = {"type": "app_mention", "user": user, "text": f"<@{self.bot_user}> {text}"}
        return event | {"channel": channel, "ts": ts, "event_ts": ts, "team": self.team_id}

    def home_opened(self, *, user: str) -> dict[str, Any]:
        event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
        return event | {"event_ts": self.ts()}

    # -- interactions --------------------------------------------------------------------------

    def block_actions(self, action: Mapping[str, Any], *, user: str, name: str) -> dict[str, Any]:
        """A click on `action` (an element with block_id, action_ts and any value chosen)."""
        payload = {"type": "block_actions", **self._common(user, name)}
        payload |= {"trigger_id": self.next_id("trigger."), "actions": [dict(action)]}
        return payload | {"state": {"values": {}}}

    def block_suggestion(
        self, view: Mapping[str, Any], *, block_id: str, action_id: str, value: str, user: str
    ) -> dict[str, Any]:
        """Typing `value` into an external select of the modal `view`: Slack asks for options."""
        payload = {"type": "block_suggestion", **self._common(user, user)}
        payload |= {"block_id": block_id, "action_id": action_id, "value": value}
        container = {"type": "view", "view_id": view.get("id")}
        return payload | {"container": container, "view": dict(view)}

    @staticmethod
    def on_view(payload: dict[str, Any], view: Mapping[str, Any]) -> dict[str, Any]:
        """Where a click happened: in a modal or App Home."""
        return payload | {"container": {"type": "view", "view_id": view.get("id")}, "view": view}

    def on_message(
        self,
        payload: dict[str, Any],
        message: Mapping[str, Any],
        *,
        channel: str,
        channel_name: str,
        ephemeral: bool,
        response_url: str,
    ) -> dict[str, Any]:
        """Where a click happened: on a message (text, blocks, ts) in `channel`."""
        ts = str(message.get("ts"))
        shown = {"type": "message", "user": self.bot_user, "bot_id": "B0LOCAL", **message}
        container = {"type": "message", "message_ts": ts, "channel_id": channel}
        return payload | {
            "container": container | {"is_ephemeral": ephemeral},
            "channel": {"id": channel, "name": channel_name},
            "message": shown,
            "response_url": response_url,
        }

    def view_submission(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, Any]],
        *,
        user: str,
        name: str,
    ) -> dict[str, Any]:
        """Submitting `view` with `state.values` ({block_id: {action_id: state}})."""
        submitted = {**view, "state": {"values": {k: dict(v) for k, v in values.items()}}}
        payload = {"type": "view_submission", **self._common(user, name)}
        return (
            payload
            | {"trigger_id": self.next_id("trigger."), "view": submitted}
            | {"response_urls": []}
        )

    def view_closed(self, view: Mapping[str, Any], *, user: str, name: str) -> dict[str, Any]:
        """Closing every open modal (the X), for a modal that asked to be told."""
        return {"type": "view_closed", **self._common(user, name), "view": view, "is_cleared": True}
