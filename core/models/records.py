"""The CRM's records: workspaces, contacts, companies, leads, deals, history, drafts.

Every row carries `workspace_id` (the Slack team id). Phones and emails live in
`contact_points`, normalized and indexed, so "match by phone or email" is one index probe.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship

from core.common import enums
from core.platform.column_types import ID, Money, UTCDateTime, enum_column_type


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """Short, unguessable, prefixed ids ("ld_3f9a…") that read well in logs and exports."""
    return f"{prefix}_{secrets.token_hex(8)}"


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money()}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Workspace(Timestamped, Base):
    """A tenant (one Slack team) and its settings."""

    __tablename__ = "workspaces"
    __table_args__ = (Index("uq_workspaces_form_token", "form_token", unique=True),)

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    pipeline_channel: Mapped[str] = mapped_column(String(100), default="#pipeline")
    owner_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    holiday_country: Mapped[str] = mapped_column(String(8), default="US")
    default_phone_region: Mapped[str] = mapped_column(String(8), default="US")
    auto_send: Mapped[bool] = mapped_column(Boolean, default=False)
    stale_after_business_days: Mapped[int] = mapped_column(Integer, default=3)
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)
    daily_digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    weekly_digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    monthly_digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The web-form intake: POST /forms/<form_token>; a long random secret, rotated or
    # disabled by an owner; a browser post is thanked there or redirected to this URL.
    form_token: Mapped[str | None] = mapped_column(String(64), info={"secret": True})
    form_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    form_redirect_url: Mapped[str | None] = mapped_column(String(500))

    # Where hand-off events are also posted (e.g. #scheduling); None: nowhere.
    handoff_channel: Mapped[str | None] = mapped_column(String(100))

    def is_owner(self, user_id: str) -> bool:
        return user_id in (self.owner_ids or [])


class Company(Timestamped, Base):
    __tablename__ = "companies"
    __table_args__ = (Index("ix_companies_workspace_name", "workspace_id", "name"),)

    company_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[enums.CompanyType] = mapped_column(
        enum_column_type(enums.CompanyType), default=enums.CompanyType.business
    )
    main_phone: Mapped[str | None] = mapped_column(String(32))
    billing_address: Mapped[str | None] = mapped_column(String(500))
    primary_contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contacts.contact_id", use_alter=True, name="fk_companies_primary_contact")
    )
    status: Mapped[enums.CompanyStatus] = mapped_column(
        enum_column_type(enums.CompanyStatus), default=enums.CompanyStatus.prospect
    )
    quickbooks_customer_id: Mapped[str | None] = mapped_column(String(64))


_LEFT_OUT = "do_not_contact OR (archived AND merged_into_contact_id IS NULL)"
_REPLIES = "type IN ('email_outbound', 'sms')"  # the pipeline summary's REPLY_TYPES
_PENDING = "follow_up_status = 'pending'"  # FollowUpStatus.pending


class Contact(Timestamped, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index(
            "ix_contacts_workspace_lifecycle_updated",
            "workspace_id",
            "lifecycle_stage",
            "updated_at",
        ),
        Index("ix_contacts_workspace_name", "workspace_id", "last_name", "first_name"),
        Index("ix_contacts_merged_into", "merged_into_contact_id"),
        # The few contacts the reports leave out: marked do not contact, or archived by
        # themselves (core/contacts/do_not_contact.py, core/reports/rows.py: in_play).
        Index(
            "ix_contacts_left_out",
            "contact_id",
            postgresql_where=text(_LEFT_OUT),
            sqlite_where=text(_LEFT_OUT),
        ),
    )

    contact_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.company_id"))
    address: Mapped[str | None] = mapped_column(String(500))
    preferred_channel: Mapped[enums.PreferredChannel | None] = mapped_column(
        enum_column_type(enums.PreferredChannel)
    )
    lifecycle_stage: Mapped[enums.LifecycleStage] = mapped_column(
        enum_column_type(enums.LifecycleStage), default=enums.LifecycleStage.prospect
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    quickbooks_customer_id: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    merged_into_contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.contact_id"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person asked not to be contacted: no draft to them is approved or sent, and their
    # leads raise no nudges (core/contacts/do_not_contact.py). Who set it, when and why.
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact_at: Mapped[datetime | None]
    do_not_contact_by: Mapped[str | None] = mapped_column(String(64))
    do_not_contact_reason: Mapped[str | None] = mapped_column(String(500))
    # Newest interaction with this contact (core/activity/last_touch.py keeps it).
    last_touch_at: Mapped[datetime | None]

    points: Mapped[list[ContactPoint]] = relationship(
        order_by="ContactPoint.position",
        cascade="save-update, merge",
        lazy="selectin",
        back_populates="contact",
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def phones(self) -> list[str]:
        return [p.value for p in self.points if p.kind == enums.ContactPointKind.phone]

    @property
    def emails(self) -> list[str]:
        return [p.value for p in self.points if p.kind == enums.ContactPointKind.email]


class ContactPoint(Base):
    """One normalized phone (E.164) or email (lower-case) of a contact, in the contact's order."""

    __tablename__ = "contact_points"
    __table_args__ = (
        Index("ix_contact_points_lookup", "workspace_id", "kind", "value"),
        UniqueConstraint("contact_id", "kind", "value", name="uq_contact_points_contact_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    # A contact's points are found by the unique index's leading column.
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.contact_id"))
    kind: Mapped[enums.ContactPointKind] = mapped_column(enum_column_type(enums.ContactPointKind))
    value: Mapped[str] = mapped_column(String(320))
    position: Mapped[int] = mapped_column(Integer, default=0)

    contact: Mapped[Contact] = relationship(back_populates="points")


class Lead(Timestamped, Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_workspace_status_created", "workspace_id", "status", "created_at"),
        # The week's new leads and their first replies, from the index alone.
        Index("ix_leads_workspace_created", "workspace_id", "created_at", "first_reply_at"),
        Index("ix_leads_contact", "contact_id"),
        # "Stale" is a range of this index whatever the history's size, counted from the index
        # alone (core/reports/stale_leads.py).
        Index(
            "ix_leads_workspace_status_last_touch_snooze",
            "workspace_id",
            "status",
            "last_touch_at",
            "snoozed_until",
        ),
        # The pipeline summary's open leads at a stage (its figures read from the index alone),
        # and those past their expected close date.
        Index(
            "ix_leads_workspace_stage_status",
            "workspace_id",
            "pipeline_stage",
            "status",
            "created_at",
            "estimated_value",
        ),
        Index(
            "ix_leads_workspace_status_expected_close",
            "workspace_id",
            "status",
            "expected_close_date",
        ),
        # The leads snoozed now, which the stale total takes off its tallies: a snooze is rare,
        # so this holds few rows beside the whole book's.
        Index(
            "ix_leads_snoozed",
            "workspace_id",
            "snoozed_until",
            # The stale count's other conditions, so it is answered from the index alone
            # (migration 0022).
            "status",
            "last_touch_at",
            postgresql_where=text("snoozed_until IS NOT NULL"),
            sqlite_where=text("snoozed_until IS NOT NULL"),
        ),
    )

    lead_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.contact_id"))
    source: Mapped[enums.LeadSource] = mapped_column(enum_column_type(enums.LeadSource))
    status: Mapped[enums.LeadStatus] = mapped_column(
        enum_column_type(enums.LeadStatus), default=enums.LeadStatus.new
    )
    disqualification_reason: Mapped[enums.DisqualificationReason | None] = mapped_column(
        enum_column_type(enums.DisqualificationReason)
    )
    estimated_value: Mapped[Decimal | None]
    pipeline_stage: Mapped[enums.PipelineStage] = mapped_column(
        enum_column_type(enums.PipelineStage), default=enums.PipelineStage.inquiry
    )
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(String(64))
    converted_opportunity_id: Mapped[str | None] = mapped_column(
        ForeignKey("opportunities.opportunity_id", use_alter=True, name="fk_leads_converted_opp")
    )
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    # The lead's last touchpoint (its creation, else its newest interaction or its contact's),
    # kept by core/activity/last_touch.py.
    last_touch_at: Mapped[datetime | None]
    # The lead's first reply: its first email or text sent at or after its creation; kept by
    # triggers (migration 0019) on every interaction write and creation-time change.
    first_reply_at: Mapped[datetime | None]

    contact: Mapped[Contact | None] = relationship(lazy="joined")


class Opportunity(Timestamped, Base):
    __tablename__ = "opportunities"
    __table_args__ = (
        Index("ix_opportunities_workspace_stage_close", "workspace_id", "stage", "close_date"),
        Index("ix_opportunities_lead", "lead_id"),
        Index("ix_opportunities_contact", "contact_id"),
    )

    opportunity_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.lead_id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.contact_id"))
    company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.company_id"))
    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[enums.OpportunityStage] = mapped_column(
        enum_column_type(enums.OpportunityStage), default=enums.OpportunityStage.estimating
    )
    amount: Mapped[Decimal | None]
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    close_date: Mapped[date | None] = mapped_column(Date)
    loss_reason: Mapped[enums.LossReason | None] = mapped_column(enum_column_type(enums.LossReason))
    loss_notes: Mapped[str | None] = mapped_column(Text)
    estimate_id: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(64))

    contact: Mapped[Contact | None] = relationship(lazy="joined")


class Interaction(Timestamped, Base):
    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(
            "contact_id IS NOT NULL OR lead_id IS NOT NULL OR opportunity_id IS NOT NULL",
            name="ck_interactions_linked",
        ),
        Index("ix_interactions_contact_ts", "contact_id", "timestamp"),
        Index("ix_interactions_lead_ts", "lead_id", "timestamp"),
        # A lead's first reply (the pipeline summary's response time) from the index alone.
        Index(
            "ix_interactions_lead_replies",
            "lead_id",
            "timestamp",
            postgresql_where=text(_REPLIES),
            sqlite_where=text(_REPLIES),
        ),
        Index("ix_interactions_opportunity_ts", "opportunity_id", "timestamp"),
        Index(
            "ix_interactions_followups",
            "workspace_id",
            "follow_up_status",
            "follow_up_date",
        ),
        # The follow-up lists' pages in their order, and their left-out counts, from the few
        # pending follow-ups alone (migration 0021).
        Index(
            "ix_interactions_pending",
            "workspace_id",
            "follow_up_date",
            "timestamp",
            "interaction_id",
            "contact_id",
            postgresql_where=text(_PENDING),
            sqlite_where=text(_PENDING),
        ),
        Index("ix_interactions_thread", "workspace_id", "external_thread_id"),
        Index("ix_interactions_message", "workspace_id", "external_message_id"),
    )

    interaction_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    type: Mapped[enums.InteractionType] = mapped_column(enum_column_type(enums.InteractionType))
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.contact_id"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.lead_id"))
    opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.opportunity_id"))
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[enums.Outcome] = mapped_column(
        enum_column_type(enums.Outcome), default=enums.Outcome.none
    )
    follow_up_date: Mapped[date | None] = mapped_column(Date)
    follow_up_status: Mapped[enums.FollowUpStatus] = mapped_column(
        enum_column_type(enums.FollowUpStatus), default=enums.FollowUpStatus.none
    )
    ai_summary: Mapped[str | None] = mapped_column(Text)
    logged_by: Mapped[str | None] = mapped_column(String(64))
    # The mailbox's ids of an email interaction (Gmail message and thread), so a reply in the
    # thread finds its lead and an outbound reply goes in the customer's thread.
    external_message_id: Mapped[str | None] = mapped_column(String(200))
    external_thread_id: Mapped[str | None] = mapped_column(String(200))


class Draft(Timestamped, Base):
    """An outbound message waiting for owner review; sent at most once."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_workspace_status", "workspace_id", "status"),)

    draft_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.contact_id"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.lead_id"))
    opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.opportunity_id"))
    channel: Mapped[enums.DraftChannel] = mapped_column(enum_column_type(enums.DraftChannel))
    recipient: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[enums.DraftStatus] = mapped_column(
        enum_column_type(enums.DraftStatus), default=enums.DraftStatus.pending_approval
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    requested_by: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    approved_version: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None]
    sent_by: Mapped[str | None] = mapped_column(String(64))  # who sent it (or marked it sent)
    sent_message_id: Mapped[str | None] = mapped_column(String(200))
    # The outbound interaction recording the send: None while a claim awaits its delivery.
    sent_interaction_id: Mapped[str | None] = mapped_column(ID)
    error: Mapped[str | None] = mapped_column(Text)
    review_refs: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Reminder(Timestamped, Base):
    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "workspace_id", "status", "due_date"),)

    reminder_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.contact_id"))
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.lead_id"))
    opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.opportunity_id"))
    due_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500))
    status: Mapped[enums.ReminderStatus] = mapped_column(
        enum_column_type(enums.ReminderStatus), default=enums.ReminderStatus.pending
    )
    created_by: Mapped[str | None] = mapped_column(String(64))

    contact: Mapped[Contact | None] = relationship()


class ContactMerge(Timestamped, Base):
    """One merge of `other` into `survivor`: what moved, so an owner can undo it exactly.

    `moved` maps a table to the ids re-pointed from the other contact to the survivor;
    `points_added` the survivor's new `[kind, value]` phones and emails; `survivor_before` and
    `survivor_after` the survivor's fields the merge filled (undo restores a field only while it
    still holds the merge's value). `undone_at` set once, by a conditional UPDATE.
    """

    __tablename__ = "contact_merges"
    __table_args__ = (
        Index("ix_contact_merges_survivor", "workspace_id", "survivor_id", "created_at"),
        Index("ix_contact_merges_other", "workspace_id", "other_id"),
    )

    merge_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    survivor_id: Mapped[str] = mapped_column(ForeignKey("contacts.contact_id"))
    other_id: Mapped[str] = mapped_column(ForeignKey("contacts.contact_id"))
    merged_by: Mapped[str] = mapped_column(String(64))
    moved: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    points_added: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    survivor_before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    survivor_after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    other_was_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(String(64))


class WonConfirmation(Base):
    """An owner's confirmation to win one deal: single use, short-lived (hard stop 4)."""

    __tablename__ = "won_confirmations"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.opportunity_id"))
    owner: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


@event.listens_for(Lead, "before_insert")
def _lead_starts_from_its_contact(_mapper: Mapper[Lead], _c: Connection, lead: Lead) -> None:
    """A new lead's last touch: its creation, or its contact's newer touch, in the INSERT."""
    from core.activity.last_touch import lead_touch_at_insert

    if lead.last_touch_at is None:
        lead.created_at = lead.created_at or utcnow()
        lead.last_touch_at = lead_touch_at_insert(lead.created_at, lead.contact_id)


@event.listens_for(Interaction, "after_insert")
def _interaction_touches(_mapper: Mapper[Interaction], connection: Connection, row: Any) -> None:
    """Every interaction written moves its contact's and leads' last touch, in the same flush."""
    from core.activity.last_touch import note_touch

    note_touch(
        connection,
        workspace_id=row.workspace_id,
        at=row.timestamp,
        contact_id=row.contact_id,
        lead_id=row.lead_id,
    )


PERMANENT_TABLES = ("contacts", "companies", "leads", "opportunities", "interactions")
