"""The writing entry points of typed lines, `/lead` and `/log`: done, or refused in words with
every table unchanged, whatever is typed (see tests/hostile_text.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.activity.flows import log_from_text
from core.leads.inquiries import capture_quick_lead
from core.models import Contact, Workspace
from tests.conftest import STAFF, TEAM
from tests.core.factories import make_contact
from tests.hostile_text import all_or_nothing, typed_lines, with_database

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@with_database
@given(typed_lines)
def test_a_quick_capture_is_all_or_nothing(session: Session, ws: Workspace, text: str) -> None:
    all_or_nothing(
        session,
        lambda: capture_quick_lead(session=session, workspace=ws, actor=STAFF, text=text, now=NOW),
    )


@with_database
@given(typed_lines)
def test_a_log_line_is_all_or_nothing(session: Session, ws: Workspace, text: str) -> None:
    if session.scalar(select(Contact).where(Contact.last_name == "Smith")) is None:
        make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])  # once per test
    for line in (text, f"call Dana Smith: {text}"):
        all_or_nothing(
            session,
            lambda line=line: log_from_text(session, workspace=ws, actor=STAFF, text=line, now=NOW),
        )
