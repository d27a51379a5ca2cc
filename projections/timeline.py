"""Effective order, the known-at filter, retractions, and checkpoints.

A company's stored events become ``Entry`` values ordered by (effective,
recorded, stream position): events with the same effective instant apply in
recorded order. ``known_at`` keeps what the books held at a recorded instant:
an event counts from its own recording, and stops counting from the
recording of an ``EventRetracted`` that names it (DESIGN §6 item 20).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from captable.events import CompanyFormed, Distribution, Event, EventRetracted, Reclassification, StockDividend
from captable.instants import start_of, zone


@dataclass(frozen=True, slots=True)
class Entry:
    """One event as the fold sees it: the fact and its two instants (UTC).

    A fact with a record date later than its effective instant (§4.2) has a
    second entry, ``phase="record"``, at the start of the record date: the
    declaration takes effect first, the entitlement on the record date.
    """

    effective: datetime
    recorded: datetime
    seq: int
    fact: Event
    hash: str = ""
    phase: str = ""
    actor: str = ""  # who recorded it

    @property
    def key(self) -> tuple[datetime, datetime, int, str]:
        return (self.effective, self.recorded, self.seq, self.phase)


def company_zone(facts: Iterable[Event]) -> ZoneInfo:
    for fact in facts:
        if isinstance(fact, CompanyFormed):
            return zone(fact.timezone)
    return zone(None)


def in_effective_order(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.effective, e.recorded, e.seq, e.phase))


RECORD_DATE_EVENTS = (StockDividend, Distribution, Reclassification)


def entry(fact: Event, recorded: datetime, seq: int, tz: ZoneInfo, hash: str = "", actor: str = "") -> Entry:
    """The fact's main entry, at its effective instant."""
    return Entry(start_of(fact.effective, tz), recorded, seq, fact, hash, "", actor)


def entries(fact: Event, recorded: datetime, seq: int, tz: ZoneInfo, hash: str = "", actor: str = "") -> list[Entry]:
    """The fact's entries: its effective instant, and its record date where that is a separate step."""
    main = entry(fact, recorded, seq, tz, hash, actor)
    if not isinstance(fact, RECORD_DATE_EVENTS):
        return [main]
    record_date = getattr(fact, "record_date", None)
    on_record = max(main.effective, start_of(record_date, tz)) if record_date else main.effective
    return [main, Entry(on_record, recorded, seq, fact, hash, "record", actor)]


def known_at(entries: Sequence[Entry], instant: datetime) -> list[Entry]:
    """The entries the books held at ``instant``, retractions applied, in the given order."""
    retracted = {
        e.fact.event  # type: ignore[attr-defined]
        for e in entries
        if isinstance(e.fact, EventRetracted) and e.recorded <= instant
    }
    return [
        e
        for e in entries
        if e.recorded <= instant and not isinstance(e.fact, EventRetracted) and e.fact.id not in retracted
    ]


class Timeline:
    """Point-in-time states over one known-at view, with optional checkpoints.

    With ``checkpoint_every`` set, the fold keeps a copy of the state every
    that many events, so a point-in-time query bisects the effective
    instants and folds at most that many events from the nearest checkpoint.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        fold_into: Callable[[object, Sequence[Entry]], None],
        new_state: Callable[[Sequence[Entry]], object],
        checkpoint_every: int | None = None,
    ) -> None:
        self.entries = entries
        self.instants = [e.effective for e in entries]
        self._fold_into = fold_into
        self._initial = new_state(entries)
        self._every = checkpoint_every
        self._checkpoints: list[object] = []
        if checkpoint_every:
            state = self._initial.copy()  # type: ignore[attr-defined]
            self._checkpoints.append(state.copy())  # type: ignore[attr-defined]
            for start in range(0, len(entries), checkpoint_every):
                fold_into(state, entries[start : start + checkpoint_every])
                self._checkpoints.append(state.copy())  # type: ignore[attr-defined]

    def count_until(self, instant: datetime) -> int:
        return bisect_right(self.instants, instant)

    def state_at(self, instant: datetime):  # type: ignore[no-untyped-def]
        n = self.count_until(instant)
        if self._every:
            index = n // self._every
            state = self._checkpoints[index].copy()  # type: ignore[attr-defined]
            self._fold_into(state, self.entries[index * self._every : n])
            return state
        state = self._initial.copy()  # type: ignore[attr-defined]
        self._fold_into(state, self.entries[:n])
        return state
