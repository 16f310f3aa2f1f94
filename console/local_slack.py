"""A local stand-in for the Slack Web API so tests and `crm console` run without a Slack account."""

from __future__ import annotations

import json
import threading
from base64 import b64decode
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from console.local_slack_bodies import decode_json_fields, parse_body, parse_multipart
from console.local_slack_methods import SlackMethodAnswers

REPLACE_FLAGS = ("replace_original", "delete_original")


@dataclass
class SlackCall:
    """One request the app made, kept so tests can assert on what was sent."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)
    token: str | None = None


_Failure = tuple[str, int, int | None]  # error, HTTP status, Retry-After seconds


class LocalSlackAPI(SlackMethodAnswers):
    """An in-process HTTP server answering Slack Web API calls and recording them."""

    def __init__(
        self,
        *,
        team_id: str = "T0LOCAL",
        bot_user_id: str = "U0BOT",
        users: dict[str, str] | None = None,
    ) -> None:
        """Set up empty recordings; nothing listens until start()."""
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.users: dict[str, str] = dict(users or {})
        self.calls: list[SlackCall] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.published: dict[str, dict[str, Any]] = {}
        self.uploads: list[dict[str, Any]] = []
        self.on_message: Callable[[dict[str, Any]], None] | None = None
        self.url = ""
        self.root = ""
        self._messages: list[dict[str, Any]] = []
        self._failures: dict[str, list[_Failure]] = {}  # method -> queued failures
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._response_urls: dict[str, dict[str, str | None]] = {}
        self._channels: dict[str, None] = {}
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)  # notified on every recorded call
        self.installer_user_id = "U0INSTALLER"  # the `authed_user` oauth.v2.access reports
        self._counter = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LocalSlackAPI:
        """Bind an ephemeral port so parallel test workers never collide."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                api._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                api._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.root = f"http://127.0.0.1:{port}"
        self.url = f"{self.root}/api/"
        serve = self._server.serve_forever
        self._thread = threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LocalSlackAPI:
        """Allow `with LocalSlackAPI() as api:` in tests."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop on leaving the with-block."""
        self.stop()

    def calls_to(self, method: str) -> list[SlackCall]:
        """Filter the call log to one method for focused assertions."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5) -> list[SlackCall]:
        """Block until `count` calls to `method` arrived (listeners run after the ack)."""
        with self._arrived:
            arrived = self._arrived.wait_for(
                lambda: len(self.calls_to(method)) >= count, timeout=timeout
            )
            calls = self.calls_to(method)
        if not arrived:
            seen = [c.method for c in self.calls]
            raise AssertionError(
                f"expected {count} call(s) to {method} within {timeout}s, got {len(calls)}; "
                f"calls so far: {seen}"
            )
        return calls

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Everything shown to users, in order, as copies safe to inspect."""
        with self._lock:
            return [dict(m) for m in self._messages]

    def clear(self) -> None:
        """Forget recorded traffic between test steps; ids keep counting up."""
        with self._lock:
            for store in (self.calls, self._messages, self.uploads, self.views, self.published):
                store.clear()
            self._failures.clear()

    def fail_next(
        self,
        method: str,
        *,
        error: str = "internal_error",
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Queue failures for a method so error paths and retries can be tested."""
        with self._lock:
            self._failures.setdefault(method, []).extend([(error, status, retry_after)] * times)

    def response_url(
        self,
        key: str,
        *,
        channel: str | None = None,
        ts: str | None = None,
        user: str | None = None,
    ) -> str:
        """Give a response_url for payloads; channel/ts name the message replace_original hits."""
        with self._lock:
            self._response_urls[key] = {"channel": channel, "ts": ts, "user": user}
        return f"{self.root}/response/{quote(key, safe='')}"

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        """Route one HTTP request: Web API method, file upload URL, or response_url."""
        parts = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        ctype = req.headers.get("Content-Type") or ""
        path, data, params = parts.path, b"", dict[str, Any]()
        if path.startswith("/upload/"):
            method, params["file_id"] = "upload", path.rsplit("/", 1)[-1]
            if ctype.lower().startswith("multipart/"):
                form = parse_multipart(ctype, body)
                data = next((v for v in form.values() if isinstance(v, bytes)), b"")
            else:
                data = body
            params["length"] = len(data)
        else:
            params |= {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            params.update(parse_body(ctype, body))
            decode_json_fields(params)
            if path.startswith("/response/"):
                method = "response_url"
            elif path.startswith("/api/"):
                method = path[len("/api/") :].strip("/")
            else:
                return self._send(req, 404, {"ok": False, "error": "unknown_path"})
        auth = req.headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else None
        if auth.startswith("Basic "):  # oauth.v2.access sends the app's client id and secret
            client_id, _, client_secret = b64decode(auth[6:]).decode().partition(":")
            params |= {"client_id": client_id, "client_secret": client_secret}
        token = token or params.pop("token", None)
        params.pop("token", None)
        with self._lock:
            self.calls.append(SlackCall(method, params, token))
            queue = self._failures.get(method)
            failure = queue.pop(0) if queue else None
            self._arrived.notify_all()
        if failure is not None:
            error, status, retry_after = failure
            wait = (
                {"Retry-After": str(retry_after)}
                if status == 429 and retry_after is not None
                else {}
            )
            return self._send(req, status, {"ok": False, "error": error}, wait)
        if method == "upload":
            with self._lock:
                self._pending_files.setdefault(params["file_id"], {})["content"] = data
            return self._send(req, 200, f"OK - {len(data)}")
        if method == "response_url":
            self._respond_url(unquote(path[len("/response/") :]), params)
            return self._send(req, 200, "ok")
        self._send(req, 200, self._answer(method, params))

    def _send(
        self,
        req: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, Any] | str,
        extra: dict[str, str] | None = None,
    ) -> None:
        """Write a JSON (or plain-text, for upload and response URLs) reply."""
        is_text = isinstance(payload, str)
        raw = (payload if isinstance(payload, str) else json.dumps(payload)).encode("utf-8")
        req.send_response(status)
        kind = "text/plain" if is_text else "application/json"
        headers = {"Content-Type": f"{kind}; charset=utf-8", "Content-Length": str(len(raw))}
        for name, value in (headers | (extra or {})).items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(raw)

    def _respond_url(self, key: str, p: dict[str, Any]) -> None:
        """Record a response_url post the way Slack would show it."""
        bound = self._response_urls.get(key, {})
        flags = {k: str(p.get(k, "")).lower() in ("true", "1") for k in REPLACE_FLAGS}
        ts = bound.get("ts") if flags["replace_original"] and bound.get("ts") else self._ts()
        fields = {k: p.get(k) for k in ("text", "blocks", "thread_ts")}
        where = {"channel": bound.get("channel"), "ts": ts, "user": bound.get("user")}
        rtype = p.get("response_type") or "ephemeral"  # Slack's default for response_url
        self._record_message(
            kind="response_url", key=key, response_type=rtype, **where, **fields, **flags
        )
