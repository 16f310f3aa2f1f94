"""`GET /healthz` (the process and its database answer) and `GET /readyz` (and the schema is
the one this version needs), for a platform's liveness and readiness probes."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.platform.migrate import current_head, database_revision

logger = logging.getLogger(__name__)


def first_line(error: BaseException) -> str:
    """The driver's own first line (`unable to open database file`), not SQLAlchemy's essay."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return (lines[0] if lines else type(cause).__name__)[:200]


def check_health(sessions: sessionmaker[Session]) -> tuple[int, dict[str, Any]]:
    """Ask the database for `SELECT 1`: 200 when it answers, 503 with the reason when not."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        logger.warning("Health check failed: %s", first_line(error))
        return 503, {"ok": False, "error": f"database unavailable: {first_line(error)}"}
    return 200, {"ok": True}


def check_ready(sessions: sessionmaker[Session], head: str | None) -> tuple[int, dict[str, Any]]:
    """200 when the database answers and its schema is at `head`; 503 saying what is off."""
    try:
        with sessions() as session:
            revision = database_revision(session.connection())
    except SQLAlchemyError as error:
        logger.warning("Readiness check failed: %s", first_line(error))
        return 503, {"ok": False, "error": f"database unavailable: {first_line(error)}"}
    if revision != head:
        found = revision or "no tables"
        reason = f"database at {found}, this version needs {head}; run `crm db upgrade`"
        return 503, {"ok": False, "error": reason}
    return 200, {"ok": True, "revision": head}


def _json(status: int, payload: dict[str, Any]) -> tuple[Response, int]:
    return jsonify(payload), status


def blueprint(sessions: sessionmaker[Session]) -> Blueprint:
    """The probes; HEAD is answered like GET (Flask does that for every GET route)."""
    routes = Blueprint("health", __name__)
    head = current_head()

    @routes.get("/healthz")
    def healthz() -> tuple[Response, int]:
        return _json(*check_health(sessions))

    @routes.get("/readyz")
    def readyz() -> tuple[Response, int]:
        return _json(*check_ready(sessions, head))

    return routes
