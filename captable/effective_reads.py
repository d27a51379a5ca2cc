"""A company's fold entries in effective order, latest knowledge, read a batch of rows at a time (issue 11).

The catalog (``captable.catalog``) holds every entry's effective key: its rows are read in that order,
``BATCH`` at a time, with the events they name, so that a reader (the audit) folds and writes as the
entries come and holds one batch of rows, never the history.

The chain is still checked, as the entries are consumed rather than all before the first: every event
read must hold its seal, begin as the company's rows do, carry the hash its catalog row names, and link
to the sealed hash of the event before it in the stream (read beside it; the genesis for the first).
Before the first entry is given, the catalog must hold as many rows as the head says, one main row for
each stream position from 1 to the head's, so once the entries are exhausted every link from genesis to
the head has been followed once; the head's hash must be its last event's, and the stream's end was
checked against the journal's last commit when the head was caught up (``Checkpoints.current``).

When the catalog says the effective order is the stream's (a history recorded in effective order, no record
date falling after a later event), the events are read in stream order instead, ``BATCH`` rows at a time,
their chain followed from genesis as ``Store.stream`` follows it (``StoreTampered`` at a break) to the head's
hash, each entry's key checked to follow the one before it: the catalog is not read row by row at all.

A disagreement part way is either an edited cache or an edited event. Then the events are read whole,
their chain checked from genesis (``StoreTampered`` if it is broken: the command is refused, exit 1,
after the steps already written), the cache is rebuilt, and the entries go on from the whole history,
provided the ones already given are its first ones (else ``ConcurrentWrite``: ask again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from captable import errors
from captable.catalog import COLUMNS, Key, Row, from_tuples, key_of, retracted_ids, row_of
from captable.chain import GENESIS, Links, company_prefix, content_matches, link
from captable.checkpoints import Checkpoints, Head, Stale, cache_errors
from captable.derived_tables import CATALOG
from captable.events import CompanyFormed, EventRetracted
from captable.instants import zone
from captable.ledger import gc_paused
from captable.rows import UNREADABLE, Recorded, parse_event, read_events, stream_id
from projections.obligations import Observer
from projections.timeline import Entry, entries, known_at

FIRST_BATCH = 500  # the first rows come quickly: an audit's first step waits for them only
BATCH = 5000
_ASC = "effective, recorded, seq, phase"
_AFTER = "(effective, recorded, seq, phase) > (?, ?, ?, ?)"


@dataclass
class LatestEntries:
    """The entries the fold applies with the latest knowledge (retractions applied), in effective order, from
    the catalog and the events; ``observer`` is ready to fold them (its §4.4 exclusions known), and ``given``
    counts the entries given so far."""

    ledger: Any  # a Ledger, or what verify holds: its ``checkpoints``, and a ``store`` with ``rows_at``
    company: str
    head: Head
    observer: Observer = field(init=False)
    given: int = 0
    last: Key | None = None  # the catalog key of the last entry given
    _keys: Any = field(default_factory=hashlib.sha256)  # a digest of the keys given: to resume (below)

    def __post_init__(self) -> None:
        cache = self.cache
        marks = cache.checked_marks(self.company, self.head)
        self.retracted = retracted_ids(marks)
        self.observer = Observer(())
        self.observer.state.exclusions = cache.exclusions(self.company, self.head, marks)
        self._counted()

    @property
    def cache(self) -> Checkpoints:
        return self.ledger.checkpoints

    def last_formed(self, until: int) -> Key | None:
        """The key of the last ``CompanyFormed`` applied at or before ``until`` (µs): the company's name then."""
        found = from_tuples(self.cache.tables.read(
            f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE company = ? AND type = ? AND effective <= ?",
            (self.company, CompanyFormed.__name__, until)))
        keys = [r.key for r in found if r.id not in self.retracted]
        return max(keys) if keys else None

    def __iter__(self) -> Iterator[Entry]:
        try:
            for entry, key in self._applied():
                self._give(entry, key)
                yield entry
            return
        except cache_errors():
            pass
        yield from self._from_history()

    def _give(self, entry: Entry, key: Key) -> None:
        self.given += 1
        self.last = key
        self._keys.update(repr(key).encode())

    def _counted(self) -> None:
        """The catalog's rows are as many as the head says, a main row for every position from 1 to its own."""
        found = self.cache.tables.read(
            f"SELECT COUNT(*), SUM(CASE WHEN phase = '' THEN 1 ELSE 0 END), MIN(seq), MAX(seq) "
            f"FROM {{{CATALOG}}} WHERE company = ? AND seq <= ?", (self.company, self.head.version))
        total, mains, lowest, highest = found[0] if found else (0, 0, None, None)
        if (total, mains, lowest, highest) != (self.head.count, self.head.version, 1, self.head.version):
            raise Stale("the catalog does not hold a row for every event the head covers")

    def _applied(self) -> Iterator[tuple[Entry, Key]]:
        """The entries the fold applies, with their keys: in stream order when the catalog says that is the
        effective order, else in the catalog's order."""
        found = self._in_stream() if self._in_stream_order() else ((e, r.key) for e, r in self.every_row())
        for entry, key in found:
            if not isinstance(entry.fact, EventRetracted) and entry.fact.id not in self.retracted:
                yield entry, key

    def _in_stream_order(self) -> bool:
        """Whether, by the catalog, no entry in effective order comes from an earlier stream position than the
        one before it (a history recorded in effective order, without a later record date)."""
        found = self.cache.tables.read(
            f"SELECT COUNT(*) FROM (SELECT seq, LAG(seq) OVER (ORDER BY {_ASC}) AS before FROM {{{CATALOG}}} "
            "WHERE company = ? AND seq <= ?) ordered WHERE seq < before", (self.company, self.head.version))
        return bool(found) and found[0][0] == 0

    def _in_stream(self) -> Iterator[tuple[Entry, Key]]:
        """The entries in stream order, the chain followed from genesis row by row (``StoreTampered`` at a
        break) to the head's hash; each key must follow the one before it (``Stale`` if not: the catalog
        said the order was effective order, the events do not), so the order given is the fold's."""
        links = Links(GENESIS, company_prefix(self.company))

        def batches() -> Iterator[list[Recorded]]:
            store, stream, size = self.ledger.store, stream_id(self.company), FIRST_BATCH
            while links.count < self.head.version:
                rows = store.recorder.select_events(stream, gt=links.count, lte=self.head.version, limit=size)
                if not rows:
                    break
                with gc_paused():  # parsed events make no cycles: the collector would only rescan them
                    yield read_events(self.company, rows, links)
                size = BATCH

        yield from keyed_in_stream_order(batches(), zone(self.head.zone))
        if (links.count, links.head) != (self.head.version, self.head.head):
            raise Stale("the stream does not end at the head's event")

    def every_row(self) -> Iterator[tuple[Entry, Row]]:
        """Every catalog row in effective order (retractions and what they retract too) with its entry, each
        checked against its event; ``Stale`` at the first that disagrees."""
        after: Key | None = None
        size = FIRST_BATCH
        tz = zone(self.head.zone)
        while True:
            # Only the events the head covers: a writer appending meanwhile adds rows this report does not count.
            where, params = "company = ? AND seq <= ?", [self.company, self.head.version]
            if after is not None:
                where += f" AND {_AFTER}"
                params += after
            rows = from_tuples(self.cache.tables.read(
                f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE {where} ORDER BY {_ASC} LIMIT {size}", params))
            with gc_paused():  # parsed events make no cycles: the collector would only rescan them
                checked = self._checked(rows, tz)
            yield from zip(checked, rows)
            if len(rows) < size:
                return
            after, size = rows[-1].key, BATCH

    def _checked(self, rows: Sequence[Row], tz: ZoneInfo) -> list[Entry]:
        """The entries of catalog rows, each event checked in its chain (see the module docstring)."""
        store, company = self.ledger.store, self.company
        positions = {r.seq for r in rows}
        stored = store.rows_at(company, positions | {p - 1 for p in positions if p > 1})
        prefix = company_prefix(company)
        seals: dict[int, tuple[str, str]] = {}
        for position, row in stored.items():
            sealed = link(row.state)
            if (sealed is None or not row.state.startswith(prefix)
                    or not content_matches(row.topic, position, row.state, sealed[1])):
                raise Stale(f"stream position {position} does not hold its seal")
            seals[position] = sealed
        records: dict[int, Recorded] = {}
        for position in positions:
            before = seals.get(position - 1, (None, None))[1] if position > 1 else GENESIS
            if position not in seals or seals[position][0] != before:
                raise Stale(f"stream position {position} is not linked to the event before it")
            if position == self.head.version and seals[position][1] != self.head.head:
                raise Stale("the last event is not the head's")
            try:
                records[position] = parse_event(stored[position])
            except UNREADABLE:
                raise Stale(f"stream position {position} cannot be read") from None
        out = []
        for row in rows:
            record = records[row.seq]
            made = entries(record.fact, record.timestamp, row.seq, tz, record.hash, record.actor)
            entry = next((e for e in made if e.phase == row.phase), None)
            if entry is None or row_of(entry) != row:
                raise Stale(f"the catalog's row for stream position {row.seq} is not its event's")
            out.append(entry)
        return out

    def _from_history(self) -> Iterator[Entry]:
        """The entries after the ones given, from the whole history (its chain checked from genesis)."""
        ledger = self.ledger
        history = ledger.history(self.company)
        try:
            self.cache.build(self.company, history.records)
        except cache_errors():
            pass  # the next reader rebuilds it
        latest = known_at(history.entries, max(r.timestamp for r in history.records))
        keys = hashlib.sha256()
        for entry in latest[:self.given]:
            keys.update(repr(key_of(entry)).encode())
        if len(latest) < self.given or keys.digest() != self._keys.digest():
            raise errors.ConcurrentWrite("the store's derived tables disagreed with its events part way through "
                                         "the report, and have been rebuilt from them: ask again")
        for entry in latest[self.given:]:
            self._give(entry, key_of(entry))
            yield entry


def keyed_in_stream_order(batches: Iterable[Sequence[Recorded]], tz: ZoneInfo) -> Iterator[tuple[Entry, Key]]:
    """The fold entries of events given in stream order, each with its catalog key; ``Stale`` where a key does
    not follow the one before it (the catalog said stream order was effective order, the events do not)."""
    last: Key | None = None
    for records in batches:
        for record in records:
            for entry in entries(record.fact, record.timestamp, record.originator_version, tz, record.hash,
                                 record.actor):
                key = key_of(entry)
                if last is not None and key <= last:
                    raise Stale("the events are not in effective order, as the catalog says")
                last = key
                yield entry, key
