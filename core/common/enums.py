"""The procedure's vocabularies, by their own names (docs/product.md, Data)."""

from __future__ import annotations

from enum import StrEnum


class PreferredChannel(StrEnum):
    phone = "phone"
    email = "email"
    sms = "sms"


class LifecycleStage(StrEnum):
    prospect = "prospect"
    customer = "customer"
    past_customer = "past_customer"


class CompanyType(StrEnum):
    business = "business"
    individual = "individual"
    nonprofit = "nonprofit"
    government = "government"
    other = "other"


class CompanyStatus(StrEnum):
    prospect = "prospect"
    active_customer = "active_customer"
    inactive = "inactive"
    archived = "archived"


class LeadSource(StrEnum):
    phone_call = "phone_call"
    email = "email"
    web_form = "web_form"
    referral = "referral"
    ad = "ad"
    other = "other"


class LeadStatus(StrEnum):
    new = "new"
    working = "working"
    qualified = "qualified"
    disqualified = "disqualified"
    converted = "converted"


OPEN_LEAD_STATUSES = (LeadStatus.new, LeadStatus.working, LeadStatus.qualified)
STALE_CANDIDATE_STATUSES = (LeadStatus.new, LeadStatus.working)


class DisqualificationReason(StrEnum):
    budget = "budget"
    timing = "timing"
    outside_scope = "outside_scope"
    no_response = "no_response"
    other = "other"


class PipelineStage(StrEnum):
    inquiry = "inquiry"
    needs_analysis = "needs_analysis"
    estimate_sent = "estimate_sent"
    follow_up = "follow_up"
    scheduled_visit = "scheduled_visit"


class InteractionType(StrEnum):
    phone_call = "phone_call"
    email_inbound = "email_inbound"
    email_outbound = "email_outbound"
    sms = "sms"
    meeting = "meeting"
    note = "note"
    system = "system"


class MailboxStatus(StrEnum):
    active = "active"
    paused = "paused"  # the refresh token was refused: sync waits for a reconnect
    disconnected = "disconnected"


class Outcome(StrEnum):
    none = "none"
    left_voicemail = "left_voicemail"
    spoke = "spoke"
    no_show = "no_show"
    rescheduled = "rescheduled"
    sent_proposal = "sent_proposal"
    accepted_proposal = "accepted_proposal"
    rejected_proposal = "rejected_proposal"


class FollowUpStatus(StrEnum):
    none = "none"
    pending = "pending"
    completed = "completed"
    canceled = "canceled"


class OpportunityStage(StrEnum):
    estimating = "estimating"
    proposal_sent = "proposal_sent"
    scheduled = "scheduled"
    won = "won"
    lost = "lost"


class LossReason(StrEnum):
    price = "price"
    competition = "competition"
    timing = "timing"
    no_decision = "no_decision"
    scope = "scope"
    other = "other"


class DraftChannel(StrEnum):
    email = "email"
    sms = "sms"
    phone = "phone"


class DraftStatus(StrEnum):
    pending_approval = "pending_approval"
    approved = "approved"
    sent = "sent"
    discarded = "discarded"
    failed = "failed"


class ReminderStatus(StrEnum):
    pending = "pending"
    done = "done"
    canceled = "canceled"


class ContactPointKind(StrEnum):
    phone = "phone"
    email = "email"


class JobRunStatus(StrEnum):
    running = "running"
    done = "done"
    failed = "failed"


class OutboxStatus(StrEnum):
    """Where a piece of background work stands: waiting (or being tried), done, given up."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


def in_words(value: StrEnum | str) -> str:
    """A vocabulary value as people say it: `needs_analysis` -> "needs analysis"."""
    return str(value).replace("_", " ")


class QuickBooksConnectionStatus(StrEnum):
    connected = "connected"
    revoked = "revoked"  # Intuit refused the refresh token: an owner must reconnect
    disconnected = "disconnected"


class QuickBooksPushStatus(StrEnum):
    claimed = "claimed"  # the owner confirmed; the call to QuickBooks may be under way
    offered = "offered"  # a matching QuickBooks customer was found; the owner picks
    renaming = "renaming"  # the name is taken by another customer; the owner picks a name
    failed = "failed"  # QuickBooks said no; Retry makes a new attempt
    done = "done"
