"""Warm answers for the HTTP service (issue 12, item 3): an ETag per (chain head, question) and a bounded cache.

A question's answer is a function of the company's stored events and of the
question as resolved. When every instant the answer depends on is written in
the request (``as_of``, ``at``, ``date``), the stored events are the only
other input, and they are named exactly by the journal's last commit: its
position and the chain hash it left (``Store.last_commit``, checked as every
read checks it). A ``known_at`` left out means the latest knowledge: recorded
instants never lie in the future (DESIGN §3, ``RecordedInFuture``), so every
stored event is known now, provided the last commit is not ahead of this
service's clock; when it is, no tag is given. A question that resolves "now"
into its answer (an omitted ``as_of``, a letter's date, an iCalendar
DTSTAMP) gets no tag: its bytes change with time and the head cannot say so.

Any new event, from this process or another writing the same store, adds a
commit, so the head, the tag and the cache key all change: a stale answer is
never served. The cache is one LRU per service process, keyed by company,
head and question, bounded by count and bytes.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ANSWERS = "1"  # bumped when an answer's bytes change for the same events and question: old tags then miss
MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Tip:
    """The company's chain head as the journal's last commit names it."""

    company: str
    position: int  # the last event's position in the company's stream
    head: str  # the chain hash after it
    commit: int  # the journal commit's number
    committed: datetime  # when that commit was written (the store's clock)


def tip_of(store: Any, company: str) -> Tip | None:
    """The company's head as the journal's last commit names it (``Store.last_commit``: its seal and its link
    checked), or None when the index does not list it or its journal holds no commit. The stream must end
    there too (its last row, read alone): a row appended outside the engine, a truncated tail or a stream
    swapped for another is refused as a read of the whole stream refuses it."""
    entry = next((e for e in store.index() if e.company == company), None)
    for _ in range(2):  # a writer may commit between the two reads: then they agree when read again
        commit = store.last_commit(company, entry) if entry is not None else None
        if commit is None:
            return None
        if store.ends_at(company, commit):
            break
    else:
        store.stream(company)  # the stream does not end where its journal says: refused as a whole read refuses it
    return Tip(company, commit.last, commit.head, commit.originator_version, commit.timestamp)


def etag(tip: Tip, path: str, parameters: Sequence[tuple[str, str]]) -> str:
    """A strong tag for the answer to ``path`` with ``parameters`` (in the order sent: a reordered repeat is a
    different question as far as the tag knows) at ``tip``."""
    named = json.dumps([ANSWERS, tip.company, tip.position, tip.head, tip.commit, path, list(parameters)],
                       separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(named.encode("utf-8")).hexdigest()[:40] + '"'


def matches(if_none_match: str | None, tag: str, kept: bool = False) -> bool:
    """RFC 9110 §13.1.2: the weak comparison of each listed tag with ours, or ``*`` when an answer is ``kept``
    at this head (only then is it known to be a 200: the question might be refused, and a 304 would hide it;
    a listed tag was given with a 200, and the same question at the same head answers the same)."""
    if not if_none_match:
        return False
    listed = [t.strip() for t in if_none_match.split(",")]
    return any((t == "*" and kept) or t.removeprefix("W/") == tag for t in listed)


@dataclass(frozen=True)
class Kept:
    body: bytes
    media_type: str


class Answers:
    """A least-recently-used map from tag to answer, bounded by ``entries`` and ``size`` bytes; shared by the
    service's worker threads, so every access holds a lock."""

    def __init__(self, entries: int = MAX_ENTRIES, size: int = MAX_BYTES) -> None:
        self.entries = entries
        self.size = size
        self.held = 0
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, tag: str) -> Kept | None:
        with self._lock:
            kept = self._kept.get(tag)
            if kept is not None:
                self._kept.move_to_end(tag)
            return kept

    def put(self, tag: str, body: bytes, media_type: str) -> None:
        """Keep an answer; one larger than an eighth of the budget is not kept (it would evict too many)."""
        if len(body) > self.size // 8:
            return
        with self._lock:
            old = self._kept.pop(tag, None)
            if old is not None:
                self.held -= len(old.body)
            self._kept[tag] = Kept(body, media_type)
            self.held += len(body)
            while len(self._kept) > self.entries or self.held > self.size:
                _, dropped = self._kept.popitem(last=False)
                self.held -= len(dropped.body)
