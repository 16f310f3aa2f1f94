"""The Merge into… form's search and its options, as built from core records."""

from __future__ import annotations

from bot.blocks.limit_check import limit_violations
from bot.blocks.limits import slack_len
from bot.blocks.modals.contact_forms import merge_into_modal, merge_options
from bot.blocks.modals.inputs import ModalMeta
from bot.ids import ActionId
from core.contacts.matching import set_contact_points
from core.models import Contact


def person(contact_id: str, first: str, last: str, phones: list[str], emails: list[str]) -> Contact:
    contact = Contact(contact_id=contact_id, workspace_id="T0TEST", first_name=first)
    contact.last_name = last
    set_contact_points(contact, phones=phones, emails=emails)
    return contact


def test_the_form_searches_rather_than_lists() -> None:
    dee = person("ct_dee", "Dee", "Smith", ["+15552019999"], [])
    view = merge_into_modal(dee, meta=ModalMeta())
    element = view["blocks"][1]["element"]
    assert element["type"] == "external_select"
    assert element["action_id"] == ActionId.MERGE_SURVIVOR.value
    assert element["min_query_length"] == 2
    assert "options" not in element
    assert limit_violations(view) == []


def test_options_tell_two_namesakes_apart_and_fit_slack() -> None:
    by_phone = person("ct_1", "Dana", "Smith", ["+15552013344"], ["dana@example.com"])
    by_email = person("ct_2", "Dana", "Smith", [], ["dana@other.example"])
    long = person("ct_3", "Dana" * 20, "Smith" * 10, ["+15552017777"], [])
    options = merge_options([by_phone, by_email, long], region="US")
    texts = [o["text"]["text"] for o in options]
    assert texts[:2] == ["Dana Smith · (555) 201-3344", "Dana Smith · dana@other.example"]
    assert [o["value"] for o in options] == ["ct_1", "ct_2", "ct_3"]
    assert slack_len(texts[2]) <= 75
    assert texts[2].endswith("…")
