"""The data dictionary: every table, by the procedure's own field names.

`records` holds the CRM's own records; `connections` the mailbox, the webhooks and the
consent links in progress; `ledgers` what was done (audit trail, job runs, and the Slack
events, emails, requests and form posts already handled); `quickbooks` the QuickBooks Online
connection and the pushes to it; `tallies` the counts the reports read, kept by triggers.
Import tables from here.
"""

from core.models.connections import MailboxConnection, OAuthState, WebhookSubscription
from core.models.ledgers import (
    AuditEntry,
    FormAttempt,
    FormSubmission,
    JobRun,
    OutboxItem,
    ProcessedEvent,
    ProcessedMail,
    SeenRequest,
)
from core.models.quickbooks import QuickBooksConnection, QuickBooksPush
from core.models.records import (
    PERMANENT_TABLES,
    Base,
    Company,
    Contact,
    ContactMerge,
    ContactPoint,
    Draft,
    Interaction,
    Lead,
    Opportunity,
    Reminder,
    Timestamped,
    WonConfirmation,
    Workspace,
    new_id,
    utcnow,
)
from core.models.tallies import DealTally, FollowUpTally, LeadTally, TouchTally

__all__ = [
    "AuditEntry",
    "Base",
    "Company",
    "Contact",
    "ContactMerge",
    "ContactPoint",
    "DealTally",
    "Draft",
    "FollowUpTally",
    "FormAttempt",
    "FormSubmission",
    "Interaction",
    "JobRun",
    "OutboxItem",
    "Lead",
    "LeadTally",
    "MailboxConnection",
    "OAuthState",
    "Opportunity",
    "PERMANENT_TABLES",
    "ProcessedEvent",
    "ProcessedMail",
    "QuickBooksConnection",
    "QuickBooksPush",
    "Reminder",
    "SeenRequest",
    "Timestamped",
    "TouchTally",
    "WebhookSubscription",
    "WonConfirmation",
    "Workspace",
    "new_id",
    "utcnow",
]
