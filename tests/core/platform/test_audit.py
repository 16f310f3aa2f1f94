"""Every operation leaves an audit row naming who did it (docs/architecture.md, Conventions).

Each write operation of the core is run once, by an actor of its own, and the audit log must
hold a row with that actor and the operation's action. A new operation belongs in OPERATIONS.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

import core
from core.activity.reminders import cancel_reminder, complete_reminder, create_reminder
from core.activity.service import (
    cancel_follow_up,
    complete_follow_up,
    log_call_with,
    log_interaction,
    reschedule_follow_up,
)
from core.common.enums import LeadStatus, OpportunityStage, PipelineStage
from core.contacts.archiving import archive_contact, restore_contact
from core.contacts.companies import update_company
from core.contacts.do_not_contact import clear_do_not_contact, set_do_not_contact
from core.contacts.edits import ContactEdit, edit_contact, update_contact
from core.contacts.input import ContactInput
from core.contacts.merge_undo import undo_merge
from core.contacts.merges import merge_contacts
from core.contacts.service import add_customer, find_or_create_company
from core.drafts.approval import approve_for_sending, draft_follow_up_with_auto_send
from core.drafts.compose import draft_follow_up
from core.drafts.review import approve_draft, discard_draft, edit_draft, record_review_messages
from core.drafts.sending import claim_draft_for_sending, deliver_claimed_draft, mark_draft_sent
from core.drafts.unconfirmed_sends import settle_unconfirmed_send
from core.errors import DuplicateContact
from core.leads.duplicate_decisions import decide_duplicate
from core.leads.handoffs import add_webhook, set_handoff_channel, turn_off_webhook
from core.leads.inquiries import InquiryInput, capture_inquiry, capture_quick_lead
from core.leads.opportunities import (
    mark_lost,
    mark_won,
    set_opportunity_close_date,
    set_opportunity_stage,
    set_reengage_reminder,
)
from core.leads.planning import (
    DealPlan,
    LeadPlan,
    edit_deal_plan,
    edit_lead_plan,
    set_deal_amount,
    set_estimated_value,
)
from core.leads.quickbooks import decline_quickbooks_prompt
from core.leads.service import (
    assign_lead_owner,
    convert_lead,
    disqualify_lead,
    qualify_lead,
    set_expected_close_date,
    set_lead_stage,
    snooze_lead,
)
from core.leads.web_form import (
    disable_form,
    enable_form,
    rotate_form_token,
    set_form_redirect,
)
from core.leads.won_confirmations import confirm_won
from core.mailbox.connection import MailboxSecrets, connect_mailbox, disconnect_mailbox
from core.models import AuditEntry, ContactMerge, Draft, WebhookSubscription, Workspace
from core.platform.token_cipher import TokenCipher, cipher_from_keys
from core.ports import QuickBooksCustomer
from core.quickbooks.connection import TokenGrant, connect_quickbooks, disconnect_quickbooks
from core.quickbooks.pushes import PushChoice, claim_quickbooks_push, record_quickbooks_customer
from core.transfer.csv_import import import_contacts_csv
from core.transfer.document_import import import_document
from core.workspaces.service import get_workspace, update_settings
from tests.conftest import OWNER, TEAM
from tests.core.factories import (
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    make_reminder,
    won_token,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in New York
SAMPLE = Path(__file__).parents[3] / "tests" / "data" / "sample_export.json"


@dataclass
class World:
    """Records for the operations to act on, made once per test."""

    session: Session
    ws: Workspace
    actor: str

    def contact(self, phone: str = "+15552013344") -> str:
        made = make_contact(
            self.session, TEAM, phones=[phone], emails=[], address="1 Main St, Springfield"
        )
        return made.contact_id

    def lead(self, **fields: object) -> str:
        dana = make_contact(self.session, TEAM, phones=["+15550000001"], address="1 Main St")
        return make_lead(self.session, TEAM, dana, **fields).lead_id  # type: ignore[arg-type]

    def spouse_lead(self) -> DuplicateContact:
        """A capture under another name on Dana's phone: the duplicate question it raised."""
        self.contact()
        question = capture_inquiry(
            session=self.session,
            workspace=self.ws,
            actor="U0CAPTURER",
            inquiry=InquiryInput(
                title="Heater", source="phone_call", first_name="Mary", phones=("555-201-3344",)
            ),
            now=NOW,
        ).question
        assert question is not None
        return question

    def deal(self, **fields: object) -> str:
        dana = make_contact(self.session, TEAM, phones=["+15550000002"])
        return make_opportunity(self.session, TEAM, dana, **fields).opportunity_id  # type: ignore[arg-type]

    def pending_follow_up(self) -> str:
        dana = make_contact(self.session, TEAM)
        return make_interaction(
            self.session, TEAM, dana, follow_up_date=date(2026, 3, 3)
        ).interaction_id

    def draft(self, *, approved: bool = False) -> Draft:
        dana = make_contact(self.session, TEAM, emails=["dana@example.com"])
        lead = make_lead(self.session, TEAM, dana)
        draft = draft_follow_up(
            session=self.session, workspace=self.ws, actor="U0ASKER", lead_id=lead.lead_id, now=NOW
        ).draft
        if approved:
            approve_draft(
                session=self.session,
                workspace=self.ws,
                actor=OWNER,
                draft_id=draft.draft_id,
                version=1,
                now=NOW,
            )
        return draft


def _add_webhook(w: World) -> WebhookSubscription:
    return add_webhook(
        session=w.session,
        workspace=w.ws,
        actor=w.actor,
        url="https://hooks.example/crm",
        events=(),
        now=NOW,
    )


def _connect_mailbox(w: World) -> None:
    connect_mailbox(
        session=w.session,
        workspace=w.ws,
        actor=w.actor,
        email_address="office@plumbco.example",
        display_name=None,
        secrets=MailboxSecrets(refresh_token="1//r", client_id="c", client_secret="s"),
        cipher=TokenCipher([Fernet.generate_key().decode()]),
        now=NOW,
    )


class Mailbox:
    def send(self, draft: Draft) -> str:
        return "msg-1"


def _connect_quickbooks(w: World, actor: str) -> None:
    connect_quickbooks(
        session=w.session,
        workspace=w.ws,
        actor=actor,
        realm_id="9130",
        environment="sandbox",
        grant=TokenGrant("access", "refresh", 3600),
        cipher=cipher_from_keys(Fernet.generate_key().decode()),
        now=NOW,
    )


def _deliver(w: World) -> None:
    draft = w.draft(approved=True)
    claim = claim_draft_for_sending(
        session=w.session, workspace=w.ws, actor="U0CLAIMER", draft_id=draft.draft_id, now=NOW
    )
    deliver_claimed_draft(
        session=w.session, workspace=w.ws, actor=w.actor, claim=claim, sender=Mailbox(), now=NOW
    )


def _settle(w: World) -> None:
    """A claim committed an hour ago whose delivery never happened, settled by Mark sent."""
    draft = w.draft(approved=True)
    claim_draft_for_sending(
        session=w.session,
        workspace=w.ws,
        actor="U0CLAIMER",
        draft_id=draft.draft_id,
        now=NOW - timedelta(hours=1),
    )
    settle_unconfirmed_send(
        session=w.session, workspace=w.ws, actor=w.actor, draft_id=draft.draft_id, now=NOW
    )


Operation = Callable[[World], object]

# operation -> (what it does, the audit action its actor must appear on)
OPERATIONS: dict[str, tuple[Operation, str]] = {
    "capture_inquiry": (
        lambda w: capture_inquiry(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            inquiry=InquiryInput(title="Leaky faucet", source="web_form", phones=("555-201-3344",)),
            now=NOW,
        ),
        "create_lead",
    ),
    "capture_quick_lead": (
        lambda w: capture_quick_lead(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            text="Dana Smith, 555-201-3344, leaky faucet",
            now=NOW,
        ),
        "log_interaction",
    ),
    "add_customer": (
        lambda w: add_customer(
            session=w.session, workspace=w.ws, actor=w.actor, data=ContactInput(first_name="Dana")
        ),
        "create_contact",
    ),
    "decide_duplicate": (
        lambda w: (
            (q := w.spouse_lead())
            and decide_duplicate(
                session=w.session,
                workspace=w.ws,
                actor=w.actor,
                data=ContactInput.from_proposed(q.proposed),
                decision="create_separate",
                lead_id=q.lead_id,
                lead_contact_id=q.lead_contact_id,
            )
        ),
        "move_lead",
    ),
    "update_contact": (
        lambda w: update_contact(
            session=w.session, workspace=w.ws, actor=w.actor, contact_id=w.contact(), notes="Hi"
        ),
        "update_contact",
    ),
    "archive_contact": (
        lambda w: archive_contact(
            session=w.session, workspace=w.ws, actor=w.actor, contact_id=w.contact()
        ),
        "archive_contact",
    ),
    "edit_contact": (
        lambda w: edit_contact(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            contact_id=w.contact(),
            edit=ContactEdit(first_name="Dana", phones=("555-201-3344",)),
        ),
        "update_contact",
    ),
    "restore_contact": (
        lambda w: (
            (ct := w.contact())
            and archive_contact(session=w.session, workspace=w.ws, actor="U0ELSE", contact_id=ct)
            and restore_contact(session=w.session, workspace=w.ws, actor=w.actor, contact_id=ct)
        ),
        "restore_contact",
    ),
    "update_company": (
        lambda w: update_company(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            company_id=find_or_create_company(
                session=w.session, workspace=w.ws, actor="U0ELSE", name="Acme"
            ).company_id,
            name="Acme Plumbing",
            type="business",
            main_phone="555-201-0000",
            billing_address="1 Main St",
            status="active_customer",
        ),
        "update_company",
    ),
    "undo_merge": (
        lambda w: (
            (ct := w.contact())
            and merge_contacts(
                session=w.session,
                workspace=w.ws,
                actor="U0ELSE",
                survivor_id=ct,
                other_id=w.contact("+15559990000"),
            )
            and undo_merge(
                session=w.session,
                workspace=w.ws,
                actor=w.actor,
                merge_id=w.session.scalars(select(ContactMerge.merge_id)).one(),
            )
        ),
        "undo_merge",
    ),
    "merge_contacts": (
        lambda w: merge_contacts(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            survivor_id=w.contact(),
            other_id=w.contact("+15559990000"),
        ),
        "merge_contacts",
    ),
    "log_interaction": (
        lambda w: log_interaction(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            type="note",
            body="Gate code 4411",
            contact_id=w.contact(),
            now=NOW,
        ),
        "log_interaction",
    ),
    "log_call_with": (
        lambda w: log_call_with(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            contact_id=w.contact(),
            summary="Wants a quote",
            now=NOW,
        ),
        "log_interaction",
    ),
    "complete_follow_up": (
        lambda w: complete_follow_up(
            session=w.session, workspace=w.ws, actor=w.actor, interaction_id=w.pending_follow_up()
        ),
        "complete_follow_up",
    ),
    "reschedule_follow_up": (
        lambda w: reschedule_follow_up(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            interaction_id=w.pending_follow_up(),
            new_date=date(2026, 3, 9),
            now=NOW,
        ),
        "reschedule_follow_up",
    ),
    "cancel_follow_up": (
        lambda w: cancel_follow_up(
            session=w.session, workspace=w.ws, actor=w.actor, interaction_id=w.pending_follow_up()
        ),
        "cancel_follow_up",
    ),
    "qualify_lead": (
        lambda w: qualify_lead(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(),
            stage="needs_analysis",
            now=NOW,
        ),
        "qualify_lead",
    ),
    "set_lead_stage": (
        lambda w: set_lead_stage(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(),
            stage=PipelineStage.follow_up,
            now=NOW,
        ),
        "set_lead_stage",
    ),
    "disqualify_lead": (
        lambda w: disqualify_lead(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(),
            reason="budget",
            now=NOW,
        ),
        "disqualify_lead",
    ),
    "convert_lead": (
        lambda w: convert_lead(
            session=w.session, workspace=w.ws, actor=w.actor, lead_id=w.lead(), now=NOW
        ),
        "convert_lead",
    ),
    "snooze_lead": (
        lambda w: snooze_lead(
            session=w.session, workspace=w.ws, actor=w.actor, lead_id=w.lead(), now=NOW
        ),
        "snooze_lead",
    ),
    "set_expected_close_date": (
        lambda w: set_expected_close_date(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(),
            expected_close_date=date(2026, 4, 1),
            now=NOW,
        ),
        "set_expected_close_date",
    ),
    "assign_lead_owner": (
        lambda w: assign_lead_owner(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(),
            owner="U0TECH",
            now=NOW,
        ),
        "assign_lead_owner",
    ),
    "set_estimated_value": (
        lambda w: set_estimated_value(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(),
            estimated_value="$900",
            now=NOW,
        ),
        "set_estimated_value",
    ),
    "edit_lead_plan": (
        lambda w: edit_lead_plan(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(),
            plan=LeadPlan(stage="follow_up"),
            now=NOW,
        ),
        "set_lead_stage",
    ),
    "set_deal_amount": (
        lambda w: set_deal_amount(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            opportunity_id=w.deal(),
            amount="2400",
            now=NOW,
        ),
        "set_deal_amount",
    ),
    "edit_deal_plan": (
        lambda w: edit_deal_plan(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            opportunity_id=w.deal(),
            plan=DealPlan(stage="scheduled"),
            now=NOW,
        ),
        "set_opportunity_stage",
    ),
    "set_opportunity_stage": (
        lambda w: set_opportunity_stage(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            opportunity_id=w.deal(),
            stage="proposal_sent",
            now=NOW,
        ),
        "set_opportunity_stage",
    ),
    "set_opportunity_close_date": (
        lambda w: set_opportunity_close_date(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            opportunity_id=w.deal(),
            expected_close_date=date(2026, 4, 1),
            now=NOW,
        ),
        "set_opportunity_close_date",
    ),
    "mark_won": (
        lambda w: (
            (deal := w.deal())
            and mark_won(
                session=w.session,
                workspace=w.ws,
                actor=w.actor,
                opportunity_id=deal,
                confirmation=won_token(w.session, deal, actor=w.actor),
                amount="4800",
                now=NOW,
            )
        ),
        "mark_won",
    ),
    "confirm_won": (
        lambda w: confirm_won(
            session=w.session, workspace=w.ws, actor=w.actor, opportunity_id=w.deal(), now=NOW
        ),
        "confirm_won",
    ),
    "mark_lost": (
        lambda w: mark_lost(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            opportunity_id=w.deal(),
            reason="price",
            reengage_in_days=90,
            now=NOW,
        ),
        "mark_lost",
    ),
    "set_reengage_reminder": (
        lambda w: set_reengage_reminder(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            opportunity_id=w.deal(stage=OpportunityStage.lost),
            now=NOW,
        ),
        "create_reminder",
    ),
    "draft_follow_up": (
        lambda w: draft_follow_up(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(status=LeadStatus.working),
            channel="sms",
            now=NOW,
        ),
        "draft_follow_up",
    ),
    "approve_draft": (
        lambda w: approve_draft(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            draft_id=w.draft().draft_id,
            version=1,
            now=NOW,
        ),
        "approve_draft",
    ),
    "approve_for_sending": (
        lambda w: approve_for_sending(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            draft_id=w.draft().draft_id,
            version=1,
            mailbox_connected=True,
            now=NOW,
        ),
        "claim_draft_for_sending",
    ),
    "draft_follow_up_with_auto_send": (
        lambda w: draft_follow_up_with_auto_send(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            lead_id=w.lead(status=LeadStatus.working),
            mailbox_connected=True,
            now=NOW,
        ),
        "draft_follow_up",
    ),
    "edit_draft": (
        lambda w: edit_draft(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            draft_id=w.draft().draft_id,
            body="Hi Dana",
            now=NOW,
        ),
        "edit_draft",
    ),
    "discard_draft": (
        lambda w: discard_draft(
            session=w.session, workspace=w.ws, actor=w.actor, draft_id=w.draft().draft_id, now=NOW
        ),
        "discard_draft",
    ),
    "claim_draft_for_sending": (
        lambda w: claim_draft_for_sending(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            draft_id=w.draft(approved=True).draft_id,
            now=NOW,
        ),
        "claim_draft_for_sending",
    ),
    "deliver_claimed_draft": (_deliver, "send_draft"),
    "settle_unconfirmed_send": (_settle, "settle_unconfirmed_send"),
    "mark_draft_sent": (
        lambda w: mark_draft_sent(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            draft_id=w.draft(approved=True).draft_id,
            now=NOW,
        ),
        "mark_draft_sent",
    ),
    "record_review_messages": (
        lambda w: record_review_messages(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            draft_id=w.draft().draft_id,
            refs=[{"channel": "D1", "ts": "1.0"}],
            now=NOW,
        ),
        "post_draft_for_review",
    ),
    "claim_quickbooks_push": (
        lambda w: claim_quickbooks_push(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            contact_id=w.contact(),
            confirmed=True,
            choice=PushChoice.create,
        ),
        "confirm_quickbooks_customer",
    ),
    "record_quickbooks_customer": (
        lambda w: record_quickbooks_customer(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            push_id=claim_quickbooks_push(
                session=w.session,
                workspace=w.ws,
                actor=w.actor,
                contact_id=w.contact(),
                confirmed=True,
                choice=PushChoice.create,
            ).push_id,
            customer=QuickBooksCustomer("qb-58", "Dana"),
            linked=False,
            now=NOW,
        ),
        "create_quickbooks_customer",
    ),
    "connect_quickbooks": (
        lambda w: _connect_quickbooks(w, w.actor),
        "connect_quickbooks",
    ),
    "disconnect_quickbooks": (
        lambda w: (
            _connect_quickbooks(w, OWNER),
            disconnect_quickbooks(session=w.session, workspace=w.ws, actor=w.actor),
        ),
        "disconnect_quickbooks",
    ),
    "decline_quickbooks_prompt": (
        lambda w: decline_quickbooks_prompt(
            session=w.session, workspace=w.ws, actor=w.actor, contact_id=w.contact()
        ),
        "decline_quickbooks_prompt",
    ),
    "create_reminder": (
        lambda w: create_reminder(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            due_date=date(2026, 6, 1),
            note="Check back",
            contact_id=w.contact(),
            now=NOW,
        ),
        "create_reminder",
    ),
    "complete_reminder": (
        lambda w: complete_reminder(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            reminder_id=make_reminder(w.session, TEAM, date(2026, 3, 2)).reminder_id,
        ),
        "complete_reminder",
    ),
    "cancel_reminder": (
        lambda w: cancel_reminder(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            reminder_id=make_reminder(w.session, TEAM, date(2026, 3, 2)).reminder_id,
        ),
        "cancel_reminder",
    ),
    "update_settings": (
        lambda w: update_settings(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            changes={"stale_after_business_days": 4},
        ),
        "update_settings",
    ),
    "import_document": (
        lambda w: import_document(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            document=json.loads(SAMPLE.read_text("utf-8")),
        ),
        "import",
    ),
    "import_contacts_csv": (
        lambda w: import_contacts_csv(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            text="Name,Phone\nDana Smith,555-201-3344\n",
        ),
        "import",
    ),
    "connect_mailbox": (lambda w: _connect_mailbox(w), "connect_mailbox"),
    "add_webhook": (lambda w: _add_webhook(w), "add_webhook"),
    "turn_off_webhook": (
        lambda w: turn_off_webhook(
            session=w.session,
            workspace=w.ws,
            actor=w.actor,
            subscription_id=_add_webhook(w).subscription_id,
            now=NOW,
        ),
        "turn_off_webhook",
    ),
    "set_handoff_channel": (
        lambda w: set_handoff_channel(
            session=w.session, workspace=w.ws, actor=w.actor, channel="#scheduling", now=NOW
        ),
        "set_handoff_channel",
    ),
    "rotate_form_token": (
        lambda w: rotate_form_token(session=w.session, workspace=w.ws, actor=w.actor, now=NOW),
        "rotate_form_token",
    ),
    "set_form_redirect": (
        lambda w: set_form_redirect(
            session=w.session, workspace=w.ws, actor=w.actor, url="https://x.example/t", now=NOW
        ),
        "set_form_redirect",
    ),
    "disable_form": (
        lambda w: disable_form(session=w.session, workspace=w.ws, actor=w.actor, now=NOW),
        "disable_form",
    ),
    "enable_form": (
        lambda w: enable_form(session=w.session, workspace=w.ws, actor=w.actor, now=NOW),
        "rotate_form_token",  # a form never set up gets its token
    ),
    "disconnect_mailbox": (
        lambda w: (
            _connect_mailbox(w),
            disconnect_mailbox(session=w.session, workspace=w.ws, actor=w.actor, now=NOW),
        ),
        "disconnect_mailbox",
    ),
    "set_do_not_contact": (
        lambda w: set_do_not_contact(
            w.session, workspace=w.ws, contact_id=w.contact(), actor=w.actor, reason="asked"
        ),
        "set_do_not_contact",
    ),
    "clear_do_not_contact": (
        lambda w: (
            (contact_id := w.contact()),
            set_do_not_contact(w.session, workspace=w.ws, contact_id=contact_id, actor="U0SETTER"),
            clear_do_not_contact(w.session, workspace=w.ws, contact_id=contact_id, actor=w.actor),
        ),
        "clear_do_not_contact",
    ),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_operation_names_its_actor_in_the_audit_log(
    session: Session, workspace_id: str, operation: str
) -> None:
    run, action = OPERATIONS[operation]
    actor = f"U0{operation.upper().replace('_', '')}"[:20]
    ws = get_workspace(session, workspace_id)
    ws.owner_ids = [*ws.owner_ids, actor]  # owner-only operations need an owner to run
    session.flush()

    run(World(session, ws, actor))

    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.workspace_id == TEAM, AuditEntry.actor == actor)
    ).all()
    assert action in actions


# Functions that take an actor but are not operations of their own: the audit helpers, the
# owner check, reads that only check ownership, and building blocks whose audit rows are
# written under the calling operation's actor (each runs inside an operation above).
NOT_OPERATIONS = {
    "platform.audit.audit",
    "platform.audit.record_audit",
    "workspaces.service.require_owner",
    "contacts.service.create_contact",
    "contacts.service.find_or_create_company",
    "activity.service.log_system_note",
    "activity.service.record_interaction",
    "drafts.sending.log_sent_message",
    "leads.won_confirmations.consume_won_confirmation",
}
# The bot's request helpers: each settles what a click or a line means, then calls one of the
# operations above (edit, mark sent, convert, log), whose audit row names the same actor.
COMPOSED_MODULES = {
    "leads.decisions",
    "drafts.decisions",
    "activity.flows",
    "reports.dashboard",
    "contacts.person_lookup",
    "drafts.flows",
    "quickbooks.flow",
}


def test_every_operation_of_the_core_is_in_the_list() -> None:
    found = set()
    for info in pkgutil.walk_packages(core.__path__, prefix="core."):
        name_in_core = info.name.removeprefix("core.")
        if info.ispkg or ".migrations" in info.name or name_in_core in COMPOSED_MODULES:
            continue
        module = importlib.import_module(info.name)
        for name, function in vars(module).items():
            if (
                inspect.isfunction(function)
                and function.__module__ == module.__name__
                and not name.startswith("_")
                and "actor" in inspect.signature(function).parameters
            ):
                found.add(f"{name_in_core}.{name}")
    assert {name.rpartition(".")[2] for name in found - NOT_OPERATIONS} == set(OPERATIONS)
