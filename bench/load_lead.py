"""Load run: signed `/lead` requests from 8 threads for 30 s against `crm serve` on loopback.

    .venv/bin/python bench/load_lead.py
    .venv/bin/python bench/load_lead.py --url postgresql://postgres@127.0.0.1:5432/crm_load \
        --threads 8 --seconds 30

Makes the database afresh (Postgres: drops and creates it; it must be a scratch database),
migrates it, starts a local Slack Web API stand-in, then `crm serve`'s own `serve()` and a
`crm worker` as child processes, both bound to 127.0.0.1 and pointed at the stand-in. Each
thread sends signed `/lead` slash commands over one keep-alive connection until the time is
up (or `--max-requests` in all): four in five are new callers, one in five an earlier caller
again with the phone written another way (`(555) 201 7788`, `+1 555 201 7788`, ...).

Printed: requests, errors (any answer that is not HTTP 200 with "Lead saved" in its body),
the acknowledgement latency (p50, p95, p99, max), leads saved against acknowledgements,
contacts that share a phone (duplicates), and the owners' notices delivered by the worker
from the outbox. Loopback only, bounded in time and count. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, make_url, select, text  # noqa: E402

from console.local_slack import LocalSlackAPI  # noqa: E402
from console.signed_requests import RequestSigner, SlackPayloads  # noqa: E402
from core.common.enums import OutboxStatus  # noqa: E402
from core.models import Contact, Lead, OutboxItem  # noqa: E402
from core.platform.db import make_engine, make_sessions  # noqa: E402
from core.platform.migrate import upgrade  # noqa: E402

TEAM = "TLOAD"
OWNER = "U0OWNER"
STAFF = "U0STAFF"
CHANNEL = "C0GENERAL"
SERVE = (  # `crm serve` as cli/runtime.py starts it, bound to loopback
    "from bot.server import serve; from core.platform.config import get_settings; "
    "from wiring import build_dependencies; "
    "deps = build_dependencies(get_settings()); "
    "serve(deps.settings, sessions=deps.sessions, clock=deps.clock, "
    "integrations=deps.integrations, host='127.0.0.1')"
)
WORKER = "from cli.main import main; import sys; sys.exit(main(['worker']))"
FORMATS = (
    "555-{a}-{b}",
    "({p}) {a} {b}",
    "+1 555 {a} {b}",
    "555.{a}.{b}",
    "555{a}{b}",
    "1-555-{a}-{b}",
)


@dataclass
class Callers:
    """Who has called so far, shared by the threads, so some callers call again."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0
    known: list[tuple[int, str]] = field(default_factory=list)

    def next_line(self, rng: random.Random, repeat_share: float) -> str:
        with self.lock:
            if self.known and rng.random() < repeat_share:
                n, name = rng.choice(self.known)
            else:
                n, self.count = self.count, self.count + 1
                name = f"Caller{n} Load"
                self.known.append((n, name))
        a, b = f"{200 + n // 10000:03d}", f"{n % 10000:04d}"
        phone = rng.choice(FORMATS).format(p="555", a=a, b=b)
        return f"/lead {name}, {phone}, leaky faucet number {n} via phone"


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    saved: int = 0

    def add(self, seconds: float, ok: bool, error: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            if ok:
                self.saved += 1
            else:
                self.errors.append(error)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_database(url: str) -> None:
    """Drop and create a Postgres database (a scratch one), or remove a SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    import psycopg

    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def wait_until_serving(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"crm serve on port {port} never answered /healthz")


def send_leads(
    port: int,
    secret: str,
    api: LocalSlackAPI,
    callers: Callers,
    results: Results,
    *,
    until: float,
    budget: threading.Semaphore,
    repeat_share: float,
    seed: int,
) -> None:
    """One thread: signed /lead commands over one keep-alive connection until `until`."""
    rng = random.Random(seed)
    signer = RequestSigner(secret)
    payloads = SlackPayloads(team_id=TEAM, app_id="A0LOAD", bot_user="U0BOT", domain="load")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < until and budget.acquire(blocking=False):
        line = callers.next_line(rng, repeat_share)
        key = payloads.next_id(f"r{seed}-")
        fields = payloads.slash_command(
            line,
            user=STAFF,
            name="staff",
            channel=CHANNEL,
            channel_name="general",
            response_url=api.response_url(key, channel=CHANNEL, user=STAFF),
        )
        body = urlencode(fields)
        headers = signer.headers(body) | {"Content-Type": "application/x-www-form-urlencoded"}
        started = time.perf_counter()
        try:
            connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = connection.getresponse()
            raw = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            results.add(time.perf_counter() - started, False, f"{type(error).__name__}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        ok = response.status == 200 and "Lead saved" in raw
        results.add(elapsed, ok, "" if ok else f"HTTP {response.status}: {raw[:120]}")
    connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/crm_load")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--repeat-share", type=float, default=0.2)
    parser.add_argument("--drain-seconds", type=float, default=90.0)
    args = parser.parse_args()

    fresh_database(args.url)
    upgrade(args.url)
    api = LocalSlackAPI(team_id=TEAM).start()
    secret = secrets.token_hex(16)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CRM_"))}
    env |= {
        "DATABASE_URL": args.url,
        "SLACK_BOT_TOKEN": "xoxb-load",
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": api.url,
        "CRM_OWNER_IDS": OWNER,
        "PORT": str(port),
    }
    logs = Path(tempfile.mkdtemp(prefix="crm-load-"))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stderr=(logs / f"{name}.log").open("w")
        )
        for name, code in (("serve", SERVE), ("worker", WORKER))
    ]
    try:
        wait_until_serving(port)
        callers, results = Callers(), Results()
        budget = threading.Semaphore(args.max_requests)
        started = time.monotonic()
        until = started + args.seconds
        threads = [
            threading.Thread(
                target=send_leads,
                args=(port, secret, api, callers, results),
                kwargs={
                    "until": until,
                    "budget": budget,
                    "repeat_share": args.repeat_share,
                    "seed": n,
                },
            )
            for n in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        load_end = time.monotonic()
        wall = load_end - started

        sessions = make_sessions(make_engine(args.url))
        deadline = time.monotonic() + args.drain_seconds
        while time.monotonic() < deadline:
            with sessions() as session:
                waiting = session.scalar(
                    select(func.count())
                    .select_from(OutboxItem)
                    .where(OutboxItem.status == OutboxStatus.pending)
                )
            if not waiting:
                break
            time.sleep(0.5)
        drained = time.monotonic() - load_end
        with sessions() as session:
            leads = session.scalar(select(func.count()).select_from(Lead)) or 0
            contacts = session.scalar(select(func.count()).select_from(Contact)) or 0
            shared = session.execute(
                text(
                    "SELECT count(*) FROM (SELECT value FROM contact_points WHERE kind = 'phone' "
                    "GROUP BY workspace_id, value HAVING count(DISTINCT contact_id) > 1) AS s"
                )
            ).scalar_one()
            by_status = select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
            outbox = {status: n for status, n in session.execute(by_status)}
        notices = [m for m in api.messages if str(m.get("text", "")).startswith("New inquiry")]
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=15)
        api.stop()

    latencies_ms = [s * 1000 for s in results.latencies]
    sent = len(latencies_ms)
    report = {
        "database": make_url(args.url).get_backend_name(),
        "threads": args.threads,
        "seconds": round(wall, 1),
        "requests": sent,
        "requests_per_second": round(sent / wall, 1) if wall else 0,
        "errors": len(results.errors),
        "first_errors": results.errors[:3],
        "ack_ms": {
            "p50": round(statistics.median(latencies_ms), 1) if latencies_ms else None,
            "p95": round(percentile(latencies_ms, 0.95), 1),
            "p99": round(percentile(latencies_ms, 0.99), 1),
            "max": round(max(latencies_ms), 1) if latencies_ms else None,
        },
        "acknowledged_saved": results.saved,
        "leads_in_database": leads,
        "callers": callers.count,
        "contacts": contacts,
        "phones_shared_by_two_contacts": shared,
        "outbox": {str(status): n for status, n in outbox.items()},
        "owner_notices_delivered": len(notices),
        "seconds_until_outbox_empty": round(drained, 1),
        "logs": str(logs),
    }
    print(json.dumps(report, indent=2))
    failed = report["errors"] or shared or leads != results.saved or contacts != callers.count
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
