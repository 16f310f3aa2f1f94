"""A local Gmail API and Google token endpoint, on port 0, following the documented shapes.

It answers what the Gmail adapter calls through google-api-python-client, as Gmail documents
them: `users.getProfile`, `users.messages.list` (newest first, `q` ignored but `-in:sent`
honoured), `users.messages.get` (`format=full`), `users.messages.send` (JSON `raw` and
`threadId`), `users.history.list` (`messageAdded` records after `startHistoryId`; 404 when
that id is older than the history kept), and the OAuth token endpoint: the refresh_token
grant (`invalid_grant` once revoked) and the authorization_code grant of a web consent, with
PKCE (`S256`) checked against the challenge of the link the owner consented on. API calls
need a bearer token the token endpoint issued.
"""

from __future__ import annotations

import base64
import email
import hashlib
import json
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ME = "/gmail/v1/users/me"


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    history_id: int
    internal_date: int
    labels: list[str]
    raw: bytes  # the RFC 5322 message


@dataclass
class Consent:
    """What the owner agreed to on Google's consent screen, waiting for its code's exchange."""

    client_id: str
    redirect_uri: str
    challenge: str
    scopes: set[str]
    used: bool = False


@dataclass
class GmailStandIn:
    """The mailbox `address`, its messages, its history, and every call received."""

    address: str = "office@plumbco.example"
    refresh_token: str = "1//refresh-ok"
    client_id: str = "client-123.apps.googleusercontent.com"
    client_secret: str = "client-secret"
    revoked: bool = False
    history_kept_from: int = 1
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    history: list[tuple[int, str]] = field(default_factory=list)  # (history id, message id)
    calls: list[tuple[str, str]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_send: list[int] = field(default_factory=list)  # statuses to answer the next sends
    consents: dict[str, Consent] = field(default_factory=dict)  # code -> consent
    profile_status: int | None = None  # e.g. 403: the Gmail API is not enabled in the project
    token_requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    _history_id: int = 100
    _counter: int = 0
    _tokens: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # -- the test's side -----------------------------------------------------------------------

    def deliver(
        self,
        *,
        sender: str,
        subject: str,
        body: str,
        thread_id: str | None = None,
        headers: dict[str, str] | None = None,
        html: bool = False,
        millis: int = 1_764_000_000_000,
    ) -> StoredMessage:
        """A message arriving in the inbox (a new history record)."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.address
        message["Subject"] = subject
        with self._lock:
            self._counter += 1
            number = self._counter
        message["Message-ID"] = f"<m{number}@mail.example>"
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body, subtype="html" if html else "plain")
        return self._store(message.as_bytes(), thread_id, ["INBOX", "UNREAD"], millis)

    def _store(
        self, raw: bytes, thread_id: str | None, labels: list[str], millis: int
    ) -> StoredMessage:
        with self._lock:
            self._counter += 1
            self._history_id += 1
            message_id = f"{self._counter:016x}"
            stored = StoredMessage(
                id=message_id,
                thread_id=thread_id or message_id,
                history_id=self._history_id,
                internal_date=millis + self._counter,
                labels=labels,
                raw=raw,
            )
            self.messages[message_id] = stored
            self.history.append((self._history_id, message_id))
        return stored

    def consent(self, link: str) -> str:
        """The owner says yes on Google's screen for this link: the code Google redirects with.

        A yes issues a fresh refresh token at the exchange, so a revoked mailbox is usable again.
        """
        query = {k: v[-1] for k, v in parse_qs(urlsplit(link).query).items()}
        assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
        with self._lock:
            self._counter += 1
            code = f"4/consent-{self._counter}"
            self.consents[code] = Consent(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                challenge=query["code_challenge"],
                scopes=set(query["scope"].split()),
            )
        return code

    def forget_history_before(self, history_id: int) -> None:
        self.history_kept_from = history_id

    @property
    def history_id(self) -> int:
        return self._history_id

    # -- HTTP ------------------------------------------------------------------------------

    def start(self) -> GmailStandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                stand_in._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                stand_in._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def _reply(self, req: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=UTF-8")
        req.send_header("Content-Length", str(len(raw)))
        req.end_headers()
        req.wfile.write(raw)

    def _error(self, req: BaseHTTPRequestHandler, status: int, message: str) -> None:
        reason = {401: "UNAUTHENTICATED", 404: "NOT_FOUND", 500: "INTERNAL"}.get(status, "ERROR")
        self._reply(req, status, {"error": {"code": status, "message": message, "status": reason}})

    def _handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(req.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        with self._lock:
            self.calls.append((method, parts.path))
        if parts.path == "/token" and method == "POST":
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            basic = req.headers.get("Authorization") or ""
            if basic.startswith("Basic "):  # client authentication by HTTP Basic (RFC 6749 2.3.1)
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                form |= {"client_id": unquote(client_id), "client_secret": unquote(secret)}
            return self._token(req, form)
        auth = req.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or auth[7:] not in self._tokens:
            return self._error(req, 401, "Request had invalid authentication credentials.")
        path = parts.path.removeprefix("/upload")
        if path == f"{ME}/profile" and self.profile_status is not None:
            return self._error(req, self.profile_status, "Gmail API has not been used in project")
        if path == f"{ME}/profile":
            total = len(self.messages)
            return self._reply(
                req,
                200,
                {
                    "emailAddress": self.address,
                    "messagesTotal": total,
                    "threadsTotal": total,
                    "historyId": str(self._history_id),
                },
            )
        if path == f"{ME}/messages" and method == "GET":
            return self._list(req, query)
        if path == f"{ME}/messages/send" and method == "POST":
            return self._send(req, json.loads(body or b"{}"))
        if path.startswith(f"{ME}/messages/") and method == "GET":
            stored = self.messages.get(path.rsplit("/", 1)[-1])
            if stored is None:
                return self._error(req, 404, "Requested entity was not found.")
            return self._reply(req, 200, self._resource(stored))
        if path == f"{ME}/history":
            return self._history(req, query)
        return self._error(req, 404, f"No such method: {method} {path}")

    def _token(self, req: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        with self._lock:
            self.token_requests.append(dict(form))
        if form.get("grant_type") == "authorization_code":
            return self._exchange(req, form)
        good = (
            form.get("grant_type") == "refresh_token"
            and form.get("refresh_token") == self.refresh_token
            and form.get("client_id") == self.client_id
            and form.get("client_secret") == self.client_secret
            and not self.revoked
        )
        if not good:
            return self._reply(
                req,
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
            )
        self._reply(req, 200, self._access())

    def _access(self) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            token = f"ya29.access-{self._counter}"
            self._tokens.add(token)
        scope = "https://www.googleapis.com/auth/gmail.send https://www.googleapis.com/auth/gmail.readonly"
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer", "scope": scope}

    def _exchange(self, req: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        """The authorization_code grant: one use of a code, by its client, with its verifier."""
        with self._lock:
            consent = self.consents.get(form.get("code", ""))
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            good = (
                consent is not None
                and not consent.used
                and form.get("client_id") == consent.client_id == self.client_id
                and form.get("client_secret") == self.client_secret
                and form.get("redirect_uri") == consent.redirect_uri
                and challenge == consent.challenge
            )
            if good and consent is not None:
                consent.used = True
                self._counter += 1
                self.refresh_token = f"1//refresh-{self._counter}"
                self.revoked = False
        if not good:
            return self._reply(
                req, 400, {"error": "invalid_grant", "error_description": "Bad Request"}
            )
        self._reply(req, 200, self._access() | {"refresh_token": self.refresh_token})

    def _list(self, req: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        inbox = [m for m in self.messages.values() if "SENT" not in m.labels]
        inbox.sort(key=lambda m: m.internal_date, reverse=True)
        start = int(query.get("pageToken") or 0)
        size = int(query.get("maxResults") or 100)
        page = inbox[start : start + size]
        payload: dict[str, Any] = {
            "messages": [{"id": m.id, "threadId": m.thread_id} for m in page],
            "resultSizeEstimate": len(inbox),
        }
        if start + size < len(inbox):
            payload["nextPageToken"] = str(start + size)
        self._reply(req, 200, payload)

    def _history(self, req: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        start = int(query["startHistoryId"])
        if start < self.history_kept_from:
            return self._error(req, 404, "Requested entity was not found.")
        records = [
            {
                "id": str(history_id),
                "messagesAdded": [
                    {
                        "message": {
                            "id": message_id,
                            "threadId": self.messages[message_id].thread_id,
                            "labelIds": self.messages[message_id].labels,
                        }
                    }
                ],
            }
            for history_id, message_id in self.history
            if history_id > start
        ]
        self._reply(req, 200, {"history": records, "historyId": str(self._history_id)})

    def _send(self, req: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if self.fail_send:
            status = self.fail_send.pop(0)
            return self._error(req, status, "Backend Error")
        raw = base64.urlsafe_b64decode(body["raw"] + "=" * (-len(body["raw"]) % 4))
        stored = self._store(raw, body.get("threadId"), ["SENT"], 1_765_000_000_000)
        parsed = email.message_from_bytes(raw, policy=default_policy)
        self.sent.append({"thread_id": body.get("threadId"), "message": parsed, "id": stored.id})
        self._reply(req, 200, {"id": stored.id, "threadId": stored.thread_id, "labelIds": ["SENT"]})

    def _resource(self, stored: StoredMessage) -> dict[str, Any]:
        parsed = email.message_from_bytes(stored.raw, policy=default_policy)
        headers = [{"name": k, "value": str(v)} for k, v in parsed.items()]
        content = parsed.get_content() if not parsed.is_multipart() else ""
        data = base64.urlsafe_b64encode(str(content).encode()).decode().rstrip("=")
        return {
            "id": stored.id,
            "threadId": stored.thread_id,
            "labelIds": stored.labels,
            "snippet": str(content)[:100],
            "historyId": str(stored.history_id),
            "internalDate": str(stored.internal_date),
            "payload": {
                "mimeType": parsed.get_content_type(),
                "filename": "",
                "headers": headers,
                "body": {"size": len(str(content)), "data": data},
            },
            "sizeEstimate": len(stored.raw),
        }
