"""The README's claims that no other test reads, each checked against the product (issue 15).

The rest are checked where the behaviour lives: `/followups` and the week ahead in
tests/bot/test_follow_up_dates.py, QuickBooks not connected in
tests/bot/test_owner_gate.py::test_without_quickbooks_connected_nothing_changes, owner-only
buttons in tests/bot/test_owner_gate.py and the console walk (tests/console/test_first_day.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.app import SlackConfigError, SlackMode, slack_mode
from core.errors import NotAnOwner
from core.models import Workspace
from core.workspaces.service import get_workspace, update_settings
from tests.bot.harness import harness_settings
from tests.conftest import OWNER, STAFF

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def ws(session: Session, workspace_id: str) -> Workspace:
    return get_workspace(session, workspace_id)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_socket_mode_needs_no_signing_secret_and_http_mode_does() -> None:
    assert "Socket Mode does not use `SLACK_SIGNING_SECRET`" in flat(README)
    socket = harness_settings(
        "http://unused.invalid/", slack_app_token="xapp-1", slack_signing_secret=None
    )
    assert slack_mode(socket) == SlackMode.SOCKET
    http = harness_settings("http://unused.invalid/", slack_signing_secret=None)
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET is not"):
        slack_mode(http)


def test_auto_send_is_off_in_a_new_workspace_and_only_an_owner_switches_it(
    session: Session, ws: Workspace
) -> None:
    said = flat(README)
    assert "it is off in every new workspace, only an owner can switch it" in said
    assert ws.auto_send is False
    with pytest.raises(NotAnOwner, match="Only an owner can change settings."):
        update_settings(session=session, workspace=ws, actor=STAFF, changes={"auto_send": True})
    update_settings(session=session, workspace=ws, actor=OWNER, changes={"auto_send": True})
    assert ws.auto_send is True


def test_followups_is_described_as_it_behaves() -> None:
    said = flat(README)
    assert (
        "`/followups` alone shows today's follow-ups, the overdue ones and the stale leads "
        '(each heading, "none" when empty) and how many are promised for the next 7 days'
    ) in said
    assert "`/followups upcoming` lists those" in said
