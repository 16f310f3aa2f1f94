"""The pipeline's tallies and each lead's first reply equal the aggregates over the rows they
stand for, whatever the product does; `/pipeline` answers what its statement before the
tallies answered (tests/core/reports/pipeline_oracle.py keeps it); folding keeps every sum.

Random programs of the product's own operations (captures, stage and status changes, values,
interactions logged and back-dated, replies moved, archiving, merges, snoozes, do-not-contact,
time zone changes, deals, folds) run on SQLite and Postgres; after each, the tallies are compared
with the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from core.activity.service import log_interaction
from core.common.enums import InteractionType, LeadStatus, OpportunityStage, PipelineStage
from core.common.local_dates import EPOCH, local_date, local_today
from core.contacts.archiving import archive_contact, restore_contact
from core.contacts.do_not_contact import set_do_not_contact
from core.contacts.merges import merge_contacts
from core.errors import CRMError
from core.leads.inquiries import InquiryInput, capture_inquiry
from core.leads.opportunities import set_opportunity_stage
from core.leads.planning import set_deal_amount, set_estimated_value
from core.leads.service import convert_lead, disqualify_lead, set_lead_stage, snooze_lead
from core.models import (
    Contact,
    DealTally,
    FollowUpTally,
    Interaction,
    Lead,
    LeadTally,
    Opportunity,
    TouchTally,
    Workspace,
)
from core.platform.tallies import fold_tallies
from core.reports.summaries import WEEK, _figures_statement, pipeline_summary
from core.workspaces.service import update_settings
from tests.conftest import OWNER
from tests.core.factories import (
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    ny,
    utc,
)
from tests.core.reports import pipeline_oracle as oracle
from tests.hostile_text import with_database

NOW = utc(2026, 11, 30, 13)
LATER = NOW + timedelta(days=5)  # the operations' clock: some leads come after the report time
ZONES = ("America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata")
TYPES = (InteractionType.email_outbound, InteractionType.sms, InteractionType.phone_call)
MINUTES = st.integers(-20 * 24 * 60, 4 * 24 * 60)


def assert_tallies_agree(session: Session, workspace: Workspace) -> None:
    """Every tally and first reply equals its aggregate, and `/pipeline` its old answer."""
    session.flush()
    wid = workspace.workspace_id
    assert oracle.lead_tallies(session, wid) == oracle.counted_leads(session, wid)
    assert oracle.deal_tallies(session, wid) == oracle.counted_deals(session, wid)
    assert oracle.first_replies(session, wid) == oracle.counted_first_replies(session, wid)
    for now in (NOW, NOW - timedelta(days=3)):
        assert _figures(session, workspace, now, _figures_statement) == _figures(
            session, workspace, now, oracle.old_figures_statement
        )


def _figures(session: Session, workspace: Workspace, now: Any, statement: Callable[[], Any]) -> Any:
    today = local_today(workspace, now)
    row = session.execute(
        statement(),
        {
            "ws": workspace.workspace_id,
            "now": now,
            "window_start": now - WEEK,
            "first_close_date": local_date(workspace, now - WEEK) + timedelta(days=1),
            "today": today,
            "due_before": today,  # the count of leads past their expected close date
            "today_number": (today - EPOCH).days,
            "zone": workspace.timezone,
        },
    ).one()
    figures = row._asdict()
    proposals = (
        int(figures["estimates_count"]) + int(figures["proposals_count"]),
        Decimal(figures["estimates_value"]) + Decimal(figures["proposals_value"]),
    )
    return {
        "new": (figures["new_leads"], figures["replied_leads"], figures["response_seconds"]),
        "follow_up": (int(figures["follow_up_count"]), int(figures["follow_up_age_total"])),
        "proposals": proposals,
        "closed": (figures["won_count"], Decimal(figures["won_value"]), figures["lost_count"]),
    }


class Program:
    """Runs one random operation at a time on a small book; refusals leave nothing behind."""

    def __init__(self, session: Session, workspace: Workspace) -> None:
        self.session, self.ws = session, workspace

    def ids(self, model: Any, column: Any) -> list[str]:
        query = select(column).where(model.workspace_id == self.ws.workspace_id)
        return list(self.session.scalars(query.order_by(column)))

    def pick(self, model: Any, column: Any, n: int) -> str | None:
        ids = self.ids(model, column)
        return ids[n % len(ids)] if ids else None

    def run(self, op: str, n: int, minutes: int) -> None:
        savepoint = self.session.begin_nested()
        try:
            getattr(self, op)(n, NOW + timedelta(minutes=minutes))
            self.session.flush()
        except CRMError:
            savepoint.rollback()
        else:
            savepoint.commit()

    def capture(self, n: int, at: Any) -> None:
        inquiry = InquiryInput(
            title=f"Job {n}",
            source="phone_call",
            first_name=f"P{n % 5}",
            last_name="Smith",
            phones=(f"+1555201{n % 5:04d}",),
            address=f"{n % 5} Main St",
            estimated_value=None if n % 3 == 0 else Decimal(n % 1000),
            received_at=at,
            interaction_type=TYPES[n % len(TYPES)],
        )
        actor, ws = OWNER, self.ws
        capture_inquiry(session=self.session, workspace=ws, actor=actor, inquiry=inquiry, now=LATER)

    def stage(self, n: int, _at: Any) -> None:
        if lead := self.pick(Lead, Lead.lead_id, n):
            stage = list(PipelineStage)[n % len(PipelineStage)]
            set_lead_stage(
                session=self.session,
                workspace=self.ws,
                actor=OWNER,
                lead_id=lead,
                stage=stage,
                now=LATER,
            )

    def close(self, n: int, _at: Any) -> None:
        if lead := self.pick(Lead, Lead.lead_id, n):
            kwargs = dict(session=self.session, workspace=self.ws, actor=OWNER, lead_id=lead)
            if n % 2:
                disqualify_lead(**kwargs, reason="budget", now=LATER)  # type: ignore[arg-type]
            else:
                convert_lead(**kwargs, now=LATER)  # type: ignore[arg-type]

    def value(self, n: int, _at: Any) -> None:
        if lead := self.pick(Lead, Lead.lead_id, n):
            set_estimated_value(
                session=self.session,
                workspace=self.ws,
                actor=OWNER,
                lead_id=lead,
                estimated_value=None if n % 4 == 0 else n % 5000,
                now=LATER,
            )

    def log(self, n: int, at: Any) -> None:
        if lead := self.pick(Lead, Lead.lead_id, n):
            log_interaction(
                session=self.session,
                workspace=self.ws,
                actor=OWNER,
                type=TYPES[n % 3],
                body="Wrote back",
                lead_id=lead,
                timestamp=at,
                now=LATER,
            )

    def move_reply(self, n: int, at: Any) -> None:
        """History rewritten straight (an import or a fix): a reply moved, retyped, re-dated."""
        item = self.pick(Interaction, Interaction.interaction_id, n)
        lead = self.pick(Lead, Lead.lead_id, n // 7)
        if item is None or lead is None:
            return
        change: dict[str, Any] = [
            {"lead_id": lead},
            {"type": TYPES[n % 3]},
            {"timestamp": at},
            {"lead_id": lead, "timestamp": at},
        ][n % 4]
        ix = Interaction.interaction_id
        self.session.execute(update(Interaction).where(ix == item).values(**change))

    def redate(self, n: int, at: Any) -> None:
        if lead := self.pick(Lead, Lead.lead_id, n):
            self.session.execute(update(Lead).where(Lead.lead_id == lead).values(created_at=at))

    def archive(self, n: int, _at: Any) -> None:
        if contact := self.pick(Contact, Contact.contact_id, n):
            kwargs = dict(session=self.session, workspace=self.ws, actor=OWNER, contact_id=contact)
            (restore_contact if n % 2 else archive_contact)(**kwargs)  # type: ignore[arg-type]

    def merge(self, n: int, _at: Any) -> None:
        ids = self.ids(Contact, Contact.contact_id)
        if len(ids) > 1:
            survivor, other = ids[n % len(ids)], ids[(n + 1) % len(ids)]
            merge_contacts(
                session=self.session,
                workspace=self.ws,
                actor=OWNER,
                survivor_id=survivor,
                other_id=other,
                now=LATER,
            )

    def snooze(self, n: int, _at: Any) -> None:
        if lead := self.pick(Lead, Lead.lead_id, n):
            snooze_lead(session=self.session, workspace=self.ws, actor=OWNER, lead_id=lead, now=NOW)

    def do_not_contact(self, n: int, _at: Any) -> None:
        if contact := self.pick(Contact, Contact.contact_id, n):
            set_do_not_contact(
                self.session, workspace=self.ws, contact_id=contact, actor=OWNER, now=LATER
            )

    def zone(self, n: int, _at: Any) -> None:
        changes = {"timezone": ZONES[n % len(ZONES)]}
        update_settings(session=self.session, workspace=self.ws, actor=OWNER, changes=changes)

    def deal(self, n: int, _at: Any) -> None:
        if deal := self.pick(Opportunity, Opportunity.opportunity_id, n):
            kwargs = dict(session=self.session, workspace=self.ws, actor=OWNER, opportunity_id=deal)
            if n % 2:
                set_deal_amount(**kwargs, amount=n % 900, now=LATER)  # type: ignore[arg-type]
            else:
                stage = (OpportunityStage.proposal_sent, OpportunityStage.scheduled)[n // 2 % 2]
                set_opportunity_stage(**kwargs, stage=stage, now=LATER)  # type: ignore[arg-type]

    def fold(self, _n: int, _at: Any) -> None:
        fold_tallies(self.session)


OPERATIONS = (
    "capture", "stage", "close", "value", "log", "move_reply", "redate", "archive", "merge",
    "snooze", "do_not_contact", "zone", "deal", "fold",
)  # fmt: skip
STEPS = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 10**6), MINUTES), max_size=30
)


@settings(parent=with_database, max_examples=50)
@given(steps=STEPS)
def test_the_tallies_are_the_aggregates_of_the_rows(
    session: Session, ws: Workspace, steps: list[tuple[str, int, int]]
) -> None:
    program = Program(session, ws)
    example = session.begin_nested()  # each example starts from the same empty book
    try:
        for op, n, minutes in [("capture", 1, -60), ("capture", 2, -3000), *steps]:
            program.run(op, n, minutes)
        assert_tallies_agree(session, ws)
    finally:
        example.rollback()


def test_a_time_zone_change_re_dates_the_lead_tally(session: Session, ws: Workspace) -> None:
    # 23:30 in New York on Nov 1 is Nov 2 in Tokyo: ages differ by a day once the zone moves.
    for hour in (1, 23):
        make_lead(
            session,
            ws.workspace_id,
            created_at=ny(2026, 11, 1, hour, 30),
            pipeline_stage=PipelineStage.follow_up,
            status=LeadStatus.working,
        )
    before = pipeline_summary(session, workspace=ws, now=NOW)

    update_settings(session=session, workspace=ws, actor=OWNER, changes={"timezone": "Asia/Tokyo"})

    after = pipeline_summary(session, workspace=ws, now=NOW)
    assert before.follow_up_avg_age_days == Decimal("29.0")  # Nov 1 and Nov 1 -> Nov 30
    assert after.today == NOW.astimezone(ZoneInfo("Asia/Tokyo")).date()  # Nov 30, 22:00
    assert after.follow_up_avg_age_days == Decimal("28.5")  # Nov 1 and Nov 2 in Tokyo
    assert_tallies_agree(session, ws)


def test_folding_keeps_every_sum_and_leaves_one_row_per_key(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, ws.workspace_id)
    leads = [
        make_lead(session, ws.workspace_id, dana, created_at=NOW - timedelta(days=n))
        for n in range(6)
    ]
    for n, lead in enumerate(leads):  # each move adds two rows: -1 at the old key, +1 at the new
        set_lead_stage(
            session=session,
            workspace=ws,
            actor=OWNER,
            lead_id=lead.lead_id,
            stage=(PipelineStage.follow_up, PipelineStage.estimate_sent)[n % 2],
            now=NOW,
        )
        set_estimated_value(
            session=session,
            workspace=ws,
            actor=OWNER,
            lead_id=lead.lead_id,
            estimated_value=100 * n,
            now=NOW,
        )
    opportunity = make_opportunity_at(session, ws, dana)
    opportunity.stage = OpportunityStage.won
    session.flush()
    sums = (
        oracle.lead_tallies(session, ws.workspace_id),
        oracle.deal_tallies(session, ws.workspace_id),
    )
    rows_before = _rows(session, LeadTally) + _rows(session, DealTally)
    # The follow-up tallies fold too (the moves' notes touch the leads): their rows apart.
    followup_foldable = _foldable_rows(
        session, TouchTally.leads, TouchTally.status, TouchTally.touch_day
    ) + _foldable_rows(session, FollowUpTally.follow_ups, FollowUpTally.follow_up_date)

    removed = fold_tallies(session)

    assert (
        oracle.lead_tallies(session, ws.workspace_id),
        oracle.deal_tallies(session, ws.workspace_id),
    ) == sums
    lead_keys = session.execute(
        select(LeadTally.status, LeadTally.pipeline_stage, func.count()).group_by(
            LeadTally.status, LeadTally.pipeline_stage
        )
    ).all()
    deal_keys = session.execute(
        select(DealTally.stage, func.count()).group_by(DealTally.stage)
    ).all()
    # The keys left: working at follow-up and at estimate sent, won; the inquiry and
    # estimating rows summed to zero and are gone.
    assert sorted((str(s), str(p), n) for s, p, n in lead_keys) == [
        ("working", "estimate_sent", 1),
        ("working", "follow_up", 1),
    ]
    assert [(str(s), n) for s, n in deal_keys] == [("won", 1)]
    assert _rows(session, LeadTally) + _rows(session, DealTally) == 3
    # All but the won deal's row, already alone and not zero.
    assert removed == rows_before - 1 + followup_foldable
    assert fold_tallies(session) == 0  # nothing left to fold
    assert_tallies_agree(session, ws)


def make_opportunity_at(session: Session, ws: Workspace, contact: Contact) -> Opportunity:
    return make_opportunity(session, ws.workspace_id, contact, amount="250", created_at=NOW)


def _rows(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _foldable_rows(session: Session, summed: Any, *keys: Any) -> int:
    """The rows of the keys a fold rewrites: more than one row, or one of zero."""
    per_key = (
        select(func.count().label("rows"), func.sum(summed).label("total"))
        .group_by(*keys)
        .subquery()
    )
    foldable = select(func.coalesce(func.sum(per_key.c.rows), 0)).where(
        (per_key.c.rows > 1) | (per_key.c.total == 0)
    )
    return int(session.scalar(foldable) or 0)


def test_deleted_rows_leave_the_tallies(session: Session, ws: Workspace) -> None:
    """Leads, deals and interactions are never deleted (a trigger refuses it, lifted here, in
    the test's transaction); were one deleted, its tally and first reply would follow."""
    for table in ("leads", "opportunities", "interactions"):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_delete"))
        else:
            session.execute(text(f"DROP TRIGGER {table}_no_delete"))
    lead = make_lead(session, ws.workspace_id, created_at=NOW, estimated_value="75")
    reply = make_interaction(
        session, ws.workspace_id, lead=lead, type=InteractionType.sms, timestamp=NOW
    )
    deal = make_opportunity_at(session, ws, make_contact(session, ws.workspace_id))
    assert oracle.first_replies(session, ws.workspace_id) == {lead.lead_id: NOW}

    session.execute(delete(Interaction).where(Interaction.interaction_id == reply.interaction_id))
    assert oracle.first_replies(session, ws.workspace_id) == {lead.lead_id: None}
    session.execute(delete(Opportunity).where(Opportunity.opportunity_id == deal.opportunity_id))
    session.execute(delete(Interaction).where(Interaction.lead_id == lead.lead_id))
    session.execute(delete(Lead).where(Lead.lead_id == lead.lead_id))

    assert oracle.lead_tallies(session, ws.workspace_id) == {}
    assert oracle.deal_tallies(session, ws.workspace_id) == {}


def test_a_lead_s_first_reply_follows_its_history(session: Session, ws: Workspace) -> None:
    wid = ws.workspace_id
    first, second = (make_lead(session, wid, created_at=NOW - timedelta(days=2)) for _ in "ab")
    sms = InteractionType.sms

    def replies() -> list[Any]:
        found = oracle.first_replies(session, wid)
        return [found[first.lead_id], found[second.lead_id]]

    make_interaction(session, wid, lead=first, type=sms, timestamp=NOW - timedelta(days=3))
    assert replies() == [None, None]  # before the lead came in: not a reply to it
    late = make_interaction(session, wid, lead=first, type=sms, timestamp=NOW)
    make_interaction(session, wid, lead=first, type=InteractionType.note, timestamp=NOW - WEEK)
    early = make_interaction(session, wid, lead=first, type=sms, timestamp=NOW - timedelta(days=1))
    assert replies() == [NOW - timedelta(days=1), None]

    early.lead_id = second.lead_id  # moved: the first lead's next reply is its first now
    session.flush()
    assert replies() == [NOW, NOW - timedelta(days=1)]
    late.type = InteractionType.note  # retyped: no longer a reply
    session.flush()
    assert replies() == [None, NOW - timedelta(days=1)]
    second.created_at = NOW - timedelta(hours=1)  # the lead re-dated after its reply
    early.timestamp = NOW - timedelta(days=1)
    session.flush()
    assert replies() == [None, None]
    second.created_at = NOW - timedelta(days=4)  # and back before it
    session.flush()
    assert replies() == [None, NOW - timedelta(days=1)]
