"""Scale-out on one Postgres: two `crm serve` and two workers, each post and each digest once.

The workers are `crm worker` with its report clock forced to Monday 08:00 in the workspace's
timezone (the scheduler itself ticks on the wall clock), so the daily and weekly digests are
both due at once in both processes. The job ledger (a unique row and an advisory lock) must
let exactly one of them post each digest.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from sqlalchemy import func, select

from console.local_slack import LocalSlackAPI
from console.signed_requests import RequestSigner, SlackPayloads
from core.models import Contact, JobRun, Lead
from tests.conftest import OWNER
from tests.jobs.conftest import CommittedDatabase

SECRET = "scale-secret"
FORCED_CLOCK = "2026-03-02T08:00:00-05:00"  # Monday, 08:00 in New York
WORKER = """
import sys, time
from datetime import datetime, timedelta
from core.platform.config import get_settings
from jobs.scheduler import build_scheduler, run_worker
from wiring import build_dependencies

forced, started = datetime.fromisoformat(sys.argv[1]), time.monotonic()
deps = build_dependencies(get_settings())
scheduler = build_scheduler(
    sessions=deps.sessions,
    clients=deps.slack.client_for,
    clock=lambda: forced + timedelta(seconds=time.monotonic() - started),
    tick_seconds=1,
)
run_worker(scheduler)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def processes(
    committed_db: CommittedDatabase, backend: str, tmp_path: Path
) -> Iterator[tuple[LocalSlackAPI, list[int]]]:
    if backend != "postgres":
        pytest.skip("several processes share one engine only on Postgres")
    api = LocalSlackAPI(team_id=committed_db.workspace_id).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CRM_"))}
    env |= {
        "DATABASE_URL": committed_db.url,
        "SLACK_BOT_TOKEN": "xoxb-scale",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api.url,
        "CRM_OWNER_IDS": OWNER,
    }
    ports = [_free_port(), _free_port()]
    started = [
        subprocess.Popen(
            [sys.executable, "-c", "from cli.main import main; main()", "serve"],
            cwd=tmp_path,
            env=env | {"PORT": str(port)},
            stderr=(tmp_path / f"serve-{port}.log").open("w"),
        )
        for port in ports
    ]
    started += [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, FORCED_CLOCK],
            cwd=tmp_path,
            env=env,
            stderr=(tmp_path / f"worker-{n}.log").open("w"),
        )
        for n in range(2)
    ]
    try:
        yield api, ports
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=15)
        api.stop()


def _get(port: int, path: str) -> tuple[int, dict[str, object]]:
    with urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as reply:
        return reply.status, json.loads(reply.read())


def _wait_until_serving(port: int) -> None:
    for _ in range(600):  # start-up imports Bolt and friends: slow on a busy machine
        try:
            _get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"crm serve on port {port} never answered")


def _lead(port: int, team_id: str, line: str, api: LocalSlackAPI) -> int:
    payloads = SlackPayloads(team_id=team_id, app_id="A0LOCAL", bot_user="U0BOT")
    key = payloads.next_id("R")
    fields = payloads.slash_command(
        line,
        user=OWNER,
        name="owner",
        channel="C0GENERAL",
        channel_name="general",
        response_url=api.response_url(key, channel="C0GENERAL", user=OWNER),
    )
    body = urlencode(fields)
    headers = RequestSigner(SECRET).headers(body)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = Request(f"http://127.0.0.1:{port}/slack/events", body.encode(), headers)
    with urlopen(request, timeout=5) as reply:
        return int(reply.status)


def test_two_web_and_two_worker_processes_post_each_digest_and_each_notice_once(
    committed_db: CommittedDatabase, processes: tuple[LocalSlackAPI, list[int]]
) -> None:
    api, ports = processes
    for port in ports:
        _wait_until_serving(port)
        assert _get(port, "/healthz") == (200, {"ok": True})

    team = committed_db.workspace_id
    assert _lead(ports[0], team, "/lead Dana Smith, 555-201-3344, leaky faucet", api) == 200
    assert _lead(ports[1], team, "/lead Raj Patel, 555-201-9000, new breaker", api) == 200

    sessions = committed_db.sessions()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sessions() as session:
            done = session.scalar(
                select(func.count()).select_from(JobRun).where(JobRun.status == "done")
            )
        if done == 2 and len(api.calls_to("conversations.open")) >= 2:
            break
        time.sleep(0.5)
    time.sleep(3)  # both workers tick a few more times: nothing more may be posted

    with sessions() as session:
        runs = session.execute(select(JobRun.job, JobRun.period, JobRun.status)).all()
        assert sorted((job, status) for job, _period, status in runs) == [
            ("daily", "done"),
            ("weekly", "done"),
        ]
        assert session.scalar(select(func.count()).select_from(Lead)) == 2
        assert session.scalar(select(func.count()).select_from(Contact)) == 2
    pipeline_posts = [m for m in api.messages if m.get("channel") == "C0PIPELINE"]
    followups = [m for m in pipeline_posts if "Today's follow-ups" in str(m.get("text"))]
    weekly = [m for m in pipeline_posts if str(m.get("text")).startswith("Pipeline —")]
    assert (len(followups), len(weekly)) == (1, 1)
    notices = [m for m in api.messages if "New inquiry from" in str(m.get("text"))]
    assert sorted(str(m["text"]).split(" — ")[0] for m in notices) == [
        "New inquiry from Dana Smith",
        "New inquiry from Raj Patel",
    ]
