"""The workspace row most core tests act in (TEAM, owner OWNER; see tests/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core.models import Workspace
from core.workspaces.service import get_workspace


@pytest.fixture
def ws(session: Session, workspace_id: str) -> Workspace:
    return get_workspace(session, workspace_id)
