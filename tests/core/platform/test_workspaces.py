"""Workspace settings: owners switch the scheduled posts on and off; bad values are refused."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotAnOwner
from core.workspaces.service import get_workspace, update_settings
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import audit_trail

SCHEDULES = ("daily_digest_enabled", "weekly_digest_enabled", "monthly_digest_enabled")


def flags(session: Session) -> tuple[bool, bool, bool]:
    ws = get_workspace(session, TEAM)
    return ws.daily_digest_enabled, ws.weekly_digest_enabled, ws.monthly_digest_enabled


def test_an_owner_switches_the_scheduled_posts(session: Session, workspace_id: str) -> None:
    ws = get_workspace(session, TEAM)
    assert flags(session) == (True, True, True)  # a new workspace posts all three
    update_settings(
        session=session,
        workspace=ws,
        actor=OWNER,
        changes={"weekly_digest_enabled": False, "monthly_digest_enabled": False},
    )
    assert flags(session) == (True, False, False)
    assert audit_trail(session, TEAM)[-1] == (OWNER, "update_settings")
    update_settings(
        session=session, workspace=ws, actor=OWNER, changes={"weekly_digest_enabled": True}
    )
    assert flags(session) == (True, True, False)


@pytest.mark.parametrize("name", [*SCHEDULES, "auto_send"])
@pytest.mark.parametrize("value", ["no", 0, None, "🚫"])
def test_a_switch_is_on_or_off_only(
    session: Session, workspace_id: str, name: str, value: object
) -> None:
    ws = get_workspace(session, TEAM)
    with pytest.raises(InvalidInput) as refused:
        update_settings(session=session, workspace=ws, actor=OWNER, changes={name: value})
    assert refused.value.field == name
    session.expire_all()
    assert flags(session) == (True, True, True)
    assert get_workspace(session, TEAM).auto_send is False


def test_staff_cannot_switch_posts_off(session: Session, workspace_id: str) -> None:
    ws = get_workspace(session, TEAM)
    with pytest.raises(NotAnOwner):
        update_settings(
            session=session, workspace=ws, actor=STAFF, changes={"daily_digest_enabled": False}
        )
    assert flags(session) == (True, True, True)
