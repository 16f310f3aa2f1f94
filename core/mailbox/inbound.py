"""An email that arrived in the business mailbox becomes a lead or a line of history, once.

The procedure's Gmail row: inbound emails create interactions. From an unknown sender, the
new-inquiry flow runs (a contact from the From header, a lead with source `email`, the body as
the interaction); from a known contact, an `email_inbound` interaction lands on the thread's
lead or job, else the newest open lead, else the newest open job, else the contact, and the
customer's reply settles the follow-ups promised to them. Each mailbox message id is claimed
in `processed_mail` first, so a message delivered twice, or seen by two workers, acts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.activity.service import BODY_LIMIT, SUBJECT_LIMIT, record_interaction
from core.common.enums import (
    OPEN_LEAD_STATUSES,
    FollowUpStatus,
    InteractionType,
    LeadSource,
)
from core.contacts.claims import claim_contact_points
from core.errors import CRMError
from core.leads.inquiries import TITLE_LIMIT, CapturedInquiry, InquiryInput, capture_inquiry
from core.leads.opportunities import OPEN_STAGES
from core.models import Contact, Interaction, Lead, Opportunity, ProcessedMail, Workspace
from core.platform.audit import audit
from core.ports import InboundEmail
from core.workspaces.service import get_workspace

__all__ = ["MAIL_ACTOR", "InboundOutcome", "record_inbound_email"]

MAIL_ACTOR = "mailbox"  # the audit log's actor for what the mailbox sync writes


@dataclass(frozen=True)
class InboundOutcome:
    """What one email did: `kind` is lead, interaction, duplicate, or skipped-why."""

    kind: str
    captured: CapturedInquiry | None = None  # a new inquiry: what the owners are told about
    contact: Contact | None = None
    interaction: Interaction | None = None


def _claim(session: Session, workspace_id: str, email: InboundEmail, now: datetime) -> bool:
    """Insert the message id into the ledger; False when it was handled before."""
    try:
        with session.begin_nested():
            session.add(
                ProcessedMail(
                    workspace_id=workspace_id,
                    message_id=email.message_id,
                    outcome="claimed",
                    processed_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def _split_name(email: InboundEmail) -> tuple[str, str | None]:
    """First and last name from the From header's display name, else the address's local part."""
    name = " ".join((email.from_name or "").replace('"', "").split())
    if not name:
        name = email.from_address.partition("@")[0].replace(".", " ").replace("_", " ").title()
    first, _, last = name.partition(" ")
    return first or email.from_address, last or None


def _title(email: InboundEmail) -> str:
    subject = " ".join(email.subject.split()) or "Email inquiry"
    for prefix in ("re:", "fwd:", "fw:"):
        while subject.lower().startswith(prefix):
            subject = subject[len(prefix) :].strip() or "Email inquiry"
    return subject[:TITLE_LIMIT]


def _thread_target(
    session: Session, workspace: Workspace, contact: Contact, thread_id: str | None
) -> tuple[str | None, str | None]:
    """The lead or job of an earlier message in this thread with this contact, if any.

    A thread the business started has the id of its first message (Gmail's rule), which the
    sent message's interaction keeps as its `external_message_id`.
    """
    if not thread_id:
        return None, None
    earlier = session.execute(
        select(Interaction.lead_id, Interaction.opportunity_id)
        .where(
            Interaction.workspace_id == workspace.workspace_id,
            or_(
                Interaction.external_thread_id == thread_id,
                Interaction.external_message_id == thread_id,
            ),
            Interaction.contact_id == contact.contact_id,
        )
        .order_by(Interaction.timestamp.desc())
        .limit(1)
    ).first()
    return (earlier[0], earlier[1]) if earlier else (None, None)


def _newest_open(session: Session, contact: Contact) -> tuple[str | None, str | None]:
    """The contact's newest open lead, else newest open job: where a new email belongs."""
    lead_id = session.scalar(
        select(Lead.lead_id)
        .where(Lead.contact_id == contact.contact_id, Lead.status.in_(OPEN_LEAD_STATUSES))
        .order_by(Lead.created_at.desc())
        .limit(1)
    )
    if lead_id:
        return lead_id, None
    deal_id = session.scalar(
        select(Opportunity.opportunity_id)
        .where(Opportunity.contact_id == contact.contact_id, Opportunity.stage.in_(OPEN_STAGES))
        .order_by(Opportunity.created_at.desc())
        .limit(1)
    )
    return None, deal_id


def _settle_follow_ups(session: Session, workspace: Workspace, contact: Contact) -> int:
    """The customer wrote back: their pending follow-ups are done (one statement, audited)."""
    pending = list(
        session.scalars(
            select(Interaction).where(
                Interaction.workspace_id == workspace.workspace_id,
                Interaction.contact_id == contact.contact_id,
                Interaction.follow_up_status == FollowUpStatus.pending,
            )
        )
    )
    if not pending:
        return 0
    session.execute(
        update(Interaction)
        .where(Interaction.interaction_id.in_([item.interaction_id for item in pending]))
        .values(follow_up_status=FollowUpStatus.completed)
        .execution_options(synchronize_session="fetch")
    )
    for item in pending:
        audit(
            session,
            workspace,
            actor=MAIL_ACTOR,
            action="complete_follow_up",
            entity=item,
            before={"follow_up_status": FollowUpStatus.pending.value},
        )
    return len(pending)


def record_inbound_email(
    *,
    session: Session,
    workspace_id: str,
    email: InboundEmail,
    mailbox_address: str,
    now: datetime,
) -> InboundOutcome:
    """Record one received email as a new inquiry or as history, unless already handled.

    The ledger claim is the transaction's first statement, before anything is read: two
    workers on one message wait for each other there (on SQLite too, where a transaction that
    read first could not wait), and the second sees the message taken.
    """
    if not _claim(session, workspace_id, email, now):
        return InboundOutcome("duplicate")
    workspace = get_workspace(session, workspace_id)
    skip = None
    if email.from_address == mailbox_address.lower():
        skip = "skipped-own-address"
    elif email.automated:
        skip = "skipped-automated"
    elif "@" not in email.from_address:
        skip = "skipped-no-sender"
    if skip is not None:
        _settle_ledger(session, workspace, email, skip)
        return InboundOutcome(skip)

    # The sender is matched under the gate's lock, like every entry path (docs/reliability.md);
    # an archived contact is not written to here: a new inquiry brings it back into play.
    claimed = claim_contact_points(
        session, workspace=workspace, phones=[], emails=[email.from_address]
    )
    matches = [m for m in claimed if not m.contact.archived]
    if not matches:
        return _new_inquiry(session, workspace, email, now)
    contact = matches[0].contact
    lead_id, deal_id = _thread_target(session, workspace, contact, email.thread_id)
    if lead_id is None and deal_id is None:
        lead_id, deal_id = _newest_open(session, contact)
    interaction = record_interaction(
        session,
        workspace,
        actor=MAIL_ACTOR,
        type=InteractionType.email_inbound,
        timestamp=email.received_at,
        subject=email.subject[:SUBJECT_LIMIT] or None,
        body=email.body[:BODY_LIMIT] or None,
        contact_id=contact.contact_id,
        lead_id=lead_id,
        opportunity_id=deal_id,
        now=now,
    )
    _tag(interaction, email)
    _settle_follow_ups(session, workspace, contact)
    _settle_ledger(session, workspace, email, "interaction")
    return InboundOutcome("interaction", contact=contact, interaction=interaction)


def _new_inquiry(
    session: Session, workspace: Workspace, email: InboundEmail, now: datetime
) -> InboundOutcome:
    first, last = _split_name(email)
    inquiry = InquiryInput(
        title=_title(email),
        source=LeadSource.email,
        first_name=first,
        last_name=last,
        emails=(email.from_address,),
        description=email.body[:BODY_LIMIT] or None,
        received_at=email.received_at,
        interaction_type=InteractionType.email_inbound,
    )
    try:
        with session.begin_nested():  # all of the inquiry, or none of it
            captured = capture_inquiry(
                session=session, workspace=workspace, actor=MAIL_ACTOR, inquiry=inquiry, now=now
            )
    except CRMError as error:
        # Mail a person cannot fix (an address the validator refuses, say): remembered, skipped.
        _settle_ledger(session, workspace, email, f"skipped-{error.field or 'invalid'}"[:40])
        return InboundOutcome("skipped-invalid")
    _tag(captured.interaction, email)
    _settle_ledger(session, workspace, email, "lead")
    return InboundOutcome(
        "lead", captured=captured, contact=captured.contact, interaction=captured.interaction
    )


def _tag(interaction: Interaction, email: InboundEmail) -> None:
    interaction.external_message_id = email.message_id
    interaction.external_thread_id = email.thread_id


def _settle_ledger(
    session: Session, workspace: Workspace, email: InboundEmail, outcome: str
) -> None:
    session.execute(
        update(ProcessedMail)
        .where(
            ProcessedMail.workspace_id == workspace.workspace_id,
            ProcessedMail.message_id == email.message_id,
        )
        .values(outcome=outcome)
    )
