"""What every handler needs besides the Slack request: settings, the database and the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from core.models import Workspace
from core.platform.config import Settings
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from integrations.registry import Integrations


def utc_now() -> datetime:
    """The real clock; tests pass a fixed one instead."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class BotContext:
    """Handed to each `register(app, ctx)`; a handler opens `ctx.transaction(team_id)` once."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime] = field(default=utc_now)
    # The Gmail / QuickBooks adapters per workspace (none connected by default).
    integrations: Integrations = field(default_factory=Integrations)

    def now(self) -> datetime:
        """The report time of a command: aware UTC now by this context's clock."""
        return self.clock()

    def workspace_defaults(self, owner_ids: list[str] | None = None) -> WorkspaceDefaults:
        """Settings a workspace starts from (docs/product.md, Settings), maybe with given owners."""
        return WorkspaceDefaults(
            owner_ids=list(self.settings.owner_ids if owner_ids is None else owner_ids),
            pipeline_channel=self.settings.crm_pipeline_channel,
            timezone=self.settings.crm_timezone,
            country=self.settings.crm_country,
        )

    def workspace(self, session: Session, team_id: str) -> Workspace:
        """The Slack team's workspace row, made from the environment the first time it is seen."""
        return ensure_workspace(session, team_id, self.workspace_defaults())

    @contextmanager
    def transaction(self, team_id: str) -> Iterator[tuple[Session, Workspace]]:
        """One request's transaction and the Slack team's workspace in it; commits on exit.

        A context manager, not Bolt middleware: middleware returns before the listener runs, so
        it cannot hold a transaction open around the listener.
        """
        with self.sessions.begin() as session:
            yield session, self.workspace(session, team_id)
