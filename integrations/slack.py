"""Slack Web API clients: the one factory and the one retry policy every process uses.

`make_client` is how the bot, the worker and the console get a `WebClient`: on SLACK_API_URL
when set, with `retry_handlers()`. That policy waits out HTTP 429 for its `Retry-After`,
retries a lost connection, and retries a call Slack answered 5xx or `ok: false` with a
transient error (`internal_error`...) after 1, 2 and 4 seconds; a permanent error
(`channel_not_found`, `invalid_auth`) is raised at once. `SlackClients` gives the worker the
client of each workspace: the install store's token in OAuth mode, else SLACK_BOT_TOKEN.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.oauth.installation_store import InstallationStore

from core.platform.config import Settings

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]

RETRY_DELAYS = (1.0, 2.0, 4.0)
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class TransientErrorRetryHandler(RetryHandler):
    """Retry a call answered 5xx, or `ok: false` with a transient error, after each delay."""

    def __init__(self, delays: Sequence[float] = RETRY_DELAYS, sleep: Sleep = time.sleep) -> None:
        super().__init__(max_retry_count=len(delays))
        self.delays = tuple(delays)
        self.sleep = sleep

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None:
            return False
        if response.status_code >= 500:
            return True
        body: Any = response.body
        return isinstance(body, dict) and body.get("error") in TRANSIENT_ERRORS

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        delay = self.delays[min(state.current_attempt, len(self.delays) - 1)]
        method = request.url.rsplit("/", 1)[-1]
        said = _said(response)
        log.warning("Slack call %s failed (Slack said %s); retrying in %ss", method, said, delay)
        self.sleep(delay)
        state.increment_current_attempt()


def _said(response: HttpResponse | None) -> str:
    body: Any = response.body if response is not None else None
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return str(response.status_code) if response is not None else "nothing"


def retry_handlers(*, sleep: Sleep = time.sleep) -> list[RetryHandler]:
    """The one retry policy (see the module docstring); `sleep` lets tests record the backoff."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        TransientErrorRetryHandler(sleep=sleep),
    ]


def make_client(
    token: str | None, *, base_url: str | None = None, sleep: Sleep = time.sleep
) -> WebClient:
    """A WebClient on `base_url` (Slack's when None) with the one retry policy."""
    if base_url:
        base_url = base_url.rstrip("/") + "/"  # WebClient joins method names onto it
        return WebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(sleep=sleep))
    return WebClient(token=token, retry_handlers=retry_handlers(sleep=sleep))


class SlackClients:
    """`client_for(workspace_id)`: the client that posts as this app in that workspace."""

    def __init__(
        self,
        settings: Settings,
        *,
        installation_store: InstallationStore | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._settings = settings
        self._store = installation_store
        self._sleep = sleep

    def client(self, token: str | None = None) -> WebClient:
        """A client on SLACK_API_URL with this token (or none, for OAuth's per-request tokens)."""
        return make_client(token, base_url=self._settings.slack_api_url, sleep=self._sleep)

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
        return self.client(self._token(workspace_id))

    __call__ = client_for
