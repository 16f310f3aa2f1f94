"""No token, signing secret, customer phone or email in the logs at INFO or above.

A whole scenario runs against the installable app (tokens go through the OAuth store) with
every log record captured, including the paths that log on failure: a refused input, an
owner DM Slack will not deliver, a reply with nowhere to go. Then the captured text is
searched for every secret and every piece of the customer's contact details.
"""

from __future__ import annotations

import logging

import pytest

from core.models import Workspace
from tests.bot.harness import CLIENT_SECRET, SECRET_KEY, SIGNING_SECRET, SlackHarness
from tests.conftest import OWNER, STAFF

PHONE_SHAPES = ("555-201-3344", "5552013344", "+15552013344", "201-3344", "2013344")
EMAIL = "dana.smith@example.com"


def test_a_full_scenario_logs_no_secret_and_no_contact_detail(
    slack_installable: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    slack = slack_installable
    caplog.set_level(logging.INFO)
    assert slack.install(code="hygiene").status == 200
    bot_token = "xoxb-T0TEST-hygiene"

    with slack.sessions.begin() as session:
        workspace = session.get(Workspace, "T0TEST")
        assert workspace is not None
        workspace.owner_ids = [OWNER]

    slack.api.fail_next("conversations.open", error="internal_error", times=4)
    slack.api.fail_next("chat.postMessage", error="internal_error", times=4)
    assert (
        slack.command(
            "lead", f"Dana Smith, 555-201-3344, {EMAIL}, leaky faucet at 12 Main via phone $350"
        ).status
        == 200
    )
    assert slack.command("customer", "Dana Smith", user=STAFF).status == 200
    assert slack.command("lead", f"Eve Bad, 555-1, {EMAIL}x@@, leak").status == 200
    assert slack.command("log", "call Dana Smith: wants a quote, call back Friday").status == 200
    slack.api.fail_next("response_url", status=404, times=2)
    slack.api.fail_next("chat.postEphemeral", error="not_in_channel", times=2)
    slack.api.fail_next("chat.postMessage", error="internal_error", times=4)
    assert slack.command("customer", "555-201-3344", user=STAFF).status == 200
    slack.wait()

    logged = caplog.text  # every record at INFO or above, with its traceback
    assert caplog.records, "the scenario logged nothing: the test would prove nothing"
    for secret in (bot_token, SIGNING_SECRET, CLIENT_SECRET, SECRET_KEY, EMAIL, *PHONE_SHAPES):
        assert secret not in logged, secret
