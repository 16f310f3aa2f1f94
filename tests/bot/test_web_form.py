"""`POST /forms/<token>` over real HTTP into the served app: leads, notices, refusals."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.blocks.limit_check import limit_violations
from bot.ids import ActionId
from core.leads.web_form import SENDER_LIMIT, disable_form, rotate_form_token
from core.models import Contact, Lead
from core.platform.signing import sign_v1
from core.workspaces.service import get_workspace
from tests.bot.harness import (
    Reply,
    SlackHarness,
    block_texts,
    labels,
    messages_to,
    row_count,
    shown,
    texts,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def token(slack: SlackHarness) -> str:
    with slack.sessions.begin() as session:
        workspace = rotate_form_token(
            session=session, workspace=get_workspace(session, TEAM), actor=OWNER, now=slack.now
        )
        assert workspace.form_token is not None
        return workspace.form_token


def post_form(slack: SlackHarness, token: str, fields: dict[str, str], **headers: str) -> Reply:
    return slack.raw_post(
        urlencode(fields), {"Content-Type": FORM, **headers}, path=f"/forms/{token}", wait=False
    )


def post_json(slack: SlackHarness, token: str, body: object, **headers: str) -> Reply:
    raw = json.dumps(body).encode()
    return slack.raw_post(
        raw, {"Content-Type": "application/json", **headers}, path=f"/forms/{token}", wait=False
    )


def notices(slack: SlackHarness) -> list[str]:
    """The owners' notices, after one pass of the worker over the outbox (docs/reliability.md)."""
    slack.deliver()
    return [str(m["text"]) for m in slack.api.messages if "New inquiry from" in str(m["text"])]


def test_a_browser_post_makes_a_lead_notifies_owners_and_thanks_the_visitor(
    slack: SlackHarness, token: str
) -> None:
    reply = post_form(
        slack,
        token,
        {"name": "Rita Moreno", "phone": "555-777-0101", "message": "Clogged drain", "crm_hp": ""},
    )
    assert reply.status == 200 and "Thank you!" in reply.body
    assert reply.headers["content-type"].startswith("text/html")
    with slack.sessions() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.title, lead.source.value) == ("Clogged drain", "web_form")
    [notice] = notices(slack)
    assert notice.startswith("New inquiry from Rita Moreno — Clogged drain.")
    assert "web form" in notice


def test_a_json_post_answers_with_the_lead_id_and_a_known_phone_links(
    slack: SlackHarness, token: str
) -> None:
    with slack.sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    reply = post_json(
        slack, token, {"first_name": "Dana", "last_name": "Smith", "phone": "+1 555 201 3344"}
    )
    assert reply.status == 200
    answer = reply.json()
    assert answer["ok"] is True
    with slack.sessions() as session:
        lead = session.get(Lead, answer["lead_id"])
        assert lead is not None and lead.contact_id == dana.contact_id
    assert row_count(slack.sessions, Contact) == 1


def test_a_redirect_url_sends_the_browser_on(slack: SlackHarness, token: str) -> None:
    slack.command("crm", "form redirect ftp://nope", user=OWNER)
    assert "is not a web address" in texts(slack.api, kind="response_url")[-1]
    slack.command("crm", "form redirect https://plumbco.example/thanks", user=OWNER)
    assert "visitors see https://plumbco.example/thanks" in shown(
        messages_to(slack.api, kind="response_url")[-1]
    )
    reply = post_form(slack, token, {"name": "Al", "email": "al@example.com"})
    assert (reply.status, reply.headers["location"]) == (303, "https://plumbco.example/thanks")


def test_refusals_create_nothing_and_say_why(slack: SlackHarness, token: str) -> None:
    good = {"name": "Bo Chan", "phone": "555-343-4545", "message": "Paint"}
    assert post_form(slack, "not-the-token", good).status == 404
    assert post_form(slack, token, {"name": "Nobody", "message": "hi"}).status == 400
    assert "phone number or an email" in post_form(slack, token, {"name": "X"}).body
    big = {"name": "Big", "phone": "555-343-4545", "message": "x" * (65 * 1024)}
    assert post_form(slack, token, big).status == 413
    bot = post_form(slack, token, good | {"crm_hp": "http://spam.example"})
    assert bot.status == 200 and "Thank you!" in bot.body  # the bot learns nothing
    wrong = post_json(
        slack,
        token,
        good,
        **{"X-CRM-Timestamp": str(int(time.time())), "X-CRM-Signature": "v1=" + "0" * 64},
    )
    assert wrong.status == 401
    assert post_json(slack, token, ["not", "an", "object"]).status == 400
    assert row_count(slack.sessions, Lead) == 0
    with slack.sessions.begin() as session:
        disable_form(
            session=session, workspace=get_workspace(session, TEAM), actor=OWNER, now=slack.now
        )
    assert post_form(slack, token, good).status == 404
    assert row_count(slack.sessions, Lead) == 0
    assert notices(slack) == []


def test_a_signed_post_is_accepted_once(slack: SlackHarness, token: str) -> None:
    body = json.dumps({"name": "Sig Ned", "email": "sig@example.com"}).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-CRM-Timestamp": stamp,
        "X-CRM-Signature": sign_v1(token, stamp, body),
    }
    first = slack.raw_post(body, headers, path=f"/forms/{token}", wait=False)
    assert first.status == 200
    replay = slack.raw_post(body, headers, path=f"/forms/{token}", wait=False)
    assert replay.status == 409
    stale = str(int(time.time()) - 600)
    old = headers | {
        "X-CRM-Timestamp": stale,
        "X-CRM-Signature": sign_v1(token, stale, body),
    }
    assert slack.raw_post(body, old, path=f"/forms/{token}", wait=False).status == 401
    assert row_count(slack.sessions, Lead) == 1


def test_two_identical_posts_and_an_idempotency_key_make_one_lead(
    slack: SlackHarness, token: str
) -> None:
    fields = {"name": "Raj Patel", "email": "raj@example.com", "message": "Breaker"}
    first, second = post_json(slack, token, fields), post_json(slack, token, fields)
    assert first.json()["lead_id"] == second.json()["lead_id"]
    keyed = [
        post_json(
            slack, token, {"email": "k@example.com", "message": m}, **{"Idempotency-Key": "k"}
        )
        for m in ("a", "b")
    ]
    assert keyed[0].json()["lead_id"] == keyed[1].json()["lead_id"]
    assert row_count(slack.sessions, Lead) == 2
    assert len(notices(slack)) == 2  # the owners hear of each lead once


def test_a_burst_over_the_sender_limit_gets_429_with_retry_after(
    slack: SlackHarness, token: str
) -> None:
    limit, _window = SENDER_LIMIT
    replies = [
        post_form(slack, token, {"name": f"P{n}", "email": f"p{n}@example.com"})
        for n in range(limit + 2)
    ]
    assert [r.status for r in replies] == [200] * limit + [429, 429]
    assert replies[-1].headers["retry-after"] == "600"
    assert row_count(slack.sessions, Lead) == limit


# --- /crm form: the owner's view of the form ---------------------------------------------------


def test_crm_form_is_for_owners_and_shows_the_link_and_a_snippet(slack: SlackHarness) -> None:
    slack.command("crm", "form", user=STAFF)
    assert texts(slack.api, kind="response_url") == ["Only an owner can change the web form."]
    slack.api.clear()
    slack.command("crm", "form", user=OWNER)
    [off] = messages_to(slack.api, kind="response_url")
    assert off["text"] == "The web form is off: inquiries from your website do not reach the CRM."
    assert labels(off) == ["Turn on"]
    slack.api.clear()
    slack.action(ActionId.FORM_ON, message=off, user=OWNER)
    [on] = messages_to(slack.api, kind="response_url")
    with slack.sessions() as session:
        token = get_workspace(session, TEAM).form_token
    assert token is not None
    assert on["text"] == f"Your web form takes inquiries at http://localhost:3000/forms/{token}"
    assert labels(on) == ["New form link", "Turn off"]
    assert f'form action="http://localhost:3000/forms/{token}"' in shown(on).replace("&quot;", '"')
    assert limit_violations(on["blocks"] or []) == []
    # The link works, and a new one retires it at once.
    assert post_form(slack, token, {"name": "Al", "email": "al@example.com"}).status == 200
    slack.api.clear()
    slack.action(ActionId.FORM_NEW_LINK, message=on, user=STAFF)  # staff: refused, no change
    with slack.sessions() as session:
        assert get_workspace(session, TEAM).form_token == token
    slack.action(ActionId.FORM_NEW_LINK, message=on, user=OWNER)
    with slack.sessions() as session:
        fresh = get_workspace(session, TEAM).form_token
    assert fresh not in (None, token)
    assert post_form(slack, token, {"name": "Bo", "email": "bo@example.com"}).status == 404
    slack.action(ActionId.FORM_OFF, message=on, user=OWNER)
    assert post_form(slack, str(fresh), {"name": "Cy", "email": "cy@example.com"}).status == 404
    assert row_count(slack.sessions, Lead) == 1


def test_each_request_is_logged_once_with_its_route_pattern_never_the_token(
    slack: SlackHarness, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="crm.http")
    post_form(slack, token, {"name": "Al", "email": "al@example.com"})
    slack.get("/healthz")
    lines = [r for r in caplog.records if r.name == "crm.http"]
    assert [r.getMessage().rsplit(" ", 1)[0] for r in lines] == [
        "POST /forms/<token> 200",
        "GET /healthz 200",
    ]
    assert all(isinstance(getattr(r, "duration_ms", None), int) for r in lines)
    assert token not in caplog.text


def test_crm_settings_shows_the_form_and_where_webhooks_are_managed(slack: SlackHarness) -> None:
    slack.command("crm", "settings", user=OWNER)
    [opened] = slack.api.calls_to("views.open")
    view = opened.params["view"]
    seen = "\n".join(block_texts(view["blocks"]))
    assert "Web form:* off" in seen and "`/crm form`" in seen and "`/crm webhooks`" in seen
    assert limit_violations(view["blocks"]) == []
    slack.api.clear()
    slack.action(ActionId.FORM_ON, view=view, user=OWNER)
    with slack.sessions() as session:
        workspace = get_workspace(session, TEAM)
        assert workspace.form_enabled and workspace.form_token
