"""The one logging setup: text or JSON lines, tagged with workspace and job, never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from core.platform.logs import configure_logging, log_context, redact


@pytest.fixture
def stderr() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield stream
    root.handlers[:] = before
    root.setLevel(level)


def test_json_lines_carry_time_level_logger_context_and_event(stderr: io.StringIO) -> None:
    configure_logging("json", stream=stderr)
    with log_context(workspace="T0ACME", job="daily:2026-12-07"):
        logging.getLogger("jobs.scheduler").info(
            "daily posted 2 messages", extra={"duration_ms": 41, "outcome": "posted"}
        )
    line = json.loads(stderr.getvalue().strip().splitlines()[-1])
    assert line["level"] == "info"
    assert line["logger"] == "jobs.scheduler"
    assert line["workspace"] == "T0ACME"
    assert line["job"] == "daily:2026-12-07"
    assert line["event"] == "daily posted 2 messages"
    assert line["duration_ms"] == 41 and line["outcome"] == "posted"
    assert line["timestamp"].endswith("+00:00")


def test_text_is_the_default_and_names_the_context(stderr: io.StringIO) -> None:
    configure_logging(stream=stderr)
    with log_context(workspace="T0ACME", request="req-1"):
        logging.getLogger("bot").warning("slow reply")
    text = stderr.getvalue()
    assert "WARNING bot workspace=T0ACME request=req-1: slow reply" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[-1])


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_token_phone_or_email_reaches_the_log(stderr: io.StringIO, log_format: str) -> None:
    configure_logging(log_format, stream=stderr)
    log = logging.getLogger("bot.notify")
    log.info("token %s for %s", "xoxb-1234-5678-abcdefgh", "dana@example.com")
    log.warning("could not DM about (555) 201-3344 or +1 555 201 3344")
    try:
        raise RuntimeError("refused xoxp-9999-8888-secret for dana@example.com")
    except RuntimeError:
        log.exception("Slack said no")
    written = stderr.getvalue()
    for secret in ("xoxb-1234", "xoxp-9999", "dana@example.com", "201-3344", "201 3344"):
        assert secret not in written
    assert "[token]" in written and "[email]" in written and "[phone]" in written


def test_debug_lines_are_not_rewritten_but_not_shown_at_info(stderr: io.StringIO) -> None:
    configure_logging("text", stream=stderr)
    logging.getLogger("core").debug("dana@example.com")
    assert stderr.getvalue() == ""


def test_an_unknown_format_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="text, json"):
        configure_logging("xml")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("lead saved: leaky faucet at 123 Main", "lead saved: leaky faucet at 123 Main"),
        ("job 2026-12-07 posted 3 messages", "job 2026-12-07 posted 3 messages"),
        ("call 555-201-3344 now", "call [phone] now"),
        ("mail Dana.Smith+x@mail.example.co.uk", "mail [email]"),
        ("app token xapp-1-A0-123-abc", "app token [token]"),
    ],
)
def test_redact_keeps_ordinary_words_and_numbers(text: str, masked: str) -> None:
    assert redact(text) == masked
