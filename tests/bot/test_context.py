"""`BotContext.transaction`: one request's transaction and its workspace, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.context import BotContext
from core.models import Contact, Workspace
from tests.bot.harness import harness_settings
from tests.conftest import OWNER


def _context(sessions: sessionmaker[Session]) -> BotContext:
    return BotContext(settings=harness_settings("http://localhost:1/api/"), sessions=sessions)


def test_a_new_team_gets_its_workspace_from_the_environment(
    sessions: sessionmaker[Session],
) -> None:
    with _context(sessions).transaction("T0NEW") as (session, workspace):
        assert workspace.workspace_id == "T0NEW"
        assert workspace.owner_ids == [OWNER]
        assert workspace.pipeline_channel == "#pipeline"
    with sessions() as session:
        assert session.get(Workspace, "T0NEW") is not None  # committed on leaving the block


def test_an_error_inside_writes_nothing(sessions: sessionmaker[Session], workspace_id: str) -> None:
    with pytest.raises(RuntimeError), _context(sessions).transaction(workspace_id) as (session, _):
        session.add(Contact(contact_id="ct_ctx1", workspace_id=workspace_id, first_name="Dana"))
        session.flush()
        raise RuntimeError("the operation failed half way")
    with sessions() as session:
        assert session.scalars(select(Contact).where(Contact.contact_id == "ct_ctx1")).all() == []
