"""`crm console`: use the bot from a terminal, no Slack account needed.

A read-eval-print loop over `console.driver.ConsoleSession` (the real app, signed requests, a
local Slack stand-in). On a terminal it reads lines with editing and history; with stdin not a
terminal (a pipe, a file, a test) it reads lines until end of input and echoes each one after
its prompt, so the output reads like the session on screen.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from typing import Any, TextIO
from urllib.parse import urlencode

from console.driver import FORM, ConsoleSession
from console.form import FieldError, FormField, control_value
from console.local_workspace import CONSOLE_OWNER, CONSOLE_TEAM
from console.mirror import Turn
from console.render import text_of

PROMPT = "you> "
CANCEL = ":cancel"
HELP = """\
Type what you would type in Slack:
  /lead Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350
  /lead  /customer  /log  /pipeline  /followups  /crm      slash commands
  3                 press button [3] of the latest reply
  :home             open the bot's App Home
  :dm <text>        send the bot a direct message (any other text does too)
  :as <user>        act as someone else: owner, staff, or a Slack user id
  :buttons          show the buttons a number presses now
  :help             this help;  :quit (or Ctrl-D) leaves
In a form: answer each field; Enter skips an optional one (or keeps what is shown);
choose options by number (a search first asks for some letters); dates as YYYY-MM-DD;
:cancel closes the form."""


class Terminal:
    """Lines in and out: readline on a terminal, plain echoed lines otherwise."""

    def __init__(self, stdin: TextIO, stdout: TextIO, *, interactive: bool | None = None) -> None:
        self.stdin = stdin
        self.stdout = stdout
        if interactive is None:
            interactive = stdin is sys.stdin and stdin.isatty() and stdout.isatty()
        self.interactive = interactive
        if interactive:
            try:
                import readline  # noqa: F401 - gives input() line editing and history
            except ImportError:
                pass

    def ask(self, prompt: str) -> str | None:
        """One line typed after `prompt`, or None at the end of input."""
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                self.say("")
                return None
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            self.say("")
            return None
        line = line.rstrip("\r\n")
        self.say(line)
        return line

    def say(self, *lines: str) -> None:
        for line in lines:
            self.stdout.write(line + "\n")
        self.stdout.flush()


def show(console: ConsoleSession, term: Terminal, turn: Turn) -> None:
    """Print a turn, then walk the person through any form the app opened."""
    term.say(*console.screen(turn).lines)
    if turn.view is not None and turn.view_changed:
        fill_form(console, term)


def search_options(console: ConsoleSession, form: FormField, typed: str) -> list[dict[str, Any]]:
    """Type into an external select as Slack does: a signed block_suggestion, options back."""
    view = console.modal or {}
    payload = console.payloads.block_suggestion(
        view, block_id=form.block_id, action_id=form.action_id, value=typed, user=console.user
    )
    response = console.dispatch(urlencode({"payload": json.dumps(payload)}), FORM)
    if response.status != 200 or not response.body:
        return []
    return list(json.loads(response.body).get("options") or [])


def search_field(console: ConsoleSession, term: Terminal, form: FormField) -> FormField | None:
    """An external select: ask what to search for until the app finds something to choose."""
    least = int(form.element.get("min_query_length") or 1)
    while True:
        typed = term.ask(f"  {form.label} (search, at least {least} letters)> ")
        if typed is None or typed.strip() == CANCEL:
            return None
        if len(typed.strip()) < least:
            term.say(f"  ! Type at least {least} letters.")
        elif found := search_options(console, form, typed.strip()):
            return replace(form, choices=tuple(found))
        else:
            term.say("  ! Nothing found; try other letters.")


def ask_field(
    console: ConsoleSession, term: Terminal, form: FormField, error: str | None = None
) -> dict[str, Any] | None:
    """Ask for one input until the answer fits; None when the person cancels the form."""
    if error:
        term.say(f"  ! {form.label}: {error}")
    if form.kind == "external_select" and not form.choices:
        searched = search_field(console, term, form)
        if searched is None:
            return None
        form = searched
    if form.choices:
        choices = [f"{n}) {label}" for n, label in enumerate(form.choice_labels(), 1)]
        term.say("  " + "  ".join(choices))
    if form.hint:
        term.say(f"  ({form.hint})")
    while True:
        typed = term.ask(f"  {form.prompt()}")
        if typed is None or typed.strip() == CANCEL:
            return None
        try:
            return form.parse(typed)
        except FieldError as problem:
            term.say(f"  ! {problem}")


def press_in_form(console: ConsoleSession, term: Terminal) -> bool:
    """Offer the form's own buttons first; True when one was pressed (the form may change)."""
    typed = term.ask("  (press a button by its number, or Enter to fill in the form)> ")
    if typed is None or not typed.strip().isdigit():
        return False
    press(console, term, int(typed.strip()), fill=False)
    return True


def submit_without_fields(console: ConsoleSession, term: Terminal, view: dict[str, Any]) -> bool:
    """A modal with nothing to fill: True to submit it, else it is closed."""
    submit = text_of(view.get("submit"))
    typed = term.ask(
        f"  (Enter: {submit}; :cancel closes it)> " if submit else "  (Enter closes it)> "
    )
    if submit and typed is not None and typed.strip() != CANCEL:
        return True
    show(console, term, console.close_modal())
    return False


def fill_form(console: ConsoleSession, term: Terminal) -> None:
    """Fill the open modal field by field and submit it, re-asking fields the app refused."""
    while console.modal is not None:
        view = console.modal
        shown = console.form()
        term.say(*shown.lines)
        if shown.pressables and press_in_form(console, term):
            continue
        forms = console.fields()
        if not forms and not submit_without_fields(console, term, view):
            return
        if forms:
            term.say("  (Enter skips an optional field; :cancel closes the form)")
        values: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        while True:
            for form in forms:
                if errors and form.block_id not in errors and form.block_id in values:
                    continue
                state = ask_field(console, term, form, errors.get(form.block_id))
                if state is None:
                    show(console, term, console.close_modal())
                    term.say("  (form closed)")
                    return
                values[form.block_id] = {form.action_id: state}
            turn = console.submit(values)
            term.say(*console.screen(turn).lines)
            if not turn.errors:
                break
            if not forms:
                term.say(*(f"  ! {message}" for message in turn.errors.values()))
                return
            unknown = [msg for block, msg in turn.errors.items() if block not in values]
            for message in unknown:
                term.say(f"  ! {message}")
            errors = turn.errors if len(unknown) < len(turn.errors) else dict.fromkeys(values, "")
        if console.modal is not None and console.modal.get("id") == view.get("id"):
            if console.modal.get("hash") == view.get("hash"):
                return  # the app kept the form as it was: nothing more to ask


def press(console: ConsoleSession, term: Terminal, number: int, *, fill: bool = True) -> None:
    """Press a numbered control: answer its confirm dialog and ask for its value first."""
    try:
        pressable = console.find(number)
    except LookupError as missing:
        term.say(str(missing))
        return
    confirmed = True
    question = console.confirmation(pressable)
    if question is not None:
        lines, ask = question
        term.say(*lines)
        answer = term.ask(ask)
        confirmed = (answer or "").strip().lower() in ("y", "yes")
    value = None
    if pressable.control.asks and confirmed:
        while True:
            value = term.ask(f"  {pressable.label} ({pressable.control.asks})> ")
            if value is None:
                return
            try:
                control_value(pressable.control, value)
                break
            except FieldError as problem:
                term.say(f"  ! {problem}")
    turn = console.press(pressable, value=value, confirmed=confirmed)
    if fill:
        show(console, term, turn)
    else:
        term.say(*console.screen(turn).lines)


def who(console: ConsoleSession) -> str:
    role = "an owner" if console.is_owner() else "not an owner"
    return f"You are {console.name_of(console.user)} ({console.user}), {role}."


def handle(console: ConsoleSession, term: Terminal, line: str) -> bool:
    """Act on one line typed at `you>`; False when the person wants to leave."""
    word, _, rest = line.partition(" ")
    if word in (":quit", ":q", ":exit"):
        return False
    if word == ":help":
        term.say(HELP)
    elif word == ":home":
        show(console, term, console.open_home())
    elif word == ":as":
        try:
            console.as_user(rest)
            term.say(who(console))
        except ValueError as problem:
            term.say(str(problem))
    elif word == ":buttons":
        items = [f"[{p.number}] {p.label}" for p in console.pressables()]
        term.say("  ".join(items) if items else "No buttons yet.")
    elif word == ":dm":
        show(console, term, console.dm(rest.strip()))
    elif word.startswith(":"):
        term.say(f"Unknown command {word}; :help lists them.")
    elif word.startswith("/"):
        show(console, term, console.command(line))
    elif line.isdigit():
        press(console, term, int(line))
    else:
        show(console, term, console.dm(line))
    return True


def run_console(console: ConsoleSession, term: Terminal) -> int:
    """The loop: read a line, act on it, print what the app answered; until :quit or EOF."""
    term.say("CRM console: the Slack bot on your own database. :help for help, :quit to leave.")
    term.say(who(console))
    while True:
        try:
            line = term.ask(PROMPT)
        except KeyboardInterrupt:
            term.say("")
            continue
        if line is None:
            return 0
        line = line.strip()
        if not line:
            continue
        try:
            if not handle(console, term, line):
                return 0
        except KeyboardInterrupt:
            term.say("(interrupted)")
            if console.modal is not None:
                console.close_modal()


# --- the `crm console` command ---------------------------------------------------------------


def _quiet_logs() -> None:
    """Warnings to stderr, without Bolt's advice about unhandled requests (the console says so)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.WARNING, format="(log) %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)


def _console(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from cli.workspace_choice import choose_workspace
    from core.models import Workspace
    from core.platform.config import get_settings
    from core.platform.db import make_engine, make_sessions
    from core.platform.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    with sessions() as session:
        known = list(session.scalars(select(Workspace.workspace_id)))
        new = args.workspace not in known if args.workspace else not known
        if new:  # the app makes it, with these owners, on the first request
            team_id = args.workspace or CONSOLE_TEAM
            owners = settings.owner_ids or [CONSOLE_OWNER]
        else:
            workspace = choose_workspace(session, args.workspace, create_if_none=False)
            team_id, owners = workspace.workspace_id, list(workspace.owner_ids or [])
    user = CONSOLE_OWNER if CONSOLE_OWNER in owners or not owners else owners[0]
    _quiet_logs()
    term = Terminal(sys.stdin, sys.stdout)
    try:
        with ConsoleSession(sessions, settings=settings, team_id=team_id, user=user) as console:
            if args.as_user:
                try:
                    console.as_user(args.as_user)
                except ValueError as problem:
                    print(f"crm console: {problem}", file=sys.stderr)
                    return 2
            if not owners:
                term.say("(This workspace has no owners: owner-only buttons will refuse.)")
            return run_console(console, term)
    finally:
        engine.dispose()


def register(commands: Any) -> None:
    """Add `crm console` to the `crm` parser (see cli/__init__.py)."""
    parser = commands.add_parser(
        "console",
        help="use the bot in a local terminal, no Slack needed",
        description=(
            "A local terminal console that drives the same Slack app with no Slack account: "
            "type commands, see replies, press buttons by number, fill forms field by field. "
            "Uses DATABASE_URL (SQLite crm.db by default)."
        ),
    )
    parser.add_argument("--workspace", default=None, help="Slack team id (default: the only one)")
    parser.add_argument(
        "--as", dest="as_user", default=None, help="act as this user id (default: an owner)"
    )
    parser.set_defaults(handler=_console)
