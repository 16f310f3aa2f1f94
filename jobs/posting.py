"""Deliver a run's messages to Slack, each one recorded as it lands.

Retries are the client's (integrations/slack.py, the one retry policy): by the time a call
raises here Slack has refused it for good or kept failing through every retry, so the run
stops and the error reaches the ledger (jobs/ledger.py `fail_run`), never a silent drop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)


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
) -> list[dict[str, str]]:
    """Post every message not yet posted, in order; raise PostFailed when Slack refuses one.

    `already_posted` is what an earlier attempt of the same run delivered: those messages are
    skipped by position. `on_posted` gets the full record after each message, to store it.
    """
    records = list(already_posted)
    channel_ids = {r["to"]: r["channel"] for r in records if r.get("to") and r.get("channel")}
    for post in posts[len(records) :]:
        try:
            records.append(_send(slack, post, channel_ids))
        except (SlackApiError, SlackClientError, OSError) as error:
            raise PostFailed(f"{_describe(error)} posting to {post.channel}") from error
        on_posted(records)
    return records
