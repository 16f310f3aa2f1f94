"""The bot test harness: the real app over real HTTP, talking to a local Slack Web API stand-in.

`SlackHarness` builds the app with the wiring place (`wiring`), serves it with waitress on
127.0.0.1 port 0, and sends it what Slack would send (slash commands, button clicks, modal
submissions, events), built by the product's `SlackPayloads` and signed by its
`RequestSigner` (the pieces `crm console` uses) with a fresh timestamp. Every method returns
the HTTP reply after the listener that Bolt runs *after* the ack has finished (unless told
`wait=False`), so a test can assert on `slack.api` (what the app sent to Slack) and on the
database straight away.

Threading: Bolt acks, then runs the listener in its executor. The harness gives the app the
product's one-worker `ListenerPool` and waits for it after every request; so listeners run
one at a time and never while the test itself uses the database. That matters because the
`sessions` fixture binds every session to ONE connection (rolled back at the end), which two
threads must not use at once.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.types import WSGIApplication

from slack_bolt import App
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from waitress.server import create_server

from bot.listener_pool import ListenerPool
from console.local_slack import LocalSlackAPI
from console.signed_requests import RequestSigner, SlackPayloads
from core.platform.config import Settings
from core.platform.outbox import DrainReport
from integrations.registry import Integrations
from integrations.slack import make_client
from jobs.outbox import run_outbox
from tests.conftest import OWNER, STAFF, TEAM
from wiring import build_dependencies, create_bot, create_web

SIGNING_SECRET = "test-secret"
BOT_TOKEN = "xoxb-test"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret"
# A fixed Fernet key (CRM_SECRET_KEY) for the installable bot's encrypted token store.
SECRET_KEY = "GXpmoPHJxoP16OKR2YRTJ3WD56X3_vILlwR4GzHsaoY="
APP_ID = "A0LOCAL"
BOT_USER = "U0BOT"
CHANNEL = "C0GENERAL"
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in New York
# A modal's `state.values`: {block_id: {action_id: element state}}; ids as text or `bot.ids` enums.
StateValues = Mapping[Any, Mapping[Any, Mapping[str, Any]]]


@dataclass(frozen=True)
class Reply:
    """One HTTP reply of the app: what Slack (or a browser) would have received."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class ServedWSGI:
    """Serve any WSGI app with waitress on 127.0.0.1, port 0, in a thread."""

    def __init__(self, wsgi: WSGIApplication, *, threads: int = 2) -> None:
        self._server = create_server(wsgi, host="127.0.0.1", port=0, threads=threads)
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
        "crm_secret_key": SECRET_KEY if oauth else None,
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
        if block.get("element"):  # an input block's
            elements.append(block["element"])
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
        workers: int = 1,
        integrations: Integrations | None = None,
        **settings_overrides: Any,
    ) -> None:
        """`workers` > 1 (HTTP threads and listeners) only with sessions of a real engine."""
        self.sessions = sessions
        self.workers = workers
        self.integrations = integrations
        self.team_id = team_id
        self.now = START  # the app's clock; tests may set it
        self.api = LocalSlackAPI(team_id=team_id, bot_user_id=BOT_USER)
        self.oauth = oauth
        self._settings_overrides = settings_overrides
        self.signer = RequestSigner(SIGNING_SECRET)
        self.payloads = SlackPayloads(
            team_id=team_id, app_id=APP_ID, bot_user=BOT_USER, domain="crm-test"
        )
        self.pool = ListenerPool(workers=workers)
        self.app: App
        self.settings: Settings
        self.server: ServedWSGI

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> SlackHarness:
        self.api.start()
        self.settings = harness_settings(self.api.url, oauth=self.oauth, **self._settings_overrides)
        deps = build_dependencies(
            self.settings,
            sessions=self.sessions,
            clock=lambda: self.now,
            integrations=self.integrations,
        )
        self.app = create_bot(deps, listener_executor=self.pool)
        self.server = ServedWSGI(create_web(deps, self.app), threads=max(2, self.workers))
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

    def deliver(self) -> DrainReport:
        """One pass of `crm worker`'s outbox job at the app's clock: the owners' notices."""
        return run_outbox(
            sessions=self.sessions,
            # The worker's client, minus the waits between its own retries.
            clients=lambda _workspace: make_client(
                BOT_TOKEN, base_url=self.api.url, sleep=lambda _seconds: None
            ),
            clock=lambda: self.now,
        )

    def wait(self, timeout: float = 10) -> None:
        """Wait until every listener Bolt started has finished."""
        if not self.pool.wait_idle(timeout):
            raise AssertionError(f"listeners still running after {timeout}s")

    # -- raw HTTP --------------------------------------------------------------------------
    def signed_headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        """Slack's signature headers for `body` (a fresh timestamp unless one is given)."""
        return self.signer.headers(body, timestamp=timestamp)

    def raw_post(
        self,
        body: str | bytes,
        headers: dict[str, str],
        path: str = "/slack/events",
        *,
        wait: bool = True,
    ) -> Reply:
        """POST exactly these bytes and headers (for forged or stale signatures).

        The reply is Slack's view of the ack; with `wait` (the default) this also waits for
        the listener Bolt runs after it, so its Slack calls and rows can be asserted on.
        """
        data = body.encode() if isinstance(body, str) else body
        reply = self.server.request("POST", path, data, headers)
        if wait:
            self.wait()
        return reply

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        reply = self.server.request("GET", path, headers=headers)
        self.wait()
        return reply

    def post_signed(
        self,
        body: str,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        *,
        wait: bool = True,
    ) -> Reply:
        all_headers = {"content-type": content_type, **self.signed_headers(body), **(headers or {})}
        return self.raw_post(body, all_headers, wait=wait)

    def _post_payload(self, payload: dict[str, Any], *, wait: bool = True) -> Reply:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post_signed(body, "application/x-www-form-urlencoded", wait=wait)

    # -- what Slack sends ------------------------------------------------------------------
    def command(
        self,
        name: str,
        text: str = "",
        *,
        user: str = STAFF,
        channel: str = CHANNEL,
        wait: bool = True,
    ) -> Reply:
        """A slash command (`"lead"` or `"/lead"`); its response_url records into `api.messages`."""
        key = self.payloads.next_id("cmd")
        fields = self.payloads.slash_command(
            f"{name} {text}",
            user=user,
            name=user,
            channel=channel,
            channel_name=channel.lower(),
            response_url=self.api.response_url(key, channel=channel, user=user),
        )
        return self.post_signed(urlencode(fields), "application/x-www-form-urlencoded", wait=wait)

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
        wait: bool = True,
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
            "action_ts": self.payloads.ts(),
        }
        if value is not None:
            clicked["value"] = value
        payload = self.payloads.block_actions(clicked, user=user, name=user)
        if view is not None:
            return self._post_payload(self.payloads.on_view(payload, view), wait=wait)
        channel = channel or (message or {}).get("channel") or CHANNEL
        ts = str((message or {}).get("ts") or self.payloads.ts())
        shown: dict[str, Any] = {"ts": ts, "text": "", "blocks": []}
        shown |= {k: v for k, v in (message or {}).items() if k in ("text", "blocks", "thread_ts")}
        key = self.payloads.next_id("act")
        payload = self.payloads.on_message(
            payload,
            shown,
            channel=channel,
            channel_name=channel.lower(),
            ephemeral=False,
            response_url=self.api.response_url(key, channel=channel, ts=ts, user=user),
        )
        return self._post_payload(payload, wait=wait)

    def options(
        self, action_id: str, value: str, *, view: dict[str, Any], user: str = STAFF
    ) -> Reply:
        """Type `value` into the external select `action_id` of `view`: the reply's JSON
        carries the options the app answered (Slack's block_suggestion request, signed)."""
        block_id, _ = _find_element(view.get("blocks") or [], action_id)
        payload = self.payloads.block_suggestion(
            view, block_id=block_id or "crm-test-block", action_id=action_id, value=value, user=user
        )
        return self._post_payload(payload)

    def submit_view(
        self,
        callback_id: str | None,
        values: StateValues,
        private_metadata: str | None = None,
        *,
        user: str = STAFF,
        view: dict[str, Any] | None = None,
        wait: bool = True,
    ) -> Reply:
        """Submit a modal: `values` is `state.values` ({block_id: {action_id: value}}).

        Pass `view` (e.g. from `api.views`) to submit a modal the app opened: its id, hash,
        blocks, callback_id and private_metadata are sent as Slack would. The reply carries
        the app's ack body (`response_action` errors, update, clear).
        """
        view_id = (view or {}).get("id") or self.payloads.next_id("V")
        submitted: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "title": {"type": "plain_text", "text": "Test", "emoji": True},
            "hash": "1700000000.test",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "external_id": "",
            "bot_id": "B0LOCAL",
            **(view or {}),
        }
        if callback_id is not None:
            submitted["callback_id"] = str(callback_id)
        if private_metadata is not None:
            submitted["private_metadata"] = private_metadata
        state = {
            str(block): {str(action): dict(value) for action, value in by_action.items()}
            for block, by_action in values.items()
        }
        payload = self.payloads.view_submission(submitted, state, user=user, name=user)
        return self._post_payload(payload, wait=wait)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> Reply:
        """An Events API delivery; `retry_num` sends it as Slack's retry (X-Slack-Retry-Num)."""
        body = self.payloads.event_callback(event, event_id=event_id)
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post_signed(json.dumps(body), "application/json", headers)

    def message_dm(
        self,
        text: str,
        *,
        user: str = STAFF,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> Reply:
        """A direct message to the bot (message.im), in the stand-in's channel `D<user>`."""
        event = self.payloads.direct_message(text, user=user)
        return self.event(event, event_id=event_id, retry_num=retry_num)

    def mention(
        self, text: str, *, user: str = STAFF, channel: str = CHANNEL, event_id: str | None = None
    ) -> Reply:
        """`@CRM text` in a channel (app_mention)."""
        event = self.payloads.app_mention(text, user=user, channel=channel)
        return self.event(event, event_id=event_id)

    def home_opened(self, *, user: str = STAFF) -> Reply:
        """The user opened the App Home tab (app_home_opened)."""
        return self.event(self.payloads.home_opened(user=user))

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


def shown(message: Mapping[str, Any]) -> str:
    """All the text a person reads in a message or view, one piece a line."""
    return "\n".join(block_texts(message.get("blocks")))


def labels(message: Mapping[str, Any]) -> list[str]:
    """The labels of a message's buttons, in order."""
    return [button["text"]["text"] for button in iter_buttons(message.get("blocks"))]


def row_count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    """How many rows a table holds (every test starts from none of its own)."""
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def iter_buttons(blocks: list[dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
    """Every button in the blocks, for asserting on labels, action ids and values."""
    for block in blocks or []:
        elements = list(block.get("elements") or []) + [block.get("accessory") or {}]
        for element in elements:
            if element.get("type") == "button":
                yield element
