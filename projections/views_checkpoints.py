"""Where ``views build`` starts from: the store's persisted checkpoints, not the first event (issue 11).

A catch-up folds from the checkpoint at or before the last entry the views hold (``Checkpoints.observer_at``)
and reads only the events stored after their position (``Store.since``, the chain checked from the hash the
views were built at), so one new event costs about the same at 10k and at 1M events. The views keep no fold
state of their own: the checkpoints are already there, sealed with the fold's fingerprint, checked against the
events they cover and invalidated by exactly the entries that change them; a second copy in the views file
would cost a state's worth of writing at every build to save at most a checkpoint's gap of folding.

What the catch-up must decide before it trusts the rows it keeps (``plan``), each from the catalog and the new
events alone: that the store still holds at the views' position the event they were built to; that no new
event retracts one (DESIGN §6 item 20) or falls before an entry already built; that the built rows are as
many steps as the first events make with the latest knowledge; and that no new §4.4(a)/(b) fact changes how a
built issuance is read (``fold.initial_state``). Anything else is a rebuild, with the reason.

A fresh build (``Fresh``) reads the events a batch at a time, in stream order, checked as a chain from genesis,
and holds one batch and the fold's state, never the history. When the catalog says the effective order is the
stream's (a history recorded in effective order), one read serves the ``events`` table and the fold, each
entry's key checked to follow the one before it; otherwise the fold reads the entries in the catalog's order
(``effective_reads.LatestEntries``), after the ``events`` rows are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from captable.catalog import COLUMNS, Key, Row, from_tuples, key_of, retracted_ids
from captable.chain import GENESIS, Break, Links, company_prefix
from captable.checkpoints import Checkpoints, Head
from captable.derived_tables import CATALOG
from captable.effective_reads import LatestEntries, keyed_in_stream_order
from captable.events import BoardAdjustment, ConversionRatioAdjusted, EventRetracted
from captable.instants import local_text, zone
from captable.ledger import gc_paused
from captable.rows import Recorded, iter_events, row_batches, stream_id, tampered
from projections.obligations import Observer
from projections.timeline import Entry, entries, in_effective_order

_BEFORE_ALL: Key = (-(2**62), -(2**62), -(2**62), "")  # before every catalog key
_ASC = "effective, recorded, seq, phase"
_DESC = "effective DESC, recorded DESC, seq DESC, phase DESC"
_LOOK = 64  # catalog rows read at a time, walking back from the end to the last one built


@dataclass
class Plan:
    """What a build does for one company: ``mode`` ("rebuild", "catch-up" or "up to date"), why a rebuild, the
    steps and stream position of the rows that stand, and for a catch-up the new events, their entries in
    effective order and the fold observed through the last entry built."""

    mode: str
    reason: str | None = None
    kept: int = 0
    position: int = 0
    records: list[Recorded] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    observer: Observer | None = None


def rebuild(reason: str) -> Plan:
    return Plan("rebuild", reason)


def plan(ledger: Any, cache: Checkpoints, head: Head, built: dict[str, Any] | None,
         last_step: tuple[int, str] | None) -> Plan:
    """How to bring the company's rows (``built``: their ``build_state`` row; ``last_step``: the stream position
    and phase of their last audit step) up to the cache's ``head``."""
    company = head.company
    if built is None:
        return rebuild("no rows for this company yet")
    k = built["position"]
    records = ledger.store.since(company, k, built["head"]) if k <= head.version else None
    if records is None:
        return rebuild(f"the store's event {k} is not the one these rows were built from")
    records = [r for r in records if r.originator_version <= head.version]  # stored after the head: next time
    for record in records:
        if isinstance(record.fact, EventRetracted):
            return rebuild(f"{record.fact.id} retracts {record.fact.event}, which earlier answers counted")
    tz = zone(head.zone)
    new = in_effective_order(e for r in records for e in entries(r.fact, r.timestamp, r.originator_version, tz,
                                                                 r.hash, r.actor))
    marks = cache.checked_marks(company, head)
    retracted = retracted_ids(marks)
    kept = _applied_up_to(cache, head, k, len(new), marks, retracted)
    if kept != built["steps"]:
        return rebuild(f"the rows hold {built['steps']} steps; the first {k} events make {kept}")
    last = _last_applied(cache, company, k, retracted)
    if (last and (last[2], last[3])) != last_step:
        return rebuild(f"the rows end at another step than the first {k} events do")
    if not records:
        return Plan("up to date", None, kept, k)
    early = next((e for e in new if last is not None and key_of(e) < last), None)
    if early is not None:
        return rebuild(f"{early.fact.id} is effective {local_text(early.effective, tz)}, before events already built")
    issuance = _reread(cache, head, k, marks, {r.fact.id for r in records})
    if issuance is not None:
        return rebuild(f"a new event changes how {issuance} is read under §4.4")
    return Plan("catch-up", None, kept, k, records, new, cache.observer_at(company, head, last or _BEFORE_ALL))


def _applied_up_to(cache: Checkpoints, head: Head, k: int, new_rows: int, marks: Sequence[Row],
                   retracted: set[str]) -> int:
    """How many entries of the first ``k`` events the fold applies with the latest knowledge: the catalog's rows
    less the new events' (``new_rows``), the retractions and what they retract."""
    excluded = sum(1 for r in marks if r.seq <= k and r.type == EventRetracted.__name__)
    ids = sorted(retracted)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        found = cache.tables.read(
            f"SELECT COUNT(*) FROM {{{CATALOG}}} WHERE company = ? AND seq <= ? AND type != ? AND id IN "
            f"({', '.join('?' * len(part))})", (head.company, k, EventRetracted.__name__, *part))
        excluded += found[0][0] if found else 0
    return head.count - new_rows - excluded


def _last_applied(cache: Checkpoints, company: str, k: int, retracted: set[str]) -> Key | None:
    """The catalog key of the last entry of the first ``k`` events the fold applies, walking back from the end
    (the events after ``k`` are at the end, when a catch-up can serve)."""
    after: Key | None = None
    while True:
        where, params = "company = ? AND seq <= ?", [company, k]
        if after is not None:
            where += f" AND ({_ASC}) < (?, ?, ?, ?)"
            params += after
        rows = from_tuples(cache.tables.read(
            f"SELECT {COLUMNS} FROM {{{CATALOG}}} WHERE {where} ORDER BY {_DESC} LIMIT {_LOOK}", params))
        for row in rows:
            if row.type != EventRetracted.__name__ and row.id not in retracted:
                return row.key
        if len(rows) < _LOOK:
            return None
        after = rows[-1].key


def _reread(cache: Checkpoints, head: Head, k: int, marks: Sequence[Row], new_ids: set[str | None]) -> str | None:
    """A built issuance that the new events' §4.4(a)/(b) facts now read differently, if any: the exclusions
    ``fold.initial_state`` finds before and after them (the cache finds them from the few rows that make them)."""
    if not any(r.seq > k and r.type in (ConversionRatioAdjusted.__name__, BoardAdjustment.__name__) for r in marks):
        return None
    before = cache.exclusions(head.company, head, [r for r in marks if r.seq <= k])
    after = cache.exclusions(head.company, head, marks)
    return next((i for i in sorted(before.keys() | after.keys())
                 if i not in new_ids and before.get(i) != after.get(i)), None)


def stored_batches(store: Any, company: str, head: Head, size: int) -> Iterator[list[Recorded]]:
    """The company's events up to the head, in stream order, ``size`` at a time, the chain followed from
    genesis (``StoreTampered`` at a break) to the head's hash."""
    links = Links(GENESIS, company_prefix(company))
    batch: list[Recorded] = []
    with gc_paused():  # parsed events make no cycles: the collector would only rescan them
        for record in iter_events(company, row_batches(store.recorder, stream_id(company), lte=head.version,
                                                       size=size), links):
            batch.append(record)
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch
    if (links.count, links.head) != (head.version, head.head):
        raise tampered(company, "events", Break(links.count + 1, f"the stream ends at position {links.count}, "
                                                                 f"not at the head's {head.version}", None, None))


class Fresh:
    """A fresh build's entries in effective order with the latest knowledge (``entries``), from one read of the
    events in stream order when the catalog says that is the effective order. ``observer`` is ready to fold
    them (its §4.4 exclusions known); ``given`` counts the entries given and ``last`` is the key of the last."""

    def __init__(self, ledger: Any, cache: Checkpoints, head: Head) -> None:
        self.ledger, self.head = ledger, head
        self.given, self.last = 0, None
        self._latest: LatestEntries | None = None
        if _in_stream_order(cache, head):
            marks = cache.checked_marks(head.company, head)
            self.retracted = retracted_ids(marks)
            self.observer = Observer(())
            self.observer.state.exclusions = cache.exclusions(head.company, head, marks)
        else:
            self._latest = LatestEntries(ledger, head.company, head)
            self.observer = self._latest.observer

    def entries(self, write: Callable[[list[Recorded]], None], size: int) -> Iterator[Entry]:
        """The entries, each batch of the stored events handed to ``write`` before any entry it makes (all of
        them first, when the fold reads the catalog's order). ``Stale`` if the events are not in the order the
        catalog says."""
        batches = stored_batches(self.ledger.store, self.head.company, self.head, size)
        if self._latest is not None:
            for records in batches:
                write(records)
            for entry in self._latest:
                self.given, self.last = self._latest.given, self._latest.last
                yield entry
            return
        yield from self._in_stream(batches, write)

    def _in_stream(self, batches: Iterable[list[Recorded]], write: Callable[[list[Recorded]], None]) -> Iterator[Entry]:
        def written() -> Iterator[list[Recorded]]:
            for records in batches:
                write(records)  # before any entry the batch makes
                yield records

        retracted = self.retracted
        for entry, key in keyed_in_stream_order(written(), zone(self.head.zone)):
            if not isinstance(entry.fact, EventRetracted) and entry.fact.id not in retracted:
                self.given, self.last = self.given + 1, key
                yield entry


def _in_stream_order(cache: Checkpoints, head: Head) -> bool:
    """Whether, by the catalog, no entry in effective order comes from an earlier stream position than the one
    before it (as ``effective_reads.LatestEntries`` asks it)."""
    found = cache.tables.read(
        f"SELECT COUNT(*) FROM (SELECT seq, LAG(seq) OVER (ORDER BY {_ASC}) AS before FROM {{{CATALOG}}} "
        "WHERE company = ? AND seq <= ?) ordered WHERE seq < before", (head.company, head.version))
    return bool(found) and found[0][0] == 0
