"""Modal values: each capture modal's values are read or refused in words (a paste of 40,000
characters at once), and the operation the submission runs is all or nothing (see
tests/hostile_text.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from bot.blocks.modals import capture as modals
from bot.blocks.modals import capture_parsing as modal_forms
from bot.ids import ActionId, BlockId
from core.activity.flows import log_with_person
from core.contacts.service import add_customer
from core.leads.inquiries import capture_inquiry
from core.models import Workspace
from core.workspaces.service import get_workspace
from tests.conftest import STAFF
from tests.hostile_text import (
    all_or_nothing,
    assert_quick,
    long_inputs,
    pastes,
    pure,
    read_or_refuse,
    typed_lines,
    with_database,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TEXT_BLOCKS = (
    BlockId.NAME,
    BlockId.PHONE,
    BlockId.EMAIL,
    BlockId.ADDRESS,
    BlockId.TITLE,
    BlockId.DESCRIPTION,
    BlockId.ESTIMATED_VALUE,
    BlockId.NOTES,
    BlockId.HEARD_ABOUT,
    BlockId.COMPANY_NAME,
    BlockId.CONTACT,
    BlockId.BODY,
)
SELECT_BLOCKS = (BlockId.SOURCE, BlockId.PREFERRED_CHANNEL, BlockId.TYPE, BlockId.OUTCOME)
MODALS: dict[str, tuple[Callable[[], dict[str, Any]], Callable[[dict[str, Any]], Any]]] = {
    "new lead": (modals.new_lead_modal, modal_forms.parse_new_lead),
    "new customer": (modals.new_customer_modal, modal_forms.parse_new_customer),
    "log interaction": (modals.log_interaction_modal, modal_forms.parse_log_interaction),
}

values = st.fixed_dictionaries(
    {},
    optional={
        **{block.value: typed_lines for block in TEXT_BLOCKS},
        **{block.value: typed_lines for block in SELECT_BLOCKS},
        BlockId.FOLLOW_UP_DATE.value: typed_lines,
    },
)


def submitted(modal: str, typed: dict[str, str]) -> dict[str, Any]:
    """The modal as Slack sends it back, with `typed` in its inputs (selects and dates too)."""
    state: dict[str, Any] = {}
    for block, text in typed.items():
        if block in {b.value for b in SELECT_BLOCKS}:
            element = {"type": "static_select", "selected_option": {"value": text}}
        elif block == BlockId.FOLLOW_UP_DATE.value:
            element = {"type": "datepicker", "selected_date": text}
        else:
            element = {"type": "plain_text_input", "value": text}
        state[block] = {ActionId.INPUT.value: element}
    open_view, _parse = MODALS[modal]
    return {**open_view(), "state": {"values": state}}


@pure
@given(st.sampled_from(sorted(MODALS)), values)
def test_modal_values_are_read_or_refused_in_words(modal: str, typed: dict[str, str]) -> None:
    _open, parse = MODALS[modal]
    read_or_refuse(lambda: parse(submitted(modal, typed)))


@long_inputs
@given(st.sampled_from(sorted(MODALS)), st.sampled_from(TEXT_BLOCKS), pastes)
def test_a_40000_character_value_is_quick(modal: str, block: BlockId, paste: str) -> None:
    _open, parse = MODALS[modal]
    assert_quick(lambda: parse(submitted(modal, {block.value: paste})))


def run_submission(session: Session, ws: Workspace, modal: str, typed: dict[str, str]) -> Any:
    """What the submission's handler runs: the modal's parse, then its one operation."""
    form = MODALS[modal][1](submitted(modal, typed))
    if modal == "new lead":
        return capture_inquiry(
            session=session, workspace=ws, actor=STAFF, inquiry=form.inquiry, now=NOW
        )
    if modal == "new customer":
        return add_customer(session=session, workspace=ws, actor=STAFF, data=form.contact)
    return log_with_person(
        session,
        workspace=ws,
        actor=STAFF,
        who=form.who,
        contact_id=form.contact_id,
        lead_id=form.lead_id,
        opportunity_id=form.opportunity_id,
        type=form.interaction_type,
        body=form.body,
        outcome=form.outcome,
        follow_up_date=form.follow_up_date,
        now=NOW,
    )


@with_database
@given(st.sampled_from(sorted(MODALS)), values)
def test_a_submission_is_all_or_nothing(
    session: Session, workspace_id: str, modal: str, typed: dict[str, str]
) -> None:
    ws = get_workspace(session, workspace_id)
    all_or_nothing(session, lambda: run_submission(session, ws, modal, typed))
