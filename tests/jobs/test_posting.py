"""Posting to Slack through the one client policy (integrations/slack.py): transient errors
retried with backoff, permanent ones stop at once, HTTP 429 waited out, nothing posted twice."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from console.local_slack import LocalSlackAPI
from integrations.slack import make_client
from jobs.posting import Post, PostFailed, deliver
from tests.jobs.conftest import Sleeps

POSTS = [
    Post(channel="C0PIPELINE", text="first", blocks=[{"type": "divider"}]),
    Post(channel="C0PIPELINE", text="second"),
]


def recording(api: LocalSlackAPI, sleeps: Sleeps) -> WebClient:
    """The worker's client, whose backoff is recorded instead of waited."""
    return make_client("xoxb-test", base_url=api.url, sleep=sleeps)


def texts(api: LocalSlackAPI) -> list[str]:
    return [m["text"] for m in api.messages]


def test_posts_in_order_and_records_each(slack_api: LocalSlackAPI, slack: WebClient) -> None:
    seen: list[int] = []
    records = deliver(slack, POSTS, on_posted=lambda r: seen.append(len(r)))
    assert texts(slack_api) == ["first", "second"]
    assert seen == [1, 2]
    assert [r["channel"] for r in records] == ["C0PIPELINE", "C0PIPELINE"]
    assert all(r["ts"] for r in records)
    assert slack_api.messages[0]["blocks"] == [{"type": "divider"}]


def test_transient_errors_are_retried_with_backoff(
    slack_api: LocalSlackAPI, slack: WebClient, sleeps: Sleeps
) -> None:
    slack_api.fail_next("chat.postMessage", error="internal_error", times=2)
    deliver(recording(slack_api, sleeps), POSTS)
    assert texts(slack_api) == ["first", "second"]
    assert sleeps == [1.0, 2.0]
    assert len(slack_api.calls_to("chat.postMessage")) == 4


def test_a_post_that_keeps_failing_raises_with_slacks_error(
    slack_api: LocalSlackAPI, slack: WebClient, sleeps: Sleeps
) -> None:
    slack_api.fail_next("chat.postMessage", error="service_unavailable", times=10)
    with pytest.raises(PostFailed, match="service_unavailable"):
        deliver(recording(slack_api, sleeps), POSTS)
    assert sleeps == [1.0, 2.0, 4.0]
    assert texts(slack_api) == []


def test_a_permanent_error_is_not_retried(
    slack_api: LocalSlackAPI, slack: WebClient, sleeps: Sleeps
) -> None:
    slack_api.fail_next("chat.postMessage", error="channel_not_found")
    recorded: list[list[dict[str, str]]] = []
    with pytest.raises(PostFailed, match="channel_not_found"):
        deliver(recording(slack_api, sleeps), POSTS, on_posted=recorded.append)
    assert sleeps == [] and recorded == []
    assert len(slack_api.calls_to("chat.postMessage")) == 1


def test_rate_limits_are_waited_out_by_the_clients_retry_handler(
    slack_api: LocalSlackAPI, slack: WebClient, sleeps: Sleeps
) -> None:
    slack_api.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=0)
    deliver(recording(slack_api, sleeps), POSTS[:1])
    assert texts(slack_api) == ["first"]
    assert sleeps == []  # the WebClient's RateLimitErrorRetryHandler did the waiting
    assert len(slack_api.calls_to("chat.postMessage")) == 2


def test_messages_an_earlier_attempt_posted_are_skipped(
    slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    earlier = [{"to": "C0PIPELINE", "channel": "C0PIPELINE", "ts": "1.1"}]
    records = deliver(slack, POSTS, already_posted=earlier)
    assert texts(slack_api) == ["second"]
    assert records[0] == earlier[0] and len(records) == 2


def test_a_file_goes_to_the_channel_id_the_text_landed_in(
    slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    chart = Post(channel="#pipeline", text="", content=b"\x89PNG...", filename="c.png", title="C")
    earlier = [{"to": "#pipeline", "channel": "C0REALID", "ts": "1.1"}]
    deliver(slack, [POSTS[0], chart], already_posted=earlier)
    assert slack_api.uploads[0]["channel_id"] == "C0REALID"
    assert slack_api.uploads[0]["content"] == b"\x89PNG..."
