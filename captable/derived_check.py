"""Whether a company's derived tables (its head, catalog and checkpoints: ``captable.checkpoints``) agree with
its events, for ``captable verify``.

They are a cache, never the record: a disagreement is not tampering (the events' chains say that), only a
cache every reader would find stale and rebuild. So this reports and never refuses. Each is checked against
the events themselves, already found intact: the head against the event at its position, the catalog row by
row against the entries of the events up to it, and each checkpoint against the fold of those entries, state
and book of obligations byte for byte, with the latest knowledge the head covers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from eventsourcing.persistence import StoredEvent

from captable import book_codec, catalog
from captable.catalog import COLUMNS, MARKS, from_tuples, micros, row_of
from captable.checkpoints import _CP, Checkpoints, _checkpoint
from captable.derived_tables import CATALOG, CHECKPOINTS, DATABASE_ERRORS, HEAD
from captable.errors import Refused
from captable.ledger import gc_paused
from captable.events import EventRetracted
from captable.rows import UNREADABLE, parse_event
from projections.fold import initial_state
from projections.obligations import Observer
from projections.timeline import company_zone, entries, in_effective_order

_ORDER = "effective, recorded, seq, phase"


@dataclass(frozen=True)
class Derived:
    """What was found: ``consistent``, ``stale`` (they disagree: ``problem`` says where) or ``absent``."""

    status: str
    checkpoints: int = 0
    catalog_rows: int = 0
    problem: str | None = None

    def line(self, company: str) -> str:
        if self.status == "consistent":
            return (f"{company}: checkpoints: {self.checkpoints} checked against the events, with the catalog of "
                    f"{self.catalog_rows} entries and its head, consistent")
        if self.status == "absent":
            return f"{company}: checkpoints: none stored yet (the next read builds them)"
        return (f"{company}: checkpoints: stale or inconsistent ({self.problem}): they will be rebuilt on the next "
                "read; the events are not affected")

    def to_json(self) -> dict[str, object]:
        return {"status": self.status, "checkpoints": self.checkpoints, "catalog_rows": self.catalog_rows,
                "problem": self.problem}


class _Disagrees(Exception):
    pass


def check(store: object, company: str, rows: Sequence[StoredEvent]) -> Derived:
    """The company's derived tables against its events ``rows`` (in stream order, their chain intact)."""
    try:
        cache = Checkpoints(store)
    except Refused as error:  # CAPTABLE_CHECKPOINT_EVERY unreadable: nothing here depends on it
        return Derived("stale", problem=error.message)
    try:
        if not cache.tables.exist():
            return Derived("absent")
        with gc_paused():  # parsed events make no cycles: the collector would only rescan them
            return _check(cache, company, rows)
    except _Disagrees as problem:
        return Derived("stale", problem=str(problem))
    except DATABASE_ERRORS as error:
        return Derived("stale", problem=f"they cannot be read ({type(error).__name__})")
    finally:
        cache.close()


def _check(cache: Checkpoints, company: str, rows: Sequence[StoredEvent]) -> Derived:
    found = cache.tables.read(f"SELECT fingerprint, version FROM {{{HEAD}}} WHERE company = ?", (company,))
    if not found:
        if cache.tables.read(f"SELECT 1 FROM {{{CATALOG}}} WHERE company = ? LIMIT 1", (company,)):
            raise _Disagrees("a catalog without its head")
        return Derived("absent")
    fingerprint, version = found[0]
    if fingerprint != cache.fingerprint:
        raise _Disagrees("written by another version of the fold")
    head = cache.head(company)
    if head is None:
        raise _Disagrees("the head's seal does not hold")
    if not 0 < head.version <= len(rows):
        raise _Disagrees(f"the head names stream position {head.version}, the stream holds {len(rows)}")
    try:
        records = [parse_event(r) for r in rows[:head.version]]
    except UNREADABLE:
        raise _Disagrees("an event cannot be read") from None
    tz = company_zone(r.fact for r in records)
    last = records[-1]
    if (head.head, head.recorded, head.zone) != (last.hash, micros(last.timestamp), tz.key):
        raise _Disagrees(f"the head is not the event at stream position {head.version}")
    expected = in_effective_order([e for r in records for e in entries(r.fact, r.timestamp, r.originator_version,
                                                                         tz, r.hash, r.actor)])
    wanted = [row_of(e) for e in expected]
    stored = from_tuples(cache.tables.read(f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE company = ? "
                                           f"ORDER BY {_ORDER}", (company,)))
    if stored != wanted:
        n = next((n for n, (a, b) in enumerate(zip(stored, wanted)) if a != b), min(len(stored), len(wanted)))
        raise _Disagrees(f"the catalog differs from the events at its entry {n + 1} in effective order")
    if head.count != len(wanted) or head.marks != catalog.digest(r for r in wanted if r.type in MARKS):
        raise _Disagrees("the head does not count the catalog's entries")
    checkpoints = [_checkpoint(v) for v in cache.tables.read(
        f"SELECT {_CP} FROM {{{CHECKPOINTS}}} WHERE company = ? ORDER BY {_ORDER}", (company,))]
    _fold_against(cache, company, checkpoints, expected, wanted)
    return Derived("consistent", len(checkpoints), len(wanted))


def _fold_against(cache: Checkpoints, company: str, checkpoints: Sequence, expected: Sequence,
                  wanted: Sequence) -> None:
    """Each checkpoint against the fold, with the latest knowledge, of the catalog's entries it covers."""
    retracted = {e.fact.event for e in expected if isinstance(e.fact, EventRetracted)}
    applied = [e for e in expected if not isinstance(e.fact, EventRetracted) and e.fact.id not in retracted]
    observer = Observer(())
    observer.state = initial_state(applied)
    folded = 0
    for number, point in enumerate(checkpoints, 1):
        if not point.sealed(cache.fingerprint, company) or not 0 < point.covered <= len(wanted) \
                or wanted[point.covered - 1].key != point.key:
            raise _Disagrees(f"checkpoint {number} does not name the catalog entry it covers")
        for entry in expected[folded:point.covered]:
            if not isinstance(entry.fact, EventRetracted) and entry.fact.id not in retracted:
                observer.step(entry)
        folded = point.covered
        body = cache.tables.read(f"SELECT state, book FROM {{{CHECKPOINTS}}} WHERE company = ? AND "
                                 "(effective, recorded, seq, phase) = (?, ?, ?, ?)", (company, *point.key))
        state, book = (bytes(body[0][0]), bytes(body[0][1])) if body else (b"", b"")
        if (hashlib.sha256(state).hexdigest(), hashlib.sha256(book).hexdigest()) != (point.state_hash,
                                                                                   point.book_hash):
            raise _Disagrees(f"checkpoint {number} is not the state it was sealed with")
        try:
            same = state == cache.codec.dumps(observer.state) and book == book_codec.dumps(observer.book)
        except TypeError:
            same = False
        if not same:
            raise _Disagrees(f"checkpoint {number} is not the fold of the events it covers")
