"""`crm serve`: the bot over HTTP with a production WSGI server, or over Socket Mode.

HTTP on $PORT always answers `GET /healthz` (so a platform can tell a live process from a
dead one); it answers `POST /slack/events` and the install paths unless the bot talks to
Slack over Socket Mode.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import waitress
from alembic.runtime.migration import MigrationContext
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.app import SlackConfigError, SlackMode, create_app, slack_mode
from core.platform.config import Settings
from core.platform.db import make_engine, make_sessions
from core.platform.migrate import current_head

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

logger = logging.getLogger(__name__)


class CannotServe(Exception):
    """The bot cannot start; the message is one line saying what to fix."""


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return (lines[0] if lines else type(cause).__name__)[:200]


def _slack_reason(error: BaseException) -> str:
    """Slack's error code (`invalid_auth`) rather than the client's multi-line message."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or _first_line(error))
    return _first_line(error)


def check_health(sessions: sessionmaker[Session]) -> tuple[int, dict[str, Any]]:
    """Ask the database for `SELECT 1`: 200 when it answers, 503 with the reason when not."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        logger.warning("Health check failed: %s", _first_line(error))
        return 503, {"ok": False, "error": f"database unavailable: {_first_line(error)}"}
    return 200, {"ok": True}


def make_wsgi_app(
    app: App, sessions: sessionmaker[Session], *, slack_events: bool = True
) -> WSGIApplication:
    """The WSGI app: /healthz, and (when `slack_events`) Bolt's /slack/events and install paths."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, payload = check_health(sessions)
            body = json.dumps(payload).encode()
            reason = "OK" if status == 200 else "Service Unavailable"
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response(f"{status} {reason}", headers)
            return [body]
        if slack_events:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Not Found"]

    return wsgi


def check_schema(engine: Engine) -> None:
    """Refuse to start on a database `crm db upgrade` has not brought to this version."""
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        raise CannotServe(f"Cannot reach the database: {_first_line(error)}") from None
    head = current_head()
    if revision is None:
        raise CannotServe("The database has no tables yet; run `crm db upgrade` first.")
    if revision != head:
        raise CannotServe(
            f"The database is at revision {revision}, this version needs {head}; "
            "run `crm db upgrade` first."
        )


def build(settings: Settings) -> tuple[SlackMode, App, sessionmaker[Session]]:
    """Check credentials and database, then build the app; CannotServe says what is wrong."""
    try:
        mode = slack_mode(settings)
    except SlackConfigError as error:
        raise CannotServe(str(error)) from None
    engine = make_engine(settings.database_url)
    check_schema(engine)
    sessions = make_sessions(engine)
    try:
        app = create_app(settings, sessions)
    except (BoltError, SlackClientError) as error:
        raise CannotServe(f"Slack did not accept the credentials: {_slack_reason(error)}") from None
    return mode, app, sessions


def check_app_token(app: App, app_token: str) -> None:
    """Ask Slack for a Socket Mode URL once, so a bad SLACK_APP_TOKEN stops the start.

    The Socket Mode client itself would log the refusal and keep reconnecting forever.
    """
    try:
        app.client.apps_connections_open(app_token=app_token)
    except SlackClientError as error:
        raise CannotServe(f"Slack did not accept SLACK_APP_TOKEN: {_slack_reason(error)}") from None


def serve(settings: Settings, *, port: int | None = None, host: str = "0.0.0.0") -> None:
    """Run the bot until interrupted: HTTP on `port` ($PORT), plus Socket Mode when configured."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("alembic").setLevel(logging.WARNING)
    mode, app, sessions = build(settings)
    port = settings.port if port is None else port
    socket_mode: SocketModeHandler | None = None
    if mode is SlackMode.SOCKET:
        assert settings.slack_app_token is not None
        app_token = settings.slack_app_token.get_secret_value()
        check_app_token(app, app_token)
        socket_mode = SocketModeHandler(app, app_token)
        socket_mode.connect()  # type: ignore[no-untyped-call]
        logger.info("Connected to Slack over Socket Mode")
    wsgi = make_wsgi_app(app, sessions, slack_events=mode is not SlackMode.SOCKET)
    logger.info("Serving %s mode on port %s", mode, port)
    try:
        waitress.serve(wsgi, host=host, port=port, threads=8, ident="crm")
    finally:
        if socket_mode is not None:
            socket_mode.close()  # type: ignore[no-untyped-call]
