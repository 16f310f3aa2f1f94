"""Slack's paths: `POST /slack/events` (verified, then handed to Bolt) and, when the app
installs into many workspaces, `GET /slack/install` and `GET /slack/oauth_redirect`.

Every POST is refused with 401 unless `bot.web.verification.verify` accepts it; a verified
body Bolt could not read gets 400 with a JSON error; a signature seen before is a replay
(`bot.web.replays`): refused with 401, or for an Events API delivery acknowledged with 200
and not acted on (its event was received already). Only then does Bolt parse the body and
run its middleware and listeners.
Socket Mode does not use this module: Slack's websocket is authenticated already.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.web.replays import accept_once, forget_old_requests
from bot.web.verification import REPLAYED, Malformed, Refusal, ledger_key, read_verified, verify

EVENTS_PATH = "/slack/events"
PRUNE_EVERY_SECONDS = 60.0

logger = logging.getLogger(__name__)


def _refuse(refusal: Refusal) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": refusal.error}), refusal.status


class _Pruner:
    """Prune the ledger at most once a minute per process, in the request that comes due."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0

    def due(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._next:
                return False
            self._next = now + PRUNE_EVERY_SECONDS
            return True


def blueprint(
    bolt: App,
    *,
    sessions: sessionmaker[Session],
    signing_secret: str,
) -> Blueprint:
    """The Slack routes of this Bolt app; the install paths only when it has an OAuth flow."""
    routes = Blueprint("slack", __name__)
    handler = SlackRequestHandler(bolt)
    pruner = _Pruner()

    def record(signature: str) -> bool:
        now = datetime.now(UTC)  # real time, as the signature's timestamp is
        with sessions.begin() as session:
            if pruner.due():
                forget_old_requests(session, now=now)
            return accept_once(session, signature=signature, now=now, ledger_only=True)

    def first_time(signature: str) -> bool:
        """The ledger's verdict; its statement, every request's first, is sent once more when
        the database had dropped the connection (the pool connects afresh after one drop:
        `core.platform.db`). Had that first try committed, the second refuses a replay: a
        request is never acted on twice."""
        try:
            return record(signature)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            logger.warning("The database dropped a connection; recording the request again")
            return record(signature)

    @routes.post(EVENTS_PATH)
    def events() -> Response | tuple[Response, int]:
        body = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413, nothing read
        refusal = verify(secret=signing_secret, body=body, headers=request.headers, now=time.time())
        if refusal is not None:
            logger.warning("Refused a Slack request: %s", refusal.error)
            return _refuse(refusal)
        try:
            payload = read_verified(body, request.headers)
        except Malformed as problem:
            logger.warning("Refused a signed but malformed Slack request: %s", problem)
            return _refuse(Refusal(400, str(problem)))
        signature = request.headers["X-Slack-Signature"]
        if not first_time(ledger_key(signature, payload, request.headers)):
            if payload.get("type") == "event_callback":  # received already: Slack need not retry
                logger.info("Acknowledged a repeated Events API delivery without acting")
                return Response(status=200)
            logger.warning("Refused a replayed Slack request")
            return _refuse(REPLAYED)
        return handler.handle(request)

    if bolt.oauth_flow is not None:

        @routes.get(INSTALL_PATH)
        @routes.get(REDIRECT_PATH)
        def install() -> Response:
            return handler.handle(request)

    return routes
