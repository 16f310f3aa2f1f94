"""Lists in plain English (issue 15: "needs a phone number and a service address")."""

from __future__ import annotations

from core.common.english import joined
from core.errors import IncompleteContact


def test_lists_read_as_a_person_writes_them() -> None:
    assert joined([]) == ""
    assert joined(["a name"]) == "a name"
    assert joined(["a phone number", "a service address"]) == "a phone number and a service address"
    assert joined(["a", "", "b", "c"], last="or") == "a, b or c"
    assert IncompleteContact(["a name", "a phone number", "a service address"]).message == (
        "The contact needs a name, a phone number and a service address before the lead can be "
        "converted."
    )
