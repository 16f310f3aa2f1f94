"""The bot test harness: the real app over real HTTP, talking to a local Slack Web API stand-in.

`SlackHarness` builds the app with `create_app`, serves it with waitress on 127.0.0.1 port 0,
and sends it what Slack would send (slash commands, button clicks, modal submissions, events),
signed with the signing secret and a fresh timestamp. Every method returns the HTTP reply
after the listener that Bolt runs *after* the ack has finished, so a test can assert on
`slack.api` (what the app sent to Slack) and on the database straight away.

Threading: Bolt acks, then runs the listener in its executor. The harness gives the app a
one-worker executor it can wait on, and waits for it after every request; so listeners run
one at a time and never while the test itself uses the database. That matters because the
`sessions` fixture binds every session to ONE connection (rolled back at the end), which two
threads must not use at once.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.cookies import SimpleCookie
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.types import WSGIApplication

from slack_bolt import App
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.orm import Session, sessionmaker
from waitress import create_server

from bot.app import create_app
from bot.local_slack import LocalSlackAPI
from bot.server import make_wsgi_app
from core.config import Settings
from tests.conftest import OWNER, STAFF, TEAM

SIGNING_SECRET = "test-secret"
BOT_TOKEN = "xoxb-test"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret"
APP_ID = "A0LOCAL"
BOT_USER = "U0BOT"
CHANNEL = "C0GENERAL"
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in New York


@dataclass(frozen=True)
class Reply:
    """One HTTP reply of the app: what Slack (or a browser) would have received."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener executor with one worker, which can tell when every listener finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="bolt-listener")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        try:
            return super().submit(run)
        except BaseException:
            with self._idle:
                self._pending -= 1
            raise

    def wait_idle(self, timeout: float = 10) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout=timeout):
                raise AssertionError(f"listeners still running after {timeout}s")


class ServedWSGI:
    """Serve any WSGI app with waitress on 127.0.0.1, port 0, in a thread."""

    def __init__(self, wsgi: WSGIApplication) -> None:
        self._server = create_server(wsgi, host="127.0.0.1", port=0, threads=2)
        self.port = int(self._server.effective_port)  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Reply:
        """Send one request and read the whole reply (redirects are not followed)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            raw_headers: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                raw_headers[key] = f"{raw_headers[key]}, {value}" if key in raw_headers else value
            return Reply(response.status, raw_headers, response.read().decode("utf-8"))
        finally:
            connection.close()

    def stop(self) -> None:
        # Close from inside the server's loop (a trigger thunk) so it stops at once instead
        # of after its 1-second poll timeout.
        server: Any = self._server
        try:
            server.trigger.pull_trigger(server.close)
        except OSError:
            # The trigger pipe is already gone (closed by the loop on its way out): close
            # the listening socket directly instead.
            server.close()
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        # Close every descriptor now, so none is closed later by garbage collection after
        # its number has been reused by another test's server.
        for channel in list(server._map.values()):
            channel.close()


def harness_settings(api_url: str, *, oauth: bool = False, **overrides: Any) -> Settings:
    """Settings of a one-workspace HTTP bot (or an installable one) on the local Web API."""
    values: dict[str, Any] = {
        "database_url": "sqlite://",
        "slack_bot_token": None if oauth else BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "slack_client_id": CLIENT_ID if oauth else None,
        "slack_client_secret": CLIENT_SECRET if oauth else None,
        "slack_api_url": api_url,
        "crm_owner_ids": OWNER,
        "crm_pipeline_channel": "#pipeline",
        "crm_timezone": "America/New_York",
        "crm_country": "US",
        "crm_secret_key": None,
        "port": 3000,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


# Values of `state.values[block_id][action_id]` as Slack sends them, for `submit_view`.
def text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def static_select(value: str | None, text: str | None = None) -> dict[str, Any]:
    option = None if value is None else {"value": value, "text": _plain(text or value)}
    return {"type": "static_select", "selected_option": option}


def datepicker(day: date | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": day.isoformat() if day else None}


def users_select(*user_ids: str) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": list(user_ids)}


def checkboxes(*values: str) -> dict[str, Any]:
    options = [{"value": v, "text": _plain(v)} for v in values]
    return {"type": "checkboxes", "selected_options": options}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str | None, Any]:
    """The block id and element of the first element with this action_id, as Slack would see it."""
    for block in blocks or []:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None


class SlackHarness:
    """The real app behind real HTTP, with a local Slack Web API; see the module docstring."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        oauth: bool = False,
        team_id: str = TEAM,
        **settings_overrides: Any,
    ) -> None:
        self.sessions = sessions
        self.team_id = team_id
        self.now = START  # the app's clock; tests may set it
        self.api = LocalSlackAPI(team_id=team_id, bot_user_id=BOT_USER)
        self.oauth = oauth
        self._settings_overrides = settings_overrides
        self._verifier = SignatureVerifier(SIGNING_SECRET)
        self._ids = count(1)
        self.pool = ListenerPool()
        self.app: App
        self.settings: Settings
        self.server: ServedWSGI

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> SlackHarness:
        self.api.start()
        self.settings = harness_settings(self.api.url, oauth=self.oauth, **self._settings_overrides)
        self.app = create_app(
            self.settings, self.sessions, clock=lambda: self.now, listener_executor=self.pool
        )
        self.server = ServedWSGI(make_wsgi_app(self.app, self.sessions))
        self.api.clear()  # forget auth.test made while building the app
        return self

    def stop(self) -> None:
        self.server.stop()
        self.pool.shutdown(wait=True)
        self.api.stop()

    def __enter__(self) -> SlackHarness:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def wait(self, timeout: float = 10) -> None:
        """Wait until every listener Bolt started has finished."""
        self.pool.wait_idle(timeout)

    # -- raw HTTP --------------------------------------------------------------------------
    def signed_headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        """Slack's signature headers for `body` (a fresh timestamp unless one is given)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = self._verifier.generate_signature(timestamp=ts, body=body)
        assert signature is not None
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    def raw_post(
        self, body: str | bytes, headers: dict[str, str], path: str = "/slack/events"
    ) -> Reply:
        """POST exactly these bytes and headers (for forged or stale signatures)."""
        data = body.encode() if isinstance(body, str) else body
        reply = self.server.request("POST", path, data, headers)
        self.wait()
        return reply

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        reply = self.server.request("GET", path, headers=headers)
        self.wait()
        return reply

    def post_signed(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> Reply:
        all_headers = {"Content-Type": content_type, **self.signed_headers(body), **(headers or {})}
        return self.raw_post(body, all_headers)

    def _post_form(self, fields: dict[str, str]) -> Reply:
        return self.post_signed(urlencode(fields), "application/x-www-form-urlencoded")

    def _post_payload(self, payload: dict[str, Any]) -> Reply:
        return self._post_form({"payload": json.dumps(payload)})

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": "crm-test"}

    def _user(self, user: str) -> dict[str, str]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id}

    # -- what Slack sends ------------------------------------------------------------------
    def command(
        self, name: str, text: str = "", *, user: str = STAFF, channel: str = CHANNEL
    ) -> Reply:
        """A slash command (`"lead"` or `"/lead"`); its response_url records into `api.messages`."""
        command = name if name.startswith("/") else f"/{name}"
        key = self._next_id("cmd")
        fields = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "crm-test",
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(key, channel=channel, user=user),
            "trigger_id": self._next_id("trigger."),
        }
        return self._post_form(fields)

    def action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user: str = STAFF,
        channel: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str | None = None,
        element: dict[str, Any] | None = None,
    ) -> Reply:
        """A click on `action_id`: on `message` (e.g. one of `api.messages`) or in `view`.

        Block id, value and element type are taken from the message's or view's blocks when
        the element is there; pass them to click something the app never posted.
        """
        blocks = (view or message or {}).get("blocks") or []
        found_block, found = _find_element(blocks, action_id)
        clicked = {"type": "button", **(found or {}), **(element or {})}
        clicked |= {
            "action_id": action_id,
            "block_id": block_id or found_block or "crm-test-block",
            "action_ts": self._ts(),
        }
        if value is not None:
            clicked["value"] = value
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self._next_id("trigger."),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [clicked],
            "state": {"values": {}},
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = view
            return self._post_payload(payload)
        channel = channel or (message or {}).get("channel") or CHANNEL
        ts = (message or {}).get("ts") or self._ts()
        shown = {"type": "message", "user": BOT_USER, "ts": ts, "text": "", "blocks": []}
        shown |= {k: v for k, v in (message or {}).items() if k in ("text", "blocks", "thread_ts")}
        key = self._next_id("act")
        payload |= {
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "channel": {"id": channel, "name": channel.lower()},
            "message": shown,
            "response_url": self.api.response_url(key, channel=channel, ts=ts, user=user),
        }
        return self._post_payload(payload)

    def submit_view(
        self,
        callback_id: str | None,
        values: dict[str, dict[str, dict[str, Any]]],
        private_metadata: str | None = None,
        *,
        user: str = STAFF,
        view: dict[str, Any] | None = None,
    ) -> Reply:
        """Submit a modal: `values` is `state.values` ({block_id: {action_id: value}}).

        Pass `view` (e.g. from `api.views`) to submit a modal the app opened: its id, hash,
        blocks, callback_id and private_metadata are sent as Slack would. The reply carries
        the app's ack body (`response_action` errors, update, clear).
        """
        base = dict(view or {})
        view_id = base.get("id") or self._next_id("V")
        submitted = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "title": _plain("Test"),
            "hash": "1700000000.test",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "external_id": "",
            "bot_id": "B0LOCAL",
        }
        submitted |= base
        if callback_id is not None:
            submitted["callback_id"] = callback_id
        if private_metadata is not None:
            submitted["private_metadata"] = private_metadata
        submitted["state"] = {"values": values}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self._next_id("trigger."),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post_payload(payload)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> Reply:
        """An Events API delivery; `retry_num` sends it as Slack's retry (X-Slack-Retry-Num)."""
        body = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self._next_id("Ev"),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": self._next_id("4-ctx-"),
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post_signed(json.dumps(body), "application/json", headers)

    def message_dm(self, text: str, *, user: str = STAFF, event_id: str | None = None) -> Reply:
        """A direct message to the bot (message.im), in the stand-in's channel `D<user>`."""
        ts = self._ts()
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{user}",
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "client_msg_id": self._next_id("msg-"),
            "team": self.team_id,
        }
        return self.event(event, event_id=event_id)

    def mention(
        self, text: str, *, user: str = STAFF, channel: str = CHANNEL, event_id: str | None = None
    ) -> Reply:
        """`@CRM text` in a channel (app_mention)."""
        ts = self._ts()
        event = {
            "type": "app_mention",
            "user": user,
            "text": f"<@{BOT_USER}> {text}",
            "channel": channel,
            "ts": ts,
            "event_ts": ts,
            "team": self.team_id,
        }
        return self.event(event, event_id=event_id)

    def home_opened(self, *, user: str = STAFF) -> Reply:
        """The user opened the App Home tab (app_home_opened)."""
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": f"D{user}",
            "tab": "home",
            "event_ts": self._ts(),
        }
        return self.event(event)

    def url_verification(self, challenge: str) -> Reply:
        body = {"token": "legacy", "challenge": challenge, "type": "url_verification"}
        return self.post_signed(json.dumps(body), "application/json")

    # -- the install flow (oauth=True) -----------------------------------------------------
    def start_install(self) -> tuple[Reply, str, str]:
        """GET /slack/install: the reply, the state in the authorize link, and the state cookie."""
        reply = self.get("/slack/install")
        link = re.search(r'<a href="([^"]+)"', reply.body)
        assert link is not None, reply.body
        query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
        cookie = SimpleCookie(reply.headers.get("set-cookie", ""))
        cookie_header = "; ".join(f"{k}={m.value}" for k, m in cookie.items())
        return reply, query["state"][0], cookie_header

    def install(self, code: str = "install-code") -> Reply:
        """The whole install: open /slack/install, then come back from Slack with a code."""
        _, state, cookie = self.start_install()
        path = "/slack/oauth_redirect?" + urlencode({"code": code, "state": state})
        return self.get(path, headers={"Cookie": cookie})


def messages_to(api: LocalSlackAPI, **match: Any) -> list[dict[str, Any]]:
    """The stand-in's recorded messages whose fields equal `match` (kind=, channel=, user=...)."""
    return [m for m in api.messages if all(m.get(k) == v for k, v in match.items())]


def texts(api: LocalSlackAPI, **match: Any) -> list[str]:
    """Just the texts of `messages_to(api, **match)`, for readable assertions."""
    return [str(m.get("text")) for m in messages_to(api, **match)]


def block_texts(blocks: list[dict[str, Any]] | None) -> list[str]:
    """Every text a user sees in Block Kit blocks, in order (sections, fields, context, buttons)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                out.append(node["text"])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks or [])
    return out


def iter_buttons(blocks: list[dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
    """Every button in the blocks, for asserting on labels, action ids and values."""
    for block in blocks or []:
        elements = list(block.get("elements") or []) + [block.get("accessory") or {}]
        for element in elements:
            if element.get("type") == "button":
                yield element
