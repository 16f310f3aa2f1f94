"""`crm serve`'s HTTP side: signatures, /healthz, url_verification, refusing to start."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from bot.server import CannotServe, build, check_app_token, check_schema
from bot.web import create_web_app
from cli.main import main
from console.local_slack import LocalSlackAPI
from console.signed_requests import RequestSigner
from core.platform.config import get_settings
from core.platform.db import make_engine, make_sessions
from core.platform.migrate import upgrade
from tests.bot.harness import ServedWSGI, SlackHarness, harness_settings

EVENT = json.dumps({"type": "event_callback", "team_id": "T0TEST", "event": {"type": "x"}})


def test_a_forged_signature_is_refused(slack: SlackHarness) -> None:
    headers = slack.signed_headers(EVENT) | {
        "Content-Type": "application/json",
        "x-slack-signature": "v0=" + "0" * 64,
    }
    assert slack.raw_post(EVENT, headers).status == 401


def test_a_body_changed_after_signing_is_refused(slack: SlackHarness) -> None:
    headers = slack.signed_headers(EVENT) | {"Content-Type": "application/json"}
    assert slack.raw_post(EVENT.replace("T0TEST", "T0EVIL"), headers).status == 401


def test_a_stale_signature_is_refused(slack: SlackHarness) -> None:
    ten_minutes_ago = int(time.time()) - 600
    headers = slack.signed_headers(EVENT, timestamp=ten_minutes_ago)
    reply = slack.raw_post(EVENT, headers | {"Content-Type": "application/json"})
    assert reply.status == 401


def test_an_unsigned_request_is_refused(slack: SlackHarness) -> None:
    assert slack.raw_post(EVENT, {"Content-Type": "application/json"}).status == 401
    assert slack.api.calls == []


def test_url_verification_answers_the_challenge(slack: SlackHarness) -> None:
    reply = slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert reply.status == 200
    assert reply.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_healthz_is_ok_with_a_database(slack: SlackHarness) -> None:
    reply = slack.get("/healthz")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"ok": True}


def test_unknown_paths_are_not_found(slack: SlackHarness) -> None:
    assert slack.get("/").status == 404
    assert slack.get("/slack/install").status == 404  # installs only with SLACK_CLIENT_ID
    get_events = slack.get("/slack/events")  # Slack only POSTs
    assert get_events.status == 405
    assert set(get_events.headers["allow"].split(", ")) == {"POST", "OPTIONS"}


@pytest.fixture
def served_with_broken_database(slack: SlackHarness, tmp_path: Path) -> Iterator[ServedWSGI]:
    broken = make_sessions(make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'crm.db'}"))
    served = ServedWSGI(create_web_app(slack.app, settings=slack.settings, sessions=broken))
    yield served
    served.stop()


def test_healthz_is_503_with_the_reason_when_the_database_is_down(
    served_with_broken_database: ServedWSGI,
) -> None:
    reply = served_with_broken_database.request("GET", "/healthz")
    assert reply.status == 503
    assert reply.json() == {
        "ok": False,
        "error": "database unavailable: unable to open database file",
    }


def test_socket_mode_serves_only_healthz(slack: SlackHarness) -> None:
    web = create_web_app(
        slack.app, settings=slack.settings, sessions=slack.sessions, slack_events=False
    )
    served = ServedWSGI(web)
    try:
        headers = slack.signed_headers(EVENT) | {"Content-Type": "application/json"}
        assert served.request("POST", "/slack/events", EVENT.encode(), headers).status == 404
        assert served.request("GET", "/healthz").json() == {"ok": True}
    finally:
        served.stop()


# -- starting up ------------------------------------------------------------------------------


def test_serve_refuses_a_database_without_tables(tmp_path: Path) -> None:
    with pytest.raises(CannotServe, match=r"no tables yet; run `crm db upgrade` first"):
        check_schema(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))


def test_serve_accepts_a_migrated_database(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        check_schema(engine)
    finally:
        engine.dispose()


def test_build_makes_the_app_for_the_credentials(database_url: str) -> None:
    with LocalSlackAPI() as api:
        settings = harness_settings(api.url, database_url=database_url)
        engine = make_engine(database_url)
        try:
            mode, app = build(settings, sessions=make_sessions(engine))
        finally:
            engine.dispose()
        assert mode == "http" and app.client.base_url == api.url
        assert [call.method for call in api.calls] == ["auth.test"]


def test_build_refuses_a_token_slack_rejects(database_url: str) -> None:
    with LocalSlackAPI() as api:
        api.fail_next("auth.test", error="invalid_auth")
        settings = harness_settings(api.url, database_url=database_url)
        engine = make_engine(database_url)
        with pytest.raises(CannotServe, match="Slack did not accept the credentials"):
            build(settings, sessions=make_sessions(engine))
        engine.dispose()


def test_socket_mode_refuses_an_app_token_slack_rejects(slack: SlackHarness) -> None:
    slack.api.fail_next("apps.connections.open", error="invalid_auth")
    with pytest.raises(CannotServe) as refused:
        check_app_token(slack.app, "xapp-bad")
    assert str(refused.value) == "Slack did not accept SLACK_APP_TOKEN: invalid_auth"
    check_app_token(slack.app, "xapp-good")  # the stand-in accepts it the second time
    [_, accepted] = slack.api.calls_to("apps.connections.open")
    assert accepted.token == "xapp-good"


def test_crm_serve_without_credentials_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'crm.db'}")
    monkeypatch.chdir(tmp_path)  # no .env here
    get_settings.cache_clear()
    try:
        code = main(["serve"])
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("crm serve: No Slack credentials: set SLACK_BOT_TOKEN")
    assert err.count("\n") == 1


def test_crm_serve_with_half_the_credentials_says_which_half(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        assert main(["serve"]) == 1
    finally:
        get_settings.cache_clear()
    assert "SLACK_SIGNING_SECRET is not" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_crm_serve_runs_the_bot_over_http(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    upgrade(url)
    port = _free_port()
    with LocalSlackAPI() as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CRM_"))}
        env |= {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-serve",
            "SLACK_SIGNING_SECRET": "serve-secret",
            "SLACK_API_URL": api.url,
            "PORT": str(port),
        }
        command = [sys.executable, "-c", "from cli.main import main; main()", "serve"]
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE)
        try:
            # A loaded machine can take many seconds to import the app; wait for the server
            # itself (or its exit), not for a fixed number of tries.
            health = None
            deadline = time.monotonic() + 90
            while health is None and process.poll() is None and time.monotonic() < deadline:
                try:
                    with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as reply:
                        health = json.loads(reply.read())
                except OSError:
                    time.sleep(0.1)
            assert health == {"ok": True}
            body = json.dumps({"type": "url_verification", "challenge": "c-1"})
            headers = RequestSigner("serve-secret").headers(body)
            headers["Content-Type"] = "application/json"
            request = Request(f"http://127.0.0.1:{port}/slack/events", body.encode(), headers)
            with urlopen(request, timeout=5) as reply:
                assert json.loads(reply.read()) == {"challenge": "c-1"}
            assert [call.token for call in api.calls_to("auth.test")] == ["xoxb-serve"]
        finally:
            process.terminate()
            process.wait(timeout=10)
