"""Reply times through the production server: `crm serve` in a child process, signed requests.

Each request is what Slack sends (built and signed by `console/signed_requests.py`); the reply
time is from sending it to the answer: the acknowledgement itself when it carries the reply
(`/lead` quick capture), else the first message the app posts back (through the response_url
or the Web API) arriving at the local Slack stand-in. Loopback only.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bench.data import OWNER, WORKSPACE, email_of, name_of, phone_of
from console.local_slack import LocalSlackAPI
from console.signed_requests import RequestSigner, SlackPayloads

SECRET = "bench-signing-secret"
SETTLE_S = (0.05, 0.25)  # after each request, before the next: seconds, at random
CHANNEL = "C0BENCH"


@dataclass(frozen=True)
class Timing:
    """Reply times of one kind of request, in milliseconds."""

    request: str
    samples: tuple[float, ...]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Served:
    """`crm serve` on a free loopback port against `url`, talking to `api`."""

    def __init__(self, url: str, api: LocalSlackAPI) -> None:
        self.port = _free_port()
        env = os.environ | {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api.url,
            "CRM_OWNER_IDS": OWNER,
            "PORT": str(self.port),
        }
        env.pop("SLACK_APP_TOKEN", None)
        env.pop("SLACK_CLIENT_ID", None)
        crm = [sys.executable, "-c", "from cli.main import main; main()", "serve"]
        self.process = subprocess.Popen(crm, env=env, stdout=subprocess.DEVNULL)
        for _ in range(300):
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("crm serve did not answer /healthz in 30 s")

    def get(self, path: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
        return status

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        connection.close()
        return response.status, answer

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class _Client:
    """Sends signed requests and times the first message the app posts back."""

    def __init__(self, served: _Served, api: LocalSlackAPI) -> None:
        self.served, self.api = served, api
        self.signer = RequestSigner(SECRET)
        self.payloads = SlackPayloads(team_id=WORKSPACE, app_id="A0BENCH", bot_user="U0BOT")
        self._arrived = threading.Event()
        self._shown: dict[str, Any] = {}
        api.on_message = self._on_message

    def _on_message(self, message: dict[str, Any]) -> None:
        self._shown = message
        self._arrived.set()

    def _send(self, body: str) -> tuple[float, dict[str, Any]]:
        headers = {"content-type": "application/x-www-form-urlencoded"}
        headers |= self.signer.headers(body)
        self._arrived.clear()
        started = time.perf_counter()
        status, answer = self.served.post(body, headers)
        if status != 200:
            raise RuntimeError(f"the app answered {status}")
        shown = json.loads(answer) if answer.startswith(b"{") else {}
        if shown.get("text") or shown.get("blocks"):  # answered in the acknowledgement itself
            return (time.perf_counter() - started) * 1000, shown
        if not self._arrived.wait(timeout=30):
            raise RuntimeError("no reply within 30 s")
        return (time.perf_counter() - started) * 1000, self._shown

    def command(self, line: str, user: str = OWNER) -> tuple[float, dict[str, Any]]:
        key = self.payloads.next_id("cmd")
        fields = self.payloads.slash_command(
            line,
            user=user,
            name=user,
            channel=CHANNEL,
            channel_name="bench",
            response_url=self.api.response_url(key, channel=CHANNEL, user=user),
        )
        return self._send(urlencode(fields))

    def click(self, action_id: str, value: str, user: str = OWNER) -> tuple[float, dict[str, Any]]:
        clicked = {"type": "button", "action_id": action_id, "block_id": "crm-bench"}
        clicked |= {"value": value, "action_ts": self.payloads.ts()}
        payload = self.payloads.block_actions(clicked, user=user, name=user)
        ts = self.payloads.ts()
        key = self.payloads.next_id("act")
        payload = self.payloads.on_message(
            payload,
            {"ts": ts, "text": "", "blocks": []},
            channel=CHANNEL,
            channel_name="bench",
            ephemeral=False,
            response_url=self.api.response_url(key, channel=CHANNEL, ts=ts, user=user),
        )
        return self._send(urlencode({"payload": json.dumps(payload)}))


def requests_for(contacts: int, open_leads: list[str]) -> dict[str, Any]:
    """What each kind of request sends, try by try (so a button acts on a new lead each time)."""
    target = 4242 % contacts
    first, last = name_of(target)
    return {
        "/lead (quick capture)": lambda n: (
            "command",
            f"/lead Bench Caller{n}, 646-555-{n:04d}, boiler service via phone $300",
        ),
        "/customer name": lambda n: ("command", f"/customer {first} {last}"),
        "/customer phone": lambda n: ("command", f"/customer {phone_of(target)[2:]}"),
        "/customer email": lambda n: ("command", f"/customer {email_of(target).upper()}"),
        "/customer miss (phone)": lambda n: ("command", "/customer 555-777-1234"),
        "/followups": lambda n: ("command", "/followups"),
        "/followups due": lambda n: ("command", "/followups due"),
        "/followups overdue": lambda n: ("command", "/followups overdue"),
        "/followups stale": lambda n: ("command", "/followups stale"),
        "/pipeline": lambda n: ("command", "/pipeline"),
        "button: Snooze": lambda n: ("click", "crm-snooze", open_leads[n % len(open_leads)]),
    }


@dataclass(frozen=True)
class Book:
    """A database replies are measured against, with what its requests need of it."""

    url: str
    contacts: int
    open_leads: list[str]


def measure_replies(books: list[Book], tries: int) -> list[list[Timing]]:
    """p50/p99 of each request kind on each book (a timing list per book, in order), after one
    warm-up try each.

    Each book is served at once by its own `crm serve`, and they take turns request by
    request, each first every other try: a full/small ratio taken from two sizes measured
    minutes apart moved by half with the machine's load (its other tenants), a load that now
    falls on each alike.
    """
    with ExitStack() as stack:
        apis = [stack.enter_context(LocalSlackAPI(team_id=WORKSPACE)) for _ in books]
        clients = []
        for book, api in zip(books, apis, strict=True):
            site = _Served(book.url, api)
            stack.callback(site.stop)
            clients.append(_Client(site, api))
        kinds = [requests_for(book.contacts, book.open_leads) for book in books]
        timings: list[list[Timing]] = [[] for _ in books]
        pauses = random.Random(0)  # the same pauses every run
        for request in kinds[0]:
            samples: list[list[float]] = [[] for _ in books]
            for n in range(tries + 1):
                turns = list(zip(clients, kinds, samples, strict=True))
                # Each first every other try, and a pause after each request: what the app
                # does after its reply (the rest of a lazy listener's work) would otherwise
                # overlap the next request, always the other book's. People type seconds apart,
                # and at no fixed beat: a pause of one length fell in step with Postgres's
                # background writers, and one book's /lead waited on them every time.
                for client, made, taken in turns if n % 2 else reversed(turns):
                    kind, *args = made[request](n)
                    elapsed, _shown = getattr(client, kind)(*args)
                    time.sleep(pauses.uniform(*SETTLE_S))
                    if n:  # the first try warms caches and the connection pool
                        taken.append(elapsed)
            for timing, taken, api in zip(timings, samples, apis, strict=True):
                timing.append(Timing(request, tuple(taken)))
                api.clear()
        return timings


def sample_reply(url: str, contacts: int, line: str) -> str:
    """What the app answers to one command: the first line of its text (a sanity check)."""
    with LocalSlackAPI(team_id=WORKSPACE) as api:
        served = _Served(url, api)
        try:
            _elapsed, shown = _Client(served, api).command(line)
        finally:
            served.stop()
    return str(shown.get("text", "")).split("\n")[0]
