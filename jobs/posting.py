"""Deliver a run's messages to Slack: retried with backoff, each one recorded as it lands.

Two layers of retry. The WebClient itself (jobs/slack_clients.py) honours HTTP 429 with
`Retry-After` and retries connection resets and 500/503. Here, a call that still fails with a
transient error (`internal_error`, `fatal_error`, a timeout...) is tried again after 1, 2 and
4 seconds; a permanent one (`channel_not_found`, `invalid_auth`...) stops at once. Either way
the error reaches the ledger (jobs/ledger.py `fail_run`), never a silent drop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

RETRY_DELAYS = (1.0, 2.0, 4.0)
TRANSIENT_ERRORS = frozenset(
    {
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "ratelimited",
        "rate_limited",
    }
)


@dataclass(frozen=True)
class Post:
    """One message of a run: a chat message, or (with `content`) a file upload."""

    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    content: bytes | None = None
    filename: str | None = None
    title: str | None = None


class PostFailed(Exception):
    """Slack would not take a message after every retry; carries Slack's error for the ledger."""


def _transient(error: Exception) -> bool:
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        return status == 429 or status >= 500 or error.response.get("error") in TRANSIENT_ERRORS
    return isinstance(error, OSError | SlackClientError)


def _describe(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return f"Slack said {error.response.get('error') or error.response.status_code}"
    return f"{type(error).__name__}: {error}"


def _send(slack: WebClient, post: Post, channel_ids: dict[str, str]) -> dict[str, str]:
    """Make one Slack call for the post; return where it landed."""
    if post.content is None:
        response = slack.chat_postMessage(
            channel=post.channel, text=post.text, blocks=post.blocks, unfurl_links=False
        )
        channel_id = str(response.get("channel") or post.channel)
        channel_ids[post.channel] = channel_id
        return {"to": post.channel, "channel": channel_id, "ts": str(response.get("ts") or "")}
    # files.completeUploadExternal wants a channel id, not "#pipeline": use the id the
    # message before it (the digest text) landed in.
    channel_id = channel_ids.get(post.channel) or post.channel
    response = slack.files_upload_v2(
        channel=channel_id,
        content=post.content,
        filename=post.filename,
        title=post.title,
        alt_txt=post.title,
        initial_comment=post.text or None,
    )
    file = response.get("file") or {}
    return {"to": post.channel, "channel": channel_id, "file": str(file.get("id") or "")}


def deliver(
    slack: WebClient,
    posts: Sequence[Post],
    *,
    already_posted: Sequence[dict[str, str]] = (),
    on_posted: Callable[[list[dict[str, str]]], None] = lambda _records: None,
    sleep: Callable[[float], None] = time.sleep,
    delays: Sequence[float] = RETRY_DELAYS,
) -> list[dict[str, str]]:
    """Post every message not yet posted, in order; raise PostFailed after the last retry.

    `already_posted` is what an earlier attempt of the same run delivered: those messages are
    skipped by position. `on_posted` gets the full record after each message, to store it.
    """
    records = list(already_posted)
    channel_ids = {r["to"]: r["channel"] for r in records if r.get("to") and r.get("channel")}
    for post in posts[len(records) :]:
        for attempt in range(len(delays) + 1):
            try:
                records.append(_send(slack, post, channel_ids))
                break
            except (SlackApiError, SlackClientError, OSError) as error:
                if attempt == len(delays) or not _transient(error):
                    raise PostFailed(f"{_describe(error)} posting to {post.channel}") from error
                log.warning(
                    "Slack call to %s failed (%s); retrying in %ss",
                    post.channel,
                    _describe(error),
                    delays[attempt],
                )
                sleep(delays[attempt])
        on_posted(records)
    return records
