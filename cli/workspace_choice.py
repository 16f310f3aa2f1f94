"""Which workspace a command works on: `--workspace TEAM_ID`, or the only one there is."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CRMError, InvalidInput, NotFound
from core.models import Workspace
from core.platform.config import get_settings
from core.workspaces.service import WorkspaceDefaults, ensure_workspace

# The id an import gives the workspace it creates when none exists and none is named; the same
# one `crm console` uses, so history imported on a laptop shows up in the local console.
LOCAL_WORKSPACE_ID = "T0LOCAL"
_TEAM_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def workspace_defaults() -> WorkspaceDefaults:
    """A new workspace's settings, from the environment (docs/product.md, Settings)."""
    settings = get_settings()
    return WorkspaceDefaults(
        owner_ids=settings.owner_ids,
        pipeline_channel=settings.crm_pipeline_channel,
        timezone=settings.crm_timezone,
        country=settings.crm_country,
    )


def choose_workspace(session: Session, requested: str | None, *, create_if_none: bool) -> Workspace:
    """The named workspace, else the only one; `create_if_none` makes it (for imports)."""
    if requested is not None:
        requested = requested.strip()
        if not _TEAM_ID.fullmatch(requested):
            raise InvalidInput(
                f"'{requested}' is not a Slack team id (like T0123ABCD).", field="workspace"
            )
        workspace = session.get(Workspace, requested)
        if workspace is not None:
            return workspace
        if create_if_none:
            return ensure_workspace(session, requested, workspace_defaults())
        known = _workspace_ids(session)
        listed = f" Workspaces here: {', '.join(known)}." if known else " There are none yet."
        raise NotFound(f"There is no workspace {requested}.{listed}", field="workspace")
    known = _workspace_ids(session)
    if len(known) == 1:
        return _only(session, known[0])
    if not known:
        if create_if_none:
            return ensure_workspace(session, LOCAL_WORKSPACE_ID, workspace_defaults())
        raise NotFound(
            "There is no workspace yet: install the app in Slack or import a file first.",
            field="workspace",
        )
    raise CRMError(
        f"Several workspaces: {', '.join(known)}. Name one with --workspace.", field="workspace"
    )


def _workspace_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Workspace.workspace_id).order_by(Workspace.workspace_id)))


def _only(session: Session, workspace_id: str) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None  # just listed, in the same transaction
    return workspace
