"""Lists read as a person writes them: "a phone number and a service address" (issue 15)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["joined"]


def joined(items: Iterable[str], *, last: str = "and") -> str:
    """`a`, `a and b`, `a, b and c` (`last` may be "or"); empty items are left out."""
    words = [item for item in items if item]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
