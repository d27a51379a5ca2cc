"""Tamper evidence (DESIGN §7): walk every chain of the store, and prove it still extends an anchor.

``verify_store`` reads the rows as stored, without the mapper, and checks:

1. the index of companies: its chain, and no company listed twice;
2. for each company, its journal of commits: the chain (from the company's
   index entry), and commits that continue one another (positions 1, 2, …);
3. for each company, its events: the chain, and at each commit's last
   position the head hash that commit recorded; the stream must end exactly
   where the last commit does (which catches a row appended with a valid
   hash, and truncation of the tail or of the whole stream);
4. for the whole store, that every row belongs to a listed company (which
   catches a company deleted from the index or renamed in it).

Each chain is reported at its first break, by position: an edited, deleted,
inserted, moved or reordered row, or a row forged with a valid hash.

A consistent rewrite of every chain leaves nothing inside the store to
contradict it: only a head kept elsewhere can. ``anchor`` writes one
(company, event count, head hash, journal head, index entry, time), and
``check_anchor`` proves that the store still holds that head at that position,
so the history since is an extension of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from captable import derived_check, errors
from captable.derived_check import Derived
from captable.chain import GENESIS, Break, Links, company_prefix, link
from captable.instants import now
from captable.rows import (INDEX_STREAM, JOURNAL_TOPIC, UNREADABLE, CompanyAdded, Committed, journal_id, parse_commit,
                           stream_end, stream_id, tampered, unlisted, walk_index)
from captable.store import Store
from captable.stream_walk import follow, in_parallel
from captable.suggest import valid_ones

Tick = Callable[[], None]


@dataclass(frozen=True)
class Verdict:
    """One company's chains: intact, or the first break (in its events, else in its journal)."""

    company: str
    events: int  # events intact (all of them, when intact)
    head: str  # the hash of the last intact event
    commits: int = 0  # journal commits intact
    journal_head: str = GENESIS
    problem: str | None = None  # the first break, in words
    position: int | None = None  # its stream position (or commit number, for the journal)
    event: str | None = None  # its event id, where the row still says
    part: str = "events"
    derived: Derived | None = None  # the cache beside the events, when they are intact

    @property
    def intact(self) -> bool:
        return self.problem is None

    def refusal(self) -> errors.StoreTampered:
        assert self.position is not None and self.problem is not None
        intact, head = (self.events, self.head) if self.part == "events" else (self.commits, self.journal_head)
        return tampered(self.company, self.part, Break(self.position, self.problem, intact, head), self.event)

    def to_json(self) -> dict[str, object]:
        return {"company": self.company, "intact": self.intact, "events": self.events, "head": self.head,
                "commits": self.commits, "journal_head": self.journal_head, "problem": self.problem,
                "part": self.part if self.problem else None, "position": self.position, "event": self.event,
                "derived": self.derived.to_json() if self.derived else None}


@dataclass(frozen=True)
class Report:
    """What ``verify`` checked: the index, each company's chains, and (for the whole store) stray rows."""

    index: list[CompanyAdded]
    index_break: Break | None
    companies: list[Verdict]
    strays: list[errors.StoreTampered] = field(default_factory=list)
    whole_store: bool = True

    @property
    def intact(self) -> bool:
        return self.index_break is None and all(v.intact for v in self.companies) and not self.strays

    def problems(self) -> list[errors.StoreTampered]:
        index = [tampered(None, "index", self.index_break)] if self.index_break else []
        return [*index, *(v.refusal() for v in self.companies if not v.intact), *self.strays]

    def refusal(self) -> errors.StoreTampered:
        """The first break, with every other one beside it (one run reports them all)."""
        first, *others = self.problems()
        first.others = others  # type: ignore[attr-defined]
        return first

    def checked(self) -> list[str]:
        """What was checked and found intact, in words (the breaks are the refusal's)."""
        lines = []
        if self.index_break is None:
            n = len(self.index)
            lines.append(f"index of companies: {n} compan{'y' if n == 1 else 'ies'}, chain intact; head "
                         f"{self.index[-1].hash if self.index else GENESIS}")
        lines += [f"{v.company}: {v.events} events in {v.commits} commit{'s' if v.commits != 1 else ''}, chain intact "
                  f"and ending where its journal's last commit does; head {v.head}" for v in self.companies if v.intact]
        lines += [v.derived.line(v.company) for v in self.companies if v.intact and v.derived]
        if self.whole_store and self.index_break is None and not self.strays:
            lines.append("every row of the store belongs to a company in the index")
        return lines

    def to_json(self) -> dict[str, object]:
        return {"intact": self.intact,
                "index": {"companies": len(self.index), "head": self.index[-1].hash if self.index else GENESIS},
                "companies": [v.to_json() for v in self.companies], "every_row_checked": self.whole_store}


def verify_store(store: Store, company: str | None = None, tick: Tick = lambda: None, *,
                 derived: bool = False) -> Report:
    """Every chain of the store (or of one company, with the index); refuses an empty store or an unknown
    company rather than report nothing. With ``derived``, each checkpoint is also folded again from the
    events (``derived_check``)."""
    # The streams first, then the index: a company's rows land with its index entry, so every stream seen
    # belongs to a company the later read of the index lists.
    stored = store.stream_ids() if company is None else set()
    entries, index_break = walk_index(store.recorder.select_events(INDEX_STREAM))
    listed = {e.company: e for e in entries}
    if company is not None and company not in listed:
        if index_break is not None:
            raise tampered(None, "index", index_break)
        store.unlisted(company)
        raise errors.UnknownCompany(f"the store holds no company {company!r}; `captable verify` without --company "
                                    f"checks all of them" + valid_ones(company, listed, "companies it holds"),
                                    field="company", value=company)
    strays = []
    if company is None:
        if not stored:
            raise errors.StoreEmpty("the store holds no event: there is nothing to verify. Check --db names the "
                                    "store you meant", field="db", value=getattr(store, "db", None))
        if index_break is None:
            strays = _strays(store, stored - _known(entries))
    names = [company] if company is not None else list(listed)
    return Report(entries, index_break, [verify(store, c, tick, listed[c], derived=derived) for c in names], strays, company is None)


def verify(store: Store, company: str, tick: Tick = lambda: None, entry: CompanyAdded | None = None, *,
           derived: bool = False) -> Verdict:
    """One company's journal and events, each from its genesis, and the events against the commits; the rows
    are streamed a batch at a time and never parsed, so this runs at the speed of SHA-256 over the store."""
    if entry is None:
        entry = next((e for e in store.index() if e.company == company), None)
        if entry is None:
            store.unlisted(company)
            raise errors.UnknownCompany(f"the store holds no company {company!r}", field="company", value=company)
    # How far the stream reaches, then the journal, then the rows up to the further of the two: a writer
    # committing meanwhile is read whole, never mistaken for a forged or truncated tail, and rows a writer adds
    # after the journal was read are left to the next run.
    stream = stream_id(company)
    last_row = store.recorder.select_events(stream, desc=True, limit=1)
    journal, commits, journal_break = _journal(store.recorder.select_events(journal_id(company)), company, entry)
    end = max(last_row[0].originator_version if last_row else 0, commits[-1].last if commits else 0)
    # The company's name and zone, which the derived tables' head is checked for, are read on the way.
    walked, broken = in_parallel(store, company, end, commits), None
    if walked is not None:
        links, formed = walked
    else:
        links, formed = Links(GENESIS, company_prefix(company)), []
        broken = follow(store.raw_rows(stream, until=end), links, commits, tick, formed)
    if broken is None and journal_break is None and not end and not commits:
        broken = Break(1, "the index lists the company but it holds no event and its journal no commit: its "
                          "history was deleted", 0, GENESIS)
    if broken is None:
        last, last_head = (commits[-1].last, commits[-1].head) if commits else (0, GENESIS)
        broken = stream_end(links.count, links.head, last, last_head, journal_break is None)
    if broken is not None:
        return Verdict(company, broken.intact or 0, broken.head or GENESIS, journal.count, journal.head,
                       broken.problem, broken.position, _event_id(store, company, broken.position))
    if journal_break is not None:
        return Verdict(company, links.count, links.head, journal_break.intact or 0, journal_break.head or GENESIS,
                       journal_break.problem, journal_break.position, part="journal")
    return Verdict(company, links.count, links.head, journal.count, journal.head,
                   derived=derived_check.check(store, company, links.count, formed, deep=derived))


def _journal(rows: Sequence[StoredEvent], company: str,
             entry: CompanyAdded) -> tuple[Links, list[Committed], Break | None]:
    """The journal's commits while its chain holds, and its first break."""
    links = Links(entry.hash, company_prefix(company))
    commits: list[Committed] = []
    for row in rows:
        broken = links.follow(row.originator_version, row.topic, row.state)
        if broken is None:
            after = commits[-1].last if commits else 0
            try:
                commit = parse_commit(row) if row.topic == JOURNAL_TOPIC else None
            except UNREADABLE:
                commit = None
            if commit is None or commit.first != after + 1 or commit.last < commit.first:
                what = "not a readable commit" if commit is None else f"its positions do not follow position {after}"
                broken = Break(row.originator_version, f"{what}: forged", links.count - 1,
                               commits[-1].hash if commits else entry.hash)
        if broken is not None:
            return links, commits, broken
        commits.append(commit)  # type: ignore[arg-type]
    return links, commits, None


def _event_id(store: Store, company: str, position: int | None) -> str | None:
    row = store.rows_at(company, [position]).get(position) if position else None  # type: ignore[list-item]
    try:
        fact = json.loads(row.state)["fact"]  # type: ignore[union-attr]
        return fact["id"] if isinstance(fact.get("id"), str) else None
    except (*UNREADABLE, AttributeError):
        return None


def _known(entries: Sequence[CompanyAdded]) -> set[Any]:
    return {INDEX_STREAM, *(stream_id(e.company) for e in entries), *(journal_id(e.company) for e in entries)}


def _strays(store: Store, ids: set[Any]) -> list[errors.StoreTampered]:
    """Streams of rows that belong to no listed company, named by the company their first row states (once for
    a company's events and journal)."""
    found: dict[Any, errors.StoreTampered] = {}
    for stream in sorted(ids, key=str):
        first = store.recorder.select_events(stream, limit=1)
        try:
            company = json.loads(first[0].state)["company"]
        except (*UNREADABLE, IndexError):
            company = None
        if not isinstance(company, str):
            found[stream] = errors.StoreTampered(f"stream {stream} holds rows of no company: written outside the "
                                                 "engine", company=None, part="index", position=None)
        elif company not in found:
            found[company] = unlisted(company)
    return list(found.values())


# Anchors -----------------------------------------------------------------------------------------------------

_HASH = re.compile(r"[0-9a-f]{64}")


def anchor(store: Store, company: str) -> dict[str, Any]:
    """A head to keep elsewhere: the company's event count and head hash, its journal's, its index entry's."""
    verdict = verify(store, company)
    if not verdict.intact:
        raise verdict.refusal()
    entry = next(e for e in store.index() if e.company == company)
    return {"company": company, "events": verdict.events, "head": verdict.head,
            "journal": {"commits": verdict.commits, "head": verdict.journal_head},
            "index": {"position": entry.originator_version, "hash": entry.hash},
            "written_at": now().isoformat()}


def check_anchor(store: Store, kept: dict[str, Any]) -> str:
    """Prove that the store still extends an anchor: each hash it names still sits at its position (the chains
    themselves were verified first, so what follows continues from it). Returns what was proved, in words."""
    company = kept["company"]
    entry = next((e for e in store.index() if e.company == company), None)
    if entry is None:
        raise _not_extended(kept, "company", company, f"the store no longer holds company {company!r}")
    if (entry.originator_version, entry.hash) != (kept["index"]["position"], kept["index"]["hash"]):
        raise _not_extended(kept, "index", kept["index"]["hash"], f"the index entry of {company!r} is no longer the "
                            "one anchored: the index was rewritten")
    for part, stream, count, head in (("events", stream_id(company), kept["events"], kept["head"]),
                                      ("journal", journal_id(company), kept["journal"]["commits"],
                                       kept["journal"]["head"])):
        if count == 0:
            continue
        row = store.recorder.select_events(stream, gt=count - 1, lte=count)
        if not row:
            raise _not_extended(kept, part, count, f"its {part} end before position {count}, which the anchor "
                                                   f"counted: truncated")
        stored = link(row[0].state)
        if stored is None or stored[1] != head:
            raise _not_extended(kept, part, head, f"position {count} of its {part} no longer has the anchored hash "
                                                  f"{head}: the chain was rewritten")
    return (f"the store still extends the anchor of {kept['written_at']}: {company!r} at {kept['events']} events "
            f"(head {kept['head']})")


def _not_extended(kept: dict[str, Any], name: str, value: Any, what: str) -> errors.AnchorNotExtended:
    return errors.AnchorNotExtended(f"{what}. The store does not extend the anchor written at {kept['written_at']}: "
                                    "restore it from a copy you trust", field=name, value=value)


def read_anchor(path: Path) -> dict[str, Any]:
    """An anchor file, its shape checked: a field missing or malformed is named."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise errors.AnchorInvalid(f"the anchor file cannot be read as JSON ({type(error).__name__}): give the file "
                                   "`captable head` wrote", field="anchor", value=str(path)) from None
    shape: dict[str, Callable[[Any], bool]] = {
        "company": lambda v: isinstance(v, str) and bool(v),
        "events": _count, "head": _hash, "written_at": lambda v: isinstance(v, str),
        "journal": lambda v: isinstance(v, dict) and _count(v.get("commits")) and _hash(v.get("head")),
        "index": lambda v: isinstance(v, dict) and _count(v.get("position")) and _hash(v.get("hash")),
    }
    if not isinstance(kept, dict):
        raise errors.AnchorInvalid("the anchor is not a JSON object", field="anchor", value=str(path))
    for name, valid in shape.items():
        if not valid(kept.get(name)):
            raise errors.AnchorInvalid(f"the anchor's {name!r} is missing or malformed: give the file `captable "
                                       "head` wrote", field=name, value=kept.get(name))
    return kept


def write_anchor(kept: dict[str, Any], path: Path) -> None:
    try:
        path.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise errors.AnchorUnwritable(f"the anchor cannot be written there ({error.strerror or type(error).__name__})",
                                   field="out", value=str(path)) from None


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _hash(value: Any) -> bool:
    return isinstance(value, str) and _HASH.fullmatch(value) is not None
