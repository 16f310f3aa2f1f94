"""Typed errors carrying what the user needs to fix the problem.

Every error a user can cause is a `CRMError`; its `message` is a friendly sentence safe to
show in Slack or on the command line, and `field` (when set) names the input that was wrong,
so a modal can show the error on that field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.common.english import joined


class CRMError(Exception):
    """Base of every error a user can cause; `message` is shown as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(CRMError):
    """A value the user gave cannot be used (bad phone, bad email, unknown choice, too long)."""


class InvalidPhone(InvalidInput):
    """A phone number that `phonenumbers` does not find possible for the region."""


class InvalidEmail(InvalidInput):
    """An email address that `email-validator` refuses."""


class NotFound(CRMError):
    """The record asked for does not exist in this workspace."""


class NotAnOwner(CRMError):
    """An owner-only action was attempted by someone who is not an owner."""


class ApprovalRequired(CRMError):
    """A draft was about to be sent without a valid owner approval of its current version."""


class DoNotContact(CRMError):
    """The contact asked not to be contacted: nothing may be drafted, approved or sent to them."""

    def __init__(self, message: str, *, contact_id: str) -> None:
        super().__init__(message)
        self.contact_id = contact_id


class ConfirmationRequired(CRMError):
    """A consequential action (mark won, QuickBooks customer) was attempted unconfirmed."""


class InvalidTransition(CRMError):
    """The record is not in a state that allows this action (e.g. converting a lost lead)."""


class AlreadyDone(InvalidTransition):
    """Someone else made this very change first (a double click, a colleague); nothing changed.

    Its message says what already happened, so the person is told, not scolded.
    """


class IncompleteContact(CRMError):
    """Conversion needs name, phone and address; `missing` says which are absent."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            "The contact needs " + joined(missing) + " before the lead can be converted."
        )


class DeletionRefused(CRMError):
    """History is permanent: nothing is ever deleted."""


@dataclass
class DuplicateMatch:
    """One existing contact that matched by phone or email."""

    contact_id: str
    name: str
    matched_on: list[str] = field(default_factory=list)


class DuplicateContact(CRMError):
    """A new contact matches existing ones; the caller must decide (use, merge, separate)."""

    def __init__(
        self,
        matches: list[DuplicateMatch],
        proposed: dict[str, Any],
        *,
        lead_id: str | None = None,
        lead_contact_id: str | None = None,
    ) -> None:
        self.matches = matches
        self.proposed = proposed
        # Set when the capture was already saved as this lead, on this contact for now.
        self.lead_id = lead_id
        self.lead_contact_id = lead_contact_id
        names = joined([m.name for m in matches], last="or")
        super().__init__(f"This looks like an existing contact: {names}.")


class ImportRejected(CRMError):
    """A bad import file; names the row and field that is wrong. Nothing was written."""

    def __init__(self, message: str, *, row: int | str | None = None, field: str | None = None):
        self.row = row
        where = f"row {row}" if row is not None else "document"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}", field=field)


class QuickBooksProblem(CRMError):
    """QuickBooks did not do what was asked; `remedy` is the button the owner gets.

    `retry` (throttled, a validation fault, QuickBooks unavailable) or `reconnect` (the
    connection expired, was revoked, or was never made).
    """

    remedy = "retry"


class QuickBooksThrottled(QuickBooksProblem):
    """QuickBooks answered 429: too many requests; `retry_after` seconds to wait."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuickBooksRejected(QuickBooksProblem):
    """A validation fault: QuickBooks refused the customer's data (the message says which)."""


class QuickBooksUnavailable(QuickBooksProblem):
    """QuickBooks could not be reached or answered with a server error."""


class QuickBooksDisconnected(QuickBooksProblem):
    """No usable connection: never connected, disconnected, or Intuit revoked the tokens."""

    remedy = "reconnect"


class QuickBooksNameTaken(QuickBooksProblem):
    """Intuit's duplicate-name fault (6240): another customer already uses the DisplayName."""

    def __init__(self, message: str, *, display_name: str) -> None:
        super().__init__(message)
        self.display_name = display_name
