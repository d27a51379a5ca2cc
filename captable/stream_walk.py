"""Walking a company's chain of events for ``verify``: row by row, and, for a long stream, in ranges on
every CPU at once.

One core hashes about 400,000 rows a second, and reading them from the store costs as much again, so a
million-event company takes a few seconds on one. The chain splits cleanly: each range is followed from
the link its first row states, and the ranges hold together when each first link is the hash the range
before it ended on. A first pass in parallel therefore proves an intact stream; when it finds anything
wrong (a break inside a range, ranges that do not join), the stream is walked again from genesis on one
core, which names the first break exactly as it always has.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain
from multiprocessing import get_context

from captable.chain import GENESIS, Break, Links, company_prefix, link
from captable.events import BY_TOPIC, CompanyFormed
from captable.rows import Committed, rewritten, stream_id
from captable.store import Store

Tick = Callable[[], None]
Row = tuple[int, str, bytes]

FORMED = CompanyFormed.TOPIC
PARALLEL_FROM = 200_000  # rows: below this, a second process costs more than it saves


def follow(rows: Iterable[Row], links: Links, commits: Sequence[Committed], tick: Tick, formed: list[Row],
           before: str = GENESIS) -> Break | None:
    """The events' chain from where ``links`` stands, and at each commit's last position the head that commit
    recorded (``before``: the head the commit before the first of ``commits`` left); the ``CompanyFormed``
    rows met on the way are kept in ``formed``."""
    due = iter(commits)
    commit = next(due, None)  # the next commit to meet
    step = links.follow
    for position, topic, state in rows:
        tick()
        broken = step(position, topic, state)
        if broken is None and topic not in BY_TOPIC:
            broken = Break(links.count, f"its topic {topic!r} names no event type: forged", links.count - 1,
                           link(state)[0])  # type: ignore[index]
        if broken is not None:
            return broken
        if topic == FORMED:
            formed.append((position, topic, state))
        if commit is not None and commit.last == links.count:
            if commit.head != links.head:
                return rewritten(commit, before)
            commit, before = next(due, None), commit.head
    return None


@dataclass(frozen=True)
class Span:
    """What one range of the stream showed: the link its first row states, and the head it ends on."""

    first_link: str | None  # None: its first row is missing or unsealed
    count: int
    head: str
    formed: list[Row]
    intact: bool


def in_parallel(store: Store, company: str, end: int, commits: Sequence[Committed]) -> tuple[Links, list[Row]] | None:
    """The chain of positions 1 to ``end`` followed in ranges, one per CPU: ``links`` at ``end`` and the
    ``CompanyFormed`` rows when every range is intact and each joins the one before it; None when anything is
    wrong or the stream is short (then walk it with ``follow``)."""
    workers = cpus()
    if end < PARALLEL_FROM or workers < 2 or not isinstance(store.db, str):
        return None
    bounds = [end * k // workers for k in range(workers + 1)]
    ranges = [(bounds[k], bounds[k + 1], _commits_in(commits, bounds[k], bounds[k + 1])) for k in range(workers)]
    try:
        with pool(workers - 1) as running:
            later = [running.submit(span, store.db, company, *r) for r in ranges[1:]]
            spans = [_span(store, company, *ranges[0]), *(f.result() for f in later)]
    except Exception:  # noqa: BLE001
        # No process could start, or a range met what it cannot read: the walk from genesis, on one core,
        # proves the chain or names its first break.
        return None
    head, formed = GENESIS, []
    for (after, until, _), found in zip(ranges, spans):
        if not found.intact or found.first_link != head or found.count != until:
            return None
        head = found.head
        formed += found.formed
    return Links.after(end, head, company_prefix(company)), formed


def cpus() -> int:
    return min(os.cpu_count() or 1, 8)


def pool(workers: int) -> Executor:
    """Processes started afresh ("spawn"): a fork would copy the parent's open connections and threads."""
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"))


def span(db: str, company: str, after: int, until: int, commits: tuple[tuple[Committed, ...], str]) -> Span:
    """One range, in a process of its own (its own connection to the store)."""
    store = Store(db, read_only=True)
    try:
        return _span(store, company, after, until, commits)
    finally:
        store.close()


def _span(store: Store, company: str, after: int, until: int,
          commits: tuple[tuple[Committed, ...], str]) -> Span:
    rows = store.raw_rows(stream_id(company), after=after, until=until)
    first = next(rows, None)
    sealed = link(first[2]) if first is not None and first[0] == after + 1 else None
    if first is None or sealed is None:
        return Span(None, after, GENESIS, [], False)
    links = Links.after(after, sealed[0], company_prefix(company))
    formed: list[Row] = []
    within, before = commits
    broken = follow(chain([first], rows), links, within, lambda: None, formed, before)
    return Span(sealed[0], links.count, links.head, formed, broken is None)


def _commits_in(commits: Sequence[Committed], after: int, until: int) -> tuple[tuple[Committed, ...], str]:
    """The commits that end within ``(after, until]``, and the head the commit before them recorded."""
    inside = tuple(c for c in commits if after < c.last <= until)
    earlier = [c for c in commits if c.last <= after]
    return inside, earlier[-1].head if earlier else GENESIS
