"""`crm serve`: the bot over HTTP with a production WSGI server, or over Socket Mode.

HTTP on $PORT always answers `GET /healthz` and `GET /readyz` (so a platform can tell a live,
ready process from a dead one); it answers `POST /slack/events` and the install paths unless
the bot talks to Slack over Socket Mode. The routes are `bot.web`'s; the pieces the app is
built from (sessions, clock, integrations) come from the one wiring place, `wiring`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import waitress
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.app import SlackConfigError, SlackMode, create_app, slack_mode
from bot.web import create_web_app
from bot.web.health import first_line
from core.platform.config import Settings
from core.platform.migrate import current_head, database_revision
from integrations.registry import Integrations

logger = logging.getLogger(__name__)


class CannotServe(Exception):
    """The bot cannot start; the message is one line saying what to fix."""


def _slack_reason(error: BaseException) -> str:
    """Slack's error code (`invalid_auth`) rather than the client's multi-line message."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or first_line(error))
    return first_line(error)


def check_schema(engine: Engine) -> None:
    """Refuse to start on a database `crm db upgrade` has not brought to this version."""
    try:
        with engine.connect() as connection:
            revision = database_revision(connection)
    except SQLAlchemyError as error:
        raise CannotServe(f"Cannot reach the database: {first_line(error)}") from None
    head = current_head()
    if revision is None:
        raise CannotServe("The database has no tables yet; run `crm db upgrade` first.")
    if revision != head:
        raise CannotServe(
            f"The database is at revision {revision}, this version needs {head}; "
            "run `crm db upgrade` first."
        )


def build(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime] | None = None,
    integrations: Integrations | None = None,
) -> tuple[SlackMode, App]:
    """Check credentials and database, then build the app; CannotServe says what is wrong."""
    try:
        mode = slack_mode(settings)
    except SlackConfigError as error:
        raise CannotServe(str(error)) from None
    bind = sessions.kw.get("bind")
    if isinstance(bind, Engine):
        check_schema(bind)
    try:
        app = create_app(settings, sessions, clock=clock, integrations=integrations)
    except (BoltError, SlackClientError) as error:
        raise CannotServe(f"Slack did not accept the credentials: {_slack_reason(error)}") from None
    return mode, app


def check_app_token(app: App, app_token: str) -> None:
    """Ask Slack for a Socket Mode URL once, so a bad SLACK_APP_TOKEN stops the start.

    The Socket Mode client itself would log the refusal and keep reconnecting forever.
    """
    try:
        app.client.apps_connections_open(app_token=app_token)
    except SlackClientError as error:
        raise CannotServe(f"Slack did not accept SLACK_APP_TOKEN: {_slack_reason(error)}") from None


def serve(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime] | None = None,
    integrations: Integrations | None = None,
    port: int | None = None,
    host: str = "0.0.0.0",
) -> None:
    """Run the bot until interrupted: HTTP on `port` ($PORT), plus Socket Mode when configured."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("alembic").setLevel(logging.WARNING)
    mode, app = build(settings, sessions=sessions, clock=clock, integrations=integrations)
    port = settings.port if port is None else port
    socket_mode: SocketModeHandler | None = None
    if mode is SlackMode.SOCKET:
        assert settings.slack_app_token is not None
        app_token = settings.slack_app_token.get_secret_value()
        check_app_token(app, app_token)
        socket_mode = SocketModeHandler(app, app_token)
        socket_mode.connect()  # type: ignore[no-untyped-call]
        logger.info("Connected to Slack over Socket Mode")
    web = create_web_app(
        app,
        settings=settings,
        sessions=sessions,
        slack_events=mode is not SlackMode.SOCKET,
    )
    logger.info("Serving %s mode on port %s", mode, port)
    try:
        waitress.serve(web, host=host, port=port, threads=8, ident="crm")
    finally:
        if socket_mode is not None:
            socket_mode.close()  # type: ignore[no-untyped-call]
