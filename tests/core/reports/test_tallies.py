"""The follow-up tallies equal the aggregates they stand for, and the totals read from them equal
what the old counts over the base tables gave (docs/performance.md).

Random sequences of the product's own operations (new leads, status changes, interactions
logged, back-dated ones written straight with the ORM, follow-ups done, moved or dropped,
snoozes, archiving, do not contact, merges, folds) run on SQLite and Postgres; the old
aggregate queries are kept here as the oracle. On Postgres, threads writing at once while
others fold must neither wait on each other's tally rows nor lose a delta.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from core.activity.service import (
    cancel_follow_up,
    complete_follow_up,
    log_interaction,
    reschedule_follow_up,
)
from core.common.enums import (
    STALE_CANDIDATE_STATUSES,
    DisqualificationReason,
    FollowUpStatus,
    InteractionType,
    LeadStatus,
    PipelineStage,
)
from core.contacts.archiving import archive_contact, restore_contact
from core.contacts.do_not_contact import clear_do_not_contact, set_do_not_contact
from core.contacts.merges import merge_contacts
from core.errors import CRMError
from core.leads.service import disqualify_lead, qualify_lead, set_lead_stage, snooze_lead
from core.models import Contact, FollowUpTally, Interaction, Lead, TouchTally, Workspace
from core.platform.tallies import fold_tallies
from core.reports.dashboard import followups_now
from core.reports.followups import followups
from core.reports.left_out import left_out_contacts
from core.reports.stale_leads import stale_leads
from core.reports.upcoming import UPCOMING_DAYS, upcoming
from core.workspaces.service import WorkspaceDefaults, ensure_workspace, get_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import (
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    utc,
)
from tests.core.reports.fold_races import write_while_folding
from tests.hostile_text import with_database

NOW = utc(2026, 11, 30, 15)  # Monday; stale is untouched since before Nov 25 05:00 UTC
TODAY = date(2026, 11, 30)
STALE_BEFORE = utc(2026, 11, 25, 5)
# Touches either side of the UTC midnight and of `STALE_BEFORE` on the partial day.
EDGES = (utc(2026, 11, 24, 23, 59), utc(2026, 11, 25), utc(2026, 11, 25, 4, 59), STALE_BEFORE)

moments = st.one_of(
    st.sampled_from(EDGES),
    st.integers(0, 20 * 24 * 60).map(lambda minutes: NOW - timedelta(minutes=minutes)),
)
OPERATIONS = (
    "contact",
    "lead",
    "log",
    "backdated",
    "qualify",
    "disqualify",
    "stage",
    "raw_status",
    "complete",
    "reschedule",
    "cancel",
    "snooze",
    "archive",
    "restore",
    "do_not_contact",
    "clear",
    "merge",
    "fold",
)
steps = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 10**6), moments, st.integers(-20, 10)),
    min_size=15,
    max_size=40,
)


def _pick(session: Session, query: Any, n: int) -> Any:
    rows = session.scalars(query.order_by(*query.selected_columns)).all()
    return rows[n % len(rows)] if rows else None


def _step(session: Session, ws: Workspace, step: tuple[str, int, datetime, int]) -> None:
    """One product operation; a refusal (already done, not open...) is an answer, not a fail."""
    name, n, moment, days = step
    wid = ws.workspace_id
    contact_ids = select(Contact.contact_id).where(Contact.workspace_id == wid)
    lead_ids = select(Lead.lead_id).where(Lead.workspace_id == wid)
    pending = select(Interaction.interaction_id).where(
        Interaction.workspace_id == wid, Interaction.follow_up_status == FollowUpStatus.pending
    )
    contact_id, lead_id = _pick(session, contact_ids, n), _pick(session, lead_ids, n)
    pending_id = _pick(session, pending, n)
    staff = {"session": session, "workspace": ws, "actor": STAFF}
    try:
        if name == "contact" or contact_id is None:
            make_contact(session, wid, first_name=f"P{n}", created_at=moment)
        elif name == "lead" or lead_id is None:
            contact = session.get(Contact, contact_id) if n % 4 else None
            make_lead(session, wid, contact=contact, created_at=moment)
        elif name == "log":
            links = {"lead_id": lead_id} if n % 2 else {"contact_id": contact_id}
            due = TODAY + timedelta(days=abs(days)) if n % 3 else None
            log_interaction(
                **staff, type=InteractionType.phone_call, body="Called", timestamp=moment,
                follow_up_date=due, now=NOW, **links,
            )  # fmt: skip
        elif name == "backdated":  # written straight with the ORM, follow-up overdue or not
            lead = session.get(Lead, lead_id)
            due = TODAY + timedelta(days=days) if n % 4 else None
            make_interaction(session, wid, lead=lead, timestamp=moment, follow_up_date=due)
        elif name == "qualify":
            qualify_lead(**staff, lead_id=lead_id, stage=PipelineStage.needs_analysis, now=NOW)
        elif name == "disqualify":
            disqualify_lead(**staff, lead_id=lead_id, reason=DisqualificationReason.budget, now=NOW)
        elif name == "stage":
            set_lead_stage(**staff, lead_id=lead_id, stage=PipelineStage.estimate_sent, now=NOW)
        elif name == "raw_status":  # a Core UPDATE, past every ORM hook
            status = list(LeadStatus)[n % len(LeadStatus)]
            session.execute(update(Lead).where(Lead.lead_id == lead_id).values(status=status))
        elif name in ("complete", "cancel") and pending_id is not None:
            done = complete_follow_up if name == "complete" else cancel_follow_up
            done(**staff, interaction_id=pending_id)
        elif name == "reschedule" and pending_id is not None:
            new_date = TODAY + timedelta(days=abs(days))
            reschedule_follow_up(**staff, interaction_id=pending_id, new_date=new_date, now=NOW)
        elif name == "snooze":
            snooze_lead(**staff, lead_id=lead_id, days=1 + n % 5, now=NOW)
        elif name == "archive":
            archive_contact(**staff, contact_id=contact_id)
        elif name == "restore":
            restore_contact(**staff, contact_id=contact_id)
        elif name == "do_not_contact":
            set_do_not_contact(session, workspace=ws, contact_id=contact_id, actor=STAFF, now=NOW)
        elif name == "clear":
            clear_do_not_contact(session, workspace=ws, contact_id=contact_id, actor=OWNER, now=NOW)
        elif name == "merge":
            other = _pick(session, contact_ids, n // 7)
            merge_contacts(
                session=session, workspace=ws, actor=OWNER, survivor_id=contact_id,
                other_id=other, now=NOW,
            )  # fmt: skip
        elif name == "fold":
            fold_tallies(session)
    except CRMError:
        pass
    session.flush()


def _seed(session: Session, ws: Workspace) -> None:
    """A few people with leads touched either side of each edge, some follow-ups pending."""
    wid = ws.workspace_id
    for i, at in enumerate((*EDGES, NOW - timedelta(days=12), NOW - timedelta(hours=3))):
        contact = make_contact(session, wid, first_name=f"Seed{i}", created_at=at)
        lead = make_lead(session, wid, contact=contact, created_at=at)
        due = TODAY + timedelta(days=i - 3)
        make_interaction(session, wid, lead=lead, timestamp=at, follow_up_date=due)


def touch_tallies(session: Session, workspace_id: str) -> dict[tuple[str, date], int]:
    """The tallies' sums per key, keys summing to zero left out (as a fold leaves them)."""
    key = (TouchTally.status, TouchTally.touch_day)
    rows = session.execute(
        select(*key, func.sum(TouchTally.leads))
        .where(TouchTally.workspace_id == workspace_id)
        .group_by(*key)
    ).all()
    return {(status, day): total for status, day, total in rows if total}


def followup_tallies(session: Session, workspace_id: str) -> dict[date, int]:
    rows = session.execute(
        select(FollowUpTally.follow_up_date, func.sum(FollowUpTally.follow_ups))
        .where(FollowUpTally.workspace_id == workspace_id)
        .group_by(FollowUpTally.follow_up_date)
    ).all()
    return {day: total for day, total in rows if total}


def touch_aggregate(session: Session, workspace_id: str) -> dict[tuple[str, date], int]:
    """What `touch_tallies` stands for, from the leads themselves."""
    rows = session.execute(
        select(Lead.status, Lead.last_touch_at).where(
            Lead.workspace_id == workspace_id,
            Lead.status.in_(STALE_CANDIDATE_STATUSES),
            Lead.last_touch_at.is_not(None),
        )
    ).all()
    return dict(Counter((status, at.astimezone(UTC).date()) for status, at in rows))


def followup_aggregate(session: Session, workspace_id: str) -> dict[date, int]:
    """What `followup_tallies` stands for, from the interactions themselves."""
    days = session.scalars(
        select(Interaction.follow_up_date).where(
            Interaction.workspace_id == workspace_id,
            Interaction.follow_up_status == FollowUpStatus.pending,
            Interaction.follow_up_date.is_not(None),
        )
    ).all()
    return dict(Counter(days))


def old_stale_total(session: Session, workspace_id: str) -> int:
    """The stale total as it was counted before the tallies: a count over the leads."""
    left_out = left_out_contacts()
    query = select(func.count()).where(
        Lead.workspace_id == workspace_id,
        Lead.status.in_(STALE_CANDIDATE_STATUSES),
        Lead.last_touch_at <= NOW,
        Lead.last_touch_at < STALE_BEFORE,
        (Lead.snoozed_until.is_(None)) | (Lead.snoozed_until < TODAY),
        ~Lead.contact_id.in_(select(left_out.c.contact_id)) | Lead.contact_id.is_(None),
    )
    return int(session.scalar(query) or 0)


def old_followup_totals(session: Session, workspace_id: str) -> tuple[int, int]:
    """Due today and overdue as they were counted before the tallies."""
    left_out = left_out_contacts()
    counted = (
        Interaction.workspace_id == workspace_id,
        Interaction.follow_up_status == FollowUpStatus.pending,
        ~Interaction.contact_id.in_(select(left_out.c.contact_id))
        | Interaction.contact_id.is_(None),
    )
    due = session.scalar(select(func.count()).where(*counted, Interaction.follow_up_date == TODAY))
    late = session.scalar(select(func.count()).where(*counted, Interaction.follow_up_date < TODAY))
    return int(due or 0), int(late or 0)


def old_upcoming_total(session: Session, workspace_id: str) -> int:
    """The week ahead's total as its window counted it before the tallies."""
    query = select(func.count()).where(
        Interaction.workspace_id == workspace_id,
        Interaction.follow_up_status == FollowUpStatus.pending,
        Interaction.follow_up_date > TODAY,
        Interaction.follow_up_date <= TODAY + timedelta(days=UPCOMING_DAYS),
    )
    return int(session.scalar(query) or 0)


def assert_tallies_agree(session: Session, workspace_id: str) -> None:
    assert touch_tallies(session, workspace_id) == touch_aggregate(session, workspace_id)
    assert followup_tallies(session, workspace_id) == followup_aggregate(session, workspace_id)


@settings(with_database, max_examples=30)
@given(steps)
def test_tallies_and_totals_equal_the_aggregates_after_any_history(
    session: Session, ws: Workspace, history: list[tuple[str, int, datetime, int]]
) -> None:
    nested = session.begin_nested()
    try:
        _seed(session, ws)
        for step in history:
            _step(session, ws, step)
        session.expire_all()
        assert_tallies_agree(session, ws.workspace_id)
        stale = stale_leads(session, workspace=ws, now=NOW, limit=3)
        due = followups(session, workspace=ws, now=NOW, limit=3)
        assert stale.total == old_stale_total(session, ws.workspace_id)
        week = upcoming(session, workspace=ws, now=NOW, limit=1)
        assert week.total == old_upcoming_total(session, ws.workspace_id)
        assert (due.due_today_count, due.overdue_count) == old_followup_totals(
            session, ws.workspace_id
        )
    finally:
        nested.rollback()


def test_folding_keeps_every_sum_and_leaves_one_row_per_key(
    session: Session, ws: Workspace
) -> None:
    wid = ws.workspace_id
    _seed(session, ws)
    leads = session.scalars(select(Lead).where(Lead.workspace_id == wid)).all()
    for lead in leads:  # each touch on another UTC day adds two rows: -1 old day, +1 new
        make_interaction(session, wid, lead=lead, timestamp=NOW - timedelta(hours=1))
    pending = session.scalars(
        select(Interaction.interaction_id).where(
            Interaction.follow_up_status == FollowUpStatus.pending
        )
    ).all()
    for interaction_id in pending:
        reschedule_follow_up(
            session=session, workspace=ws, actor=STAFF, interaction_id=interaction_id,
            new_date=TODAY + timedelta(days=7), now=NOW,
        )  # fmt: skip
    sums = touch_tallies(session, wid), followup_tallies(session, wid)

    fold_tallies(session)

    assert (touch_tallies(session, wid), followup_tallies(session, wid)) == sums
    assert_tallies_agree(session, wid)
    # One key each is left, in one row: every lead touched today, every follow-up in a week.
    touched = (TouchTally.status, TouchTally.touch_day, TouchTally.leads)
    promised = (FollowUpTally.follow_up_date, FollowUpTally.follow_ups)
    assert session.execute(select(*touched)).all() == [("new", TODAY, len(leads))]
    assert session.execute(select(*promised)).all() == [(TODAY + timedelta(days=7), len(pending))]
    assert fold_tallies(session) == 0  # nothing left to fold


def test_deleted_rows_leave_the_tallies(session: Session, ws: Workspace) -> None:
    """Leads and interactions are never deleted (a trigger refuses it, lifted here, in the
    test's transaction); were one deleted, its tally would follow."""
    for table in ("leads", "interactions"):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_delete"))
        else:
            session.execute(text(f"DROP TRIGGER {table}_no_delete"))
    _seed(session, ws)
    assert touch_tallies(session, ws.workspace_id) != {}
    assert followup_tallies(session, ws.workspace_id) != {}
    session.execute(delete(Interaction).where(Interaction.workspace_id == ws.workspace_id))
    session.execute(delete(Lead).where(Lead.workspace_id == ws.workspace_id))
    assert touch_tallies(session, ws.workspace_id) == {}
    assert followup_tallies(session, ws.workspace_id) == {}


def _book(session: Session, ws: Workspace, leads: int) -> None:
    """Stale leads, some snoozed or of a left-out contact, with overdue follow-ups."""
    wid = ws.workspace_id
    gone = make_contact(session, wid, first_name="Gone", do_not_contact=True)
    for i in range(leads):
        contact = gone if i % 5 == 0 else make_contact(session, wid, first_name=f"C{i}")
        at = NOW - timedelta(days=10 + i % 7, hours=i % 24)
        lead = make_lead(session, wid, contact=contact, created_at=at)
        if i % 6 == 0:
            lead.snoozed_until = TODAY + timedelta(days=2)
        make_interaction(
            session, wid, lead=lead, timestamp=at, follow_up_date=TODAY + timedelta(days=i % 8 - 3)
        )
    session.flush()


@pytest.mark.parametrize("leads", [3, 40])
def test_followups_now_is_a_fixed_number_of_statements(
    session: Session, ws: Workspace, leads: int
) -> None:
    _book(session, ws, leads)
    with count_statements(session) as statements:
        due = followups_now(
            session, workspace=ws, now=NOW, stale_limit=10, followup_limit=10, upcoming_limit=1
        )
    # The week ahead, the follow-ups, the stale page with its touches (apart on SQLite).
    assert statements.n == (3 if session.get_bind().dialect.name == "postgresql" else 4)
    assert due.stale.total == old_stale_total(session, ws.workspace_id)
    assert (due.followups.due_today_count, due.followups.overdue_count) == old_followup_totals(
        session, ws.workspace_id
    )
    assert due.upcoming is not None
    assert due.upcoming.total == old_upcoming_total(session, ws.workspace_id)


def test_writers_and_folds_at_once_neither_wait_on_each_other_nor_lose_a_delta(
    race_sessions: sessionmaker[Session],
) -> None:
    """8 writers x 20 operations, each its own transaction, on tally keys they all share, while
    two threads fold the tallies over and over."""
    writers_n, folders_n, operations = 8, 2, 20
    own: dict[int, list[str]] = {}
    with race_sessions.begin() as session:
        ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=[OWNER]))
        for t in range(writers_n):
            contact = make_contact(session, TEAM, first_name=f"T{t}")
            own[t] = [
                make_lead(session, TEAM, contact=contact, created_at=EDGES[i % 4]).lead_id
                for i in range(3)
            ]

    def write(t: int) -> None:
        rng = random.Random(t)
        for i in range(operations):
            with race_sessions.begin() as session:
                ws = get_workspace(session, TEAM)
                step = (
                    rng.choice(("log", "backdated", "complete", "reschedule", "qualify")),
                    rng.randrange(10**6),
                    NOW - timedelta(minutes=rng.randrange(20 * 24 * 60)),
                    rng.randrange(-5, 5),
                )
                _own_step(session, ws, step, own[t], i)

    errors = write_while_folding(
        race_sessions, [partial(write, t) for t in range(writers_n)], folders_n
    )
    assert errors == []
    with race_sessions() as session:
        assert_tallies_agree(session, TEAM)
        assert sum(followup_tallies(session, TEAM).values()) > 0


def _own_step(
    session: Session, ws: Workspace, step: tuple[str, int, datetime, int], leads: list[str], i: int
) -> None:
    """`_step` on this thread's own leads: the threads share tally keys, not records."""
    name, n, moment, days = step
    lead_id = leads[n % len(leads)]
    staff: dict[str, Any] = {"session": session, "workspace": ws, "actor": STAFF}
    pending = session.scalars(
        select(Interaction.interaction_id)
        .where(
            Interaction.lead_id.in_(leads),
            Interaction.follow_up_status == FollowUpStatus.pending,
        )
        .order_by(Interaction.interaction_id)
    ).all()
    try:
        if name == "log" or (name in ("complete", "reschedule") and not pending):
            log_interaction(
                **staff, type=InteractionType.phone_call, body=f"Call {i}", lead_id=lead_id,
                timestamp=moment, follow_up_date=TODAY + timedelta(days=abs(days)), now=NOW,
            )  # fmt: skip
        elif name == "backdated":
            lead = session.get(Lead, lead_id)
            make_interaction(
                session,
                TEAM,
                lead=lead,
                timestamp=moment,
                follow_up_date=TODAY + timedelta(days=days),
            )
        elif name == "complete":
            complete_follow_up(**staff, interaction_id=pending[n % len(pending)])
        elif name == "reschedule":
            new_date = TODAY + timedelta(days=abs(days))
            reschedule_follow_up(
                **staff, interaction_id=pending[n % len(pending)], new_date=new_date, now=NOW
            )
        else:
            qualify_lead(**staff, lead_id=lead_id, stage=PipelineStage.needs_analysis, now=NOW)
    except CRMError:
        pass
