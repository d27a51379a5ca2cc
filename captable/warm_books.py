"""Books kept warm in a service process (issue 12, item 3): each company's folded history in memory, caught up
from the store's head before every answer.

A service process keeps a few read-only ledgers open and lends one to each question (``Kept``): a question
then costs a read of the head, the journal's last commit and the stream's last row (``Books.tip``: the
commit's seal and link checked, the row checked against it), not an opening of the store; a ledger left
unused for a second is closed, so a quiet service holds no connection. For each of at most ``companies``
companies (least recently asked dropped first) it keeps the entries of the latest knowledge in effective
order and the fold's state every ``every`` of them
(``Folded``): a state with the latest knowledge is a copy of the nearest state and a fold of at most
``every`` entries, whatever the history's length.

Before answering, the head is read. If it has not moved, the folded history answers. If it moved, only the
events after the position held are read, checked as a chain from the hash held to the journal's last commit
(``Store.since``: a break is refused, ``store_tampered``, as a cold read refuses it); when they all fall
after the last entry held in effective order, and none is a kind that changes what comes before it (a
retraction, a notice, a waiver, an adjustment that excludes issuances, a new ``CompanyFormed``: the
``NEEDS_WHOLE_HISTORY`` of ``Ledger``), the fold goes on from the last state held. Anything else reads the
whole history again, checked from genesis, as the cold path does. Several service processes on one store
each read the head themselves, so none serves an answer the store has moved past.

A question with past knowledge (``known_at`` before the last recorded event) is answered the cold way
(``queries.state``), from the same kept ledger.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from captable import errors
from captable.api import Books
from captable.catalog import instant_of, micros
from captable.checkpoints import cache_errors
from captable.events import Event, OptionsIssued, SharesIssued
from captable.ledger import NEEDS_WHOLE_HISTORY, Basis, History, Ledger
from captable.store import Recorded
from captable.warm import tip_of
from projections.fold import fold_into, initial_state
from projections.state import CompanyState
from projections.timeline import Entry, entries, in_effective_order, known_at

if TYPE_CHECKING:
    from captable.queries import StateAnswer
    from captable.warm import Tip

COMPANIES = 8  # companies kept warm per service process (CAPTABLE_WARM_COMPANIES)
STATES = 128  # states kept per company: a fold from the nearest is at most a 128th of the history
LEDGERS = 4  # read-only ledgers kept open per service process: the worker threads share them
IDLE = 1.0  # seconds a kept ledger may stay unused before it is closed
MIN_EVERY = 256  # entries between two kept states, at the least (measured: an entry folds in 6-20 µs)


def companies_from_environment() -> int:
    text = os.environ.get("CAPTABLE_WARM_COMPANIES", "").strip()
    if not text:
        return COMPANIES
    if not text.isdigit():
        raise errors.BadOption("CAPTABLE_WARM_COMPANIES is a whole number of companies (0: none kept warm)",
                               field="CAPTABLE_WARM_COMPANIES", value=text)
    return int(text)


@dataclass(frozen=True)
class Folded:
    """A company's history with the latest knowledge, folded: never changed once made (a catch-up makes a new
    one), so a question answers from the one it was given while another thread catches up."""

    company: str
    zone: ZoneInfo
    version: int  # the last stream position read
    head: str  # the chain hash after it
    recorded: int  # the last recorded instant, µs: a known-at at or after it is the latest knowledge
    entries: Sequence[Entry]  # the latest knowledge, retractions applied, in effective order
    instants: Sequence[datetime]
    every: int
    states: Sequence[CompanyState]  # states[i]: after the first i * every entries
    boards: frozenset[datetime]  # §4.7 adjustments' instants: an issuance at one changes §4.4(a)'s exclusions
    # the state after every entry, once a write asked for it (``tail``): carried on by ``extended``, so that a
    # write after the last entry folds only itself
    tails: list[CompanyState] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def of(cls, history: History, every: int | None = None) -> Folded:
        last = history.records[-1]
        latest = known_at(history.entries, last.timestamp)
        every = every or max(MIN_EVERY, -(-len(latest) // STATES))
        states = [initial_state(latest)]
        state = states[0].copy()
        for start in range(every, len(latest) + 1, every):
            fold_into(state, latest[start - every:start])
            states.append(state.copy())
        return cls(history.company, history.zone, last.originator_version, last.hash, micros(last.timestamp),
                   latest, [e.effective for e in latest], every, states, _boards(latest))

    def state_at(self, instant: datetime) -> CompanyState:
        n = bisect_right(self.instants, instant)
        index = min(n // self.every, len(self.states) - 1)
        state = self.states[index].copy()
        fold_into(state, self.entries[index * self.every:n])
        return state

    def tail(self) -> CompanyState:
        """The state after every entry (never changed: copy it to fold on), made once."""
        if not self.tails:
            state = self.states[-1].copy()
            fold_into(state, self.entries[(len(self.states) - 1) * self.every:])
            self.tails.append(state)
        return self.tails[0]

    def decide(self, new: Sequence[Entry], lines: Mapping[int, int | None]) -> dict[int, Event] | None:
        """The decision on ``new`` entries (a batch that needs no whole history, ``NEEDS_WHOLE_HISTORY``) from
        the nearest state before the first, as ``Checkpoints.basis`` gives it from the persisted checkpoints; or
        None when an issuance falls at a §4.7 adjustment's instant (§4.4(a): the exclusions change)."""
        from captable.batch import decide_batch

        if any(isinstance(e.fact, (SharesIssued, OptionsIssued)) and e.effective in self.boards for e in new):
            return None
        first, last = min(e.key for e in new), max(e.key for e in new)
        before = bisect_left(self.entries, first, key=lambda e: e.key)
        if before == len(self.entries):
            return decide_batch([], new, lines, start=self.tail().copy())
        index = min(before // self.every, len(self.states) - 1)
        until = bisect_left(self.entries, last, key=lambda e: e.key)
        return decide_batch(self.entries[index * self.every:until], new, lines, start=self.states[index].copy())

    def extended(self, records: Sequence[Recorded]) -> Folded | None:
        """This history with ``records`` (the events after ``version``, chain checked) folded on, or None when
        they do not all fall after the last entry or change what comes before it: then read it whole."""
        if not records:
            return self
        if any(isinstance(r.fact, NEEDS_WHOLE_HISTORY) for r in records):
            return None
        new = in_effective_order(e for r in records for e in entries(r.fact, r.timestamp, r.originator_version,
                                                                     self.zone, r.hash, r.actor))
        if self.entries and new[0].key <= self.entries[-1].key:
            return None  # back-dated: it changes the states after it
        if any(isinstance(e.fact, (SharesIssued, OptionsIssued)) and e.effective in self.boards for e in new):
            return None
        latest = [*self.entries, *new]
        kept = len(latest) // self.every + 1
        states = list(self.states[:min(len(self.states), kept)])
        state = states[-1].copy()
        for start in range(len(states) * self.every, len(latest) + 1, self.every):
            fold_into(state, latest[start - self.every:start])
            states.append(state.copy())
        tails = []
        if self.tails:
            tails.append(self.tails[0].copy())
            fold_into(tails[0], new)
        last = records[-1]
        return Folded(self.company, self.zone, last.originator_version, last.hash, micros(last.timestamp), latest,
                      [*self.instants, *(e.effective for e in new)], self.every, states, self.boards, tails)


def _boards(latest: Sequence[Entry]) -> frozenset[datetime]:
    from captable.events import BoardAdjustment

    return frozenset(e.effective for e in latest if isinstance(e.fact, BoardAdjustment))


class WarmBooks:
    """One service process's warm books over the store ``db``: at most ``ledgers`` read-only ledgers kept open
    for its worker threads (one lent to each question; a ledger idle for ``IDLE`` seconds is closed, so that a
    quiet service holds no connection) and the folded histories of at most ``companies`` companies."""

    def __init__(self, db: str, *, companies: int | None = None, every: int | None = None,
                 ledgers: int = LEDGERS) -> None:
        self.db = db
        self.companies = companies_from_environment() if companies is None else companies
        self.every = every
        self._idle: list[tuple[float, Ledger]] = []  # ledgers not lent, the most recently returned last
        self._lendable = threading.BoundedSemaphore(ledgers)
        self._held: OrderedDict[str, Folded] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.rebuilt = 0  # whole histories read: a catch-up that folds on does not count
        self.folded_on = 0
        self.warm_writes = 0  # writes decided from the warm books (``basis``)
        _QUIET.add(self)

    @contextmanager
    def ledger(self) -> Iterator[Ledger]:
        """A kept read-only ledger, lent for one question (a store not there yet is refused, and the next
        question tries again); one that failed to reach its store is closed rather than kept."""
        self._lendable.acquire()
        try:
            with self._lock:
                ledger = self._idle.pop()[1] if self._idle else None
            if ledger is None:
                ledger = Ledger(self.db, read_only=True)
                ledger.warm = self
            try:
                yield ledger
            except Exception as error:
                if boundary_code(error) == "store_unavailable":
                    _close(ledger)
                else:
                    self._return(ledger)
                raise
            else:
                self._return(ledger)
        finally:
            self._lendable.release()

    def _return(self, ledger: Ledger) -> None:
        with self._lock:
            self._idle.append((time.monotonic(), ledger))

    def close_idle(self, idle: float = IDLE) -> None:
        """Close the ledgers not lent for ``idle`` seconds."""
        since = time.monotonic() - idle
        with self._lock:
            closing = [ledger for at, ledger in self._idle if at <= since]
            self._idle = [(at, ledger) for at, ledger in self._idle if at > since]
        for ledger in closing:
            _close(ledger)

    def close(self) -> None:
        self.close_idle(-1.0)
        with self._lock:
            self._held.clear()

    def books(self, actor: str, company: str | None) -> Kept:
        return Kept(self, actor, company)

    def held(self) -> list[str]:
        with self._lock:
            return list(self._held)

    def folded(self, ledger: Ledger, company: str, tip: Tip) -> Folded:
        """The company's folded history at ``tip`` or after it: as held, caught up, or read whole."""
        found = self._folded(ledger, company, tip, whole=True)
        assert found is not None  # read whole when it could not be caught up
        return found

    def _folded(self, ledger: Ledger, company: str, tip: Tip, *, whole: bool) -> Folded | None:
        """``folded``; without ``whole``, None (and nothing changed) where the history would be read whole."""
        with self._lock:
            lock = self._locks.setdefault(company, threading.Lock())
        with lock:
            with self._lock:
                held = self._held.get(company)
            if held is not None and held.version > tip.position:
                # another thread caught up past the head this one read: read the head again before deciding
                # that it went back (a tampered journal, then refused by the whole read below)
                tip = tip_of(ledger.store, company) or tip
            if held is not None and (held.version, held.head) == (tip.position, tip.head):
                found: Folded | None = held
            else:
                found = None
                if held is not None and held.version < tip.position:
                    since = ledger.store.since(company, held.version, held.head)  # StoreTampered on a break
                    found = held.extended(since) if since is not None else None
                    self.folded_on += found is not None
                if found is None and not whole:
                    return None
                if found is None:
                    history = ledger.history(company)  # checked from genesis; a commit means events
                    found = Folded.of(history, self.every)
                    self.rebuilt += 1
            with self._lock:
                self._held[company] = found
                self._held.move_to_end(company)
                while len(self._held) > self.companies:
                    self._held.popitem(last=False)
            return found

    def basis(self, ledger: Ledger, company: str) -> Basis | None:
        """What deciding a write needs, from the warm books (``Ledger.basis_provider``), or None: decide it the
        cold way (``Ledger._cached_basis``). Only a company held here, caught up to the head ``ledger`` (the
        writer) reads now without reading its history whole, and whose persisted catalog is at that head too
        (it finds the stored facts a new one's id may name, retracted ones included, as the cold way does).

        Exactly as safe as the cold way: the batch is sealed on from the head read here (position and hash),
        and the store takes it only at the position after the journal's last commit (``Store._batch``, the
        positions' uniqueness): a writer that slipped in between makes it a ``ConcurrentWrite``."""
        if self.companies < 1:
            return None
        with self._lock:
            if company not in self._held:
                return None  # not asked about yet: a write does not read a whole history into memory
        tip = tip_of(ledger.store, company)
        if tip is None:
            return None
        folded = self._folded(ledger, company, tip, whole=False)
        if folded is None or (folded.version, folded.head) != (tip.position, tip.head):
            return None
        cache = ledger.checkpoints
        try:
            head = cache.head(company) if cache.tables.exist() else None
        except cache_errors():
            return None
        if head is None or (head.version, head.head) != (tip.position, tip.head):
            return None  # the cold way catches the catalog up

        def stored(ids: Iterable[str]) -> Mapping[str, Event]:
            try:
                return cache.stored_facts(company, head, ids)
            except cache_errors():
                return Basis.of(ledger.history(company)).stored(ids)

        def decide(new: Sequence[Entry], lines: Mapping[int, int | None]) -> dict[int, Event]:
            decided = folded.decide(new, lines)
            if decided is None:  # §4.4(a): decided from the whole history
                return Basis.of(ledger.history(company)).decide(new, lines)
            return decided

        self.warm_writes += 1
        return Basis(company, folded.version, folded.head, instant_of(folded.recorded), folded.zone, stored, decide)

    def state(self, ledger: Ledger, company: str, as_of: str | None, known: str | None) -> StateAnswer | None:
        """The state answer from the folded history, or None: past knowledge, or nothing recorded yet (asked
        the cold way)."""
        from captable import queries

        if self.companies < 1:
            return None
        tip = tip_of(ledger.store, company)
        if tip is None:
            return None
        folded = self.folded(ledger, company, tip)
        as_of_at = queries.instant(as_of, folded.zone, "as_of")
        known_at_ = queries.instant(known, folded.zone, "known_at")
        if micros(known_at_.at) < folded.recorded:
            return None
        return queries.StateAnswer(company, folded.zone, as_of_at, known_at_, folded.state_at(as_of_at.at))


def boundary_code(error: Exception) -> str:
    from captable import boundary

    return boundary.explain(error).code


def _close(ledger: Ledger) -> None:
    try:
        ledger.close()
    except Exception:  # noqa: BLE001 - a connection already broken has nothing left to release
        pass


_QUIET: weakref.WeakSet[WarmBooks] = weakref.WeakSet()


def _close_quiet() -> None:
    """Every half second, close the kept ledgers idle for ``IDLE`` seconds, of every live ``WarmBooks``."""
    while True:
        time.sleep(IDLE / 2)
        for books in list(_QUIET):
            books.close_idle()


threading.Thread(target=_close_quiet, name="captable-quiet-ledgers", daemon=True).start()


class Kept(Books):
    """``Books`` over a kept ledger: reads answer from it (and from the warm books), a write opens its own
    writable ledger for the request (deciding from the warm books where it can: ``WarmBooks.basis``); closing
    releases that and gives the kept one back."""

    def __init__(self, warm: WarmBooks, actor: str, company: str | None) -> None:
        super().__init__(warm.db, actor=actor, company=company)
        self.warm = warm
        self._lent: AbstractContextManager[Ledger] | None = None

    def _read(self) -> Ledger:
        if self._writer is not None:
            return self._writer
        if self._reader is None:
            lent = self.warm.ledger()
            self._reader = lent.__enter__()
            self._lent = lent
        return self._reader

    def _write(self) -> Ledger:
        """The request's writable ledger, deciding from the warm books where they hold the company at its head."""
        writer = super()._write()
        writer.basis_provider = self.warm.basis
        return writer

    def __exit__(self, *exc: Any) -> None:
        if self._writer is not None:
            self._writer.close()
        self._writer = self._reader = None
        lent, self._lent = self._lent, None
        if lent is not None:
            lent.__exit__(*exc)

    def close(self) -> None:
        self.__exit__(None, None, None)
