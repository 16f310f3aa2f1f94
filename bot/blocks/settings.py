"""The owners' settings modal and its parser (docs/product.md, Data: a workspace's settings).

Owners only (core's `update_settings` refuses anyone else). Auto-send carries a plain warning:
it lets drafts reach customers without an owner's review (hard stop 1's one exception).
Each scheduled post (daily, weekly, monthly) is a checkbox of its own, in a block named after
its setting (`daily_digest_enabled` -> `crm-daily-digest-enabled`), like every other field.
"""

from __future__ import annotations

from dataclasses import dataclass

import holidays

from bot.blocks.gmail import MailboxShown, mailbox_blocks
from bot.blocks.limits import Block, View, actions, button, mrkdwn_section, option
from bot.blocks.modals.inputs import (
    ModalMeta,
    form_modal,
    input_block,
    select_element,
    state_checked,
    state_element,
    state_selected,
    state_text,
    state_values,
    text_element,
)
from bot.blocks.quickbooks import connect_button
from bot.ids import ActionId, BlockId, ViewId, block_for_field
from core.errors import InvalidInput
from core.models import Workspace
from core.workspaces.service import SETTING_NAMES

AUTO_SEND_VALUE = "on"
POST_VALUE = "on"
# The schedule switches: setting, block, label, what ticking it does (option text, <= 75).
SCHEDULES = (
    (
        "daily_digest_enabled",
        BlockId.DAILY_DIGEST_ENABLED,
        "Daily digest",
        "Stale leads and follow-ups to the pipeline channel, business days",
    ),
    (
        "weekly_digest_enabled",
        BlockId.WEEKLY_DIGEST_ENABLED,
        "Weekly pipeline digest",
        "The pipeline summary to the pipeline channel every Monday",
    ),
    (
        "monthly_digest_enabled",
        BlockId.MONTHLY_DIGEST_ENABLED,
        "Monthly win/loss summary",
        "Last month's win/loss summary to each owner on the 1st",
    ),
)
# Core field -> the block its error is shown on (every setting's block follows the id rule).
SETTINGS_FIELDS = {
    name: block_for_field(name)
    for name in ("timezone", *SETTING_NAMES)
    if block_for_field(name) in {b.value for b in BlockId}
}
AUTO_SEND_WARNING = (
    ":warning: *Auto-send* sends follow-up drafts to customers *without an owner reviewing "
    "them first*. Leave it off unless every owner is sure; drafts that cannot be sent by the "
    "bot (texts, calls, email with no mailbox connected) still come to you."
)


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsInput:
    """The changes for `core.workspaces.service.update_settings`, by setting name."""

    changes: dict[str, object]
    meta: ModalMeta


def _hour_label(hour: int) -> str:
    twelve = hour % 12 or 12
    return f"{hour:02d}:00 ({twelve} {'AM' if hour < 12 else 'PM'})"


def settings_modal(
    workspace: Workspace, *, meta: ModalMeta | None = None, mailbox: MailboxShown | None = None
) -> View:
    """Owners' settings: zone, channel, owners, holidays, staleness, digests, auto-send.

    `mailbox`: the Gmail connection (its address, with Disconnect; or Connect Gmail).
    """
    carried = (meta or ModalMeta()).about(workspace.workspace_id)
    auto_option = option("Send drafts to customers without owner review", AUTO_SEND_VALUE)
    auto: Block = {"type": "checkboxes", "options": [auto_option]}
    if workspace.auto_send:
        auto["initial_options"] = [auto_option]
    owners: Block = {"type": "multi_users_select", "initial_users": list(workspace.owner_ids or [])}
    stale: Block = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "60",
        "initial_value": str(workspace.stale_after_business_days),
    }
    hours = [option(_hour_label(h), str(h)) for h in range(24)]
    blocks = [
        input_block(
            BlockId.TIMEZONE.value,
            "Time zone",
            text_element(workspace.timezone, max_length=64),
            hint="An IANA time zone, like America/Chicago or Europe/London.",
        ),
        input_block(
            BlockId.PIPELINE_CHANNEL.value,
            "Pipeline channel",
            text_element(workspace.pipeline_channel, max_length=100),
            hint="Where the daily and weekly digests go, like #pipeline.",
        ),
        input_block(BlockId.OWNER_IDS.value, "Owners", owners, hint="Owners approve drafts."),
        input_block(
            BlockId.HOLIDAY_COUNTRY.value,
            "Holiday country",
            text_element(workspace.holiday_country, max_length=8),
            hint="Country code whose public holidays are not business days (US, CA, GB…).",
        ),
        input_block(
            BlockId.STALE_AFTER_BUSINESS_DAYS.value,
            "A lead is stale after this many business days",
            stale,
        ),
        input_block(
            BlockId.DIGEST_HOUR.value,
            "Morning digest hour",
            select_element(hours, str(workspace.digest_hour)),
            hint="When the scheduled posts below go out, in the time zone above.",
        ),
        *(
            input_block(block.value, label, _switch(text, getattr(workspace, name)), optional=True)
            for name, block, label, text in SCHEDULES
        ),
        mrkdwn_section(AUTO_SEND_WARNING),
        input_block(BlockId.AUTO_SEND.value, "Auto-send", auto, optional=True),
        mrkdwn_section(
            "*QuickBooks Online:* connect (or reconnect) the company won customers go to."
        ),
        actions(BlockId.QUICKBOOKS_CONNECT, [connect_button()]),
        *(mailbox_blocks(mailbox) if mailbox is not None else []),
        *_web_edges(workspace),
    ]
    return form_modal(
        ViewId.SETTINGS,
        title="CRM settings",
        submit="Save",
        blocks=blocks,
        meta=carried,
    )


def _web_edges(workspace: Workspace) -> list[Block]:
    """The web form (on or off, with its switch) and where the hand-off webhooks are managed."""
    on = bool(workspace.form_enabled and workspace.form_token)
    switch = (
        button("Turn off", ActionId.FORM_OFF, "off", "danger")
        if on
        else button("Turn on", ActionId.FORM_ON, "on", "primary")
    )
    return [
        mrkdwn_section(
            f"*Web form:* {'on' if on else 'off'}. Its link, a snippet for your website and a "
            "new link: `/crm form`."
        ),
        actions(BlockId.FORM_ACTIONS, [switch]),
        mrkdwn_section(
            "*Hand-off webhooks* to estimating, scheduling and invoicing, and a hand-off "
            "channel: `/crm webhooks`."
        ),
    ]


def _switch(text: str, on: bool) -> Block:
    """One checkbox, ticked when the setting is on."""
    choice = option(text, POST_VALUE)
    element: Block = {"type": "checkboxes", "options": [choice]}
    if on:
        element["initial_options"] = [choice]
    return element


def settings_saved_text(workspace: Workspace) -> str:
    """What the owner is told once the settings are saved (auto-send is the one that matters)."""
    return f"Settings saved. Auto-send is {'on' if workspace.auto_send else 'off'}."


def _whole_number(text: str | None, *, field: str, label: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise InvalidInput(f"{label} must be a whole number.", field=field) from None


def parse_settings(view: View) -> SettingsInput:
    """Read and check the form; core's `update_settings` checks zone, owners and ranges again."""
    meta = ModalMeta.load(view.get("private_metadata"))
    values = state_values(view)
    changes: dict[str, object] = {}
    timezone = state_text(view, BlockId.TIMEZONE.value)
    if BlockId.TIMEZONE.value in values:
        if not timezone:
            raise InvalidInput("Give a time zone, like America/Chicago.", field="timezone")
        changes["timezone"] = timezone.strip()
    if BlockId.PIPELINE_CHANNEL.value in values:
        channel = (state_text(view, BlockId.PIPELINE_CHANNEL.value) or "").strip()
        if not channel:
            raise InvalidInput(
                "Name the pipeline channel, like #pipeline.", field="pipeline_channel"
            )
        changes["pipeline_channel"] = channel
    if BlockId.OWNER_IDS.value in values:
        owners = state_element(view, BlockId.OWNER_IDS.value).get("selected_users") or []
        changes["owner_ids"] = [str(u) for u in dict.fromkeys(owners)]
    if BlockId.HOLIDAY_COUNTRY.value in values:
        country = (state_text(view, BlockId.HOLIDAY_COUNTRY.value) or "").strip().upper()
        if country not in holidays.list_supported_countries():
            raise InvalidInput(
                f"'{country[:8]}' is not a country code with a holiday calendar (try US, CA, GB).",
                field="holiday_country",
            )
        changes["holiday_country"] = country
    if BlockId.STALE_AFTER_BUSINESS_DAYS.value in values:
        changes["stale_after_business_days"] = _whole_number(
            state_text(view, BlockId.STALE_AFTER_BUSINESS_DAYS.value),
            field="stale_after_business_days",
            label="Stale after",
        )
    if BlockId.DIGEST_HOUR.value in values:
        changes["digest_hour"] = _whole_number(
            state_selected(view, BlockId.DIGEST_HOUR.value),
            field="digest_hour",
            label="Digest hour",
        )
    for name, block, _, _ in SCHEDULES:
        if block.value in values:
            changes[name] = POST_VALUE in state_checked(view, block.value)
    if BlockId.AUTO_SEND.value in values:
        changes["auto_send"] = AUTO_SEND_VALUE in state_checked(view, BlockId.AUTO_SEND.value)
    return SettingsInput(changes=changes, meta=meta)
