"""Whether a company's derived tables (its head, catalog and checkpoints: ``captable.checkpoints``) agree with
its events, for ``captable verify``.

They are a cache, never the record: a disagreement is not tampering (the events' chains say that), only a
cache every reader would find stale and rebuild. So this reports and never refuses. Each is checked against
the events themselves, already found intact. Always: the head against the event at its position and the
company's zone, each checkpoint's seal, and that the checkpoints follow one another and cover no more than
the head does; that costs a few reads, whatever the history's length. With ``deep`` (``verify --derived``):
the catalog row by row against the entries of the events up to the head (read in effective order a batch at
a time, as an audit reads them: ``captable.effective_reads``), and each checkpoint against the fold of those
entries, state and book of obligations byte for byte, with the latest knowledge the head covers: a fold of
the whole history, which is what finding a cache rewritten with valid seals takes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from eventsourcing.persistence import StoredEvent

from captable import book_codec
from captable.catalog import micros
from captable.checkpoints import Checkpoint, Checkpoints, Stale
from captable.effective_reads import LatestEntries
from captable.derived_tables import CATALOG, CHECKPOINTS, HEAD, database_errors
from captable.errors import Refused
from captable.ledger import gc_paused
from captable.events import EventRetracted
from captable.rows import UNREADABLE, parse_event, stream_id
from projections.obligations import Observer
from projections.timeline import company_zone



@dataclass(frozen=True)
class Derived:
    """What was found: ``consistent``, ``stale`` (they disagree: ``problem`` says where) or ``absent``."""

    status: str
    checkpoints: int = 0
    catalog_rows: int = 0
    problem: str | None = None
    folded: bool = False  # whether each checkpoint was folded again from the events (``deep``)

    def line(self, company: str) -> str:
        if self.status == "consistent" and self.folded:
            return (f"{company}: checkpoints: {self.checkpoints} checked against the events, with the catalog of "
                    f"{self.catalog_rows} entries and its head, consistent")
        if self.status == "consistent":
            return (f"{company}: checkpoints: {self.checkpoints} sealed, in order, and within the {self.catalog_rows} "
                    "catalog entries of the head, which names the last event; `verify --derived` also folds each "
                    "against the events")
        if self.status == "absent":
            return f"{company}: checkpoints: none stored yet (the next read builds them)"
        return (f"{company}: checkpoints: stale or inconsistent ({self.problem}): they will be rebuilt on the next "
                "read; the events are not affected")

    def to_json(self) -> dict[str, object]:
        return {"status": self.status, "checkpoints": self.checkpoints, "catalog_rows": self.catalog_rows,
                "folded": self.folded, "problem": self.problem}


class _Disagrees(Exception):
    pass


def check(store: Any, company: str, events: int, formed: Sequence[tuple[int, str, bytes]],
          deep: bool = False) -> Derived:
    """The company's derived tables against its ``events`` rows (their chain intact; ``formed`` its
    ``CompanyFormed`` rows)."""
    try:
        cache = Checkpoints(store)
    except Refused as error:  # CAPTABLE_CHECKPOINT_EVERY unreadable: nothing here depends on it
        return Derived("stale", problem=error.message)
    try:
        if not cache.tables.exist():
            return Derived("absent")
        with gc_paused():  # parsed events make no cycles: the collector would only rescan them
            return _check(cache, company, events, formed, deep)
    except _Disagrees as problem:
        return Derived("stale", problem=str(problem))
    except database_errors() as error:
        return Derived("stale", problem=f"they cannot be read ({type(error).__name__})")
    finally:
        cache.close()


def _check(cache: Checkpoints, company: str, events: int, formed: Sequence[tuple[int, str, bytes]],
           deep: bool) -> Derived:
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
    if not 0 < head.version <= events:
        raise _Disagrees(f"the head names stream position {head.version}, the stream holds {events}")
    try:
        last = parse_event(cache.store.rows_at(company, [head.version])[head.version])
        stream = stream_id(company)
        tz = company_zone(parse_event(StoredEvent(stream, *row)).fact for row in formed if row[0] <= head.version)
    except (*UNREADABLE, KeyError):
        raise _Disagrees("an event cannot be read") from None
    if (head.head, head.recorded, head.zone) != (last.hash, micros(last.timestamp), tz.key):
        raise _Disagrees(f"the head is not the event at stream position {head.version}")
    checkpoints = cache.stored(company)
    if not deep:
        _in_order(cache, company, checkpoints, head.count)
        return Derived("consistent", len(checkpoints), head.count)
    try:
        _fold_against(cache, company, checkpoints,
                      LatestEntries(SimpleNamespace(checkpoints=cache, store=cache.store), company, head))
    except Stale as problem:
        raise _Disagrees(str(problem)) from None
    return Derived("consistent", len(checkpoints), head.count, folded=True)


def _in_order(cache: Checkpoints, company: str, checkpoints: Sequence[Checkpoint], rows: int) -> None:
    """Each checkpoint sealed, each covering more catalog entries than the one before it and no more than the
    head's."""
    covered = 0
    for number, point in enumerate(checkpoints, 1):
        if not point.sealed(cache.fingerprint, company):
            raise _Disagrees(f"checkpoint {number}'s seal does not hold")
        if not covered < point.covered <= rows:
            raise _Disagrees(f"checkpoint {number} covers {point.covered} catalog entries, after {covered}, of "
                             f"{rows}")
        covered = point.covered


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
