"""`crm console`: the real app driven by signed requests, as text, from a terminal.

The walk of the issue (a lead from `/lead` to won) is driven twice: through `ConsoleSession`
(asserting on what the person reads and on the rows), and as a recorded terminal session
(`tests/data/console_lead_to_won.txt`) replayed through the REPL and compared line by line.
Set CONSOLE_RECORD=1 to rewrite the recording from its own input lines after a wanted change.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cli.console import Terminal, run_console
from console.driver import ConsoleSession
from console.form import FieldError, form_fields
from console.render import render_blocks
from core.common.enums import (
    InteractionType,
    LeadStatus,
    LifecycleStage,
    OpportunityStage,
    PipelineStage,
)
from core.models import Contact, Interaction, Lead, Opportunity
from tests.bot.harness import START, harness_settings
from tests.conftest import OWNER, STAFF, TEAM

RECORDING = Path(__file__).parent.parent / "data" / "console_lead_to_won.txt"
STAGES_RECORDING = Path(__file__).parent.parent / "data" / "console_lead_stages.txt"
QUICK_LEAD = "/lead Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350"
LEAD_BUTTONS = [
    "Log call",
    "Draft follow-up",
    "Qualify",
    "Convert",
    "Edit lead",
    "Snooze",
    "Disqualify",
]
JOB_BUTTONS = ["Log call", "Draft follow-up", "Edit job", "Mark won", "Mark lost"]


@pytest.fixture
def console(sessions: sessionmaker[Session], workspace_id: str) -> Iterator[ConsoleSession]:
    """The console on the test workspace (owner OWNER), its clock fixed at START."""
    settings = harness_settings("http://unused.invalid/")
    with ConsoleSession(
        sessions, settings=settings, team_id=workspace_id, clock=lambda: START
    ) as c:
        yield c


def labels(console: ConsoleSession) -> list[str]:
    return [p.label for p in console.pressables()]


def one_lead(sessions: sessionmaker[Session]) -> Lead:
    with sessions() as session:
        return session.scalars(select(Lead).where(Lead.workspace_id == TEAM)).one()


def one_deal(sessions: sessionmaker[Session]) -> Opportunity | None:
    with sessions() as session:
        query = select(Opportunity).where(Opportunity.workspace_id == TEAM)
        return session.scalars(query).one_or_none()


# --- the walk, through the driver --------------------------------------------------------------


def test_a_lead_walks_from_lead_to_won(console: ConsoleSession, sessions: Any) -> None:
    assert console.user == OWNER and console.is_owner()
    screen = console.screen(console.command(QUICK_LEAD))
    text = "\n".join(screen.lines)
    assert "── CRM · only you can see this ──" in text
    assert "Lead saved: leaky faucet at 123 Main. Added Dana Smith as a new contact." in text
    assert "Dana Smith · (555) 201-3344" in text
    assert "new · inquiry · phone call · $350" in text
    assert "── CRM · direct message to you ──" in text  # the owner's new-inquiry notice
    assert "New inquiry from Dana Smith — leaky faucet at 123 Main. Phone: (555) 201-3344." in text
    assert labels(console) == [*LEAD_BUTTONS, "Draft response", "Open lead"]
    assert "[1] Log call  [2] Draft follow-up  [3] Qualify" in text

    screen = console.screen(console.press(3))  # Qualify
    assert labels(console) == ["Needs analysis", "Estimate sent"]
    console.screen(console.press("Needs analysis"))
    lead = one_lead(sessions)
    assert (lead.status, lead.pipeline_stage) == (LeadStatus.working, PipelineStage.needs_analysis)
    assert "Convert" in labels(console) and "Qualify" not in labels(console)

    console.press("Convert")
    form = "\n".join(console.form().lines)
    assert form.startswith("=== Convert to a job ===")
    assert "Where does the job stand? — one of: Estimating, Proposal sent, Scheduled" in form
    screen = console.screen(console.fill({"Expected close date": "2026-03-20"}))
    assert "Converted to a job: leaky faucet at 123 Main (stage: estimating)." in screen.lines[1]
    assert "  estimating · $350" in screen.lines
    assert labels(console) == JOB_BUTTONS

    assert console.confirmation("Mark won") is None  # the server asks, once it knows who
    console.press("Mark won")
    form = "\n".join(console.form().lines)
    assert form.startswith("=== Mark won ===")
    assert "Mark leaky faucet at 123 Main won?" in form
    console.close_modal()
    deal = one_deal(sessions)
    assert deal is not None and deal.stage == OpportunityStage.estimating

    console.press("Mark won")
    screen = console.screen(console.fill({"Final amount ($)": "$1,250.50"}))
    text = "\n".join(screen.lines)
    assert "Opportunity won — leaky faucet at 123 Main — $1,250.50." in text
    assert "Dana Smith is now a customer." in text
    assert "Create Dana Smith in QuickBooks?" in text
    assert labels(console) == ["Create in QuickBooks (owner)", "Not now (owner)"]  # a channel's

    screen = console.screen(console.press("Not now (owner)"))
    assert screen.lines[0].startswith("── CRM · updated · ")
    assert "  Not now: Dana Smith was not created in QuickBooks." in screen.lines
    deal = one_deal(sessions)
    assert deal is not None and deal.stage == OpportunityStage.won
    assert deal.amount == Decimal("1250.50")
    with sessions() as session:
        contact = session.scalars(select(Contact).where(Contact.workspace_id == TEAM)).one()
    assert contact.lifecycle_stage == LifecycleStage.customer
    assert contact.quickbooks_customer_id is None


def test_staff_cannot_mark_won_and_nothing_changes(console: ConsoleSession, sessions: Any) -> None:
    console.screen(console.command(QUICK_LEAD))
    console.press("Convert")
    console.screen(console.fill({}))
    console.as_user("staff")
    assert console.user == STAFF and not console.is_owner()
    screen = console.screen(console.press("Mark won"))
    assert any("Only an owner can" in line for line in screen.lines), screen.lines
    assert any("only you can see this" in line for line in screen.lines)
    assert console.modal is None  # refused before any confirmation
    deals = one_deal(sessions)
    assert deals is not None and deals.stage == OpportunityStage.estimating


def test_a_button_that_was_replaced_is_not_pressed(console: ConsoleSession) -> None:
    console.screen(console.command(QUICK_LEAD))
    console.screen(console.press("Qualify"))
    choice = console.find("Needs analysis")
    console.screen(console.press(choice))  # the question is replaced by the qualified lead
    turn = console.press(choice)
    assert turn.notes == ["The Needs analysis button is no longer there; nothing was sent."]
    with pytest.raises(LookupError):
        console.find(99)


# --- signed requests ---------------------------------------------------------------------------


def test_requests_are_signed_and_a_forged_or_stale_one_is_refused(console: ConsoleSession) -> None:
    body = "token=x&team_id=T0TEST&user_id=U0OWNER&command=%2Fpipeline&text="
    good = console.dispatch(body, "application/x-www-form-urlencoded")
    assert good.status == 200
    forged = {"x-slack-signature": "v0=" + "0" * 64}
    assert console.dispatch(body, "application/x-www-form-urlencoded", forged).status == 401
    stale = console.signed_headers(body, timestamp=1_600_000_000)
    assert console.dispatch(body, "application/x-www-form-urlencoded", stale).status == 401


# --- modals: errors, update, push, clear --------------------------------------------------------


def test_the_new_lead_form_shows_errors_on_the_field_and_asks_again(
    console: ConsoleSession, sessions: Any
) -> None:
    turn = console.command("/lead")
    assert turn.view is not None and turn.view_changed
    form = "\n".join(console.form().lines)
    assert form.startswith("=== New lead ===")
    assert "How they came in — one of: Phone call, Email, Web form, Referral, Ad, Other" in form
    answers = {"Name": "Bob Jones", "Phone": "555-1", "What's the job?": "New water heater"}
    turn = console.fill(answers)
    assert turn.errors and list(turn.errors) == ["crm-phone"]
    assert "is not a phone number" in turn.errors["crm-phone"]
    assert console.modal is not None  # still open, nothing written
    with sessions() as session:
        assert session.scalars(select(Lead).where(Lead.workspace_id == TEAM)).first() is None
    turn = console.fill(answers | {"Phone": "555-201-9999", "Service address": "12 Elm St"})
    assert turn.errors == {} and turn.view is None
    assert "Lead saved: New water heater." in console.screen(turn).lines[1]


def test_update_push_and_clear_answers_are_honoured(console: ConsoleSession) -> None:
    def modal(callback: str, label: str, *extra: dict[str, Any]) -> dict[str, Any]:
        field = {"type": "plain_text_input", "action_id": "in"}
        block = {"type": "input", "block_id": "b", "label": {"type": "plain_text", "text": label}}
        title = {"type": "plain_text", "text": callback}
        blocks = [block | {"element": field}, *extra]
        return {"type": "modal", "callback_id": callback, "title": title, "blocks": blocks}

    switch = {
        "type": "button",
        "action_id": "test-switch",
        "text": {"type": "plain_text", "text": "Switch"},
    }
    first_view = modal("first", "First", {"type": "actions", "elements": [switch]})

    def typed(view: dict[str, Any]) -> str:
        return str(view["state"]["values"]["b"]["in"]["value"])

    def open_first(ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=first_view)

    def switched(ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()
        view = body["view"]
        client.views_update(view_id=view["id"], hash=view["hash"], view=modal("second", "Second"))

    def first(ack: Ack, view: dict[str, Any]) -> None:
        if typed(view) == "bad":
            ack(response_action="errors", errors={"b": "Not that."})
        elif typed(view) == "update":
            ack(response_action="update", view=modal("second", "Second"))
        else:
            ack(response_action="push", view=modal("third", "Third"))

    def second(ack: Ack) -> None:
        ack()

    def third(ack: Ack, view: dict[str, Any]) -> None:
        if typed(view) == "back":
            ack()
        else:
            ack(response_action="clear")

    console.app.command("/testform")(open_first)
    console.app.action("test-switch")(switched)
    for callback, listener in (("first", first), ("second", second), ("third", third)):
        console.app.view(callback)(listener)

    assert console.command("/testform").view is not None
    assert console.fill({"First": "bad"}).errors == {"b": "Not that."}
    turn = console.fill({"First": "update"})
    assert turn.view is not None and turn.view["callback_id"] == "second"
    assert console.fill({"Second": "done"}).view is None  # an empty ack closes it

    console.command("/testform")
    turn = console.fill({"First": "push"})
    assert turn.view is not None and turn.view["callback_id"] == "third"
    turn = console.fill({"Third": "back"})  # an empty ack closes the pushed view only
    assert turn.view is not None and turn.view["callback_id"] == "first"
    console.fill({"First": "push"})
    assert console.fill({"Third": "x"}).view is None  # clear closes every view

    console.command("/testform")
    assert [p.label for p in console.form().pressables] == ["Switch"]
    turn = console.press("Switch")  # a button in the modal; the app calls views.update
    assert turn.view_changed and turn.view is not None and turn.view["callback_id"] == "second"
    console.close_modal()

    info_text = {"type": "section", "text": {"type": "mrkdwn", "text": "*Nothing* to fill."}}
    info = {"type": "modal", "callback_id": "info", "title": switch["text"], "blocks": [info_text]}
    info |= {"submit": {"type": "plain_text", "text": "Done"}}

    def open_info(ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=info)

    def info_done(ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()
        client.chat_postMessage(channel=body["user"]["id"], text="Thanks.")

    console.app.command("/testinfo")(open_info)
    console.app.view("info")(info_done)
    out = run_repl(console, "/testinfo\n\n")
    assert (
        "=== Switch ===  [Done]\n  Nothing to fill.\n  (Enter: Done; :cancel closes it)> \n" in out
    )
    assert "── CRM · direct message to you ──\n  Thanks.\n" in out

    out = run_repl(console, "/testform\n1\nok\n")
    assert (
        "  (press a button by its number, or Enter to fill in the form)> 1\n=== second ===" in out
    )
    assert out.endswith("  Second> ok\nyou> \n")


def test_options_pickers_and_home_buttons_send_what_slack_sends(console: ConsoleSession) -> None:
    def plain(text: str) -> dict[str, Any]:
        return {"type": "plain_text", "text": text}

    snooze = {
        "type": "static_select",
        "action_id": "test-snooze",
        "placeholder": plain("Snooze for"),
        "options": [
            {"text": plain(t), "value": v} for t, v in (("1 week", "7"), ("1 month", "30"))
        ],
    }
    picker = {"type": "datepicker", "action_id": "test-date", "placeholder": plain("Call back on")}
    row = {"type": "actions", "block_id": "test-row", "elements": [snooze, picker]}
    home_button = {
        "type": "button",
        "action_id": "test-home",
        "text": plain("Refresh"),
        "value": "h",
    }
    home = {"type": "home", "blocks": [{"type": "actions", "elements": [home_button]}]}
    seen: list[tuple[str, Any]] = []

    def show_row(ack: Ack, respond: Any) -> None:
        ack()
        respond(text="Pick", blocks=[row])

    def publish(ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()
        client.views_publish(user_id=body["user_id"], view=home)

    def clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        ack()
        value = action.get("selected_option", {}).get("value") or action.get("selected_date")
        where = body["container"]["type"]
        seen.append((where, value or action.get("value")))
        if where == "message":
            respond(text=f"Chose {value}", replace_original=False)

    console.app.command("/testrow")(show_row)
    console.app.command("/testhome")(publish)
    for action_id in ("test-snooze", "test-date", "test-home"):
        console.app.action(action_id)(clicked)

    screen = console.screen(console.command("/testrow"))
    assert screen.lines[1] == "  Snooze for:  [1] 1 week  [2] 1 month  [3] Call back on"
    assert console.screen(console.press(2)).lines[1] == "  Chose 30"
    console.press("Call back on", value="2026-03-10")
    with pytest.raises(FieldError):
        console.press("Call back on", value="Friday")
    screen = console.screen(console.command("/testhome"))
    assert screen.lines == ["── CRM · App Home ──", "  [1] Refresh"]
    console.press(1)
    assert seen == [("message", "30"), ("message", "2026-03-10"), ("view", "h")]


# --- App Home and direct messages --------------------------------------------------------------


def test_home_and_direct_messages(console: ConsoleSession) -> None:
    console.command(QUICK_LEAD)
    screen = console.screen(console.open_home())
    assert screen.lines[0] == "── CRM · App Home ──"
    assert any("New leads this week: 1" in line for line in screen.lines)
    screen = console.screen(console.dm("who are our newest customers?"))
    assert screen.lines[0] == "── CRM · direct message to you ──"


# --- rendering ---------------------------------------------------------------------------------


def test_render_numbers_buttons_options_and_pickers() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Dana"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Bold* for <@U0OWNER> &amp; _you_ :tada:"},
            "fields": [{"type": "mrkdwn", "text": "*Phone*\n(555) 201-3344"}],
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "a"}, {"type": "plain_text", "text": "b"}],
        },
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "row",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "action_id": "a",
                    "value": "1",
                },
                {
                    "type": "static_select",
                    "action_id": "s",
                    "placeholder": {"type": "plain_text", "text": "Snooze"},
                    "options": [
                        {"text": {"type": "plain_text", "text": "1 week"}, "value": "7"},
                        {"text": {"type": "plain_text", "text": "1 month"}, "value": "30"},
                    ],
                },
                {"type": "datepicker", "action_id": "d"},
            ],
        },
    ]
    rendered = render_blocks(blocks, first=4, users={"U0OWNER": "Owner"})
    assert rendered.lines == [
        "Dana",
        "────",
        "Bold for @Owner & you 🎉",
        "Phone: (555) 201-3344",
        "a · b",
        "─" * 40,
        "[4] Approve  Snooze:  [5] 1 week  [6] 1 month  [7] Pick a date (YYYY-MM-DD)",
    ]
    assert [(c.number, c.label, c.block_id) for c in rendered.controls] == [
        (4, "Approve", "row"),
        (5, "1 week", "row"),
        (6, "1 month", "row"),
        (7, "Pick a date (YYYY-MM-DD)", "row"),
    ]
    assert rendered.controls[2].option == {
        "text": {"type": "plain_text", "text": "1 month"},
        "value": "30",
    }


def test_form_fields_parse_what_is_typed() -> None:
    def block(block_id: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
        label = {"type": "plain_text", "text": block_id.title()}
        return {
            "type": "input",
            "block_id": block_id,
            "label": label,
            "element": element,
            "optional": optional,
        }

    options = [
        {"text": {"type": "plain_text", "text": t}, "value": t.lower()} for t in ("Price", "Timing")
    ]
    view = {
        "blocks": [
            block("name", {"type": "plain_text_input", "action_id": "in", "max_length": 5}),
            block("reason", {"type": "static_select", "action_id": "in", "options": options}),
            block("when", {"type": "datepicker", "action_id": "in"}, optional=True),
            block(
                "owners", {"type": "multi_users_select", "action_id": "in", "initial_users": ["U1"]}
            ),
        ]
    }
    name, reason, when, owners = form_fields(view, {"U0STAFF": "Staff"})
    assert name.parse("Dana") == {"type": "plain_text_input", "value": "Dana"}
    with pytest.raises(FieldError, match="required"):
        name.parse("  ")
    with pytest.raises(FieldError, match="at most 5"):
        name.parse("Dana Smith")
    assert reason.describe() == "Reason — one of: Price, Timing"
    assert reason.parse("2")["selected_option"]["value"] == "timing"
    assert reason.parse("price")["selected_option"]["value"] == "price"
    with pytest.raises(FieldError, match="1 to 2"):
        reason.parse("3")
    assert when.parse("") == {"type": "datepicker", "selected_date": None}
    assert when.parse("2026-03-10") == {"type": "datepicker", "selected_date": "2026-03-10"}
    with pytest.raises(FieldError, match="YYYY-MM-DD"):
        when.parse("next friday")
    assert owners.parse("") == {"type": "multi_users_select", "selected_users": ["U1"]}
    assert owners.parse("staff, U0OWNER")["selected_users"] == ["U0STAFF", "U0OWNER"]
    assert when.prompt() == "When (YYYY-MM-DD; optional, Enter skips)> "


# --- the REPL ----------------------------------------------------------------------------------


def run_repl(console: ConsoleSession, typed: str) -> str:
    out = io.StringIO()
    code = run_console(console, Terminal(io.StringIO(typed), out, interactive=False))
    assert code == 0
    return out.getvalue()


def test_the_repl_reads_lines_until_the_end_of_input(console: ConsoleSession) -> None:
    out = run_repl(
        console, "/pipeline\n:as staff\n:as nobody\n:help\n:bogus\n7\n:quit\n/pipeline\n"
    )
    assert out.startswith("CRM console: the Slack bot on your own database.")
    assert (
        "You are Owner (U0OWNER), an owner.\nyou> /pipeline\n── CRM · only you can see this ──\n"
        in out
    )
    assert "  New leads this week: 0" in out
    assert "you> :as staff\nYou are Staff (U0STAFF), not an owner.\n" in out
    assert "No user 'nobody'" in out
    assert ":dm <text>" in out  # the help
    assert "Unknown command :bogus; :help lists them." in out
    assert "There is no button [7] on the screen." in out
    assert out.endswith("you> :quit\n")  # the line after :quit is never read


def test_the_repl_fills_a_form_field_by_field(console: ConsoleSession) -> None:
    typed = "/lead\nBob Jones\n555-1\n\n12 Elm St\nNew water heater\n\n9\n1\n1200\n\n555-201-9999\n"
    out = run_repl(console, typed)
    assert "=== New lead ===" in out
    assert "  ! Choose a number from 1 to 6." in out
    assert '  ! Phone: "555-1" is not a phone number I can use.' in out
    assert "Lead saved: New water heater. Added Bob Jones as a new contact." in out
    assert out.endswith("you> \n")  # end of input


def _normalize(text: str) -> str:
    text = re.sub(r"\b[a-z]{2,4}_[0-9a-f]{16}\b", "<id>", text)
    return re.sub(r"\b1[0-9]{9}\.[0-9]{6}\b", "<ts>", text)


_INPUT = re.compile(r"^(?:you> |.*\[y/N\] |  [^ !(─\[].*?> )(.*)$")


def recorded_inputs(transcript: str) -> list[str]:
    """The lines the person typed: what follows each prompt of the recording."""
    found = (_INPUT.match(line) for line in transcript.splitlines())
    return [match.group(1) for match in found if match]


def replay(console: ConsoleSession, recording: Path) -> list[str]:
    """Type a recording's input lines into the REPL; its output must be the recording's own.

    With CONSOLE_RECORD=1 the recording is rewritten from what the REPL printed instead.
    """
    transcript = recording.read_text(encoding="utf-8")
    typed = recorded_inputs(transcript)
    out = run_repl(console, "".join(f"{line}\n" for line in typed))
    if os.environ.get("CONSOLE_RECORD"):
        recording.write_text(out, encoding="utf-8")
    assert _normalize(out).splitlines() == _normalize(transcript).splitlines()
    return typed


def test_the_recorded_session_walks_a_lead_to_won(console: ConsoleSession, sessions: Any) -> None:
    typed = replay(console, RECORDING)
    assert typed[0] == QUICK_LEAD and "1,200" in typed  # the final amount, typed
    deal = one_deal(sessions)
    assert deal is not None and deal.stage == OpportunityStage.won
    assert (deal.amount, deal.expected_close_date) == (Decimal("1200"), date(2026, 3, 20))


def test_the_recorded_session_walks_every_stage(console: ConsoleSession, sessions: Any) -> None:
    """One lead through every lead stage (Edit lead), Convert, every job stage (Edit job), won."""
    typed = replay(console, STAGES_RECORDING)
    assert typed[0] == QUICK_LEAD
    lead = one_lead(sessions)
    assert (lead.status, lead.pipeline_stage) == (
        LeadStatus.converted,
        PipelineStage.scheduled_visit,
    )
    assert (lead.estimated_value, lead.owner) == (Decimal("1200"), STAFF)
    deal = one_deal(sessions)
    assert deal is not None
    assert (deal.stage, deal.amount, deal.expected_close_date) == (
        OpportunityStage.won,
        Decimal("1500"),
        date(2026, 3, 27),
    )
    with sessions() as session:
        history = session.scalars(
            select(Interaction.body)
            .where(Interaction.type == InteractionType.system)
            .order_by(Interaction.created_at)
        ).all()
    moves = [body for body in history if " moved to " in (body or "")]
    assert sorted(moves) == [
        "Lead moved to estimate sent (was needs analysis).",
        "Lead moved to follow up (was estimate sent).",
        "Lead moved to needs analysis (was inquiry).",
        "Lead moved to scheduled visit (was follow up).",
        "Opportunity leaky faucet at 123 Main moved to proposal sent.",
        "Opportunity leaky faucet at 123 Main moved to scheduled.",
    ]


# --- `crm console` and `make run` --------------------------------------------------------------


def test_crm_console_migrates_and_runs_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main
    from core.platform.config import get_settings

    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "CRM_OWNER_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'crm.db'}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{QUICK_LEAD}\n:quit\n"))
    get_settings.cache_clear()
    try:
        assert main(["console"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "You are Owner (U0OWNER), an owner." in out
    assert "Lead saved: leaky faucet at 123 Main." in out
    assert (tmp_path / "crm.db").exists()  # a second run finds the lead in it
    monkeypatch.setattr("sys.stdin", io.StringIO("/lead find Dana\n"))
    get_settings.cache_clear()
    try:
        assert main(["console"]) == 0
    finally:
        get_settings.cache_clear()
    assert "leaky faucet at 123 Main" in capsys.readouterr().out
