"""Persisted checkpoints of the fold: answers and decisions from the nearest one (issue 11).

Beside each company's events (``captable.derived_tables``) a cache holds:

- its head: the stream position V and the hash at V it is caught up to, the company's zone, how many
  catalog rows there are, a digest of the rows that change how others fold (``catalog.MARKS``), all
  sealed with the fingerprint of the fold's code (``projections.snapshot.FINGERPRINT``);
- the catalog (``captable.catalog``): every fold entry's effective key, id, type and event hash;
- checkpoints: the state for the latest knowledge (retractions applied) after every ``gap`` catalog
  rows in effective order, each with how many rows it covers, sealed the same way. The gap is ``every``
  rows while the state is small and grows with the last checkpoint's size past ``SCALE_BYTES``: writing
  the checkpoints then grows with the history, not with its square (the state grows with the holders),
  and a query folds at most about what loading its checkpoint costs, a small multiple of it. Readers find
  a checkpoint by its key, never by position.

It is never the truth. A reader catches it up from the events after V, checked as a chain from the hash
at V (``Store.since``); each new entry deletes the checkpoints at or after the key it changes
(``catalog.reach``). Every catalog row an answer folds is checked against its event (hash, seal, key),
and the rows between two checkpoints are counted, so an edited cache is rebuilt from the events, never
read (``Stale``). Writes are best-effort: a read-only store answers from what is there, or from the start.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from captable import book_codec, catalog, errors
from captable.catalog import (COLUMNS, ISSUANCES, MARKS, Key, Row, from_tuples, key_of, micros, reach, retracted_ids,
                              row_of)
from captable.chain import company_prefix, content_matches, link
from captable.derived_tables import CATALOG, CHECKPOINTS, HEAD, Cursor, Tables, database_errors
from captable.events import BoardAdjustment, ConversionRatioAdjusted, Event, EventRetracted
from captable.instants import zone
from captable.rows import UNREADABLE, Recorded, parse_event
from projections.fold import fold_into, initial_state
from projections.obligations import Book, Obligation, Observer
from projections.state import CompanyState
from projections.timeline import Entry, company_zone, entries, in_effective_order

DEFAULT_EVERY = 2000  # measured at 100k events: 1000 doubles the cost of a bulk import, 4000 doubles a query's
# Past a state this large (JSON bytes) the gap grows with it (``gap``). Measured at 100k events (3 MB): a query
# folds a row in ~100 µs (read, checked, parsed, folded), an import in 10-25 µs; a state writes and reads at
# 8-25 ns a byte. At 8 MB, ``every`` rows cost a query about what loading the state costs (~0.2 s), and past it
# stay so; below it (some 280k events of the synthetic company) nothing changes.
SCALE_BYTES = 8_000_000
FORMAT = "catalog-1"  # what this module writes; part of the fingerprint
_LAST: Key = (2**62, 2**62, 2**62, "~")  # after every key
_WRITE_EVERY = 8  # checkpoints written per transaction while extending: bounded memory and lock time
# A bulk import keeps at most this much of the checkpoints it takes while deciding (``Tap``, in a temporary
# file) until its events are stored; the cache folds on from the last one it keeps.
_HELD_BYTES = 8 * 2**30


def every_from_environment() -> int:
    text = os.environ.get("CAPTABLE_CHECKPOINT_EVERY", "").strip()
    if not text:
        return DEFAULT_EVERY
    if not text.isdigit() or int(text) < 1:
        raise errors.BadOption("CAPTABLE_CHECKPOINT_EVERY is a whole number of events, at least 1",
                               field="CAPTABLE_CHECKPOINT_EVERY", value=text)
    return int(text)


def default_codec() -> Any:
    from projections import snapshot

    return snapshot


class Stale(Exception):
    """The cache disagrees with the events or with itself: rebuild it from the events."""


@dataclass(frozen=True)
class Head:
    company: str
    version: int
    head: str
    recorded: int  # the last event's recorded instant, in µs: a known-at at or after it is the latest knowledge
    zone: str
    count: int
    marks: str

    def seal(self, fingerprint: str) -> str:
        return _sha([fingerprint, self.company, self.version, self.head, self.recorded, self.zone, self.count,
                     self.marks])


@dataclass(frozen=True)
class Checkpoint:
    """The fold's state after the catalog rows up to ``key``, and the obligations found so far (for notices)."""

    key: Key
    covered: int  # catalog rows at or before ``key``
    state_hash: str
    book_hash: str
    digest: str
    size: int = 0  # bytes of its state: how far the next checkpoint lies (``Checkpoints.gap``); not sealed

    def sealed(self, fingerprint: str, company: str) -> bool:
        return self.digest == _sha([fingerprint, company, *self.key, self.covered, self.state_hash,
                                    self.book_hash])


def _sha(values: Sequence[Any]) -> str:
    return hashlib.sha256(json.dumps(list(values), separators=(",", ":")).encode()).hexdigest()


_KEY = "(effective, recorded, seq, phase)"
_CP = "effective, recorded, seq, phase, covered, state_hash, book_hash, digest"
_CP_READ = f"{_CP}, length(state)"


class Checkpoints:
    """The cache of one store (see the module docstring)."""

    def __init__(self, store: Any, every: int | None = None, codec: Any = None) -> None:
        self.store = store
        self.every = every or every_from_environment()
        self.codec = codec or default_codec()
        self.fingerprint = f"{self.codec.FINGERPRINT}/{book_codec.FINGERPRINT}/{FORMAT}"
        self.tables = Tables(store)

    def close(self) -> None:
        self.tables.close()

    def tap(self) -> Tap | None:
        """Checkpoints to take from the fold that decides a batch against the whole history, or None when
        they could not be written."""
        return Tap(self) if self.tables.writable else None

    def gap(self, size: int) -> int:
        """How many catalog rows after a checkpoint whose state is ``size`` bytes the next one lies."""
        return max(self.every, self.every * size // SCALE_BYTES)

    # Catching up ------------------------------------------------------------------------------------------

    def current(self, company: str) -> Head | None:
        """The head caught up with the company's events (checked from the head's hash on), or None when the cache
        cannot serve (absent and not writable): then answer from the events themselves."""
        head = self.head(company) if self.tables.exist() else None
        if head is None:
            return self.rebuild(company)
        records = self.store.since(company, head.version, head.head)
        if records is None:
            return self.rebuild(company)
        if records:
            return self.absorb(company, head, records)
        self.extend(company, head)
        return head

    def rebuild(self, company: str) -> Head | None:
        """Everything derived for the company, again from its whole stream (checked from genesis)."""
        if not self.tables.writable:
            return None
        records = self.store.stream(company)
        return self.build(company, records) if records else None

    def build(self, company: str, records: Sequence[Recorded], taken: Sequence[Taken] = ()) -> Head | None:
        """The company's cache from its whole history ``records`` (read, or just stored), replacing any other;
        with the checkpoints ``taken`` from the fold that decided them (``Tap``), where they fall on rows."""
        tz = company_zone(r.fact for r in records)
        known = _known(records, tz)
        rows = sorted((row_of(e) for e in known.values()), key=lambda r: r.key)
        last = records[-1]
        head = Head(company, last.originator_version, last.hash, micros(last.timestamp), tz.key, len(rows),
                    catalog.digest(r for r in rows if r.type in MARKS))

        if not self.tables.write(lambda cursor: self._replace(cursor, company, head, rows)):
            return None
        fitting = [t for t in taken if 0 < t[1] <= len(rows) and rows[t[1] - 1].key == t[0]]
        if len(fitting) == len(taken):
            self._write_taken(company, head, taken)  # else not the rows the fold took them on: folded again
        self.extend(company, head, known)
        return head

    def build_streamed(self, company: str, head: Head, rows: Iterable[Row], taken: Sequence[Taken] = ()) -> None:
        """The company's cache after a streamed import of its whole history (``captable.bulk``): ``rows`` the
        catalog in effective order, ``taken`` the checkpoints the deciding fold took on those rows."""
        if self.tables.write(lambda cursor: self._replace(cursor, company, head, rows)):
            self._write_taken(company, head, taken)
            self.extend(company, head)

    def _replace(self, cursor: Cursor, company: str, head: Head, rows: Iterable[Row]) -> bool:
        """The company's derived tables replaced by its catalog ``rows`` and ``head``, without checkpoints."""
        for table in (HEAD, CATALOG, CHECKPOINTS):
            cursor.execute(f"DELETE FROM {{{table}}} WHERE company = ?", (company,))
        cursor.insert(CATALOG, _ROW_COLUMNS, (r.values(company) for r in rows))
        cursor.execute(f"INSERT INTO {{{HEAD}}} (company, fingerprint, version, head, recorded, zone, count, "
                       "marks, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (company, self.fingerprint, head.version, head.head, head.recorded, head.zone,
                        head.count, head.marks, head.seal(self.fingerprint)))
        return True

    def _write_taken(self, company: str, head: Head, taken: Sequence[Taken]) -> None:
        after = None
        for start in range(0, len(taken), _WRITE_EVERY):
            pending = [t.load() if isinstance(t, Spilled) else t for t in taken[start:start + _WRITE_EVERY]]
            if not self._write(company, head, after, pending):  # type: ignore[arg-type]
                return  # the history moved on: its next reader folds them again
            after = pending[-1][0]

    def absorb(self, company: str, head: Head, records: Sequence[Recorded]) -> Head | None:
        """The events after the head's position added to the catalog; the checkpoints they change deleted."""
        if not records:
            return head
        known = _known(records, zone(head.zone))
        rows = sorted((row_of(e) for e in known.values()), key=lambda r: r.key)
        mains = {r.id: r for r in rows if not r.phase}
        point = min(reach(r, lambda i: mains.get(i) or self._main(company, i)) for r in rows)
        last = records[-1]
        after = replace(head, version=last.originator_version, head=last.hash, recorded=micros(last.timestamp),
                        count=head.count + len(rows))
        marked = any(r.type in MARKS for r in rows)
        done: list[Head] = []

        def work(cursor: Cursor) -> bool:
            if not _claim(cursor, company, head, self.fingerprint, after.version):
                return False  # another writer caught it up first, or rebuilt it
            cursor.insert(CATALOG, _ROW_COLUMNS, (r.values(company) for r in rows))
            cursor.execute(f"DELETE FROM {{{CHECKPOINTS}}} WHERE company = ? AND {_KEY} >= (?, ?, ?, ?)",
                           (company, *point))
            new = replace(after, marks=catalog.digest(_marks(cursor, company))) if marked else after
            cursor.execute(f"UPDATE {{{HEAD}}} SET version = ?, head = ?, recorded = ?, count = ?, marks = ?, "
                           "digest = ? WHERE company = ?",
                           (new.version, new.head, new.recorded, new.count, new.marks, new.seal(self.fingerprint),
                            company))
            done.append(new)
            return True

        if not self.tables.write(work):
            return None
        self.extend(company, done[0], known)
        return done[0]

    def extend(self, company: str, head: Head, known: Mapping[tuple[int, str], Entry] | None = None) -> None:
        """Fold on from the last checkpoint and write one every ``every`` rows, while there are that many."""
        if not self.tables.writable:
            return
        last = self._last(company)
        covered, size = (last.covered, last.size) if last else (0, 0)
        if head.count - covered < self.gap(size):
            return
        try:
            self._extend(company, head, last, known)
        except Stale:
            return  # the next reader finds it stale too, and rebuilds it

    def _extend(self, company: str, head: Head, last: Checkpoint | None,
                known: Mapping[tuple[int, str], Entry] | None) -> None:
        observer, rows = self._observer(company, head, last)
        retracted = retracted_ids(self.checked_marks(company, head))
        pending: list[tuple[Key, int, bytes, bytes]] = []
        after, covered, size = (last.key, last.covered, last.size) if last else (None, 0, 0)
        start = 0
        while len(rows) - start >= self.gap(size):
            chunk = rows[start:start + self.gap(size)]
            start += len(chunk)
            for entry in self._entries(company, head, _folded(chunk, retracted), known):
                observer.step(entry)
            covered += len(chunk)
            try:
                state = self.codec.dumps(observer.state)
            except TypeError:  # a state the snapshot cannot say exactly: answers fold on from the checkpoint before
                break
            size = len(state)
            pending.append((chunk[-1].key, covered, state, book_codec.dumps(observer.book)))
            if len(pending) == _WRITE_EVERY:
                if not self._write(company, head, after, pending):
                    return
                after, pending = pending[-1][0], []
        if pending:
            self._write(company, head, after, pending)

    def _write(self, company: str, head: Head, after: Key | None,
               pending: list[tuple[Key, int, bytes, bytes]]) -> bool:
        def work(cursor: Cursor) -> bool:
            claimed = _claim(cursor, company, head, self.fingerprint, head.version)
            latest = cursor.read(f"SELECT effective, recorded, seq, phase FROM {{{CHECKPOINTS}}} WHERE company = ? "
                                 f"ORDER BY {_DESC} LIMIT 1", (company,))
            if not claimed or (tuple(latest[0]) if latest else None) != after:
                return False  # the history moved on meanwhile: its next reader extends it
            for key, covered, state, book in pending:
                state_hash, book_hash = hashlib.sha256(state).hexdigest(), hashlib.sha256(book).hexdigest()
                digest = _sha([self.fingerprint, company, *key, covered, state_hash, book_hash])
                cursor.execute(f"INSERT INTO {{{CHECKPOINTS}}} (company, {_CP}, state, book) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (company, *key, covered, state_hash, book_hash, digest, state, book))
            return True

        return self.tables.write(work)

    # Answers ----------------------------------------------------------------------------------------------

    def state_at(self, company: str, head: Head, instant: datetime) -> CompanyState:
        """The state at ``instant`` with the latest knowledge: the nearest checkpoint, then what follows it."""
        bound = (micros(instant), *_LAST[1:])
        state, rows = self._start(company, head, self._nearest(company, bound), until=bound)
        marks = self.checked_marks(company, head)
        state.exclusions = self.exclusions(company, head, marks)
        retracted = retracted_ids(marks)
        # Every row up to the next checkpoint is checked, the ones after the instant too: a row whose key
        # was edited to lie past the instant would otherwise go unseen.
        found = self._entries(company, head, rows)
        fold_into(state, [e for e, r in zip(found, rows) if r.key <= bound and _applies(r, retracted)])
        return state

    def state_known(self, company: str, head: Head, instant: datetime, known: datetime) -> CompanyState | None:
        """The state at ``instant`` as the books stood at ``known``, an earlier recorded instant: the checkpoints
        hold the latest knowledge, which agrees with that knowledge before the earliest entry recorded since
        (or what it reaches back to), so the fold goes on from the last checkpoint before that entry with the
        entries recorded by ``known``. None when a retraction or an adjustment was recorded since, or an
        issuance at a §4.7 adjustment's instant: they change what the fold excludes from the start (§4.4(a),
        (b)), so the answer comes from the whole history."""
        at = micros(known)
        late = from_tuples(self.tables.read(f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE company = ? AND recorded > ?",
                                            (company, at)))
        marks = self.checked_marks(company, head)
        boards = {r.effective for r in marks if r.type == BoardAdjustment.__name__}
        if any(r.type in MARKS or (r.type in ISSUANCES and r.effective in boards) for r in late):
            return None
        bound = (micros(instant), *_LAST[1:])
        reached = min((r.key for r in late), default=None)  # none is a mark: each reaches only its own key
        if reached is not None and reached <= bound:
            checkpoint = self._nearest(company, reached, before=True)
        else:
            checkpoint = self._nearest(company, bound)
        state, rows = self._start(company, head, checkpoint, until=bound)
        state.exclusions = self.exclusions(company, head, marks)
        retracted = retracted_ids(marks)
        found = self._entries(company, head, rows)
        fold_into(state, [e for e, r in zip(found, rows)
                          if r.key <= bound and r.recorded <= at and _applies(r, retracted)])
        return state

    def neighbours(self, company: str, head: Head, start: datetime, end: datetime,
                   known: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        """The effective instants of the nearest entries before ``start`` and at or after ``end`` (recorded by
        ``known``, when given): two reads of the catalog's key, each row found checked against its event."""
        recorded = "" if known is None else " AND recorded <= ?"
        known_params = () if known is None else (micros(known),)
        found: list[Row] = []
        for compare, order in (("<", _DESC), (">=", _ASC)):
            bound = micros(start if compare == "<" else end)
            rows = from_tuples(self.tables.read(
                f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE company = ? AND effective {compare} ?{recorded} "
                f"ORDER BY {order} LIMIT 1", (company, bound, *known_params)))
            found.append(rows[0] if rows else None)  # type: ignore[arg-type]
        entries = iter(self._entries(company, head, [r for r in found if r is not None]))
        before, after = (next(entries).effective if r is not None else None for r in found)
        return before, after

    def notices_at(self, company: str, head: Head, instant: datetime) -> tuple[CompanyState, list[Obligation]]:
        """The obligations arisen by ``instant`` with the latest knowledge (``projections.obligations``): the
        nearest checkpoint's state and book, then the fold observed on from it."""
        observer = self.observer_at(company, head, (micros(instant), *_LAST[1:]))
        return observer.state, observer.settle(instant)

    def observer_at(self, company: str, head: Head, bound: Key) -> Observer:
        """The fold observed through every row up to the catalog key ``bound``, latest knowledge, ready to go on:
        the nearest checkpoint's state and book, then the rows after it (``projections.read_models`` catches
        the views up from the last row they hold)."""
        observer, rows = self._observer(company, head, self._nearest(company, bound), until=bound)
        found = self._entries(company, head, rows)
        retracted = retracted_ids(self.checked_marks(company, head))
        for entry, row in zip(found, rows):
            if row.key <= bound and _applies(row, retracted):
                observer.step(entry)
        return observer

    def basis(self, company: str, head: Head, new: Sequence[Entry]) -> tuple[CompanyState, list[Entry]]:
        """For deciding ``new`` entries: the state at the checkpoint before the first (its exclusions as the stored
        history and ``new`` make them), and the stored entries from there to the last, latest knowledge (what
        follows the last changes no decision: a batch deciding from a checkpoint retracts nothing)."""
        keys = [key_of(e) for e in new]
        first, last = min(keys), max(keys)
        state, rows = self._start(company, head, self._nearest(company, first, before=True), until=last)
        marks = self.checked_marks(company, head)
        state.exclusions = self.exclusions(company, head, marks, new)
        found = self._entries(company, head, rows)
        retracted = retracted_ids(marks)
        return state, [e for e, r in zip(found, rows) if r.key < last and _applies(r, retracted)]

    def stored_facts(self, company: str, head: Head, ids: Iterable[str]) -> dict[str, Event]:
        """The stored facts among ``ids`` (the catalog finds them; each is checked against its event)."""
        wanted = sorted(set(ids))
        rows: list[Row] = []
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            rows += from_tuples(self.tables.read(
                f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE company = ? AND phase = '' AND id IN "
                f"({', '.join('?' * len(part))})", (company, *part)))
        return {e.fact.id: e.fact for e in self._entries(company, head, rows)}  # type: ignore[misc]

    # Reading the cache ------------------------------------------------------------------------------------

    def head(self, company: str) -> Head | None:
        found = self.tables.read(f"SELECT version, head, recorded, zone, count, marks, digest, fingerprint "
                                 f"FROM {{{HEAD}}} WHERE company = ?", (company,))
        if not found:
            return None
        version, head_hash, recorded, zone_key, count, marks, digest, fingerprint = found[0]
        head = Head(company, version, head_hash, recorded, zone_key, count, marks)
        return head if fingerprint == self.fingerprint and digest == head.seal(self.fingerprint) else None

    def _nearest(self, company: str, bound: Key, before: bool = False) -> Checkpoint | None:
        """The last checkpoint at or before ``bound`` (strictly before, with ``before``)."""
        found = self.tables.read(f"SELECT {_CP_READ} FROM {{{CHECKPOINTS}}} WHERE company = ? AND {_KEY} "
                                 f"{'<' if before else '<='} (?, ?, ?, ?) "
                                 f"ORDER BY {_DESC} LIMIT 1", (company, *bound))
        return _checkpoint(found[0]) if found else None

    def _last(self, company: str) -> Checkpoint | None:
        return self._nearest(company, _LAST)

    def stored(self, company: str) -> list[Checkpoint]:
        """Every checkpoint of the company, in effective order (for ``verify``)."""
        return [_checkpoint(v) for v in self.tables.read(
            f"SELECT {_CP_READ} FROM {{{CHECKPOINTS}}} WHERE company = ? ORDER BY {_ASC}", (company,))]

    def _start(self, company: str, head: Head, checkpoint: Checkpoint | None,
               until: Key | None = None) -> tuple[CompanyState, list[Row]]:
        """The state at ``checkpoint`` (or empty), and the catalog rows after it: through the first checkpoint
        after ``until``, or to the end. Their number must be what the checkpoints and the head say."""
        if checkpoint is None:
            state, lower, covered = CompanyState(), None, 0
        else:
            state, lower, covered = self._load(company, checkpoint), checkpoint.key, checkpoint.covered
        upper = None if until is None else self._following(company, until)
        if upper is not None and not upper.sealed(self.fingerprint, company):
            raise Stale("a checkpoint's seal does not hold")
        where, params = "company = ?", [company]
        if lower is not None:
            where += f" AND {_KEY} > (?, ?, ?, ?)"
            params += lower
        if upper is not None:
            where += f" AND {_KEY} <= (?, ?, ?, ?)"
            params += upper.key
        rows = from_tuples(self.tables.read(f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE {where} ORDER BY {_ASC}",
                                            params))
        if len(rows) != (upper.covered if upper else head.count) - covered:
            raise Stale("the catalog does not hold as many rows as the checkpoints say")
        return state, rows

    def _observer(self, company: str, head: Head, checkpoint: Checkpoint | None,
                  until: Key | None = None) -> tuple[Observer, list[Row]]:
        """``_start`` with the checkpoint's book of obligations too, as an observer of the fold ready to go on."""
        state, rows = self._start(company, head, checkpoint, until)
        state.exclusions = self.exclusions(company, head, self.checked_marks(company, head))
        observer = Observer(())
        observer.state, observer.book = state, self._book(company, checkpoint) if checkpoint else Book()
        return observer, rows

    def _book(self, company: str, checkpoint: Checkpoint) -> Book:
        found = self.tables.read(f"SELECT book FROM {{{CHECKPOINTS}}} WHERE company = ? AND {_KEY} = (?, ?, ?, ?)",
                                 (company, *checkpoint.key))
        body = bytes(found[0][0]) if found else b""
        if hashlib.sha256(body).hexdigest() != checkpoint.book_hash:
            raise Stale("a checkpoint's book of obligations is not the one sealed")
        try:
            return book_codec.loads(body)
        except book_codec.BookUnreadable:
            raise Stale("a checkpoint's book of obligations cannot be read") from None

    def _following(self, company: str, after: Key) -> Checkpoint | None:
        where, params = f" AND {_KEY} > (?, ?, ?, ?)", [company, *after]
        found = self.tables.read(f"SELECT {_CP_READ} FROM {{{CHECKPOINTS}}} WHERE company = ?{where} ORDER BY {_ASC} "
                                 "LIMIT 1", params)
        return _checkpoint(found[0]) if found else None

    def _load(self, company: str, checkpoint: Checkpoint) -> CompanyState:
        found = self.tables.read(f"SELECT state FROM {{{CHECKPOINTS}}} WHERE company = ? AND {_KEY} = (?, ?, ?, ?)",
                                 (company, *checkpoint.key))
        body = bytes(found[0][0]) if found else b""
        if (not checkpoint.sealed(self.fingerprint, company)
                or hashlib.sha256(body).hexdigest() != checkpoint.state_hash):
            raise Stale("a checkpoint's seal does not hold")
        try:
            return self.codec.loads(body)  # type: ignore[no-any-return]
        except self.codec.SnapshotUnreadable:
            raise Stale("a checkpoint cannot be read") from None

    def _main(self, company: str, fact_id: str) -> Row | None:
        found = self.tables.read(f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE company = ? AND id = ? AND phase = '' "
                                 "LIMIT 1", (company, fact_id))
        return from_tuples(found)[0] if found else None

    def checked_marks(self, company: str, head: Head) -> list[Row]:
        rows = _marks(self.tables, company)
        if catalog.digest(rows) != head.marks:
            raise Stale("the catalog's retractions and adjustments are not the ones the head sealed")
        return rows

    def exclusions(self, company: str, head: Head, marks: Sequence[Row],
                    new: Sequence[Entry] = ()) -> dict[str, tuple[str, str, str]]:
        """§4.4(a), (b): the exclusions ``fold.initial_state`` finds, from the few entries that make them."""
        retracted = retracted_ids(marks)
        marks = [r for r in marks
                 if r.type in (ConversionRatioAdjusted.__name__, BoardAdjustment.__name__) and r.id not in retracted]
        instants = sorted({r.effective for r in marks if r.type == BoardAdjustment.__name__})
        issuances: list[Row] = []
        if instants:
            issuances = [r for r in from_tuples(self.tables.read(
                f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE company = ? AND phase = '' AND type IN (?, ?) AND "
                f"effective IN ({', '.join('?' * len(instants))})", (company, *ISSUANCES, *instants)))
                if r.id not in retracted]
        if not marks and not new:
            return {}
        found = self._entries(company, head, [*marks, *issuances])
        return initial_state(in_effective_order([*found, *new])).exclusions

    def _entries(self, company: str, head: Head, rows: Sequence[Row],
                 known: Mapping[tuple[int, str], Entry] | None = None) -> list[Entry]:
        """The fold entries of catalog rows, in their order, each row checked against its stored event (but
        for the ``known`` entries, by (position, phase): the ones this process just stored)."""
        tz = zone(head.zone)
        known = known or {}
        wanted = {r.seq for r in rows if (r.seq, r.phase) not in known}
        stored = self.store.rows_at(company, wanted) if wanted else {}
        prefix = company_prefix(company)
        records: dict[int, Recorded] = {}
        for seq in wanted:
            row = stored.get(seq)
            sealed = link(row.state) if row is not None else None
            if (row is None or sealed is None or not row.state.startswith(prefix)
                    or not content_matches(row.topic, seq, row.state, sealed[1])):
                raise Stale(f"stream position {seq} is not the event the catalog names")
            try:
                records[seq] = parse_event(row)
            except UNREADABLE:
                raise Stale(f"stream position {seq} cannot be read") from None
        out: list[Entry] = []
        for row in rows:
            if (row.seq, row.phase) in known:
                out.append(known[row.seq, row.phase])
                continue
            entry = next((e for e in _entries_of(records[row.seq], tz) if e.phase == row.phase), None)
            if entry is None or row_of(entry) != row:
                raise Stale(f"the catalog's row for stream position {row.seq} is not its event's")
            out.append(entry)
        return out


@dataclass(frozen=True)
class Spilled:
    """A checkpoint a ``Tap`` took, its state and book kept in the tap's file until they are written."""

    key: Key
    covered: int
    file: Any
    offset: int
    sizes: tuple[int, int]

    def __getitem__(self, index: int) -> Any:  # the key and the rows covered, as a taken tuple gives them
        return (self.key, self.covered)[index]

    def load(self) -> tuple[Key, int, bytes, bytes]:
        self.file.seek(self.offset)
        state = self.file.read(self.sizes[0])
        return self.key, self.covered, state, self.file.read(self.sizes[1])


Taken = tuple[Key, int, bytes, bytes] | Spilled


class Tap:
    """Checkpoints taken from a fold that runs anyway, the one deciding a batch against the whole history
    (``captable.batch``, ``captable.bulk``), kept until its events are stored and ``Checkpoints.build`` writes
    them: a bulk import folds its history once, not once to decide and once more for the checkpoints. They
    fall where ``Checkpoints.extend`` would put them, every ``gap`` rows of all the entries in effective order.
    Their states wait in a temporary file, not in memory: a million events take some 700 MB of them."""

    def __init__(self, cache: Checkpoints) -> None:
        self.cache = cache
        self.keys: list[Any] = []
        self.taken: list[Spilled] = []
        self.held = 0
        self.next = 0  # the index in ``keys`` of the last row the next checkpoint covers
        self.file: Any = None

    def begin(self, order: Sequence[Entry]) -> bool:
        """The fold is about to run over the view of ``order`` (every entry, retracted or not, in effective
        order: the catalog's rows). False when it holds too few rows for a checkpoint: no need to watch it."""
        self.next = self.cache.gap(0) - 1
        if self.next >= len(order):
            return False
        self.keys = [e.key for e in order]
        return True

    def before(self, key: Any, observer: Observer) -> None:
        """The fold is about to step the entry at ``key``: take every checkpoint whose rows all lie before it."""
        while self.next < len(self.keys) and self.keys[self.next] < key:
            self._take(observer, self.keys[self.next])

    def finish(self, observer: Observer) -> None:
        while self.next < len(self.keys):
            self._take(observer, self.keys[self.next])
        self.keys = []

    def start(self) -> None:
        """A streamed fold (``captable.bulk``) steps the rows one by one: ``stepped`` after each."""
        self.next = self.cache.gap(0) - 1

    def stepped(self, index: int, key: Any, observer: Observer) -> None:
        """The fold has stepped the row at ``index`` (from 0) of the catalog, at ``key``."""
        if index == self.next:
            self._take(observer, key)

    def _take(self, observer: Observer, key: Any) -> None:
        try:
            state = self.cache.codec.dumps(observer.state)
            book = book_codec.dumps(observer.book)
        except (TypeError, ValueError):  # a state the snapshot cannot say exactly: the checkpoints end here
            self._stop()
            return
        self.held += len(state) + len(book)
        if self.held > _HELD_BYTES:
            self._stop()
            return
        if self.file is None:
            self.file = tempfile.TemporaryFile()
        offset = self.file.seek(0, os.SEEK_END)
        self.file.write(state)
        self.file.write(book)
        effective, recorded, seq, phase = key
        self.taken.append(Spilled((micros(effective), micros(recorded), seq, phase), self.next + 1, self.file,
                                  offset, (len(state), len(book))))
        self.next += self.cache.gap(len(state))

    def _stop(self) -> None:
        self.next = len(self.keys) if self.keys else 2**62

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


_ASC = "effective, recorded, seq, phase"
_DESC = "effective DESC, recorded DESC, seq DESC, phase DESC"
_ROW_COLUMNS = ("company", *COLUMNS.split(", "))
# Sorted here, not by the database: an ORDER BY on the key makes SQLite walk the whole catalog in key order
# (0.2 s at a million events) rather than take the few rows of these types from their index.
_MARKS_SQL = f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE company = ? AND type IN (?, ?, ?)"


def _claim(cursor: Cursor, company: str, head: Head, fingerprint: str, version: int) -> bool:
    """Take the company's head row for this transaction if it is still at ``head``'s position (a concurrent
    writer waits for it, then finds it moved on and writes nothing), moving it to ``version``."""
    return cursor.execute(f"UPDATE {{{HEAD}}} SET version = ? WHERE company = ? AND version = ? AND fingerprint = ?",
                          (version, company, head.version, fingerprint)) == 1


def _marks(cursor: Cursor | Tables, company: str) -> list[Row]:
    """The retractions and adjustments, in effective order."""
    return sorted(from_tuples(cursor.read(_MARKS_SQL, (company, *MARKS))), key=lambda r: r.key)


def _checkpoint(values: Sequence[Any]) -> Checkpoint:
    effective, recorded, seq, phase, covered, state_hash, book_hash, digest, size = values
    return Checkpoint((effective, recorded, seq, phase), covered, state_hash, book_hash, digest, int(size or 0))


def _known(records: Sequence[Recorded], tz: Any) -> dict[tuple[int, str], Entry]:
    return {(e.seq, e.phase): e for r in records for e in _entries_of(r, tz)}


def _entries_of(record: Recorded, tz: Any) -> list[Entry]:
    return entries(record.fact, record.timestamp, record.originator_version, tz, record.hash, record.actor)


def _applies(row: Row, retracted: set[str]) -> bool:
    """Whether the fold applies a row with the latest knowledge: not a retraction, not retracted."""
    return row.type != EventRetracted.__name__ and row.id not in retracted


def _folded(rows: Sequence[Row], retracted: set[str]) -> list[Row]:
    return [r for r in rows if _applies(r, retracted)]


# Reading the cache can meet a database error (a table dropped, a server gone): then answer from the events.
def cache_errors() -> tuple[type[Exception], ...]:
    """A cache that disagrees with the events, or a database that would not write it: answer from the events."""
    return (Stale, *database_errors())
