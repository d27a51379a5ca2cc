"""The three kinds of stored row, each sealed into a hash chain (DESIGN §7), parsed, and checked as read.

- a company's **events**: the fact (its effective instant included), its type
  (the topic column) and ``class_version``, the recorded instant, the company
  and the stream position;
- the **index of companies**: one entry per company, its position being the
  company's place in the store;
- each company's **journal**: one commit per write batch, naming the positions
  it wrote and the head hash it left. The journal's chain starts from the
  company's index entry, and each commit's head covers the events before it,
  so the events are bound to the company's place in the index; and a stream
  that no longer ends where its last commit says was truncated, or extended
  outside the engine.

How a row is sealed and a chain followed is ``captable.chain``; this module
knows what each kind of row holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import StoredEvent

from captable.chain import Break, Links, json_text, link, seal
from captable.errors import StoreTampered
from captable.events import BY_TOPIC, Event
from captable.events.canonical import canonical_text
from captable.events.rebuild import rebuild

_NAMESPACE = uuid5(NAMESPACE_URL, "https://captable.invalid/streams")
INDEX_STREAM = uuid5(_NAMESPACE, "index:companies")
INDEX_TOPIC = "captable.index:CompanyAdded"
JOURNAL_TOPIC = "captable.journal:Committed"


@lru_cache(maxsize=64)
def stream_id(company: str) -> UUID:
    return uuid5(_NAMESPACE, f"company:{company}")


@lru_cache(maxsize=64)
def journal_id(company: str) -> UUID:
    return uuid5(_NAMESPACE, f"journal:{company}")


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Recorded:
    """One stored event: a fact, when the store accepted it, and its place in the company's chain."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    company: str
    fact: Event
    prev_hash: str
    hash: str
    actor: str = ""  # who recorded it: sealed with the fact
    stored: bytes = b""  # the sealed row, kept from sealing for writing

    @property
    def recorded(self) -> datetime:
        return self.timestamp


@dataclass(frozen=True, slots=True)
class CompanyAdded:
    """An entry of the index of companies; its position is the company's place in the store."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    company: str
    prev_hash: str = ""
    hash: str = ""
    stored: bytes = b""


@dataclass(frozen=True, slots=True)
class Committed:
    """A commit of a company's journal: a write batch's positions and the head hash it left."""

    originator_id: UUID
    originator_version: int  # the commit's number
    timestamp: datetime
    company: str
    first: int
    last: int
    head: str
    prev_hash: str
    hash: str
    stored: bytes = b""


def seal_event(company: str, position: int, recorded: datetime, fact: Event, prev: str, actor: str) -> Recorded:
    """A fact sealed at ``position`` of the company's chain, after the event whose hash is ``prev``, with who
    recorded it."""
    cls = type(fact)
    members = (f'"company":{json_text(company)},"class_version":{fact.stored_version()},'
               f'"fact":{canonical_text(fact, _dumped)},"recorded":"{_iso(recorded)}","actor":{json_text(actor)}')
    digest, stored = seal(cls.TOPIC, position, members, prev)
    return Recorded(stream_id(company), position, recorded, company, fact, prev, digest, actor, stored)


_LAST_ISO: list[Any] = [None, ""]


def _iso(instant: datetime) -> str:
    """An import records most of its events at one instant (the same object): its text is written once. By
    identity, not equality: equal instants in other offsets are written differently."""
    if instant is not _LAST_ISO[0]:
        _LAST_ISO[:] = [instant, instant.isoformat()]
    return _LAST_ISO[1]  # type: ignore[no-any-return]


def _dumped(fact: Event) -> str:
    return canonical(fact.content())


def seal_company(entry: CompanyAdded, prev: str) -> CompanyAdded:
    members = f'"company":{json_text(entry.company)},"recorded":"{entry.timestamp.isoformat()}"'
    digest, stored = seal(INDEX_TOPIC, entry.originator_version, members, prev)
    return replace(entry, prev_hash=prev, hash=digest, stored=stored)


def seal_commit(company: str, number: int, first: int, last: int, head: str, recorded: datetime,
                prev: str) -> Committed:
    members = (f'"company":{json_text(company)},"first":{first},"last":{last},"head":"{head}",'
               f'"recorded":"{recorded.isoformat()}"')
    digest, stored = seal(JOURNAL_TOPIC, number, members, prev)
    return Committed(journal_id(company), number, recorded, company, first, last, head, prev, digest, stored)


def as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def parse_event(row: StoredEvent) -> Recorded:
    """A stored event as a fact, upcast to its class's current ``class_version``, rebuilt without validating it
    again (it was validated when it was stored, and its chain guards it since)."""
    state = json.loads(row.state)
    cls = BY_TOPIC[row.topic]
    fact = state["fact"]
    version = state["class_version"]
    while version < cls.class_version:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(fact)
        version += 1
    return Recorded(as_uuid(row.originator_id), row.originator_version, datetime.fromisoformat(state["recorded"]),
                    state["company"], rebuild(cls, fact), state["prev_hash"], state["hash"],
                    _text(state["actor"]))


def parse_company(row: StoredEvent) -> CompanyAdded:
    state = json.loads(row.state)
    return CompanyAdded(as_uuid(row.originator_id), row.originator_version, datetime.fromisoformat(state["recorded"]),
                        _text(state["company"]), state["prev_hash"], state["hash"])


def parse_commit(row: StoredEvent) -> Committed:
    state = json.loads(row.state)
    first, last = state["first"], state["last"]
    if not (isinstance(first, int) and isinstance(last, int)):
        raise TypeError("positions are not integers")
    return Committed(as_uuid(row.originator_id), row.originator_version, datetime.fromisoformat(state["recorded"]),
                     _text(state["company"]), first, last, _text(state["head"]), state["prev_hash"], state["hash"])


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


# A stored row can fail to parse only when it was written outside the engine.
UNREADABLE = (ValueError, KeyError, TypeError, AttributeError)


# Following the chains ----------------------------------------------------------------------------------------


def tampered(company: str | None, part: str, broken: Break, event: str | None = None) -> StoreTampered:
    """The refusal for a broken chain, naming the company, the chain and the first bad position."""
    where = {"events": f"the stored history of {company!r} is broken at stream position {broken.position}",
             "journal": f"the journal of {company!r} is broken at commit {broken.position}",
             "index": f"the index of companies is broken at its position {broken.position}"}[part]
    rows = {"events": "events", "journal": "commits", "index": "entries"}[part]
    intact = f"; the {broken.intact} {rows} before it are intact (head {broken.head})" if broken.intact else ""
    return StoreTampered(f"{where}: {broken.problem}{intact}. Nothing is answered from a broken store: restore it "
                         "from a copy you trust and run `captable verify`", company=company, part=part,
                         position=broken.position, event=event)


def unlisted(company: str) -> StoreTampered:
    return StoreTampered(f"rows of company {company!r} are stored but the index of companies does not list it: the "
                         "company was deleted from the index or renamed in it. Restore the store from a copy you "
                         "trust and run `captable verify`", company=company, part="index", position=None)


def walk_index(rows: Sequence[StoredEvent]) -> tuple[list[CompanyAdded], Break | None]:
    """The index's entries while its chain holds, and its first break (a duplicate company is one)."""
    links, entries, seen = Links(), [], set()
    for row in rows:
        broken = links.follow(row.originator_version, row.topic, row.state)
        if broken is None:
            try:
                entry = parse_company(row) if row.topic == INDEX_TOPIC else None
            except UNREADABLE:
                entry = None
            prev = link(row.state)[0]  # type: ignore[index]  # the row's seal held
            if entry is None:
                broken = Break(row.originator_version, "it is not an index entry: forged", links.count - 1, prev)
            elif entry.company in seen:
                broken = Break(row.originator_version, f"it lists {entry.company!r} a second time: forged",
                               links.count - 1, prev)
        if broken is not None:
            return entries, broken
        entries.append(entry)
        seen.add(entry.company)
    return entries, None


def read_events(company: str, rows: Sequence[StoredEvent], links: Links | None = None) -> list[Recorded]:
    """A company's stored events as facts; with ``links``, the rows' chain is checked first, all of it before
    any row is parsed (one pass for each keeps each loop's working set small: about twice as fast)."""
    if links is not None:
        follow = links.follow
        for row in rows:
            broken = follow(row.originator_version, row.topic, row.state)
            if broken is not None:
                raise tampered(company, "events", broken)
    records = []
    for row in rows:
        try:
            records.append(parse_event(row))
        except UNREADABLE as error:
            raise tampered(company, "events", Break(row.originator_version, "its content is not a readable event "
                                                    f"({type(error).__name__}): forged", None, None)) from None
    return records


BATCH = 10_000  # rows read at a time: few round trips, and a bounded working set


def row_batches(recorder: Any, stream: UUID, gt: int = 0, lte: int | None = None,
                size: int = BATCH) -> Iterator[Sequence[StoredEvent]]:
    """A stream's rows after position ``gt`` (up to ``lte``), ``size`` at a time, so that a reader holds one
    batch of rows, not the whole history. Rows are only ever appended: a batch read later than another
    follows it."""
    while True:
        rows = recorder.select_events(stream, gt=gt, lte=lte, limit=size)
        if rows:
            yield rows
        if len(rows) < size:
            return
        gt = rows[-1].originator_version


def iter_events(company: str, batches: Iterable[Sequence[StoredEvent]], links: Links) -> Iterator[Recorded]:
    """A company's stored events one at a time, each batch's chain checked before its rows are parsed:
    a broken row is refused before any fact after it is given (``links`` carries the chain across
    batches; ``Links.after`` starts it at a checkpoint)."""
    for rows in batches:
        yield from read_events(company, rows, links)


def stream_end(count: int, head: str, last: int, last_head: str, journal_whole: bool = True) -> Break | None:
    """A stream of ``count`` events must end exactly at ``last``, where the journal's last commit does (past a
    journal broken after ``last``, events are no evidence)."""
    if count < last:
        return Break(count + 1, f"it is missing: the journal's last commit ends at position {last}, the stream at "
                                f"{count}: truncated", count, head)
    if count > last and journal_whole:
        return Break(last + 1, f"it lies beyond the journal's last commit (position {last}): appended outside the "
                               "engine, or the journal's last entry deleted", last, last_head)
    return None


def rewritten(commit: Committed, before: str | None) -> Break:
    """The events a commit wrote no longer end at the head it recorded: rewritten, from its first on."""
    return Break(commit.first, f"the events from position {commit.first} to {commit.last} no longer end at the head "
                               f"commit {commit.originator_version} of the journal recorded: rewritten",
                 commit.first - 1 if before else None, before)


