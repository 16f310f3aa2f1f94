"""The export schemas accept a real export and name the path of whatever is wrong."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from schemas import (
    CRM_SCHEMA,
    OPPORTUNITY_SCHEMA,
    crm_validator,
    load_schema,
    validation_errors,
)

TS = "2024-03-15T14:05:00+00:00"


def contact(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "contact_id": "c-1",
        "first_name": "Maria",
        "last_name": "Alvarez",
        "company_id": "co-1",
        "phones": ["+15552013344", "+442071838750"],
        "emails": ["maria@alvarezproperties.com"],
        "address": "123 Main St, Springfield, IL 62701",
        "preferred_channel": "sms",
        "lifecycle_stage": "customer",
        "tags": ["plumbing", "maintenance_contract"],
        "quickbooks_customer_id": "58",
        "notes": "Gate code 4411. Dog in back yard.",
        "merged_into_contact_id": None,
        "archived": False,
        "created_at": "2024-01-02T09:00:00Z",
        "updated_at": "2024-03-15T09:12:33.120000-05:00",
    }
    return record | overrides


def company(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "company_id": "co-1",
        "name": "Alvarez Properties LLC",
        "type": "business",
        "main_phone": "+15552010000",
        "billing_address": "PO Box 77, Springfield, IL 62705",
        "primary_contact_id": "c-1",
        "status": "active_customer",
        "quickbooks_customer_id": "58",
        "created_at": TS,
        "updated_at": TS,
    }
    return record | overrides


def lead(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "lead_id": "l-1",
        "title": "Leaky faucet at 123 Main",
        "description": "Kitchen faucet drips; wants it fixed this week.",
        "contact_id": "c-1",
        "source": "phone_call",
        "status": "converted",
        "disqualification_reason": None,
        "estimated_value": 350,
        "pipeline_stage": "estimate_sent",
        "expected_close_date": "2024-03-22",
        "owner": "U04ABCD1234",
        "converted_opportunity_id": "o-1",
        "created_at": TS,
        "updated_at": TS,
    }
    return record | overrides


def interaction(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "interaction_id": "i-1",
        "type": "phone_call",
        "timestamp": "2024-03-15T10:30:00-05:00",
        "contact_id": "c-1",
        "lead_id": "l-1",
        "opportunity_id": None,
        "subject": None,
        "body": "Called about the drip; booked a visit.",
        "outcome": "spoke",
        "follow_up_date": "2024-03-18",
        "follow_up_status": "pending",
        "ai_summary": "Customer wants the faucet fixed; visit booked.",
        "created_at": TS,
        "updated_at": TS,
    }
    return record | overrides


def opportunity(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "opportunity_id": "o-1",
        "lead_id": "l-1",
        "contact_id": "c-1",
        "company_id": "co-1",
        "name": "Kitchen faucet replacement",
        "stage": "won",
        "amount": 412.5,
        "expected_close_date": "2024-03-22",
        "close_date": "2024-03-20",
        "loss_reason": None,
        "loss_notes": None,
        "estimate_id": "EST-1042",
        "owner": "U04ABCD1234",
        "created_at": TS,
        "updated_at": TS,
    }
    return record | overrides


def document(**collections: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "contacts": [contact()],
        "companies": [company()],
        "leads": [lead()],
        "interactions": [interaction()],
        "opportunities": [opportunity()],
    }
    return doc | collections


@pytest.mark.parametrize("name", [CRM_SCHEMA, OPPORTUNITY_SCHEMA])
def test_schema_files_are_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))


def test_realistic_export_passes() -> None:
    assert validation_errors(document()) == []


def test_empty_export_passes() -> None:
    empty: dict[str, list[Any]] = {
        "contacts": [],
        "companies": [],
        "leads": [],
        "interactions": [],
        "opportunities": [],
    }
    assert validation_errors(empty) == []


def test_unknowns_may_be_null() -> None:
    doc = document(
        contacts=[
            contact(
                last_name=None,
                company_id=None,
                phones=[],
                emails=[],
                address=None,
                preferred_channel=None,
                tags=[],
                quickbooks_customer_id=None,
                notes=None,
            )
        ],
        leads=[lead(estimated_value=None, expected_close_date=None, owner=None, contact_id=None)],
        opportunities=[
            opportunity(stage="lost", amount=None, close_date=None, loss_reason="price")
        ],
    )
    assert validation_errors(doc) == []


def test_unknown_enum_value_names_the_field() -> None:
    doc = document(contacts=[contact(lifecycle_stage="vip")])
    assert validation_errors(doc) == [
        "contacts[0].lifecycle_stage: 'vip' is not one of ['prospect', 'customer', 'past_customer']"
    ]


def test_missing_required_field_names_the_record() -> None:
    broken = lead()
    del broken["title"]
    assert validation_errors(document(leads=[lead(lead_id="l-0"), broken])) == [
        "leads[1]: 'title' is a required property"
    ]


def test_extra_property_is_refused() -> None:
    doc = document(companies=[company(fax="+15552010001")])
    assert validation_errors(doc) == [
        "companies[0]: Additional properties are not allowed ('fax' was unexpected)"
    ]


def test_extra_top_level_key_is_refused() -> None:
    doc = document() | {"drafts": []}
    assert validation_errors(doc) == [
        "(document): Additional properties are not allowed ('drafts' was unexpected)"
    ]


def test_date_in_another_shape_is_refused() -> None:
    doc = document(leads=[lead(expected_close_date="03/22/2024")])
    assert validation_errors(doc) == [
        "leads[0].expected_close_date: '03/22/2024' does not match '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'",
        "leads[0].expected_close_date: '03/22/2024' is not a 'date'",
    ]


def test_impossible_date_is_refused_by_the_format_checker() -> None:
    doc = document(interactions=[interaction(follow_up_date="2024-02-30")])
    assert validation_errors(doc) == [
        "interactions[0].follow_up_date: '2024-02-30' is not a 'date'"
    ]


def test_timestamp_without_offset_is_refused() -> None:
    doc = document(interactions=[interaction(timestamp="2024-03-15T10:30:00")])
    messages = validation_errors(doc)
    # One message from the pattern; a second if an RFC 3339 format checker is installed.
    assert messages
    assert all(m.startswith("interactions[0].timestamp: '2024-03-15T10:30:00' ") for m in messages)
    assert any(" does not match " in m for m in messages)


def test_interaction_must_link_to_something() -> None:
    doc = document(interactions=[interaction(contact_id=None, lead_id=None, opportunity_id=None)])
    assert validation_errors(doc) == [
        "interactions[0]: at least one of contact_id, lead_id, opportunity_id must be set"
    ]


def test_interaction_linked_only_to_an_opportunity_passes() -> None:
    doc = document(interactions=[interaction(contact_id=None, lead_id=None, opportunity_id="o-1")])
    assert validation_errors(doc) == []


def test_opportunity_items_follow_opportunity_schema() -> None:
    second = opportunity(opportunity_id="o-2", stage="pending")
    doc = document(opportunities=[opportunity(), second])
    assert validation_errors(doc) == [
        "opportunities[1].stage: 'pending' is not one of "
        "['estimating', 'proposal_sent', 'scheduled', 'won', 'lost']"
    ]


def test_phone_email_and_money_rules() -> None:
    doc = document(
        contacts=[contact(phones=["+15552013344", "555-1"], emails=["Maria@Example.com"])],
        leads=[lead(estimated_value=-5)],
        opportunities=[opportunity(amount="412.50")],
    )
    assert validation_errors(doc) == [
        "contacts[0].emails[0]: 'Maria@Example.com' does not match '^[^@\\\\sA-Z]+@[^@\\\\sA-Z]+$'",
        "contacts[0].phones[1]: '555-1' does not match '^\\\\+[1-9][0-9]{1,14}$'",
        "leads[0].estimated_value: -5 is less than the minimum of 0",
        "opportunities[0].amount: '412.50' is not of type 'number', 'null'",
    ]


def test_errors_sort_by_index_as_numbers() -> None:
    contacts = [contact(contact_id=f"c-{n}") for n in range(11)]
    contacts[2]["archived"] = "no"
    contacts[10]["archived"] = "yes"
    assert validation_errors(document(contacts=contacts)) == [
        "contacts[2].archived: 'no' is not of type 'boolean'",
        "contacts[10].archived: 'yes' is not of type 'boolean'",
    ]


def test_long_values_are_shortened_in_messages() -> None:
    doc = document(contacts=[contact(notes="x" * 10_001)])
    [message] = validation_errors(doc)
    assert message == "contacts[0].notes: '" + "x" * 76 + "... is too long"


def test_validator_checks_formats() -> None:
    assert crm_validator().format_checker is not None
