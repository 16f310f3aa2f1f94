"""Slack Web API clients for the worker: one per workspace, with Slack's rate limits honoured.

In single-workspace mode every workspace uses `SLACK_BOT_TOKEN`. In OAuth mode the token comes
from the installation store (any slack_sdk `InstallationStore`, e.g. the one bot/oauth.py keeps):
pass it as `installation_store`. A workspace with no token still gets a client: Slack answers
`not_authed`, and the run is recorded as failed in job_runs instead of vanishing.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import InstallationStore

from core.platform.config import Settings

log = logging.getLogger(__name__)


def make_client(token: str | None, *, base_url: str | None = None) -> WebClient:
    """A WebClient that waits out HTTP 429 (`Retry-After`) and retries resets and 5xx."""
    handlers = [
        RateLimitErrorRetryHandler(max_retry_count=5),
        ServerErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ]
    if base_url:
        base_url = base_url.rstrip("/") + "/"  # WebClient joins method names onto it
        return WebClient(token=token, base_url=base_url, retry_handlers=handlers)
    return WebClient(token=token, retry_handlers=handlers)


class SlackClients:
    """`client_for(workspace_id)`: the client that posts as this app in that workspace."""

    def __init__(
        self, settings: Settings, *, installation_store: InstallationStore | None = None
    ) -> None:
        self._settings = settings
        self._store = installation_store

    def _token(self, workspace_id: str) -> str | None:
        if self._store is not None:
            bot = self._store.find_bot(enterprise_id=None, team_id=workspace_id)
            if bot is not None and bot.bot_token:
                return str(bot.bot_token)
        if self._settings.slack_bot_token is not None:
            return self._settings.slack_bot_token.get_secret_value()
        log.warning(
            "No Slack token for workspace %s: its posts will fail as not_authed", workspace_id
        )
        return None

    def client_for(self, workspace_id: str) -> WebClient:
        """A client for the workspace; the token is looked up each time, so rotations apply."""
        return make_client(self._token(workspace_id), base_url=self._settings.slack_api_url)

    __call__ = client_for
