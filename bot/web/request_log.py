"""One log line per HTTP request: method, route, status and duration, tagged with a request id.

The route is logged as its pattern (`/forms/<token>`), never the path itself, so a form's
secret token never reaches a log. Lines logged while the request runs carry the same id.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import ExitStack

from flask import Flask, Response, g, request

from core.platform.logs import log_context

logger = logging.getLogger("crm.http")


def log_requests(web: Flask) -> None:
    """Time every request and log it once when it is answered."""

    @web.before_request
    def start() -> None:
        g.crm_started = time.monotonic()
        g.crm_log = ExitStack()
        request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:12]
        g.crm_log.enter_context(log_context(request=request_id[:40]))

    @web.after_request
    def finish(response: Response) -> Response:
        started = g.get("crm_started")
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "(no route)"
            duration = round((time.monotonic() - started) * 1000)
            logger.info(
                "%s %s %s %dms",
                request.method,
                route,
                response.status_code,
                duration,
                extra={"duration_ms": duration, "status": response.status_code},
            )
        return response

    @web.teardown_request
    def close(_error: BaseException | None) -> None:
        stack = g.pop("crm_log", None)
        if stack is not None:
            stack.close()
