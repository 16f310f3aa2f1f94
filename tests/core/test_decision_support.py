"""Core additions the Slack decision buttons need: who sent a draft, where its review copies
are, and the "yes" to the re-engage question after a lost deal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.drafts import (
    approve_draft,
    draft_follow_up,
    mark_draft_sent,
    record_review_messages,
    send_draft,
)
from core.enums import DraftStatus, LossReason, OpportunityStage, ReminderStatus
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import AuditEntry, Draft, Reminder, Workspace
from core.opportunities import mark_lost, set_reengage_reminder
from core.workspaces import ensure_workspace, get_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_lead, make_opportunity

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 New York


@pytest.fixture
def ws(session: Session, workspace_id: str) -> Workspace:
    return get_workspace(session, workspace_id)


class Sender:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls = 0

    def send(self, draft: Draft) -> str:
        self.calls += 1
        if self.fail:
            raise RuntimeError("mailbox down")
        return "msg-1"


def approved_draft(session: Session, ws: Workspace) -> Draft:
    dana = make_contact(session, TEAM, emails=["dana@example.com"], created_at=NOW)
    lead = make_lead(session, TEAM, contact=dana, created_at=NOW - timedelta(days=1))
    result = draft_follow_up(
        session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=NOW
    )
    draft = result.draft
    approve_draft(
        session=session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, version=1, now=NOW
    )
    return draft


# --- who sent it ------------------------------------------------------------------------------


def test_mark_sent_records_who_sent_it(session: Session, ws: Workspace) -> None:
    draft = approved_draft(session, ws)
    assert draft.sent_by is None
    first = mark_draft_sent(
        session=session, workspace=ws, actor=STAFF, draft_id=draft.draft_id, now=NOW
    )
    later = NOW + timedelta(minutes=5)
    again = mark_draft_sent(
        session=session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, now=later
    )
    assert (first.sent, first.draft.sent_by, first.draft.sent_at) == (True, STAFF, NOW)
    assert (again.already_sent, again.draft.sent_by, again.draft.sent_at) == (True, STAFF, NOW)


def test_send_records_the_sender_and_a_failure_clears_it(session: Session, ws: Workspace) -> None:
    draft = approved_draft(session, ws)
    failed = send_draft(
        session=session,
        workspace=ws,
        actor=OWNER,
        draft_id=draft.draft_id,
        sender=Sender(fail=True),
        now=NOW,
    )
    assert failed.failed and (failed.draft.status, failed.draft.sent_by) == (
        DraftStatus.failed,
        None,
    )
    approve_draft(
        session=session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, version=1, now=NOW
    )
    sent = send_draft(
        session=session,
        workspace=ws,
        actor=OWNER,
        draft_id=draft.draft_id,
        sender=Sender(),
        now=NOW,
    )
    assert (sent.sent, sent.draft.sent_by, sent.draft.sent_message_id) == (True, OWNER, "msg-1")


# --- where the review copies are --------------------------------------------------------------


def test_review_refs_are_kept_and_audited(session: Session, ws: Workspace) -> None:
    draft = approved_draft(session, ws)
    refs = [{"channel": "DU0OWNER", "ts": "1.000100"}, {"channel": "DU2", "ts": "1.000200"}]
    kept = record_review_messages(
        session=session, workspace=ws, actor=STAFF, draft_id=draft.draft_id, refs=refs, now=NOW
    )
    assert kept.review_refs == refs
    session.expire_all()
    assert session.get(Draft, draft.draft_id).review_refs == refs  # type: ignore[union-attr]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_id == draft.draft_id)
    ).all()
    assert "post_draft_for_review" in actions


def test_review_refs_of_another_workspace_are_refused(session: Session, ws: Workspace) -> None:
    draft = approved_draft(session, ws)
    other = ensure_workspace(session, "T0OTHER")
    with pytest.raises(NotFound):
        record_review_messages(
            session=session, workspace=other, actor=OWNER, draft_id=draft.draft_id, refs=[], now=NOW
        )


# --- the re-engage question -------------------------------------------------------------------


def lost_deal(session: Session, ws: Workspace) -> str:
    dana = make_contact(session, TEAM, phones=["+15552013344"])
    deal = make_opportunity(session, TEAM, contact=dana, name="Bathroom remodel", amount=Decimal(9))
    mark_lost(
        session=session,
        workspace=ws,
        actor=STAFF,
        opportunity_id=deal.opportunity_id,
        reason=LossReason.price,
        now=NOW,
    )
    return deal.opportunity_id


def reminder_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Reminder)) or 0)


def test_yes_sets_one_reminder_in_90_days_however_often_it_is_pressed(
    session: Session, ws: Workspace
) -> None:
    deal_id = lost_deal(session, ws)
    first = set_reengage_reminder(
        session=session, workspace=ws, actor=STAFF, opportunity_id=deal_id, now=NOW
    )
    second = set_reengage_reminder(
        session=session, workspace=ws, actor=OWNER, opportunity_id=deal_id, now=NOW
    )
    assert first.reminder_id == second.reminder_id and reminder_count(session) == 1
    assert first.due_date == date(2026, 5, 31)
    assert first.status == ReminderStatus.pending
    assert first.note == "Check back with Dana Smith about Bathroom remodel (lost: price)."
    assert first.opportunity_id == deal_id and first.contact_id is not None


def test_re_engage_is_for_lost_deals_only_and_checks_its_input(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM)
    open_deal = make_opportunity(session, TEAM, contact=dana, stage=OpportunityStage.estimating)
    with pytest.raises(InvalidTransition):
        set_reengage_reminder(
            session=session,
            workspace=ws,
            actor=STAFF,
            opportunity_id=open_deal.opportunity_id,
            now=NOW,
        )
    deal_id = lost_deal(session, ws)
    for days in (0, -5, 3651, True):
        with pytest.raises(InvalidInput) as refused:
            set_reengage_reminder(
                session=session,
                workspace=ws,
                actor=STAFF,
                opportunity_id=deal_id,
                days=days,  # type: ignore[arg-type]
                now=NOW,
            )
        assert refused.value.field == "reengage_in_days"
    with pytest.raises(NotFound):
        set_reengage_reminder(
            session=session, workspace=ws, actor=STAFF, opportunity_id="op_nope", now=NOW
        )
    assert reminder_count(session) == 0
