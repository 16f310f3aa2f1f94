"""Workspaces (tenants) and their settings; a workspace is made the first time it is seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotAnOwner, NotFound
from core.models import Base, Workspace
from core.platform.audit import audit, snapshot

Record = TypeVar("Record", bound=Base)


@dataclass(frozen=True)
class WorkspaceDefaults:
    """Settings a new workspace starts from (the environment, docs/product.md, Settings)."""

    owner_ids: list[str] = field(default_factory=list)
    pipeline_channel: str = "#pipeline"
    timezone: str = "America/New_York"
    country: str = "US"


def ensure_workspace(
    session: Session, workspace_id: str, defaults: WorkspaceDefaults | None = None
) -> Workspace:
    """Return the workspace, creating it from `defaults` the first time it is seen.

    Many first requests of a new team arrive at once: the insert does nothing when another
    transaction made the row first (it waits for that one to commit), so none of them fails.
    """
    workspace = session.get(Workspace, workspace_id)
    if workspace is not None:
        return workspace
    defaults = defaults or WorkspaceDefaults()
    values = {
        "workspace_id": workspace_id,
        "owner_ids": list(defaults.owner_ids),
        "pipeline_channel": defaults.pipeline_channel,
        "timezone": defaults.timezone,
        "holiday_country": defaults.country,
        "default_phone_region": defaults.country,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Workspace).values(values).on_conflict_do_nothing(index_elements=["workspace_id"])
    )
    made = session.get(Workspace, workspace_id)
    assert made is not None  # inserted here, or committed by the transaction that won
    return made


def get_workspace(session: Session, workspace_id: str) -> Workspace:
    """The workspace, or NotFound when it was never seen."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(f"No workspace {workspace_id} here.")
    return workspace


def get_in_workspace(
    session: Session,
    model: type[Record],
    key: str,
    *,
    workspace: Workspace,
    field: str,
    lock: bool = False,
) -> Record:
    """The record with this id when it is the workspace's, else NotFound naming the field.

    `lock` re-reads the row and holds it (Postgres) until the transaction ends.
    """
    record = session.get(model, key, with_for_update=lock, populate_existing=lock)
    if record is None or getattr(record, "workspace_id", None) != workspace.workspace_id:
        raise NotFound(f"That {field} is not in this workspace.", field=field)
    return record


def require_owner(workspace: Workspace, actor: str, what: str) -> None:
    """Refuse owner-only actions (approve, mark won, QuickBooks, settings) to anyone else."""
    if not workspace.is_owner(actor):
        raise NotAnOwner(f"Only an owner can {what}.")


def zone(workspace: Workspace) -> ZoneInfo:
    """The workspace's time zone, in which "today" and every date shown are read."""
    return ZoneInfo(workspace.timezone)


SETTING_NAMES = (
    "timezone",
    "pipeline_channel",
    "owner_ids",
    "holiday_country",
    "default_phone_region",
    "auto_send",
    "stale_after_business_days",
    "digest_hour",
    "daily_digest_enabled",
    "weekly_digest_enabled",
    "monthly_digest_enabled",
)
SWITCHES = ("auto_send", "daily_digest_enabled", "weekly_digest_enabled", "monthly_digest_enabled")


def update_settings(
    *, session: Session, workspace: Workspace, actor: str, changes: dict[str, object]
) -> Workspace:
    """Change workspace settings (owners only), validating each value."""
    require_owner(workspace, actor, "change settings")
    before = snapshot(workspace)
    for name, value in changes.items():
        if name not in SETTING_NAMES:
            raise InvalidInput(f"There is no setting called '{name}'.", field=name)
        if name == "timezone":
            try:
                ZoneInfo(str(value))
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise InvalidInput(f"'{value}' is not a time zone.", field=name) from error
        if name == "owner_ids":
            if not isinstance(value, list) or not value:
                raise InvalidInput("A workspace needs at least one owner.", field=name)
        if name == "stale_after_business_days" and not (
            isinstance(value, int) and 1 <= value <= 60
        ):
            raise InvalidInput("Stale after must be 1 to 60 business days.", field=name)
        if name == "digest_hour" and not (isinstance(value, int) and 0 <= value <= 23):
            raise InvalidInput("The digest hour must be 0 to 23.", field=name)
        if name in SWITCHES and not isinstance(value, bool):
            what = name.replace("_", " ").capitalize()
            raise InvalidInput(f"{what} is on or off (true or false).", field=name)
        setattr(workspace, name, value)
    audit(
        session, workspace, actor=actor, action="update_settings", entity=workspace, before=before
    )
    return workspace
