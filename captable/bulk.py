"""A new company's history imported as a stream: parsed, decided, sealed and written in chunks, in one
transaction (DESIGN §7: every line is stored, or none is).

``Ledger.import_events`` decides a batch whole: every line parsed into a fact, the facts merged with the
stored history in effective order, folded, sealed, written. A million events then hold a million facts,
entries and sealed rows at once (2.8 GB). When the batch allows it, this module holds only a chunk of
each: the fold runs in effective order as the lines arrive, and what it has passed is sealed, written and
let go. It allows it when

- the store does not hold the company yet and the first line is its ``CompanyFormed`` (no stored history
  to merge, the zone known from the first line);
- every later line is of that company, of a type that decides from the state alone (not one of
  ``ledger.NEEDS_WHOLE_HISTORY``), with an id not used by an earlier line;
- the lines come in effective order (each effective instant at or after the one before it), as a ledger
  written out in date order does. A record-date step (§4.2) waits until the fold reaches its instant.

Anything else (``NotStreamable``, raised before anything is committed) is decided whole, as before.

The result is the one ``Ledger.import_events`` stores for the same lines: the same rows, byte for byte
(positions, recorded instants, seals), the same refusals, and the same checkpoints, taken by the deciding
fold (``checkpoints.Tap``) and written with the catalog after the events commit.
"""

from __future__ import annotations

import hashlib
import heapq
import pickle
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from captable import catalog, errors
from captable.catalog import Row, micros
from captable.chain import GENESIS
from captable.decide import decide
from captable.events import CompanyFormed, Event
from captable.instants import now, zone
from captable.intake import Incoming
from captable.store import CompanyAdded, INDEX_STREAM, Recorded, canonical, seal_event
from projections.fold import apply, initial_state
from projections.obligations import Observer
from projections.state import CompanyState
from projections.timeline import Entry, entries

from captable.ledger import NEEDS_WHOLE_HISTORY, ImportReport, Ledger, _comparable, content_id

if TYPE_CHECKING:
    from captable.checkpoints import Tap

_recorded = Ledger._recorded

CHUNK = 5000  # lines decided, sealed and written at a time


class NotStreamable(Exception):
    """The batch is not one this module imports (see the module docstring): decide it whole."""


def stream(ledger: Ledger, items: Iterable[Incoming]) -> ImportReport:
    """Import ``items`` as a stream, or raise ``NotStreamable`` (nothing stored) or a refusal (nothing stored;
    the refusal a whole import would give, after the input's own problems: the rest is read to find them)."""
    source = iter(items)
    first = next(source, None)
    if first is None or not isinstance(first.fact, CompanyFormed) or first.fact.company in ledger.companies():
        raise NotStreamable
    run = _Run(ledger, first)
    try:
        return run.go(source)
    except errors.Refused:
        for _ in source:  # a malformed line later in the input is reported first, as when the whole is parsed
            pass
        raise
    finally:
        run.close()


class _Run:
    """One streamed import (see the module docstring)."""

    def __init__(self, ledger: Ledger, first: Incoming) -> None:
        self.ledger = ledger
        self.company: str = first.fact.company  # type: ignore[attr-defined]
        self.tz = zone(first.fact.timezone)  # type: ignore[attr-defined]
        self.moment = now()
        self.report = ImportReport()
        self.first = first
        self.ids: set[str] = set()
        self.seen: Counter[bytes] = Counter()
        self.seq = 0
        self.last_recorded: datetime | None = None
        self.last_key: tuple[Any, ...] | None = None
        self.heap: list[tuple[tuple[Any, ...], Entry]] = []  # entries waiting for the fold, by key
        self.facts: list[tuple[int, Event, datetime]] = []  # the chunk's facts and recorded instants, stream order
        self.lines: dict[int, int | None] = {}  # the input line of each position not yet folded
        self.decided: dict[int, Event] = {}  # facts the engine completed, until their entries are folded
        self.hashes: dict[int, str] = {}  # sealed hashes of facts whose record-date step is still to fold
        self.folded: list[Entry] = []  # entries folded since the last rows were written
        self.rows = _Spill()
        self.count = 0  # catalog rows so far
        self.prev = GENESIS
        self.last: Recorded | None = None
        self.tap: Tap | None = ledger._tap()
        if self.tap is not None:
            self.tap.start()
            self.observer: Observer | None = Observer(())
            self.state: CompanyState = self.observer.state
        else:
            self.observer = None
            self.state = initial_state(())

    def close(self) -> None:
        self.rows.close()
        if self.tap is not None:
            self.tap.close()

    def go(self, source: Iterator[Incoming]) -> ImportReport:
        self._add(self.first)
        added = CompanyAdded(INDEX_STREAM, self.ledger.store.index_version() + 1, self.last_recorded,
                             self.company)  # type: ignore[arg-type]
        with self.ledger.store.writing([added]) as writer:
            pending = 1
            for item in source:
                self._add(item)
                pending += 1
                if pending >= CHUNK:
                    self._fold(self.last_key)
                    writer.events(self._seal())
                    pending = 0
            self._fold(None)
            writer.events(self._seal())
            writer.commit(self.company, 1, self.last)  # type: ignore[arg-type]
        self.report.stored[self.company] = self.seq
        self._remember()
        return self.report

    def _add(self, item: Incoming) -> None:
        """A line's fact named, placed in the stream and given its entries; ``NotStreamable`` if it leaves this
        module's path."""
        fact = item.fact
        if self.seq and (isinstance(fact, NEEDS_WHOLE_HISTORY) or fact.company not in (None, self.company)):
            raise NotStreamable
        if fact.id is None:
            body = canonical(_comparable(fact))
            key = hashlib.sha256(body.encode()).digest()
            self.seen[key] += 1
            fact = fact.model_copy(update={"id": content_id(fact, body, self.seen[key])})
        if fact.id in self.ids:
            raise NotStreamable  # the same id twice in one batch: a no-op or a conflict, decided whole
        self.ids.add(fact.id)  # type: ignore[arg-type]
        recorded = _recorded(item, self.last_recorded, self.moment)
        self.last_recorded = recorded
        self.seq += 1
        made = entries(fact, recorded, self.seq, self.tz)
        key = made[0].key
        if self.last_key is not None and key < self.last_key:
            raise NotStreamable  # not in effective order
        self.last_key = key
        for entry in made:
            heapq.heappush(self.heap, (entry.key, entry))
        self.facts.append((self.seq, fact, recorded))
        self.lines[self.seq] = item.line
        self.report.ids.append(fact.id)  # type: ignore[arg-type]

    def _fold(self, until: tuple[Any, ...] | None) -> None:
        """Decide and fold the waiting entries up to ``until`` (every later line's entries come after it), or all.

        As ``batch._fold`` decides a batch of new facts: each is decided against the state at its instant,
        a refusal refuses the batch, and an exercise gains what the engine computed."""
        heap, state, observer, tap = self.heap, self.state, self.observer, self.tap
        while heap and (until is None or heap[0][0] <= until):
            item = heapq.heappop(heap)[1]
            if item.phase:
                done = self.decided.get(item.seq)
                if done is not None:
                    item = _with(item, done)
            else:
                try:
                    fact = decide(state, item, ())
                except errors.Refused as refusal:
                    raise refusal.at(line=self.lines[item.seq], event=item.fact.id) from None
                if fact is not item.fact:
                    self.decided[item.seq] = fact
                    item = _with(item, fact)
            if observer is not None:
                observer.step(item)
            else:
                apply(state, item)
            self.folded.append(item)
            if tap is not None:
                tap.stepped(self.count, item.key, observer)  # type: ignore[arg-type]
            self.count += 1

    def _seal(self) -> list[Recorded]:
        """The chunk's facts sealed in stream order (all decided: the fold has passed their instants), and
        the catalog rows of what the fold has passed."""
        waiting = {entry.seq for _, entry in self.heap}
        records: list[Recorded] = []
        prev = self.prev
        for seq, fact, recorded in self.facts:
            record = seal_event(self.company, seq, recorded, self.decided.get(seq, fact), prev, self.ledger.actor)
            records.append(record)
            prev = record.hash
            if seq in waiting:
                self.hashes[seq] = prev
        self.prev = prev
        if records:
            self.last = records[-1]
        hashes = {r.originator_version: r.hash for r in records}
        rows = []
        recorded, recorded_micros = None, 0
        for entry in self.folded:
            digest = hashes.get(entry.seq) or self.hashes.pop(entry.seq)
            if entry.recorded is not recorded:  # an import records most lines at one instant
                recorded, recorded_micros = entry.recorded, micros(entry.recorded)
            rows.append((micros(entry.effective), recorded_micros, entry.seq, entry.phase, entry.fact.id or "",
                         entry.fact.type_name, None, digest))  # a catalog ``Row``'s values
            if entry.seq not in waiting:
                self.lines.pop(entry.seq, None)
                self.decided.pop(entry.seq, None)
        self.rows.add(rows)
        self.folded = []
        self.facts = []
        return records

    def _remember(self) -> None:
        """The cache (catalog, head, checkpoints) written after the events commit, best-effort as in
        ``Ledger._remember``: nothing about a cache may refuse an event already stored."""
        from captable.checkpoints import Head, cache_errors

        if self.tap is None or self.last is None:
            return
        head = Head(self.company, self.last.originator_version, self.last.hash, micros(self.last.timestamp),
                    self.tz.key, self.count, catalog.digest(()))
        try:
            self.ledger.checkpoints.build_streamed(self.company, head, self.rows.read(), self.tap.taken)
        except (*cache_errors(), OSError):
            pass


def _with(item: Entry, fact: Event) -> Entry:
    return Entry(item.effective, item.recorded, item.seq, fact, item.hash, item.phase, item.actor)


class _Spill:
    """Catalog rows kept in a temporary file until the events commit, in the order they were added."""

    def __init__(self) -> None:
        self.file: Any = None

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        """Rows as the values of a ``Row``, in order."""
        if not rows:
            return
        if self.file is None:
            self.file = tempfile.TemporaryFile()
        pickle.dump(rows, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def read(self) -> Iterator[Row]:
        if self.file is None:
            return
        self.file.seek(0)
        while True:
            try:
                chunk = pickle.load(self.file)  # noqa: S301 - this process's own file, written just now
            except EOFError:
                return
            for values in chunk:
                yield Row(*values)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
