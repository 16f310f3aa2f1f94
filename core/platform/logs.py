"""One logging setup for every process: readable text by default, JSON lines for a log service.

`crm serve`, `crm worker` and the CLI call `configure_logging` once. Each line carries the
workspace and the request or job it belongs to (set with `log_context`), and a last filter
masks what must never be written at INFO or above: Slack tokens, signing secrets, phone
numbers and email addresses (docs/deploy.md, "Logs").
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["LOG_FORMATS", "configure_logging", "log_context", "redact"]

LOG_FORMATS = ("text", "json")
_CONTEXT: ContextVar[dict[str, str]] = ContextVar("crm_log_context", default={})  # noqa: B039

_SECRETS = re.compile(r"\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]{6,}")
_EMAILS = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
# Seven or more digits, possibly split by spaces, dots, dashes or brackets: a phone number.
_PHONES = re.compile(r"(?<![\w-])(?!\d{4}-\d\d-\d\d\b)\+?(?:\d[\s().-]{0,2}){6,14}\d(?![\w-])")


def redact(text: str) -> str:
    """Mask tokens, emails and phone numbers in a log line."""
    text = _SECRETS.sub("[token]", text)
    text = _EMAILS.sub("[email]", text)
    return _PHONES.sub("[phone]", text)


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Tag every line logged inside the block (workspace, request, job) with these fields."""
    current = {**_CONTEXT.get(), **{k: v for k, v in fields.items() if v}}
    token = _CONTEXT.set(current)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class _Redacting(logging.Filter):
    """Rewrite the message of every record at INFO or above with `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.crm_context = _CONTEXT.get()
        if record.levelno >= logging.INFO:
            message = redact(record.getMessage())
            record.msg, record.args = message, None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
        return True


class _Text(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(crm_tags)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        context: dict[str, str] = getattr(record, "crm_context", {})
        record.crm_tags = "".join(f" {key}={value}" for key, value in context.items())
        return super().format(record)


class _Json(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            **getattr(record, "crm_context", {}),
            "event": record.getMessage(),
        }
        for key in ("duration_ms", "outcome", "status"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_text:
            line["exception"] = record.exc_text
        elif record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(
    log_format: str = "text", *, level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Send every logger's lines to stderr (or `stream`) in `log_format`, redacted."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"CRM_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_Json() if log_format == "json" else _Text())
    handler.addFilter(_Redacting())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "crm_handler", False):
            root.removeHandler(existing)
    handler.crm_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that narrate every step: their warnings stay, their chatter goes.
    for noisy in ("alembic", "apscheduler.executors", "waitress.queue", "slack_bolt"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
