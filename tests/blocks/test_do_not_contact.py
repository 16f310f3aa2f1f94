"""Do not contact as the cards show it (pure builders, no app)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.blocks import cards
from bot.blocks.drafts import draft_review_message
from bot.blocks.limit_check import limit_violations
from bot.ids import ActionId
from core.common.enums import DraftChannel, DraftStatus
from core.contacts.history import ContactCard
from core.models import Draft
from tests.blocks.test_cards import dana
from tests.bot.harness import iter_buttons, labels, shown

MARKED = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)


def test_a_marked_contact_card_says_who_when_and_why_and_offers_clear_with_a_confirm() -> None:
    contact = dana(
        do_not_contact=True,
        do_not_contact_by="U0STAFF",
        do_not_contact_at=MARKED,
        do_not_contact_reason="asked us to stop <!channel>",
    )
    card = cards.contact_card(ContactCard(contact, None, [], None, None))
    text = shown(card)
    assert (
        ":no_entry: *Do not contact* — marked by <@U0STAFF> on "
        f"<!date^{int(MARKED.timestamp())}^{{date_short}}|2026-12-06>: asked us to stop "
        "&lt;!channel&gt;. Nothing can be drafted or sent to them"
    ) in text
    assert labels(card) == ["Log call", "Edit", "Merge into…", "Archive", "Clear do not contact"]
    [clear] = [
        b for b in iter_buttons(card["blocks"]) if b["action_id"] == ActionId.CLEAR_DO_NOT_CONTACT
    ]
    assert clear["value"] == "ct_dana" and clear["confirm"]["confirm"]["text"] == "Clear"
    assert limit_violations(card) == []


def test_a_draft_to_a_marked_contact_says_approve_is_refused() -> None:
    draft = Draft(
        draft_id="dr_1",
        channel=DraftChannel.email,
        recipient="dana@example.com",
        body="Hi Dana",
        status=DraftStatus.pending_approval,
        version=1,
        requested_by="U0STAFF",
    )
    review = draft_review_message(draft, contact_name="Dana Smith", do_not_contact=True)
    assert (
        ":no_entry: Dana Smith is marked do not contact: this draft can't be approved or sent."
    ) in shown(review)
    assert "marked do not contact" not in shown(draft_review_message(draft, contact_name="Dana"))
