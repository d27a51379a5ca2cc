"""The application service: import and record facts, read them back, answer queries.

Writing follows decide-then-fold: a batch is validated in effective order
against the state at each new event's effective instant (retractions and
what rests on them: see ``batch``), then appended to the company's stream
in one transaction. Reading folds the stream (see
``projections``) as of an effective instant and as known at a recorded one.

Both start from the nearest persisted checkpoint where they can
(``captable.checkpoints``): a state with the latest knowledge, and a batch
without retractions, notices, waivers or §4.4 adjustments, is decided from
the checkpoint before its first entry. The checkpoints are caught up after
the events' transaction commits, best-effort: a cache never refuses an event.
"""

from __future__ import annotations

import gc
import getpass
import hashlib
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from captable import errors
from captable.catalog import instant_of, micros
from captable.checkpoints import Checkpoints, Head, Tap, cache_errors
from captable.events import (BoardAdjustment, CompanyFormed, ConversionRatioAdjusted, Event, EventRetracted,
                             NoticeSent, WaiverSigned)
from captable.instants import UTC, now, zone
from captable.intake import Incoming, parse_event
from captable.suggest import valid_ones
from captable.store import GENESIS, CompanyAdded, INDEX_STREAM, Recorded, Store, _runs, canonical, seal_event
from projections.fold import fold_into, initial_state
from projections.state import CompanyState
from projections.timeline import Entry, Timeline, company_zone, entries, in_effective_order, known_at

T = TypeVar("T")


def _decide_batch() -> Callable[..., dict[int, Event]]:
    """The rules that decide a write, loaded by the commands that write: a read never needs them."""
    from captable.batch import decide_batch

    return decide_batch


@dataclass(frozen=True)
class History:
    """A company's stored events, in stream order and in effective order."""

    company: str
    zone: ZoneInfo
    records: Sequence[Recorded]
    entries: Sequence[Entry]

    @property
    def version(self) -> int:
        return self.records[-1].originator_version if self.records else 0

    @property
    def head_hash(self) -> str:
        return self.records[-1].hash if self.records else GENESIS

    def timeline(self, known: datetime, checkpoint_every: int | None = None) -> Timeline:
        return Timeline(known_at(self.entries, known), fold_into, initial_state, checkpoint_every)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Basis:
    """What deciding a batch needs of a company's stored history: the whole of it (``History``), or the
    nearest checkpoint and the catalog (``Checkpoints``)."""

    company: str
    version: int
    head_hash: str
    last_recorded: datetime | None
    zone: ZoneInfo | None  # None: no CompanyFormed stored, the batch's gives the zone
    stored: Callable[[Iterable[str]], Mapping[str, Event]]  # the stored facts among these ids
    decide: Callable[[Sequence[Entry], Mapping[int, int | None]], dict[int, Event]]
    history: History | None = None  # when read whole
    tap: Tap | None = None  # checkpoints taken while deciding from the whole history

    @classmethod
    def of(cls, history: History, tap: Tap | None = None) -> Basis:
        facts = {r.fact.id: r.fact for r in history.records}
        formed = any(isinstance(r.fact, CompanyFormed) for r in history.records)
        last = history.records[-1].timestamp if history.records else None
        return cls(history.company, history.version, history.head_hash, last, history.zone if formed else None,
                   lambda ids: {i: facts[i] for i in ids if i in facts},
                   lambda new, lines: _decide_batch()(history.entries, new, lines, tap=tap), history, tap)


# A batch with these decides against the whole history: a retraction re-decides what follows the retracted
# fact; notices and waivers need the obligations from the start; §4.4(a)/(b) exclusions reach back to other
# issuances; a CompanyFormed may set the zone of the whole history.
NEEDS_WHOLE_HISTORY = (EventRetracted, NoticeSent, WaiverSigned, BoardAdjustment, ConversionRatioAdjusted,
                       CompanyFormed)


@dataclass
class ImportReport:
    stored: dict[str, int] = field(default_factory=dict)
    already_stored: int = 0
    ids: list[str] = field(default_factory=list)  # the ids stored, in stream order

    @property
    def total(self) -> int:
        return sum(self.stored.values())


def fresh_id(fact: Event) -> str:
    """A new fact's id: its type, for a reader of the log, and a random part, for uniqueness."""
    return f"{fact.type_name}-{uuid.uuid4().hex}"


def content_id(fact: Event, body: str, occurrence: int) -> str:
    """An imported line's id from its content (``body``, canonical) and its occurrence among identical
    lines of the file, so that importing the same file again stores nothing new (DESIGN §5)."""
    return f"{fact.type_name}-{hashlib.sha256(f'{body}#{occurrence}'.encode()).hexdigest()[:16]}"


def _comparable(fact: Event) -> dict[str, Any]:
    """A fact's content for idempotency: what the engine computed does not count."""
    content = fact.content()
    content.pop("computed", None)
    return content


@contextmanager
def gc_paused() -> Iterator[None]:
    """Reading or writing a history makes many small objects and no cycles:
    the cyclic collector would only rescan them (a third of load time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def actor_name(given: str | None = None) -> str:
    """Who records: as given (``--actor``), else ``CAPTABLE_ACTOR``, else the operating system's user.

    It is sealed into every event it records, so it must be a plain, printable name.
    """
    name = given if given is not None else os.environ.get("CAPTABLE_ACTOR") or _os_user()
    if not name.strip() or len(name) > 200 or not name.isprintable():
        raise errors.BadOption("the actor is a printable name of at most 200 characters, not blank",
                               field="actor", value=name)
    return name


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and no password entry for the uid
        return f"uid {os.getuid()}"


class InputLines(Mapping[int, "int | None"]):
    """The input line of each new stream position, from ``first`` on: a list, not a dict of a million entries."""

    def __init__(self, first: int, lines: list[int | None]) -> None:
        self.first, self.lines = first, lines

    def __getitem__(self, seq: int) -> int | None:
        if not 0 <= seq - self.first < len(self.lines):
            raise KeyError(seq)
        return self.lines[seq - self.first]

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.first, self.first + len(self.lines)))

    def __len__(self) -> int:
        return len(self.lines)


class Ledger:
    def __init__(self, db: str, *, read_only: bool = False, actor: str | None = None,
                 checkpoints: Checkpoints | None = None) -> None:
        self.actor = actor_name(actor)
        self.store = Store(db, read_only=read_only)
        self._checkpoints = checkpoints
        self.warm: Any = None  # a service's warm books (``captable.warm_books``) answer states from memory
        # a write's basis from elsewhere (a service's warm books: ``WarmBooks.basis``), or None: decide the cold way
        self.basis_provider: Callable[[Ledger, str], Basis | None] | None = None

    @property
    def checkpoints(self) -> Checkpoints:
        if self._checkpoints is None:
            self._checkpoints = Checkpoints(self.store)
        return self._checkpoints

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.close()
        self.store.close()

    # Reading -------------------------------------------------------------

    def companies(self) -> list[str]:
        return self.store.companies()

    def company(self, requested: str | None) -> str:
        companies = self.companies()
        if requested:
            if requested not in companies:
                self.store.unlisted(requested)  # its rows stored without an index entry: tampered
                raise errors.UnknownCompany(f"the store holds no company {requested!r}"
                                            + valid_ones(requested, companies, "companies it holds"),
                                            field="company", value=requested)
            return requested
        if len(companies) == 1:
            return companies[0]
        if not companies:
            self.store.unlisted(None)
            raise errors.UnknownCompany("the store holds no company yet; import a history first", field="company")
        raise errors.CompanyRequired(f"the store holds {len(companies)} companies; name one with --company",
                                     field="company", value=companies)

    def history(self, company: str) -> History:
        with gc_paused():
            return self._history(company)

    def _history(self, company: str) -> History:
        records = self.store.stream(company)
        tz = company_zone(r.fact for r in records)
        expanded = [e for r in records for e in entries(r.fact, r.timestamp, r.originator_version, tz, r.hash,
                                                        r.actor)]
        return History(company, tz, records, in_effective_order(expanded))

    def state(self, company: str, as_of: datetime, known: datetime) -> CompanyState:
        head = self.latest(company)
        if head is not None and micros(known) >= head.recorded:
            found = self.latest_state(company, head, as_of)
            if found is not None:
                return found
        return self.history(company).timeline(known).state_at(as_of)  # type: ignore[no-any-return]

    def latest(self, company: str) -> Head | None:
        """The checkpoints caught up with the company's events, or None: answer from the events themselves.
        A broken chain after the checkpoints' head is refused (``StoreTampered``)."""
        try:
            with gc_paused():
                return self.checkpoints.current(company)
        except cache_errors():
            return None

    def latest_state(self, company: str, head: Head, as_of: datetime) -> CompanyState | None:
        """The state at ``as_of`` with the latest knowledge, from the nearest checkpoint, or None."""
        return self.from_checkpoints(company, head, lambda cache, head: cache.state_at(company, head, as_of))

    def known_state(self, company: str, head: Head, as_of: datetime, known: datetime) -> CompanyState | None:
        """The state at ``as_of`` as the books stood at ``known`` (before the head), from a checkpoint, or None."""
        return self.from_checkpoints(company, head,
                                     lambda cache, head: cache.state_known(company, head, as_of, known))

    def from_checkpoints(self, company: str, head: Head, ask: Callable[[Checkpoints, Head], T]) -> T | None:
        """An answer from the checkpoints; a cache that disagrees with the events is rebuilt from them (refused
        if the events no longer hold their chain) and asked again; None when it still cannot answer."""
        with gc_paused():
            try:
                return ask(self.checkpoints, head)
            except cache_errors():
                pass
            try:
                rebuilt = self.checkpoints.rebuild(company)
                return ask(self.checkpoints, rebuilt) if rebuilt else None
            except cache_errors():
                return None

    # Writing -------------------------------------------------------------

    def record(self, event: dict[str, Any] | Incoming) -> ImportReport:
        """One new fact (DESIGN §5): without an ``id`` it gets a fresh one, so recording the same
        content twice stores two events; with an ``id``, the same content again is a no-op."""
        item = event if isinstance(event, Incoming) else parse_event(event)
        if item.fact.id is None:
            item = replace(item, fact=item.fact.model_copy(update={"id": fresh_id(item.fact)}))
        return self.import_events([item])

    def import_events(self, incoming: Iterable[Incoming]) -> ImportReport:
        """Store every event or none: any refusal raises before anything is written."""
        items = list(incoming)
        return self.import_stream(lambda: items)

    def import_stream(self, source: Callable[[], Iterable[Incoming]]) -> ImportReport:
        """``import_events`` of what ``source()`` gives, streamed where the batch allows it (``captable.bulk``:
        a new company's history in effective order), else read whole, from a second ``source()``."""
        from captable import bulk

        with gc_paused():
            try:
                return bulk.stream(self, source())
            except bulk.NotStreamable:
                return self._import(list(source()))

    def _import(self, items: list[Incoming]) -> ImportReport:
        report = ImportReport()
        if not items:
            return report
        existing = self.companies()
        records: list[Recorded] = []
        added: list[CompanyAdded] = []
        moment = now()
        bases: dict[str, Basis] = {}
        for company, group in self._by_company(items, existing).items():
            bases[company] = basis = self._basis(company, group, company in existing)
            new, duplicates = self._plan(basis, group, moment)
            report.already_stored += duplicates
            if new:
                report.stored[company] = len(new)
                report.ids.extend(r.fact.id for r in new)  # type: ignore[misc]
                records.extend(new)
                if company not in existing:
                    added.append(CompanyAdded(INDEX_STREAM, self.store.index_version() + len(added) + 1,
                                              new[0].timestamp, company))
        if records:
            self.store.append(records, added)
            self._remember(records, bases)
        return report

    def _basis(self, company: str, group: Sequence[Incoming], listed: bool) -> Basis:
        """Decide from the nearest checkpoint when the batch allows it (``NEEDS_WHOLE_HISTORY``), or from what
        the ``basis_provider`` holds in memory, else from the whole history (for a new company too: no rows may
        be stored for it yet)."""
        if listed and not any(isinstance(i.fact, NEEDS_WHOLE_HISTORY) for i in group):
            provided = self.basis_provider(self, company) if self.basis_provider is not None else None
            if provided is not None:
                return provided
            head = self.latest(company)
            if head is not None:
                return self._cached_basis(company, head)
        return Basis.of(self._history(company), None if listed else self._tap())

    def _tap(self) -> Tap | None:
        """A new company's cache is built from the fold that decides its first batch (``checkpoints.Tap``)."""
        try:
            return self.checkpoints.tap()
        except (*cache_errors(), OSError):  # a cache that cannot be opened refuses no event
            return None

    def _cached_basis(self, company: str, head: Head) -> Basis:
        cache = self.checkpoints

        def decide(new: Sequence[Entry], lines: Mapping[int, int | None]) -> dict[int, Event]:
            try:
                start, stored = cache.basis(company, head, new)
            except cache_errors():  # the cache disagrees with the events: decide from all of them
                return Basis.of(self._history(company)).decide(new, lines)
            return _decide_batch()(stored, new, lines, start=start)

        def stored(ids: Iterable[str]) -> Mapping[str, Event]:
            try:
                return cache.stored_facts(company, head, ids)
            except cache_errors():
                return Basis.of(self._history(company)).stored(ids)

        return Basis(company, head.version, head.head, instant_of(head.recorded), zone(head.zone), stored, decide)

    def _remember(self, records: Sequence[Recorded], bases: Mapping[str, Basis]) -> None:
        """Catch the checkpoints up with what was just stored, best-effort: the events are stored and
        acknowledged whatever happens here; a cache left behind is caught up by its next reader."""
        for company, first, last in _runs(records):
            mine = records[records.index(first):records.index(last) + 1]
            try:
                with gc_paused():
                    self._remember_company(company, mine, bases[company])
            except Exception:  # noqa: BLE001 - nothing about a cache may refuse an event already stored
                continue

    def _remember_company(self, company: str, records: Sequence[Recorded], basis: Basis) -> None:
        cache = self.checkpoints
        head = cache.head(company) if cache.tables.exist() else None
        if head is not None and head.version == basis.version == records[0].originator_version - 1:
            cache.absorb(company, head, records)
        elif basis.history is not None:
            try:
                cache.build(company, [*basis.history.records, *records], basis.tap.taken if basis.tap else ())
            finally:
                if basis.tap is not None:
                    basis.tap.close()
        else:
            cache.current(company)

    def _by_company(self, items: Sequence[Incoming], existing: Sequence[str]) -> dict[str, list[Incoming]]:
        formed = {i.fact.company for i in items if isinstance(i.fact, CompanyFormed)}
        default = next(iter(formed)) if len(formed) == 1 else (existing[0] if len(existing) == 1 and not formed else None)
        groups: dict[str, list[Incoming]] = {}
        for item in items:
            company = item.fact.company or default
            if company is None:
                raise errors.CompanyRequired(
                    "name the company: the store holds several (or none) and this line does not say which",
                    field="company", line=item.line)
            if company not in existing and company not in formed:
                raise errors.UnknownCompany(f"no company {company!r}: record its CompanyFormed first"
                                            + valid_ones(company, [*existing, *formed], "companies known"),
                                            field="company", value=company, line=item.line)
            groups.setdefault(company, []).append(item)
        return groups

    def _plan(self, basis: Basis | History, items: Sequence[Incoming],
              moment: datetime) -> tuple[list[Recorded], int]:
        basis = Basis.of(basis) if isinstance(basis, History) else basis
        named: list[tuple[Incoming, Event]] = []
        seen: Counter[str] = Counter()
        for item in items:
            fact = item.fact
            if fact.id is None:
                # Re-importing the same file is idempotent; identical lines stay distinct events.
                body = canonical(_comparable(fact))
                seen[body] += 1
                fact = fact.model_copy(update={"id": content_id(fact, body, seen[body])})
            named.append((item, fact))
        stored = basis.stored({fact.id for _, fact in named})  # type: ignore[misc]
        fresh: dict[str, tuple[Incoming, Event]] = {}
        duplicates = 0
        for item, fact in named:
            prior = stored.get(fact.id) or (fresh[fact.id][1] if fact.id in fresh else None)  # type: ignore[arg-type]
            if prior is not None:
                if _comparable(prior) != _comparable(fact):
                    raise errors.IdConflict(
                        f"id {fact.id!r} is already used by different content; ids are unique within a company",
                        field="id", value=fact.id, line=item.line)
                duplicates += 1
                continue
            fresh[fact.id] = (item, fact)  # type: ignore[index]
        if not fresh:
            return [], duplicates

        tz = basis.zone or company_zone(f for _, f in fresh.values())
        last = basis.last_recorded
        new: list[Entry] = []
        lines: list[int | None] = []
        for seq, (item, fact) in enumerate(fresh.values(), start=basis.version + 1):
            recorded = self._recorded(item, last, moment)
            last = recorded
            new.extend(entries(fact, recorded, seq, tz))
            lines.append(item.line)
        del stored, fresh  # what is new is in the entries now: a million of each is memory the fold needs

        del named
        decided = basis.decide(new, InputLines(basis.version + 1, lines))
        records: list[Recorded] = []
        prev = basis.head_hash
        for item_entry in new:
            if item_entry.phase:
                continue
            fact = decided.get(item_entry.seq, item_entry.fact)
            records.append(seal_event(basis.company, item_entry.seq, item_entry.recorded, fact, prev,
                                      self.actor))
            prev = records[-1].hash
        return records, duplicates

    @staticmethod
    def _recorded(item: Incoming, last: datetime | None, moment: datetime) -> datetime:
        """The store's clock, or an explicit ``recorded`` that keeps the stream's order (DESIGN §3)."""
        if item.recorded is None:
            return moment if last is None or moment >= last else last
        recorded = item.recorded.astimezone(UTC)
        if recorded > moment:
            raise errors.RecordedInFuture("a recorded instant cannot lie in the future",
                                          field="recorded", value=item.recorded.isoformat(), line=item.line)
        if last is not None and recorded < last:
            raise errors.RecordedOutOfOrder(
                f"recorded instants never go back: the stream's last is {last.isoformat()}",
                field="recorded", value=item.recorded.isoformat(), line=item.line)
        return recorded
