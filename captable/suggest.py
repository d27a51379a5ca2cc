"""What a refusal offers instead of an unknown name: the valid ones, the nearest first.

A user who types ``W2`` for ``W-2``, or ``Series_C`` for ``series_c``, is
told which names exist, so the fix is a copy, not a search through the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

SHOWN = 10  # a few to choose from; a store with hundreds of warrants says how many more


def nearest_first(written: str, names: Iterable[str]) -> list[str]:
    """``names``, the most like ``written`` first (case ignored), ties in alphabetical order."""
    wanted = written.lower()
    return sorted(set(names), key=lambda name: (-SequenceMatcher(None, wanted, name.lower()).ratio(), name))


def valid_ones(written: str, names: Iterable[str], plural: str) -> str:
    """``"; the warrants are W-2, W-1"``: to end a refusal's message, or ``"; there are no warrants"``."""
    ordered = nearest_first(written, names)
    if not ordered:
        return f"; there are no {plural}"
    shown = ", ".join(repr(name) for name in ordered[:SHOWN])
    more = len(ordered) - SHOWN
    return f"; the {plural} are {shown}" + (f" (and {more} more)" if more > 0 else "")
