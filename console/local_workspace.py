"""The console's one local workspace: its people, its channel, the bot, and the app's settings.

`crm console` (`console.driver.ConsoleSession`) plays Slack for this workspace: the owner and a
staff member type, `#general` is the channel, and the app's settings point every Slack call
at the local stand-in (`console.local_slack`).
"""

from __future__ import annotations

from pydantic import SecretStr

from core.platform.config import Settings

# The workspace `crm import` makes when none is named (cli.workspace_choice), so imported
# history shows up in the console.
CONSOLE_TEAM = "T0LOCAL"
CONSOLE_OWNER = "U0OWNER"
CONSOLE_STAFF = "U0STAFF"
CONSOLE_USERS = {CONSOLE_OWNER: "Owner", CONSOLE_STAFF: "Staff"}
CONSOLE_CHANNEL = "C0GENERAL"
CHANNEL_NAMES = {CONSOLE_CHANNEL: "general"}
BOT_USER = "U0BOT"
BOT_TOKEN = "xoxb-console"
APP_ID = "A0CONSOLE"


def console_settings(
    base: Settings, *, api_url: str, signing_secret: str, owner_ids: list[str]
) -> Settings:
    """The app's settings in the console: one workspace over HTTP, Slack being the stand-in."""
    return base.model_copy(
        update={
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_signing_secret": SecretStr(signing_secret),
            "slack_app_token": None,
            "slack_client_id": None,
            "slack_client_secret": None,
            "slack_api_url": api_url,
            "crm_owner_ids": ",".join(owner_ids),
        }
    )
