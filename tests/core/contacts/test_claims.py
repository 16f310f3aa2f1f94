"""`claim_contact_points`: the lock every entry path takes before matching a phone or email.

Real transactions on a database of their own, in threads. On Postgres a second claim of one
point (however it was typed) waits until the first transaction ends and then sees what it
wrote; claims in opposite orders do not deadlock; an import's many points lock the workspace.
On SQLite the one write lock orders them the same way, or refuses the stale one whole.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

import core
from core.contacts.claims import BULK_CLAIM, ConcurrentWrite, claim_contact_points
from core.contacts.input import ContactInput
from core.contacts.service import add_customer
from core.errors import DuplicateContact
from core.leads.inquiries import InquiryInput, capture_inquiry
from core.models import Contact
from core.platform.db import make_engine, make_sessions
from core.transfer.csv_import import import_contacts_csv
from core.transfer.document_import import import_document
from core.workspaces.service import WorkspaceDefaults, ensure_workspace, get_workspace
from tests.conftest import OWNER, STAFF, TEAM, drop_postgres_database, migrated_database_url

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def sessions(backend: str, tmp_path: Any) -> Iterator[sessionmaker[Session]]:
    """Sessions of a database of its own, committed for real (the test drops it)."""
    url = migrated_database_url(backend, tmp_path, f"claims_{os.getpid()}_{token_hex(3)}")
    engine = make_engine(url)
    made = make_sessions(engine)
    with made.begin() as session:
        ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=[OWNER]))
    yield made
    engine.dispose()
    if backend == "postgres":
        drop_postgres_database(url)


def _postgres(sessions: sessionmaker[Session]) -> bool:
    engine: Engine = sessions.kw["bind"]
    return engine.dialect.name == "postgresql"


def _contacts(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Contact)) or 0)


def _wait_for_a_lock_waiter(sessions: sessionmaker[Session]) -> None:
    """Until another backend waits on an advisory lock (so the race is really on)."""
    deadline = time.monotonic() + 20
    with sessions() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
            if waiting:
                return
            watcher.rollback()
            time.sleep(0.02)
    raise AssertionError("the second claim never waited for the first")


def _in_thread(work: Callable[[], Any], results: list[Any]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(work())
        except BaseException as error:  # noqa: BLE001 - asserted by the caller
            results.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _capture(sessions: sessionmaker[Session], phone: str) -> Any:
    with sessions.begin() as session:
        captured = capture_inquiry(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=STAFF,
            inquiry=InquiryInput(
                title="Leak", source="phone_call", first_name="Dana", phones=(phone,)
            ),
            now=NOW,
        )
        return captured.contact_existed


def test_a_second_claim_of_one_number_waits_and_sees_the_first_contact(
    sessions: sessionmaker[Session],
) -> None:
    if not _postgres(sessions):
        # One writer: the second capture runs after the first committed and links to it.
        assert [_capture(sessions, "555-201-7788"), _capture(sessions, "+1 555 201 7788")] == [
            False,
            True,
        ]
        assert _contacts(sessions) == 1
        return
    holding, release = threading.Event(), threading.Event()

    def first() -> bool:
        with sessions.begin() as session:
            workspace = get_workspace(session, TEAM)
            matches = claim_contact_points(
                session, workspace=workspace, phones=["+15552017788"], emails=[]
            )
            add_customer(
                session=session,
                workspace=workspace,
                actor=STAFF,
                data=ContactInput(first_name="Dana", phones=("555-201-7788",)),
            )
            holding.set()
            assert release.wait(20)
            return bool(matches)

    results: list[Any] = []
    one = _in_thread(first, results)
    assert holding.wait(20)
    later: list[Any] = []
    two = _in_thread(lambda: _capture(sessions, "(555) 201 7788"), later)
    _wait_for_a_lock_waiter(sessions)
    assert two.is_alive()  # still waiting for the first transaction
    release.set()
    one.join(30)
    two.join(30)
    assert results == [False] and later == [True]  # linked to the contact the first made
    assert _contacts(sessions) == 1


def test_claims_in_opposite_orders_do_not_deadlock(sessions: sessionmaker[Session]) -> None:
    """10 captures at once naming two phones and an email, half of them in reverse order."""
    start = threading.Barrier(10)
    results: list[Any] = []
    phones = ("555-201-7788", "(555) 201-9999")

    def capture(n: int) -> bool:
        start.wait()
        with sessions.begin() as session:
            inquiry = InquiryInput(
                title="Leak",
                source="email",
                first_name="Dana",
                phones=phones if n % 2 else phones[::-1],
                emails=("DANA@example.com" if n % 3 else "dana@example.com",),
            )
            return capture_inquiry(
                session=session,
                workspace=get_workspace(session, TEAM),
                actor=STAFF,
                inquiry=inquiry,
                now=NOW,
            ).contact_existed

    threads = [_in_thread(lambda n=n: capture(n), results) for n in range(10)]
    for thread in threads:
        thread.join(60)
    errors = [r for r in results if isinstance(r, BaseException)]
    if _postgres(sessions):
        assert errors == [] and sorted(results) == [False] + [True] * 9
    else:  # a stale reader is refused whole, never written twice
        assert all(isinstance(e, ConcurrentWrite) for e in errors), errors
    assert _contacts(sessions) == 1


def test_an_import_and_a_capture_of_one_number_make_one_contact(
    sessions: sessionmaker[Session],
) -> None:
    """The import claims more than BULK_CLAIM points: one workspace lock, which captures wait on."""
    rows = [f"Person {n},555-301-{n:04d}" for n in range(BULK_CLAIM + 10)]
    csv = "Name,Phone\n" + "\n".join(["Dana Smith,555-201-7788", *rows]) + "\n"
    holding, release = threading.Event(), threading.Event()

    def import_file() -> str:
        with sessions.begin() as session:
            report = import_contacts_csv(
                session=session, workspace=get_workspace(session, TEAM), actor=STAFF, text=csv
            )
            holding.set()
            assert release.wait(20)
            return report.summary()

    imported: list[Any] = []
    one = _in_thread(import_file, imported)
    assert holding.wait(20)
    captured: list[Any] = []
    two = _in_thread(lambda: _capture(sessions, "+1 (555) 201-7788"), captured)
    if _postgres(sessions):
        _wait_for_a_lock_waiter(sessions)
    release.set()
    one.join(30)
    two.join(30)
    assert imported == [f"Imported contacts: {BULK_CLAIM + 11} created, 0 merged, 0 skipped."]
    if _postgres(sessions):
        assert captured == [True]
    else:
        assert captured == [True] or isinstance(captured[0], ConcurrentWrite)
    assert _contacts(sessions) == BULK_CLAIM + 11


def test_an_add_customer_racing_a_capture_is_asked_not_duplicated(
    sessions: sessionmaker[Session],
) -> None:
    start = threading.Barrier(2)
    results: list[Any] = []

    def add() -> str:
        start.wait()
        with sessions.begin() as session:
            add_customer(
                session=session,
                workspace=get_workspace(session, TEAM),
                actor=STAFF,
                data=ContactInput(first_name="Dana", emails=("DANA@example.com",)),
            )
        return "added"

    def capture() -> str:
        start.wait()
        with sessions.begin() as session:
            capture_inquiry(
                session=session,
                workspace=get_workspace(session, TEAM),
                actor=STAFF,
                inquiry=InquiryInput(title="Leak", source="email", emails=("dana@example.com",)),
                now=NOW,
            )
        return "captured"

    threads = [_in_thread(add, results), _in_thread(capture, results)]
    for thread in threads:
        thread.join(30)
    assert _contacts(sessions) == 1
    if _postgres(sessions):
        # Whichever came second saw the first: a capture links, a new customer is asked.
        assert "captured" in results
        [other] = [r for r in results if r != "captured"]
        assert other == "added" or isinstance(other, DuplicateContact)


def test_a_json_import_and_a_capture_of_one_number_make_one_contact(
    sessions: sessionmaker[Session],
) -> None:
    """The JSON import claims its new contacts' points too: the capture waits, then links."""
    document: dict[str, Any] = {
        "contacts": [
            {
                "contact_id": "ct_imported",
                "first_name": "Dana",
                "last_name": "Smith",
                "company_id": None,
                "phones": ["+15552017788"],
                "emails": [],
                "address": None,
                "preferred_channel": None,
                "lifecycle_stage": "prospect",
                "tags": [],
                "quickbooks_customer_id": None,
                "notes": None,
            }
        ],
        "companies": [],
        "leads": [],
        "interactions": [],
        "opportunities": [],
    }
    holding, release = threading.Event(), threading.Event()

    def import_file() -> str:
        with sessions.begin() as session:
            report = import_document(
                session=session,
                workspace=get_workspace(session, TEAM),
                actor=STAFF,
                document=document,
            )
            holding.set()
            assert release.wait(20)
            return report.render()

    imported: list[Any] = []
    one = _in_thread(import_file, imported)
    assert holding.wait(20)
    captured: list[Any] = []
    two = _in_thread(lambda: _capture(sessions, "555-201-7788"), captured)
    if _postgres(sessions):
        _wait_for_a_lock_waiter(sessions)
    release.set()
    one.join(30)
    two.join(30)
    assert imported == [f"Imported into {TEAM}: 1 contact."]
    if _postgres(sessions):
        assert captured == [True]
    else:
        assert captured == [True] or isinstance(captured[0], ConcurrentWrite)
    assert _contacts(sessions) == 1


def test_no_module_matches_or_creates_contacts_around_the_gate() -> None:
    """A new entry path (web form, Gmail...) must go through `claim_contact_points`.

    Matching by phone or email for a write happens only in the gate; `search` reads rows for
    lookups (the same probe, which changes nothing). A contact is written only by the
    add-customer and inquiry operations (after a claim) and by the two imports (after a
    claim, in bulk).
    """
    core_root = Path(core.__file__).parent
    uses: dict[str, set[str]] = {
        "find_matching_contacts": set(),
        "find_contacts_by_points": set(),
        "create_contact": set(),
    }
    for path in core_root.rglob("*.py"):
        source = path.read_text("utf-8")
        module = ".".join(path.relative_to(core_root).with_suffix("").parts)
        for name, users in uses.items():
            if re.search(rf"\b{name}\(", source):
                users.add(module)
    assert uses["find_matching_contacts"] == {"contacts.matching", "contacts.claims"}
    assert uses["find_contacts_by_points"] == {"contacts.matching", "contacts.search"}
    assert uses["create_contact"] == {"contacts.service", "leads.inquiries"}
