"""`crm run-job`: one job for the period containing --at, once unless --force, one line each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.main import main
from console.local_slack import LocalSlackAPI
from core.platform.config import get_settings
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.conftest import OWNER
from tests.core.factories import make_lead, ny
from tests.jobs.conftest import CommittedDatabase


@pytest.fixture
def env(
    committed_db: CommittedDatabase, slack_api: LocalSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CommittedDatabase]:
    monkeypatch.setenv("DATABASE_URL", committed_db.url)
    monkeypatch.setenv("SLACK_API_URL", slack_api.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    with committed_db.sessions().begin() as session:
        make_lead(
            session, committed_db.workspace_id, title="Roof leak", created_at=ny(2026, 11, 2, 9)
        )
    yield committed_db
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["run-job", *argv])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_once_per_period_then_forced(
    env: CommittedDatabase, slack_api: LocalSlackAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = env.workspace_id
    at = ["--at", "2026-11-30T08:00", "--workspace", ws]
    assert run(capsys, "daily", *at) == (0, f"daily 2026-11-30 for {ws}: posted 2 messages.", "")
    assert [m["text"] for m in slack_api.messages] == [
        "Stale leads: 1",
        "Today's follow-ups: none",
    ]
    assert {c.token for c in slack_api.calls_to("chat.postMessage")} == {"xoxb-cli"}
    # Later the same day (an --at with an offset this time): the same period, already done.
    same_day = ["--at", "2026-11-30T16:45-05:00", "--workspace", ws]
    assert run(capsys, "daily", *same_day) == (
        0,
        f"daily 2026-11-30 for {ws}: already posted; nothing to do (--force posts it again).",
        "",
    )
    assert len(slack_api.messages) == 2
    assert run(capsys, "daily", *at, "--force")[:2] == (
        0,
        f"daily 2026-11-30 for {ws}: posted 2 messages.",
    )
    assert len(slack_api.messages) == 4


def test_weekly_for_the_week_containing_at_and_every_workspace_without_workspace(
    env: CommittedDatabase, slack_api: LocalSlackAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    with env.sessions().begin() as session:
        ensure_workspace(session, "T0ZZZ", WorkspaceDefaults(owner_ids=[OWNER]))
    code, out, err = run(capsys, "weekly", "--at", "2026-12-02T15:00")
    assert (code, err) == (0, "")
    assert out.split("\n") == [  # in workspace id order; the digest and its chart each
        f"weekly 2026-W49 for {ws}: posted 2 messages."
        for ws in sorted([env.workspace_id, "T0ZZZ"])
    ]
    assert len(slack_api.uploads) == 2


def test_a_day_with_no_digest_is_success_and_says_why(
    env: CommittedDatabase, slack_api: LocalSlackAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "daily", "--at", "2026-11-28T08:00")
    assert (code, out) == (
        0,
        f"daily 2026-11-28 for {env.workspace_id}: not posted: Saturday 2026-11-28 is not a "
        "business day.",
    )
    assert slack_api.messages == []


def test_failures_exit_non_zero_with_one_line(
    env: CommittedDatabase, slack_api: LocalSlackAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "daily", "--at", "next tuesday") == (
        1,
        "",
        'crm: --at "next tuesday" is not an ISO time; use e.g. 2026-11-30T08:00 or '
        "2026-11-30T08:00-05:00.",
    )
    assert run(capsys, "daily", "--workspace", "T0NOPE") == (
        1,
        "",
        "crm: No workspace T0NOPE here.",
    )
    slack_api.fail_next("chat.postMessage", error="not_in_channel")
    code, out, err = run(capsys, "daily", "--at", "2026-11-30T08:00")
    assert (code, out) == (1, "")
    assert err == (
        f"daily 2026-11-30 for {env.workspace_id}: FAILED: Slack said not_in_channel posting "
        "to C0PIPELINE"
    )
    code, _, err = run(capsys, "daily", "--at", "2026-11-30T08:05")
    assert code == 1 and "1 attempt(s) failed, last with Slack said not_in_channel" in err
    assert run(capsys, "daily", "--at", "2026-11-30T08:05", "--force")[0] == 0


def test_an_at_without_an_offset_is_read_in_each_workspaces_time_zone(
    env: CommittedDatabase, slack_api: LocalSlackAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    with env.sessions().begin() as session:
        tokyo = ensure_workspace(session, "T0TOKYO", WorkspaceDefaults(owner_ids=[OWNER]))
        tokyo.timezone, tokyo.holiday_country = "Asia/Tokyo", "JP"
    ny_ws = env.workspace_id
    # 01:00 on Tue Dec 1 in New York (read as UTC it would still be Monday there).
    assert run(capsys, "daily", "--at", "2026-12-01T01:00", "--workspace", ny_ws)[:2] == (
        0,
        f"daily 2026-12-01 for {ny_ws}: posted 2 messages.",
    )
    # 23:30 on Mon Nov 30 in Tokyo (read as UTC or New York time it would be Tuesday there).
    assert run(capsys, "daily", "--at", "2026-11-30T23:30", "--workspace", "T0TOKYO")[:2] == (
        0,
        "daily 2026-11-30 for T0TOKYO: posted 1 message.",
    )
    # With an offset the instant is fixed: 2026-12-01T01:00+09:00 is Monday 11:00 in New York.
    code, out, _ = run(capsys, "daily", "--at", "2026-12-01T01:00+09:00")
    assert (code, out.split("\n")) == (
        0,
        [
            "daily 2026-12-01 for T0TOKYO: posted 1 message.",
            f"daily 2026-11-30 for {ny_ws}: posted 2 messages.",
        ],
    )
