"""Tamper evidence: walk a company's stored events and check the SHA-256 chain.

Each stored event holds the hash of its canonical content and of the previous
event's hash (``store.chain_hash``). Reading the rows as stored, without the
mapper, the walk finds the first event whose content no longer matches its
hash (edited), whose previous hash is not the hash before it (an event
deleted, inserted or moved before it), or whose position breaks the sequence
1, 2, 3 … (deleted or inserted). The count and head hash let an auditor
compare with a head noted earlier, which also reveals a removed last event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from captable.store import GENESIS, Store, canonical, chain_hash, stream_id


@dataclass(frozen=True)
class Verdict:
    company: str
    events: int
    head: str
    problem: str | None = None  # the first break in the chain, in words
    position: int | None = None  # its stream position
    event: str | None = None  # its event id, where the row still says

    @property
    def intact(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, object]:
        return {"company": self.company, "intact": self.intact, "events": self.events, "head": self.head,
                "problem": self.problem, "position": self.position, "event": self.event}


def verify(store: Store, company: str, tick: Callable[[], None] = lambda: None) -> Verdict:
    expected_prev = GENESIS
    rows = store.recorder.select_events(stream_id(company))
    for n, row in enumerate(rows, start=1):
        tick()
        try:
            state = json.loads(row.state)
            fact, stored_hash = state["fact"], state["hash"]
            recorded = datetime.fromisoformat(state["recorded"])
        except (ValueError, KeyError, TypeError):
            return Verdict(company, n - 1, expected_prev, "the stored row is not a readable event: edited",
                           row.originator_version)
        event_id = fact.get("id") if isinstance(fact, dict) else None
        if row.originator_version != n:
            what = "an event is missing before it: deleted" if row.originator_version > n else "out of sequence"
            return Verdict(company, n - 1, expected_prev, f"stream position {row.originator_version} where {n} "
                           f"was expected: {what}", row.originator_version, event_id)
        if state.get("prev_hash") != expected_prev:
            return Verdict(company, n - 1, expected_prev, "its previous hash is not the hash of the event before "
                           "it: an event was deleted, inserted or reordered", n, event_id)
        content = chain_hash(expected_prev, state.get("company", ""), n, recorded, canonical(fact))
        if content != stored_hash or state.get("company") != company:
            return Verdict(company, n - 1, expected_prev, "its content no longer matches its hash: edited", n,
                           event_id)
        expected_prev = stored_hash
    return Verdict(company, len(rows), expected_prev)
