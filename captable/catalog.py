"""The catalog of a company's events: one small row per fold entry, to find what a question needs unparsed.

Each row holds an entry's effective key (``Entry.key``, instants as UTC microseconds, so that SQL
orders rows as the fold does), the fact's id and type, the stored hash of its event and ``names``:
what the fact names that changes how *other* entries fold (the event an ``EventRetracted``
retracts, the issuance a ``ConversionRatioAdjusted`` excludes under §4.4(b), the warrant of a §4.7
``BoardAdjustment``, whose instant excludes issuances under §4.4(a)). ``reach`` says from which key
a new fact changes the fold: every checkpoint at or after it is stale.

A digest over a run of rows lets a reader check the rows it relies on against the digest written
with a checkpoint (``segment``), so an edited catalog is never read as if it were the events'.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from captable.events import BoardAdjustment, ConversionRatioAdjusted, EventRetracted
from captable.instants import UTC
from projections.timeline import Entry

Key = tuple[int, int, int, str]  # effective µs, recorded µs, stream position, phase: Entry.key in numbers
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COLUMNS = "effective, recorded, seq, phase, id, type, names, hash"
# Types whose rows change how other entries fold: kept apart by their own digest (``marks``).
MARKS = (EventRetracted.__name__, ConversionRatioAdjusted.__name__, BoardAdjustment.__name__)
ISSUANCES = ("SharesIssued", "OptionsIssued")


def micros(instant: datetime) -> int:
    return (instant - _EPOCH) // _ONE


_ONE = timedelta(microseconds=1)


def instant_of(micros_: int) -> datetime:
    return _EPOCH + micros_ * _ONE


@dataclass(frozen=True, slots=True)
class Row:
    """One catalog row (see the module docstring)."""

    effective: int
    recorded: int
    seq: int
    phase: str
    id: str
    type: str
    names: str | None
    hash: str

    @property
    def key(self) -> Key:
        return (self.effective, self.recorded, self.seq, self.phase)

    def values(self, company: str) -> tuple[object, ...]:
        return (company, self.effective, self.recorded, self.seq, self.phase, self.id, self.type, self.names,
                self.hash)


def key_of(entry: Entry) -> Key:
    """An entry's place in effective order, as its catalog row is keyed."""
    return (micros(entry.effective), micros(entry.recorded), entry.seq, entry.phase)


def row_of(entry: Entry) -> Row:
    fact = entry.fact
    names = (fact.event if isinstance(fact, EventRetracted)
             else fact.issuance if isinstance(fact, ConversionRatioAdjusted)
             else fact.warrant if isinstance(fact, BoardAdjustment) else None)
    return Row(micros(entry.effective), micros(entry.recorded), entry.seq, entry.phase, fact.id or "",
               fact.type_name, names, entry.hash)


def from_tuples(found: Iterable[Sequence[object]]) -> list[Row]:
    return [Row(*values) for values in found]  # type: ignore[arg-type]


def digest(rows: Iterable[Row]) -> str:
    """The digest of a run of rows, in their order."""
    text = json.dumps([[r.effective, r.recorded, r.seq, r.phase, r.id, r.type, r.names, r.hash] for r in rows],
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def reach(row: Row, main: Callable[[str], Row | None], depth: int = 0) -> Key:
    """The earliest key whose fold a new fact changes: its own; for a §4.4(b) adjustment, the issuance it
    excludes; for a §4.7 adjustment, every entry at its instant (§4.4(a)); for a retraction, the reach of
    the fact it retracts."""
    key = row.key
    if row.names and row.type == ConversionRatioAdjusted.__name__:
        issuance = main(row.names)
        if issuance is not None:
            key = min(key, issuance.key)
    elif row.type == BoardAdjustment.__name__:
        key = min(key, (row.effective, -1, -1, ""))
    elif row.names and row.type == EventRetracted.__name__ and depth < 2:
        retracted = main(row.names)
        if retracted is not None:
            key = min(key, reach(retracted, main, depth + 1))
    return key


def retracted_ids(marks: Sequence[Row]) -> set[str]:
    """With the latest knowledge every retraction counts (DESIGN §6 item 20)."""
    return {r.names for r in marks if r.type == EventRetracted.__name__ and r.names}
