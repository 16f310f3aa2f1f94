"""Every trigger, request and hard stop of the procedure, checked off against its core tests.

The procedure (docs/product.md) is the requirements source: each item below names the tests that
show it, and this module fails if one of them is renamed away or stops using the database
(every database test runs on SQLite and on Postgres). Items a later module handles
(estimating, scheduling, the invoicing push itself) are noted where the procedure hands off.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

DATABASE_FIXTURES = {"session", "sessions", "ws", "workspace_id", "private_engine"}

CHECKLIST: dict[str, list[str]] = {
    # --- Scheduled behaviours
    "Daily: new/working leads quiet for 3 business days get the nudge": [
        "reports.test_followups::test_stale_over_thanksgiving_week",
        "reports.test_followups::test_the_holiday_is_not_a_business_day_but_only_in_its_country",
        "reports.test_followups::test_the_day_boundary_is_local_midnight_not_utc",
        "reports.test_followups::test_snoozed_and_closed_leads_are_never_stale",
    ],
    "Daily: follow-ups due today (pending) as the morning action list": [
        "reports.test_followups::test_the_morning_list",
        "reports.test_followups::test_today_is_the_workspace_date_not_the_utc_date",
    ],
    "Weekly: the pipeline summary": [
        "reports.test_reports::test_pipeline_summary",
        "reports.test_reports::test_the_window_is_seven_times_24_hours_across_a_clock_change",
    ],
    "Monthly: win/loss by outcome, top sources, average days to close": [
        "reports.test_reports::test_win_loss_of_the_previous_month",
    ],
    # --- Event triggers
    "New inquiry: an existing contact matched by phone or email is reused": [
        "leads.test_inquiries::test_an_inquiry_from_a_known_phone_reuses_the_contact",
        "leads.test_inquiries::test_a_known_email_in_another_case_reuses_the_contact",
    ],
    "New inquiry: a new contact, a lead (new, inquiry, source), an interaction, the notice": [
        "leads.test_inquiries::test_a_new_caller_gets_a_contact_a_lead_and_an_interaction",
        "leads.test_inquiries::test_source_sets_the_interaction_and_the_wording",
    ],
    "Lead qualified: stage needs_analysis/estimate_sent, status working, logged": [
        "leads.test_leads::test_qualify_moves_to_working_and_logs_it",
        "leads.test_leads::test_qualify_refuses_other_stages_and_closed_leads",
    ],
    "Lead converted: complete contact, opportunity estimating/scheduled, lead converted": [
        "leads.test_leads::test_convert_creates_the_opportunity_from_the_lead",
        "leads.test_leads::test_convert_to_scheduled_with_an_amount",
        "leads.test_leads::test_convert_refuses_an_incomplete_contact_and_writes_nothing",
    ],
    "Opportunity stage changes update the interaction log and the pipeline": [
        "leads.test_opportunities::test_stage_changes_are_logged_and_won_lost_need_their_own_actions",
    ],
    "Opportunity won: stage won, close date today, logged, QuickBooks question, customer": [
        "leads.test_opportunities::test_a_confirmed_win_by_the_owner",
        "leads.test_opportunities::test_close_date_is_today_in_the_workspace_zone",
        "leads.test_opportunities::test_no_quickbooks_question_when_contact_or_company_is_already_there",
    ],
    "Opportunity lost: reason, logged, nothing deleted, re-engage reminder offered": [
        "leads.test_opportunities::test_lost_keeps_lead_and_contact_and_offers_a_reminder",
        "leads.test_opportunities::test_lost_with_a_reengage_reminder",
        "leads.test_opportunities::test_yes_sets_one_reminder_in_90_days_however_often_it_is_pressed",
    ],
    # --- Common requests
    "Add a new customer: name, phone, email, address, how they heard; the confirmation": [
        "contacts.test_contacts::test_add_customer_creates_a_prospect_and_confirms",
        "contacts.test_contacts::test_heard_about_a_source_is_tagged_and_noted",
    ],
    "Log a call with [name]: the question, the summary, a follow-up date pending": [
        "activity.test_interactions::test_log_a_call_links_the_newest_open_lead",
        "activity.test_interactions::test_a_follow_up_date_makes_it_pending_and_a_past_one_is_refused",
    ],
    "What's our pipeline?: the summary, with leads past their expected close date": [
        "reports.test_reports::test_pipeline_summary",
    ],
    "Follow up on the [name] lead: history, last touchpoint, the stage's draft, for review": [
        "drafts.test_drafts::test_follow_up_on_the_dana_lead",
        "contacts.test_search::test_open_leads_for_the_dana_lead",
        "drafts.test_drafts::test_inquiry_draft_suggests_the_next_business_day",
        "drafts.test_drafts::test_scheduled_opportunity_gets_the_accepted_tone",
    ],
    "Convert [name] to a job": [
        "leads.test_leads::test_convert_creates_the_opportunity_from_the_lead",
        "leads.test_leads::test_convert_without_a_contact_says_so",
    ],
    "Disqualify [lead]: reason, status, logged, the record stays": [
        "leads.test_leads::test_disqualify_keeps_the_lead_with_its_reason",
        "leads.test_leads::test_disqualify_refuses_an_unknown_reason_and_a_huge_note",
    ],
    "How long since we talked to [customer]?": [
        "reports.test_followups::test_last_touchpoint_across_contact_leads_and_deals",
        "reports.test_followups::test_last_touchpoint_of_a_merged_contact_and_of_nobody",
    ],
    "Who are our newest customers?": [
        "reports.test_followups::test_newest_customers",
    ],
    # --- Hard stops, each with tries to break it
    "Hard stop 1: no message sent without owner review (unless auto-send is on)": [
        "drafts.test_draft_review::test_staff_cannot_approve_edit_or_discard",
        "drafts.test_draft_review::test_send_before_approval_never_reaches_the_sender",
        "drafts.test_draft_review::test_an_edit_after_approval_needs_a_new_approval",
        "drafts.test_draft_review::test_double_approve_and_double_send_send_once",
        "drafts.test_draft_review::test_a_crash_between_claim_and_delivery_never_sends_twice",
        "drafts.test_draft_review::test_two_connections_claiming_at_once_send_once",
        "drafts.test_draft_review::test_auto_send_is_off_and_only_an_owner_can_turn_it_on",
        "drafts.test_flows::test_with_auto_send_off_neither_flow_reaches_the_mailbox_before_approve",
    ],
    "Hard stop 2: no lead or contact deleted; history is permanent": [
        "platform.test_permanence::test_orm_refuses_to_delete_a_record",
        "platform.test_permanence::test_database_refuses_raw_delete",
        "platform.test_permanence::test_postgres_has_a_delete_trigger_on_every_permanent_table",
        "leads.test_leads::test_nothing_is_deleted_by_the_lifecycle",
        "contacts.test_contacts::test_merge_moves_history_and_keeps_the_other_archived",
    ],
    "Hard stop 3: no duplicate customers; a match is shown and a decision asked": [
        "contacts.test_contacts::test_a_matching_phone_or_email_is_refused_with_the_match_and_nothing_written",
        "contacts.test_contacts::test_an_archived_contact_still_counts_as_a_match",
        "contacts.test_contacts::test_create_separate_after_the_refusal",
        "contacts.test_contacts::test_update_refuses_another_contacts_phone_unless_allowed",
        "transfer.test_transfer::test_a_new_contact_sharing_a_phone_with_an_existing_one_is_a_duplicate",
        "transfer.test_csv_import::test_rows_merge_into_existing_contacts_and_earlier_rows",
    ],
    "Hard stop 4: no opportunity won without an owner's confirmation": [
        "leads.test_opportunities::test_a_non_owner_cannot_mark_won_even_confirmed",
        "leads.test_opportunities::test_the_owner_must_confirm",
        "leads.test_opportunities::test_a_closed_deal_cannot_be_won_again",
        "leads.test_won_confirmations::test_staff_can_neither_confirm_nor_win",
        "leads.test_won_confirmations::test_no_token_or_a_made_up_one_is_refused",
        "leads.test_won_confirmations::test_another_deals_token_is_refused",
        "leads.test_won_confirmations::test_an_expired_token_is_refused",
        "leads.test_won_confirmations::test_a_replayed_token_wins_nothing_more",
        "leads.test_won_confirmations::test_a_token_of_another_workspace_is_refused",
    ],
    "Hard stop 5: no QuickBooks customer without explicit owner confirmation": [
        "leads.test_quickbooks::test_every_way_round_the_gate_is_refused_and_the_id_is_stored_once",
        "leads.test_quickbooks::test_an_unusable_answer_stores_nothing",
        "leads.test_quickbooks::test_a_retry_resends_the_same_request_id_and_a_refusal_starts_a_new_one",
    ],
}


@pytest.mark.parametrize("item", list(CHECKLIST))
def test_the_item_has_database_tests_that_exist(item: str) -> None:
    for reference in CHECKLIST[item]:
        module_name, _, test_name = reference.partition("::")
        module = importlib.import_module(f"tests.core.{module_name}")
        test = getattr(module, test_name, None)
        assert callable(test), f"{item}: {reference} is gone"
        fixtures = set(inspect.signature(test).parameters)
        assert fixtures & DATABASE_FIXTURES, f"{reference} does not run on the databases"
