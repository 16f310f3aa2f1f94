"""The owner's tap puts the won customer in QuickBooks once: real client, real HTTP, stand-in.

Each test connects through Intuit's flow first (tests/integrations/conftest.py), then taps
the buttons an owner gets and checks what QuickBooks received and what the owner read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.handlers.actions import quickbooks as quickbooks_actions
from bot.ids import ActionId
from core.common.enums import InteractionType, QuickBooksConnectionStatus, QuickBooksPushStatus
from core.models import AuditEntry, Contact, Interaction, QuickBooksConnection, QuickBooksPush
from core.platform.token_cipher import cipher_from_keys
from tests.bot.harness import SECRET_KEY, SlackHarness, labels, messages_to
from tests.conftest import OWNER, TEAM
from tests.core.factories import make_contact
from tests.integrations.conftest import connect
from tests.integrations.quickbooks_standin import QuickBooksStandIn


def dana(sessions: sessionmaker[Session], **fields: Any) -> str:
    values: dict[str, Any] = {
        "phones": ["+15552013344"],
        "emails": ["dana@example.com"],
        "address": "123 Main St, Springfield",
    } | fields
    with sessions.begin() as session:
        return make_contact(session, TEAM, **values).contact_id


def tap(
    slack: SlackHarness, action: ActionId, contact_id: str, user: str = OWNER
) -> dict[str, Any]:
    slack.action(action, contact_id, user=user)
    return messages_to(slack.api, kind="response_url", user=user)[-1]


def stored_id(sessions: sessionmaker[Session], contact_id: str) -> str | None:
    with sessions() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        return contact.quickbooks_customer_id


def creates(qbo: QuickBooksStandIn) -> list[Any]:
    return qbo.calls_to("/customer", "POST")


def test_create_looks_first_then_creates_once_with_the_contact_fields(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    connect(slack, qbo)
    contact_id = dana(slack.sessions)
    done = tap(slack, ActionId.CREATE_IN_QUICKBOOKS, contact_id)
    assert done["text"] == "Created Dana Smith in QuickBooks (customer 58)."
    assert done["response_type"] == "in_channel" and done["replace_original"] is True
    queries = [call.query["query"] for call in qbo.calls_to("/query")]
    assert queries == [
        "select * from Customer where PrimaryEmailAddr = 'dana@example.com' maxresults 1",
        "select * from Customer where DisplayName = 'Dana Smith' maxresults 1",
    ]
    [create] = creates(qbo)
    assert create.body == {
        "DisplayName": "Dana Smith",
        "GivenName": "Dana",
        "FamilyName": "Smith",
        "PrimaryPhone": {"FreeFormNumber": "+15552013344"},
        "PrimaryEmailAddr": {"Address": "dana@example.com"},
        "BillAddr": {"Line1": "123 Main St, Springfield"},
        "ShipAddr": {"Line1": "123 Main St, Springfield"},
    }
    with slack.sessions() as session:
        push = session.scalars(select(QuickBooksPush)).one()
        assert create.query["requestid"] == f"{push.push_id}-1"
        assert push.status is QuickBooksPushStatus.done
        note = session.scalars(
            select(Interaction).where(Interaction.contact_id == contact_id)
        ).one()
        assert note.type is InteractionType.system
        assert note.body == "Created in QuickBooks as customer 58 (Dana Smith)."
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.actor == OWNER, AuditEntry.action.like("%quickbooks_customer"))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "confirm_quickbooks_customer",
        "create_quickbooks_customer",  # the contact
        "create_quickbooks_customer",  # the claim, settled
    ]
    assert stored_id(slack.sessions, contact_id) == "58"

    # A replayed or second tap: refused, and QuickBooks is not asked again.
    again = tap(slack, ActionId.CREATE_IN_QUICKBOOKS, contact_id)
    assert again["text"] == "Dana Smith is already in QuickBooks (customer 58)."
    assert len(creates(qbo)) == 1 and len(qbo.customers) == 1

    # /customer shows the QuickBooks link.
    slack.command("customer", "Dana Smith")
    card = messages_to(slack.api, kind="response_url")[-1]
    assert "QuickBooks" in str(card["blocks"]) and "58" in str(card["blocks"])


def test_a_customer_quickbooks_has_by_email_is_offered_and_linked(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    connect(slack, qbo)
    existing = qbo.add_customer(
        DisplayName="Dana S. (Springfield)", PrimaryEmailAddr={"Address": "Dana@Example.com"}
    )
    contact_id = dana(slack.sessions)
    offer = tap(slack, ActionId.CREATE_IN_QUICKBOOKS, contact_id)
    assert offer["text"] == (
        "QuickBooks already has Dana S. (Springfield) (Dana@Example.com). "
        "Link Dana Smith to that customer, or create a new one?"
    )
    assert labels(offer) == [  # the channel's message: every button is an owner's
        "Link to this customer (owner)",
        "Create new (owner)",
        "Not now (owner)",
    ]
    assert creates(qbo) == [] and stored_id(slack.sessions, contact_id) is None

    linked = tap(slack, ActionId.LINK_QUICKBOOKS_CUSTOMER, contact_id)
    assert linked["text"] == f"Linked Dana Smith to QuickBooks customer {existing} (Dana Smith)."
    assert stored_id(slack.sessions, contact_id) == existing
    assert creates(qbo) == [] and len(qbo.customers) == 1
    with slack.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "link_quickbooks_customer",
                AuditEntry.entity_type == "contacts",
            )
        ).one()
        assert entry.actor == OWNER


def test_a_taken_name_links_the_same_person_and_renames_a_different_one(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    connect(slack, qbo)
    # Another Dana Smith, with the same phone but an old email: the same person.
    same = qbo.add_customer(
        DisplayName="Dana Smith",
        PrimaryPhone={"FreeFormNumber": "(555) 201-3344"},
        PrimaryEmailAddr={"Address": "old@example.com"},
    )
    contact_id = dana(slack.sessions)
    assert labels(tap(slack, ActionId.CREATE_IN_QUICKBOOKS, contact_id))[0] == (
        "Link to this customer (owner)"
    )
    linked = tap(slack, ActionId.CREATE_NEW_IN_QUICKBOOKS, contact_id)  # 6240, then matched
    assert linked["text"] == f"Linked Dana Smith to QuickBooks customer {same} (Dana Smith)."
    [refused] = creates(qbo)
    assert refused.body["DisplayName"] == "Dana Smith"

    # A different Lee Park (nothing in common): a distinct name is proposed, a new requestid.
    qbo.add_customer(DisplayName="Lee Park", PrimaryEmailAddr={"Address": "lee@elsewhere.com"})
    lee = dana(
        slack.sessions, first_name="Lee", last_name="Park", emails=["lee@example.com"], phones=[]
    )
    tap(slack, ActionId.CREATE_IN_QUICKBOOKS, lee)
    rename = tap(slack, ActionId.CREATE_NEW_IN_QUICKBOOKS, lee)
    assert rename["text"] == (
        "QuickBooks already has a different customer named Lee Park. "
        "Create this one as “Lee Park (2)”?"
    )
    assert labels(rename) == ["Create as Lee Park (2) (owner)", "Not now (owner)"]
    created = tap(slack, ActionId.CREATE_RENAMED_IN_QUICKBOOKS, lee)
    new_id = stored_id(slack.sessions, lee)
    assert created["text"] == f"Created Lee Park in QuickBooks (customer {new_id})."
    clash, made = creates(qbo)[1:]
    assert made.body["DisplayName"] == "Lee Park (2)"
    assert clash.query["requestid"].endswith("-1") and made.query["requestid"].endswith("-2")
    assert qbo.customers[str(new_id)]["DisplayName"] == "Lee Park (2)"


class CrashAfterCreate:
    """The real adapter, but the process "dies" right after QuickBooks answered the create."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def find_customer(self, **kwargs: Any) -> Any:
        return self.real.find_customer(**kwargs)

    def create_customer(self, customer: Any, *, request_id: str) -> Any:
        self.real.create_customer(customer, request_id=request_id)
        raise SystemError("the process died before recording the answer")


def test_a_crash_after_the_call_then_a_retry_makes_one_customer(
    slack: SlackHarness, qbo: QuickBooksStandIn, monkeypatch: Any
) -> None:
    connect(slack, qbo)
    contact_id = dana(slack.sessions)
    real_push = quickbooks_actions.push_to_quickbooks

    def crashing_push(**kwargs: Any) -> Any:
        return real_push(**(kwargs | {"quickbooks": CrashAfterCreate(kwargs["quickbooks"])}))

    monkeypatch.setattr(quickbooks_actions, "push_to_quickbooks", crashing_push)
    slack.action(ActionId.CREATE_IN_QUICKBOOKS, contact_id, user=OWNER)
    assert len(qbo.customers) == 1 and stored_id(slack.sessions, contact_id) is None
    with slack.sessions() as session:
        push = session.scalars(select(QuickBooksPush)).one()
        assert push.status is QuickBooksPushStatus.claimed
    monkeypatch.setattr(quickbooks_actions, "push_to_quickbooks", real_push)

    done = tap(slack, ActionId.CREATE_IN_QUICKBOOKS, contact_id)
    assert done["text"] == "Created Dana Smith in QuickBooks (customer 58)."
    first, second = creates(qbo)
    assert first.query["requestid"] == second.query["requestid"] == f"{push.push_id}-1"
    assert len(qbo.customers) == 1 and stored_id(slack.sessions, contact_id) == "58"


def test_an_expired_access_token_is_refreshed_and_the_rotated_refresh_token_kept(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    connect(slack, qbo)
    cipher = cipher_from_keys(SECRET_KEY)
    qbo.expire_access_tokens()  # QuickBooks answers 401 to access-1
    contact_id = dana(slack.sessions)
    done = tap(slack, ActionId.CREATE_IN_QUICKBOOKS, contact_id)
    assert done["text"] == "Created Dana Smith in QuickBooks (customer 58)."
    statuses = [
        (call.path.rsplit("/", 1)[-1], call.authorization.split(" ")[0]) for call in qbo.calls
    ]
    assert statuses[1:3] == [("query", "Bearer"), ("bearer", "Basic")]  # 401, then refresh
    refresh = qbo.calls[2]
    assert refresh.body == {"grant_type": "refresh_token", "refresh_token": "refresh-1"}
    with slack.sessions() as session:
        connection = session.get(QuickBooksConnection, TEAM)
        assert connection is not None and connection.refresh_token is not None
        assert cipher.open(connection.refresh_token) == "refresh-2"
        assert connection.access_token is not None
        assert cipher.open(connection.access_token) == "access-2"
    assert "refresh-1" not in qbo.refresh_tokens  # Intuit retired it: losing refresh-2 would hurt


def test_a_token_about_to_expire_is_refreshed_before_the_call(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    connect(slack, qbo)
    with slack.sessions.begin() as session:
        connection = session.get(QuickBooksConnection, TEAM)
        assert connection is not None
        connection.access_token_expires_at = datetime.now(UTC) + timedelta(minutes=2)
    tap(slack, ActionId.CREATE_IN_QUICKBOOKS, dana(slack.sessions))
    kinds = [call.path.rsplit("/", 1)[-1] for call in qbo.calls[1:]]
    assert kinds[:2] == ["bearer", "query"]  # refreshed first: no 401 on the way


def test_a_revoked_connection_tells_the_owners_once_with_reconnect(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    connect(slack, qbo)
    qbo.revoked = True
    qbo.expire_access_tokens()
    contact_id = dana(slack.sessions)
    failed = tap(slack, ActionId.CREATE_IN_QUICKBOOKS, contact_id)
    assert failed["text"] == (
        "Dana Smith is not in QuickBooks yet: The QuickBooks connection has expired or was "
        "revoked; an owner needs to reconnect QuickBooks. Nothing was changed. Nothing was saved."
    )
    assert labels(failed) == ["Reconnect QuickBooks (owner)", "Not now (owner)"]
    dms = [m for m in slack.api.messages if m.get("kind") == "message"]
    assert [m["text"] for m in dms] == [
        "QuickBooks is disconnected: Intuit no longer accepts this app's access (it expired or "
        "was revoked). Customers can't be created in QuickBooks until an owner reconnects."
    ]
    assert labels(dms[0]) == ["Reconnect QuickBooks"]
    with slack.sessions() as session:
        connection = session.get(QuickBooksConnection, TEAM)
        assert connection is not None and connection.status is QuickBooksConnectionStatus.revoked

    tap(slack, ActionId.RETRY_QUICKBOOKS, contact_id)  # told again, owners not DMed again
    assert len([m for m in slack.api.messages if m.get("kind") == "message"]) == 1
    assert stored_id(slack.sessions, contact_id) is None and creates(qbo) == []

    # Reconnect hands the owner a fresh link; after it, Retry works.
    link = tap(slack, ActionId.RECONNECT_QUICKBOOKS, contact_id)
    assert link["text"].startswith("Reconnect QuickBooks: open the link")
    qbo.revoked = False
    connect(slack, qbo)
    done = tap(slack, ActionId.RETRY_QUICKBOOKS, contact_id)
    assert done["text"] == "Created Dana Smith in QuickBooks (customer 58)."


def test_throttling_and_validation_faults_reach_the_owner_with_retry(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    connect(slack, qbo)
    contact_id = dana(slack.sessions)
    qbo.throttle = [7]
    busy = tap(slack, ActionId.CREATE_IN_QUICKBOOKS, contact_id)
    assert busy["text"] == (
        "Dana Smith is not in QuickBooks yet: QuickBooks is busy (too many requests); "
        "try again in 7 seconds. Nothing was saved."
    )
    assert labels(busy) == ["Retry (owner)", "Not now (owner)"]
    qbo.reject_next_create = "Invalid Address: Line1 is too long"
    rejected = tap(slack, ActionId.RETRY_QUICKBOOKS, contact_id)
    assert rejected["text"] == (
        "Dana Smith is not in QuickBooks yet: QuickBooks refused the customer: A business "
        "validation error has occurred; Invalid Address: Line1 is too long Nothing was saved."
    )
    assert labels(rejected) == ["Retry (owner)", "Not now (owner)"]
    assert stored_id(slack.sessions, contact_id) is None
    done = tap(slack, ActionId.RETRY_QUICKBOOKS, contact_id)
    assert done["text"] == "Created Dana Smith in QuickBooks (customer 58)."
    first, second = creates(qbo)
    assert first.query["requestid"] != second.query["requestid"]  # a refusal is not replayed
