"""What was done, kept so it is done once and can be traced: audit trail and ledgers.

The audit log (who changed what), the job runs (one scheduled post per workspace and period),
the ids of Slack events, mailbox messages and signed requests already handled, the web
form's posts (one lead per post, and the attempts its rate limits count), and the outbox of
work still to do after a change (done once, retried until it is).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.common import enums
from core.models.records import Base, Timestamped, utcnow
from core.platform.column_types import ID, enum_column_type


class AuditEntry(Base):
    """Who did what to which record, with the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "workspace_id", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class JobRun(Base):
    """The ledger that makes each scheduled post happen once per workspace and period."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("workspace_id", "job", "period", name="uq_job_runs_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    job: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(32))
    status: Mapped[enums.JobRunStatus] = mapped_column(
        enum_column_type(enums.JobRunStatus), default=enums.JobRunStatus.running
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # Channel and ts of each message of the run already posted, so a retry or a takeover
    # posts only the rest.
    posted: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class ProcessedEvent(Base):
    """Slack event ids already handled, so retries and repeats never act twice."""

    __tablename__ = "processed_events"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedMail(Base):
    """Mailbox message ids already handled: each inbound email acts once, however many workers."""

    __tablename__ = "processed_mail"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(40))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeenRequest(Base):
    """Signatures of Slack requests already accepted, so a replayed request is refused.

    Kept for the five minutes a signature is valid; the primary key makes the database decide
    which of two identical requests is the first (docs/architecture.md, "Web routes")."""

    __tablename__ = "seen_requests"

    signature: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FormSubmission(Base):
    """A web-form post that made (or is making) a lead, under its dedupe key.

    The key is the sender's `Idempotency-Key`, or a hash of the sender and the content: the
    database admits one row per key, so a repeat within the window returns the first lead.
    """

    __tablename__ = "form_submissions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key", name="uq_form_submissions_key"),
    )

    submission_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    dedupe_key: Mapped[str] = mapped_column(String(100))
    lead_id: Mapped[str | None] = mapped_column(ID)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class FormAttempt(Base):
    """Every post to a form, for the per-sender and per-form rate limits (pruned after a day)."""

    __tablename__ = "form_attempts"
    __table_args__ = (
        Index("ix_form_attempts_form", "workspace_id", "received_at"),
        Index("ix_form_attempts_sender", "workspace_id", "sender", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    sender: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxItem(Timestamped, Base):
    """Durable background work (an owner's DM now; webhooks, mailbox syncs later).

    Written in the transaction of the change it belongs to and worked off by `crm worker`,
    retried with backoff until done or past its horizon (core/platform/outbox.py).
    While an item is being worked on, `next_attempt_at` is the end of the worker's lease.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[enums.OutboxStatus] = mapped_column(
        enum_column_type(enums.OutboxStatus), default=enums.OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Makes enqueueing the same work twice a no-op (None: no such guard).
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
