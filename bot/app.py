"""Build the Bolt app: credentials, Slack clients, error handling, retries, every surface.

`create_app` is the only place an App is made (no module-level App), so `crm serve`, the
console and the tests all run the same app against whatever Slack Web API they point at.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from enum import StrEnum
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot import oauth
from bot.context import BotContext, utc_now
from bot.errors import register_error_handler
from bot.handlers import actions, commands, events, home, options, views
from core.platform.config import Settings
from core.platform.event_ledger import event_was_claimed
from core.platform.token_cipher import MAKE_KEY_HINT, MissingSecretKey, cipher_from_keys
from integrations.registry import Integrations
from integrations.slack import make_client

# The order listeners are registered in; Bolt runs the first listener that matches a request.
SURFACES = (commands, actions, options, views, events, home)

logger = logging.getLogger(__name__)


class SlackMode(StrEnum):
    """How the bot talks to Slack, decided by the credentials set (docs/product.md, Settings)."""

    HTTP = "http"  # one workspace, Slack posts to /slack/events
    SOCKET = "socket"  # one workspace, over a WebSocket the bot opens (no public URL)
    OAUTH = "oauth"  # many workspaces, each installed through /slack/install


class SlackConfigError(Exception):
    """The Slack credentials in the environment are missing or do not fit together."""


NO_CREDENTIALS = (
    "No Slack credentials: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP), "
    "SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode), or SLACK_CLIENT_ID, "
    "SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (installs); `crm console` needs none."
)


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def slack_mode(settings: Settings) -> SlackMode:
    """Decide the mode from the credentials, or refuse with one line that says what to set."""
    bot_token = _secret(settings.slack_bot_token)
    app_token = _secret(settings.slack_app_token)
    signing_secret = _secret(settings.slack_signing_secret)
    client_secret = _secret(settings.slack_client_secret)
    client_id = settings.slack_client_id or ""
    if bot_token and not bot_token.startswith("xoxb-"):
        raise SlackConfigError("SLACK_BOT_TOKEN must be the bot token (xoxb-...).")
    if app_token and not app_token.startswith("xapp-"):
        raise SlackConfigError("SLACK_APP_TOKEN must be an app-level token (xapp-...).")
    if client_id or client_secret:
        if not (client_id and client_secret):
            raise SlackConfigError("Installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
        if app_token:
            raise SlackConfigError(
                "SLACK_APP_TOKEN (Socket Mode, one workspace) and SLACK_CLIENT_ID (installs "
                "into many workspaces over HTTP) do not go together; unset one of them."
            )
        if not signing_secret:
            raise SlackConfigError("Installs need SLACK_SIGNING_SECRET too (Basic Information).")
        if not _secret(settings.crm_secret_key).strip(" ,"):
            raise SlackConfigError(f"Installs store bot tokens encrypted: {MAKE_KEY_HINT}.")
        try:
            cipher_from_keys(_secret(settings.crm_secret_key))
        except MissingSecretKey as error:
            raise SlackConfigError(error.message) from None
        return SlackMode.OAUTH
    if app_token:
        if not bot_token:
            raise SlackConfigError("Socket Mode needs SLACK_BOT_TOKEN too (xoxb-..., Install App).")
        return SlackMode.SOCKET
    if bot_token:
        if not signing_secret:
            raise SlackConfigError(
                "SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not; HTTP mode needs both "
                "(or set SLACK_APP_TOKEN for Socket Mode)."
            )
        return SlackMode.HTTP
    if signing_secret:
        raise SlackConfigError("SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not.")
    raise SlackConfigError(NO_CREDENTIALS)


class KeptAck(Ack):
    """An ack whose response, once given, is not taken back.

    Bolt 1.x sets `ack.response` back to None when a listener raises after calling ack();
    the request then waits out the 3-second ack timeout and answers 404, so Slack shows
    the user an error on top of our friendly reply.
    """

    def __init__(self) -> None:
        self._kept: BoltResponse | None = None
        super().__init__()  # type: ignore[no-untyped-call]

    @property
    def response(self) -> BoltResponse | None:
        return self._kept

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self._kept is None:
            self._kept = value


class CrmApp(App):
    """Bolt's App with two fixes: acks stay given (`KeptAck`), and unwanted events are acked.

    Bolt answers an unmatched request with 404; for the Events API that makes Slack
    retry the event (and, after many failures, turn event delivery off). Message
    subtypes we do not handle (edits, joins, bot messages) are exactly such events.
    """

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        req.context["ack"] = KeptAck()
        response = super().dispatch(req)
        if response.status == 404 and req.body.get("type") == "event_callback":
            return BoltResponse(status=200, body="")
        return response


def skip_handled_retries(ctx: BotContext) -> Callable[..., BoltResponse | None]:
    """Middleware: acknowledge an Events API retry of an event already handled, and stop.

    This is a fast path for the common case; the guarantee is
    `core.platform.event_ledger.claim_event`, which event handlers call in their own
    transaction. The session here is opened and closed before `next()`, so it never spans a
    listener (docs/architecture.md, Conventions).
    """

    def skip_handled_retries(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], None]
    ) -> BoltResponse | None:
        team_id, event_id = body.get("team_id"), body.get("event_id")
        is_retry = bool(request.headers.get("x-slack-retry-num"))
        if is_retry and body.get("type") == "event_callback" and team_id and event_id:
            with ctx.sessions() as session:
                handled = event_was_claimed(session, workspace_id=team_id, event_id=event_id)
            if handled:
                logger.info("Ignoring a retry of event %s, already handled", event_id)
                return BoltResponse(status=200, body="")
        next()
        return None

    return skip_handled_retries


def create_app(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    client: WebClient | None = None,
    clock: Callable[[], datetime] | None = None,
    listener_executor: Executor | None = None,
    integrations: Integrations | None = None,
) -> App:
    """Build the Bolt app for the mode the credentials select, with every surface registered.

    `client` replaces the Web API client (its token is the bot token in one-workspace mode);
    `listener_executor` runs listeners after the ack (tests pass one they can wait on);
    `integrations` says which mailbox and QuickBooks serve each workspace (none by default).
    """
    mode = slack_mode(settings)
    ctx = BotContext(
        settings=settings,
        sessions=sessions,
        clock=clock or utc_now,
        integrations=integrations or Integrations(),
    )
    common: dict[str, Any] = {
        "name": "crm",
        "signing_secret": _secret(settings.slack_signing_secret),
        "process_before_response": False,  # ack first; the listener runs in Bolt's thread pool
        "listener_executor": listener_executor,
    }
    if mode is SlackMode.OAUTH:
        # Passing the store to App makes Bolt authorize with our client (SLACK_API_URL), and
        # every per-request client copies this client's base_url and retry handlers.
        flow_settings = oauth.oauth_settings(ctx)
        app = CrmApp(
            client=client or make_client(None, base_url=settings.slack_api_url),
            installation_store=flow_settings.installation_store,
            oauth_settings=flow_settings,
            **common,
        )
        app.enable_token_revocation_listeners()
    else:
        bot_token = _secret(settings.slack_bot_token)
        client = client or make_client(bot_token, base_url=settings.slack_api_url)
        app = CrmApp(client=client, **common)
    register_error_handler(app)
    app.middleware(skip_handled_retries(ctx))
    for surface in SURFACES:
        surface.register(app, ctx)
    return app
