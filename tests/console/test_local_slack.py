"""Checks the local Slack stand-in against the real slack_sdk client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from console.local_slack import LocalSlackAPI


@pytest.fixture
def api() -> Iterator[LocalSlackAPI]:
    """One server per test, each on its own port."""
    server = LocalSlackAPI(users={"U1": "Dana Smith"}).start()
    yield server
    server.stop()


@pytest.fixture
def client(api: LocalSlackAPI) -> WebClient:
    """A real slack_sdk client pointed at the stand-in."""
    return WebClient(token="xoxb-test", base_url=api.url)


BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*New lead*"}}]


def test_url_shape(api: LocalSlackAPI) -> None:
    assert api.url.startswith("http://127.0.0.1:") and api.url.endswith("/api/")


def test_auth_test(client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["user_id"] == "U0BOT" and resp["team_id"] == "T0LOCAL" and resp["bot_id"]


def test_post_message_records_parsed_blocks(api: LocalSlackAPI, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="New lead", blocks=BLOCKS)
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])
    assert first["ok"] and first["channel"] == "C1"
    assert float(second["ts"]) > float(first["ts"]) > 1_700_000_000
    call = api.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == BLOCKS
    assert call.token == "xoxb-test"
    msgs = api.messages
    assert msgs[0] == {
        "kind": "message",
        "channel": "C1",
        "ts": first["ts"],
        "text": "New lead",
        "blocks": BLOCKS,
        "thread_ts": None,
    }
    assert msgs[1]["thread_ts"] == first["ts"]


def test_json_body_is_parsed(api: LocalSlackAPI) -> None:
    client = WebClient(token="xoxb-json", base_url=api.url)
    client.api_call("chat.postMessage", json={"channel": "C2", "text": "hi", "blocks": BLOCKS})
    call = api.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == BLOCKS and call.token == "xoxb-json"


def test_ephemeral_and_update(api: LocalSlackAPI, client: WebClient) -> None:
    eph = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert eph["message_ts"]
    posted = client.chat_postMessage(channel="C1", text="v1")
    upd = client.chat_update(channel="C1", ts=posted["ts"], text="v2")
    assert upd["ts"] == posted["ts"] and upd["text"] == "v2"
    kinds = [(m["kind"], m.get("user")) for m in api.messages]
    assert kinds == [("ephemeral", "U1"), ("message", None), ("update", None)]
    link = client.chat_getPermalink(channel="C1", message_ts=posted["ts"])
    assert link["permalink"].endswith(posted["ts"].replace(".", ""))


def test_conversations_open_gives_dm(client: WebClient) -> None:
    resp = client.conversations_open(users="U1")
    assert resp["channel"]["id"] == "DU1"
    assert client.conversations_info(channel="DU1")["channel"]["is_im"]


def test_users_info(client: WebClient) -> None:
    user = client.users_info(user="U1")["user"]
    assert user["real_name"] == "Dana Smith" and user["profile"]["real_name"] == "Dana Smith"
    assert user["tz"] == "America/New_York" and user["is_bot"] is False


def test_views_open_then_update(api: LocalSlackAPI, client: WebClient) -> None:
    view = {
        "type": "modal",
        "callback_id": "new_lead",
        "title": {"type": "plain_text", "text": "A"},
    }
    opened = client.views_open(trigger_id="123.456", view=view)["view"]
    assert opened["id"].startswith("V") and opened["hash"]
    assert api.calls_to("views.open")[0].params["view"]["callback_id"] == "new_lead"
    new = {**view, "title": {"type": "plain_text", "text": "B"}}
    updated = client.views_update(view_id=opened["id"], view=new, hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert api.views[opened["id"]]["title"]["text"] == "B"
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id=opened["id"], view=new, hash=opened["hash"])
    assert err.value.response["error"] == "hash_conflict"
    pushed = client.views_push(trigger_id="1.2", view=view)["view"]
    assert pushed["id"] != opened["id"]


def test_views_publish(api: LocalSlackAPI, client: WebClient) -> None:
    home = {"type": "home", "blocks": BLOCKS}
    resp = client.views_publish(user_id="U1", view=home)
    assert resp["view"]["type"] == "home"
    assert api.published["U1"]["blocks"] == BLOCKS


def test_files_upload_v2_stores_bytes(api: LocalSlackAPI, client: WebClient) -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\r\rbinary\n\r\n--x"
    resp = client.files_upload_v2(
        channel="C1", content=data, filename="chart.png", title="Chart", initial_comment="Weekly"
    )
    assert resp["file"]["title"] == "Chart"
    [upload] = api.uploads
    assert upload["content"] == data
    assert upload["filename"] == "chart.png" and upload["title"] == "Chart"
    assert upload["channel_id"] == "C1" and upload["initial_comment"] == "Weekly"
    methods = [c.method for c in api.calls]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def test_multipart_upload_to_upload_url(api: LocalSlackAPI, client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="a.bin", length=4)["upload_url"]
    body = (
        b'--BND\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\x00\r\n\xff\r\n--BND--\r\n"
    )
    req = Request(url, data=body, headers={"Content-Type": "multipart/form-data; boundary=BND"})
    assert urlopen(req).status == 200
    fid = url.rsplit("/", 1)[-1]
    client.files_completeUploadExternal(files=[{"id": fid, "title": "A"}], channel_id="C9")
    assert api.uploads[0]["content"] == b"\x00\r\n\xff"


def test_rate_limit_then_retry(api: LocalSlackAPI) -> None:
    api.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    client = WebClient(
        token="xoxb-test",
        base_url=api.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    resp = client.chat_postMessage(channel="C1", text="hello")
    assert resp["ok"]
    assert len(api.calls_to("chat.postMessage")) == 2
    assert len(api.messages) == 1


def test_fail_next_without_retry(api: LocalSlackAPI, client: WebClient) -> None:
    api.fail_next("users.info", error="user_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.users_info(user="U1")
    assert client.users_info(user="U1")["ok"]


def test_response_url_recording(api: LocalSlackAPI, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="lead card")
    url = api.response_url("click-1", channel="C1", ts=posted["ts"], user="U1")
    resp = WebhookClient(url).send(text="Marked won", replace_original=True, blocks=BLOCKS)
    assert resp.status_code == 200
    call = api.calls_to("response_url")[0]
    assert call.params["replace_original"] is True and call.params["blocks"] == BLOCKS
    msg = api.messages[-1]
    assert msg["kind"] == "response_url" and msg["key"] == "click-1"
    assert msg["ts"] == posted["ts"] and msg["replace_original"] and msg["text"] == "Marked won"
    assert msg["response_type"] == "ephemeral"
    other = api.response_url("click-2")
    WebhookClient(other).send(text="Posted", response_type="in_channel")
    assert api.messages[-1]["response_type"] == "in_channel"
    assert api.messages[-1]["ts"] != posted["ts"]


def test_unknown_method_ok_and_clear(api: LocalSlackAPI, client: WebClient) -> None:
    assert client.api_call("reactions.add", params={"name": "tada"})["ok"]
    assert api.calls[-1].method == "reactions.add"
    api.clear()
    assert api.calls == [] and api.messages == [] and api.uploads == []


def test_raw_json_post(api: LocalSlackAPI) -> None:
    payload = json.dumps({"channel": "C3", "text": "raw"}).encode()
    req = Request(
        api.url + "chat.postMessage",
        data=payload,
        headers={"Content-Type": "application/json", "Authorization": "Bearer xoxb-raw"},
    )
    assert json.loads(urlopen(req).read())["channel"] == "C3"
    assert api.calls[-1].token == "xoxb-raw"
