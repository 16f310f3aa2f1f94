"""The one way to find-or-create a contact from a phone or email, safe under concurrency.

Hard stop 3 (no duplicate customers) is decided by the database, not by luck: before any
entry path looks for a contact by phone or email, it calls `claim_contact_points`, which
takes a per-workspace lock on each normalized phone and email and only then runs the match.
Two captures of one number (however it was typed) therefore run one after the other, and the
second one sees the contact the first one made. See docs/reliability.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from rapidfuzz import fuzz, utils
from sqlalchemy import BigInteger, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.common.enums import ContactPointKind
from core.contacts.matching import ContactMatch, find_matching_contacts
from core.errors import CRMError
from core.models import Workspace

__all__ = [
    "BULK_CLAIM",
    "SAME_NAME_SCORE",
    "ConcurrentWrite",
    "claim_contact_points",
    "same_person",
]

#: With more phones and emails than this (an import), the whole workspace's points are locked
#: at once: one lock instead of thousands, well inside Postgres's shared lock table.
BULK_CLAIM = 64

#: rapidfuzz `token_set_ratio` (lower-cased, punctuation as spaces) at or above which two names
#: are one person. 90 lets one typo in a ten-letter name link (Dana Smtih 90, Danna Smith 95)
#: and a name given in part link (Dana / Dana Smith: 100; dana.smith from an email: 100), while
#: a different first name on a shared surname asks, even one letter apart in a short name (Tom
#: and Tim Lee 86, Bob and Rob Jones 89, Mary and Dana Smith 70).
SAME_NAME_SCORE = 90

_MATCH_CHUNK = 10000  # phones and emails per lookup: far below SQLite's and Postgres's limits

# Names the product gives a contact when nobody said one: they match any name.
_PLACEHOLDER_NAMES = frozenset({"unknown caller"})


class ConcurrentWrite(CRMError):
    """SQLite only: another change was saved while this one was being read; nothing was kept."""


def _lock_key(workspace_id: str, kind: str, value: str) -> int:
    """A stable signed 64-bit key (Postgres advisory locks take a bigint) for one point."""
    digest = hashlib.blake2b(
        f"{workspace_id}\x00{kind}\x00{value}".encode(), digest_size=8, person=b"crm-point"
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def _points(phones: Iterable[str], emails: Iterable[str]) -> list[tuple[str, str]]:
    return sorted(
        {(ContactPointKind.phone.value, p) for p in phones}
        | {(ContactPointKind.email.value, e) for e in emails}
    )


def _lock_postgres(
    session: Session, workspace_id: str, phones: Sequence[str], emails: Sequence[str]
) -> None:
    """Transaction-scoped advisory locks, always workspace first then points in sorted order.

    A capture holds the workspace lock shared and its points exclusively; an import (more
    than `BULK_CLAIM` points) holds the workspace lock exclusively. One fixed order for every
    caller means no two transactions can wait on each other in a cycle.
    """
    workspace_key = _lock_key(workspace_id, "*", "*")
    if len(set(phones)) + len(set(emails)) > BULK_CLAIM:  # no need to sort an import's points
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": workspace_key})
        return
    points = _points(phones, emails)
    session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": workspace_key})
    keys = sorted({_lock_key(workspace_id, kind, value) for kind, value in points})
    statement = text(
        "SELECT pg_advisory_xact_lock(t.key) "
        "FROM unnest(CAST(:keys AS bigint[])) WITH ORDINALITY AS t(key, n) ORDER BY t.n"
    ).bindparams(bindparam("keys", type_=ARRAY(BigInteger)))
    session.execute(statement, {"keys": keys})


def _lock_sqlite(session: Session, workspace_id: str) -> None:
    """Take SQLite's one write lock now (a write that changes nothing), before the match.

    A plain column, not the key, so SQLite has no foreign keys to check for it.

    SQLite serializes writers; a transaction that has only read so far upgrades to a writer
    here and waits (busy_timeout) for the one ahead of it. If that one committed after this
    transaction first read, SQLite refuses the upgrade instead of waiting: the capture is then
    refused whole, and the person is asked to send it again (no duplicate, no half write).
    """
    try:
        session.execute(
            text("UPDATE workspaces SET timezone = timezone WHERE workspace_id = :w"),
            {"w": workspace_id},
        )
    except OperationalError as error:
        if "locked" not in str(error).lower():
            raise
        raise ConcurrentWrite(
            "Someone else saved a change at the same moment, so nothing was saved. "
            "Please send that again."
        ) from error


def claim_contact_points(
    session: Session,
    *,
    workspace: Workspace,
    phones: Sequence[str],
    emails: Sequence[str],
    exclude_contact_id: str | None = None,
) -> list[ContactMatch]:
    """Lock these phones and emails for the transaction, then return who already has them.

    THE one way to find-or-create a contact from a phone or email: every entry path (the
    `/lead` quick capture, the New lead and New customer modals and their duplicate decisions,
    plain-word requests, contact edits, CSV and JSON import, and the web form and Gmail
    intake) calls this before it decides to link, ask or create, and creates nothing for these
    points without it. Phones and emails must already be normalized (E.164, lower-cased), so
    every spelling of one number takes one lock. The locks are held until the caller's
    transaction ends, so a contact it creates is seen by the next claim of the same point.

    The matches are live contacts (archived included, merged ones not), best match first.
    """
    if not phones and not emails:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        _lock_postgres(session, workspace.workspace_id, phones, emails)
    else:
        _lock_sqlite(session, workspace.workspace_id)
    found: dict[str, ContactMatch] = {}
    # SQLite takes a placeholder per value, so a long list goes in chunks; Postgres takes each
    # long list as one array (core.contacts.matching): one statement however long the file.
    chunk = max(len(phones), len(emails)) if postgres else _MATCH_CHUNK
    for start in range(0, max(len(phones), len(emails)), chunk):  # one query, usually
        for match in find_matching_contacts(
            session,
            workspace_id=workspace.workspace_id,
            phones=phones[start : start + chunk],
            emails=emails[start : start + chunk],
            include_archived=True,
        ):
            contact = match.contact
            if contact.merged_into_contact_id is None and contact.contact_id != exclude_contact_id:
                entry = found.setdefault(contact.contact_id, ContactMatch(contact))
                entry.matched_on.extend(match.matched_on)
    return sorted(found.values(), key=lambda m: -len(m.matched_on))


def _words(first: str | None, last: str | None) -> list[str]:
    """Lower-cased words, punctuation as spaces (`D. O'Brien` -> d, o, brien)."""
    return str(utils.default_process(" ".join(p for p in (first, last) if p))).split()


def _spell_out(words: list[str], other: list[str]) -> str:
    """An initial (`D.`) stands for the other name's word that starts with it, if there is one."""
    full = [
        next((o for o in other if len(o) > 1 and o[0] == w), w) if len(w) == 1 else w for w in words
    ]
    return " ".join(full)


class Named(Protocol):
    """Whatever carries a person's name: a contact, or one an import is about to write."""

    @property
    def first_name(self) -> str | None: ...

    @property
    def last_name(self) -> str | None: ...


def same_person(contact: Named, first_name: str | None, last_name: str | None) -> bool:
    """Whether a name given with a known phone or email is the contact's (fuzzy, see above).

    No name given, or a contact named by the product ("Unknown caller"), is no evidence of
    another person: the point decides. Initials count for the word they start (`D. Smith` is
    Dana Smith's; `M. Smith` is not).
    """
    given = _words(first_name, last_name)
    on_file = _words(contact.first_name, contact.last_name)
    if not given or not on_file or " ".join(on_file) in _PLACEHOLDER_NAMES:
        return True
    score = fuzz.token_set_ratio(_spell_out(given, on_file), _spell_out(on_file, given))
    return bool(score >= SAME_NAME_SCORE)
