"""Whether a company's derived tables (its head, catalog and checkpoints: ``captable.checkpoints``) agree with
its events, for ``captable verify``.

They are a cache, never the record: a disagreement is not tampering (the events' chains say that), only a
cache every reader would find stale and rebuild. So this reports and never refuses. Each is checked against
the events themselves, already found intact: the head against the event at its position, the catalog row by
row against the entries of the events up to it (read in effective order a batch at a time, as an audit reads
them: ``captable.effective_reads``), and each checkpoint against the fold of those entries, state and book of
obligations byte for byte, with the latest knowledge the head covers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eventsourcing.persistence import StoredEvent

from captable import book_codec
from captable.catalog import micros
from captable.checkpoints import Checkpoint, Checkpoints, Stale
from captable.effective_reads import LatestEntries
from captable.derived_tables import CATALOG, CHECKPOINTS, HEAD, database_errors
from captable.errors import Refused
from captable.ledger import gc_paused
from captable.events import CompanyFormed, EventRetracted
from captable.rows import UNREADABLE, parse_event
from projections.obligations import Observer
from projections.timeline import company_zone

_FORMED = CompanyFormed.TOPIC


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
    except database_errors() as error:
        return Derived("stale", problem=f"they cannot be read ({type(error).__name__})")
    finally:
        cache.close()


@dataclass(frozen=True)
class _Held:
    """The cache, and the rows verify has read and found intact: the catalog's events are taken from them, not
    read again (``effective_reads`` asks ``store.rows_at``)."""

    checkpoints: Checkpoints
    rows: Sequence[StoredEvent]

    @property
    def store(self) -> _Held:
        return self

    def rows_at(self, company: str, positions: Iterable[int]) -> dict[int, StoredEvent]:
        return {p: self.rows[p - 1] for p in positions if 0 < p <= len(self.rows)}


def _check(cache: Checkpoints, company: str, rows: Sequence[StoredEvent]) -> Derived:
    found = cache.tables.read(f"SELECT fingerprint FROM {{{HEAD}}} WHERE company = ?", (company,))
    if not found:
        if cache.tables.read(f"SELECT 1 FROM {{{CATALOG}}} WHERE company = ? LIMIT 1", (company,)):
            raise _Disagrees("a catalog without its head")
        return Derived("absent")
    if found[0][0] != cache.fingerprint:
        raise _Disagrees("written by another version of the fold")
    head = cache.head(company)
    if head is None:
        raise _Disagrees("the head's seal does not hold")
    if not 0 < head.version <= len(rows):
        raise _Disagrees(f"the head names stream position {head.version}, the stream holds {len(rows)}")
    try:
        last = parse_event(rows[head.version - 1])
        tz = company_zone(parse_event(r).fact for r in rows[:head.version] if r.topic == _FORMED)
    except UNREADABLE:
        raise _Disagrees("an event cannot be read") from None
    if (head.head, head.recorded, head.zone) != (last.hash, micros(last.timestamp), tz.key):
        raise _Disagrees(f"the head is not the event at stream position {head.version}")
    checkpoints = cache.stored(company)
    try:
        _fold_against(cache, company, checkpoints, LatestEntries(_Held(cache, rows), company, head))
    except Stale as problem:
        raise _Disagrees(str(problem)) from None
    return Derived("consistent", len(checkpoints), head.count)


def _fold_against(cache: Checkpoints, company: str, checkpoints: Sequence[Checkpoint], source: LatestEntries) -> None:
    """Each checkpoint against the fold, with the latest knowledge, of the catalog's entries it covers; every
    catalog row checked against its event on the way (``effective_reads``), a batch of them at a time."""
    observer, due = source.observer, iter(enumerate(checkpoints, 1))
    number, point = next(due, (0, None))
    for count, (entry, row) in enumerate(source.every_row(), 1):
        if row.type != EventRetracted.__name__ and row.id not in source.retracted:
            observer.step(entry)
        if point is not None and point.covered == count:
            if point.key != row.key or not point.sealed(cache.fingerprint, company):
                raise _Disagrees(f"checkpoint {number} does not name the catalog entry it covers")
            _same(cache, company, number, point, observer)
            number, point = next(due, (0, None))
    if point is not None:
        raise _Disagrees(f"checkpoint {number} does not name the catalog entry it covers")


def _same(cache: Checkpoints, company: str, number: int, point: Checkpoint, observer: Observer) -> None:
    body = cache.tables.read(f"SELECT state, book FROM {{{CHECKPOINTS}}} WHERE company = ? AND "
                             "(effective, recorded, seq, phase) = (?, ?, ?, ?)", (company, *point.key))
    state, book = (bytes(body[0][0]), bytes(body[0][1])) if body else (b"", b"")
    if (hashlib.sha256(state).hexdigest(), hashlib.sha256(book).hexdigest()) != (point.state_hash, point.book_hash):
        raise _Disagrees(f"checkpoint {number} is not the state it was sealed with")
    try:
        same = state == cache.codec.dumps(observer.state) and book == book_codec.dumps(observer.book)
    except TypeError:
        same = False
    if not same:
        raise _Disagrees(f"checkpoint {number} is not the fold of the events it covers")
