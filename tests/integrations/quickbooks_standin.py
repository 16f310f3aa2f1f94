"""A local QuickBooks Online on port 0: Intuit's token endpoint and the Accounting API calls.

It follows the documented shapes: `POST /oauth2/v1/tokens/bearer` (HTTP Basic client
credentials; `authorization_code` and `refresh_token` grants; every refresh rotates the
refresh token and retires the old one; `invalid_grant` as a 400), `GET
/v3/company/{realm}/query?query=...` (a `QueryResponse`), `POST /v3/company/{realm}/customer
?requestid=...` (a repeated requestid gets the first answer again, a taken DisplayName the
6240 duplicate-name fault, a bad email a ValidationFault), 401 `AuthenticationFailed` for an
unknown access token, and 429 with `Retry-After` when told to throttle.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLIENT_ID = "qb-client-id"
CLIENT_SECRET = "qb-client-secret"
REALM = "9130355"
_QUERY = re.compile(
    r"^select \* from Customer where (?P<field>PrimaryEmailAddr|DisplayName) = "
    r"'(?P<value>(?:[^'\\]|\\.)*)'(?: maxresults \d+)?$",
    re.IGNORECASE,
)


def _fault(code: str, message: str, detail: str, kind: str) -> dict[str, Any]:
    return {
        "Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}], "type": kind}
    }


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class QuickBooksStandIn:
    """Start it, point CRM_QUICKBOOKS_API_URL and CRM_INTUIT_TOKEN_URL at it, look at `calls`."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> Customer
    calls: list[Call] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)  # authorization codes Intuit "issued"
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    revoked: bool = False
    reject_next_create: str | None = None  # the Detail of a ValidationFault for one create
    throttle: list[int] = field(default_factory=list)  # Retry-After of each coming 429
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # requestid
    _ids: Any = field(default_factory=lambda: count(58))
    _tokens: Any = field(default_factory=lambda: count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> QuickBooksStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                standin._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                standin._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth2/v1/tokens/bearer"

    # -- what a test arranges -----------------------------------------------------------------
    def issue_code(self, code: str = "auth-code") -> str:
        self.codes.add(code)
        return code

    def issue_refresh_token(self) -> str:
        token = f"refresh-{next(self._tokens)}"
        self.refresh_tokens.add(token)
        return token

    def expire_access_tokens(self) -> None:
        """Every access token handed out so far now answers 401 (as after an hour)."""
        self.access_tokens.clear()

    def add_customer(self, **fields: Any) -> str:
        customer_id = str(next(self._ids))
        self.customers[customer_id] = {"Id": customer_id, "SyncToken": "0", **fields}
        return customer_id

    def calls_to(self, path_end: str, method: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.path.endswith(path_end) and (method is None or c.method == method)
        ]

    # -- HTTP --------------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(req.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length).decode() if length else ""
        ctype = req.headers.get("Content-Type", "")
        if "json" in ctype:
            body: Any = json.loads(raw or "null")
        else:
            body = {key: values[0] for key, values in parse_qs(raw).items()}
        authorization = req.headers.get("Authorization", "")
        with self._lock:
            self.calls.append(Call(method, parts.path, query, body, authorization))
            status, answer, headers = self._answer(method, parts.path, query, body, authorization)
        data = json.dumps(answer).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(data)

    def _answer(
        self, method: str, path: str, query: dict[str, str], body: Any, authorization: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path == "/oauth2/v1/tokens/bearer" and method == "POST":
            return (*self._token(body, authorization), {})
        match = re.fullmatch(r"/v3/company/(?P<realm>\d+)/(?P<what>query|customer)", path)
        if match is None or match.group("realm") != REALM:
            return 404, {"error": "not found"}, {}
        if authorization.removeprefix("Bearer ") not in self.access_tokens:
            return (
                401,
                {
                    "fault": {
                        "error": [
                            {
                                "message": "message=AuthenticationFailed; errorCode=003200; "
                                "statusCode=401",
                                "detail": "Token expired",
                                "code": "3200",
                            }
                        ],
                        "type": "AUTHENTICATION",
                    }
                },
                {},
            )
        if self.throttle:
            wait = self.throttle.pop(0)
            return (
                429,
                _fault("003001", "ThrottleExceeded", "Too many requests", "SERVICE"),
                {"Retry-After": str(wait)},
            )
        if match.group("what") == "query" and method == "GET":
            return (*self._query(query.get("query", "")), {})
        if match.group("what") == "customer" and method == "POST":
            return (*self._create(query.get("requestid"), body), {})
        return 405, {}, {}

    def _token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        grant = form.get("grant_type")
        if grant == "authorization_code" and form.get("code") in self.codes:
            self.codes.discard(form["code"])
        elif (
            grant == "refresh_token"
            and not self.revoked
            and form.get("refresh_token") in (self.refresh_tokens)
        ):
            self.refresh_tokens.discard(form["refresh_token"])  # rotated: the old one is spent
        else:
            return 400, {"error": "invalid_grant"}
        n = next(self._tokens)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return 200, {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": 3600,
            "refresh_token": refresh,
            "x_refresh_token_expires_in": 8726400,
        }

    def _query(self, statement: str) -> tuple[int, dict[str, Any]]:
        match = _QUERY.match(statement.strip())
        if match is None:
            return 400, _fault("4000", "Error parsing query", statement, "ValidationFault")
        value = re.sub(r"\\(.)", r"\1", match.group("value"))
        if match.group("field").lower() == "primaryemailaddr":
            found = [
                c
                for c in self.customers.values()
                if (c.get("PrimaryEmailAddr") or {}).get("Address", "").lower() == value.lower()
            ]
        else:
            found = [
                c
                for c in self.customers.values()
                if c.get("DisplayName", "").lower() == value.lower()
            ]
        if not found:
            return 200, {"QueryResponse": {}, "time": "2026-12-06T10:00:00.000-08:00"}
        return 200, {
            "QueryResponse": {"Customer": found[:1], "startPosition": 1, "maxResults": 1},
            "time": "2026-12-06T10:00:00.000-08:00",
        }

    def _create(self, request_id: str | None, body: Any) -> tuple[int, dict[str, Any]]:
        if request_id and request_id in self.answers:
            return self.answers[request_id]  # the documented idempotency of requestid
        answer = self._create_once(body)
        if request_id:
            self.answers[request_id] = answer
        return answer

    def _create_once(self, body: Any) -> tuple[int, dict[str, Any]]:
        if self.reject_next_create is not None:
            detail, self.reject_next_create = self.reject_next_create, None
            return 400, _fault(
                "2050", "A business validation error has occurred", detail, "ValidationFault"
            )
        name = str((body or {}).get("DisplayName") or "")
        if not name:
            return 400, _fault(
                "6000",
                "A business validation error has occurred",
                "DisplayName is required",
                "ValidationFault",
            )
        email = ((body or {}).get("PrimaryEmailAddr") or {}).get("Address")
        if email is not None and ("@" not in email or "." not in email):
            return 400, _fault(
                "6000",
                "A business validation error has occurred",
                "Email Address does not conform to the syntax rules of RFC 822.",
                "ValidationFault",
            )
        if any(c.get("DisplayName", "").lower() == name.lower() for c in self.customers.values()):
            return 400, _fault(
                "6240",
                "Duplicate Name Exists Error",
                "The name supplied already exists. : Another customer, vendor or employee is "
                "already using this name. Please use a different name.",
                "ValidationFault",
            )
        customer_id = self.add_customer(**body)
        return 200, {"Customer": self.customers[customer_id], "time": "2026-12-06T10:00:00-08:00"}

    def __enter__(self) -> QuickBooksStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
