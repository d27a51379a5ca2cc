"""Deciding a batch against the history it joins, retractions included (DESIGN §5, §6 item 20).

A batch is decided in the order its lines were recorded. Each run of ``EventRetracted`` lines
divides it: the facts between two runs are decided, in effective order, against the stored
history and every earlier line of the batch, without what has been retracted so far. So the
lines before a retraction are checked with the retracted event and the lines after it without;
a batch without retractions is decided in one fold, as a whole.

The dependency rule: a retraction is accepted only if the history without the retracted facts
is still one the engine accepts. Every fact effective from the earliest retracted one on is
decided again against the state without them. A fact the rules would now refuse outright rests
on what was retracted (its warrant, class, agreement, offering or obligation no longer exists;
the company is not formed; a holder no longer holds what it transfers; shares exceed what is
authorized or purchasable): the retraction is refused naming every such fact, unless each is
retracted in the same batch. A fact whose recorded arithmetic merely differs from a
recomputation (``payment_mismatch``, ``computed_mismatch``: a retracted dilutive issuance
changes the price an exercise paid) is not a dependent: the fold applies it as recorded and
the audit notes the difference. Facts the rules refused before the retraction already (a
back-dated event recorded later can do that) are not blamed on it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from captable import errors
from captable.decide import check_retraction, decide
from captable.events import Event, EventRetracted, NoticeSent, WaiverSigned
from captable.instants import UTC
from projections.fold import apply, initial_state
from projections.obligations import Observer
from projections.state import CompanyState
from projections.timeline import Entry, in_effective_order, known_at

_END_OF_TIME = datetime.max.replace(tzinfo=UTC)
Key = tuple[datetime, datetime, int, str]

# Refusals that say only that recorded arithmetic differs from a recomputation: notes, not dependencies.
ARITHMETIC = frozenset({"payment_mismatch", "computed_mismatch"})
NAMES_OBLIGATIONS = (NoticeSent, WaiverSigned)


class Tap(Protocol):
    """What watches the fold deciding a batch against the whole history (``captable.checkpoints.Tap``)."""

    def begin(self, order: Sequence[Entry]) -> bool: ...
    def before(self, key: Key, observer: Observer) -> None: ...
    def finish(self, observer: Observer) -> None: ...


@dataclass
class Segment:
    """A run of retraction lines, then the lines up to the next run (either may be empty)."""

    retractions: list[Entry] = field(default_factory=list)
    facts: list[Entry] = field(default_factory=list)


def segments(new: Sequence[Entry]) -> list[Segment]:
    """The batch (in stream order) divided at each run of retractions."""
    parts = [Segment()]
    for item in new:
        if isinstance(item.fact, EventRetracted):
            if parts[-1].facts:
                parts.append(Segment())
            parts[-1].retractions.append(item)
        else:
            parts[-1].facts.append(item)
    return parts


def decide_batch(stored: Sequence[Entry], new: Sequence[Entry], lines: Mapping[int, int | None],
                 start: CompanyState | None = None, tap: Tap | None = None) -> dict[int, Event]:
    """Each new fact decided (an exercise gains what the engine computed), by stream position; or a refusal.

    ``stored`` is the company's stored history in effective order, ``new`` the batch's entries in
    stream order, ``lines`` the input line of each new stream position. With ``start`` (a checkpoint's
    state, its §4.4 exclusions those of the whole history and the batch), ``stored`` is only what follows
    it, retractions applied; a batch deciding from a checkpoint retracts nothing and names no obligation.
    A ``tap`` watches the fold of a batch decided in one fold from the start (without ``start``).
    """
    parts = segments(new)
    if len(parts) == 1 and not parts[0].retractions:  # the whole batch in one fold, as recorded together
        decided: dict[int, Event] = {}
        order = in_effective_order([*stored, *new])
        view = known_at(order, _END_OF_TIME)
        if tap is not None and (start is not None or not tap.begin(order)):
            tap = None  # only a fold from the beginning, long enough for a checkpoint, is watched
        del order
        _fold(view, _span(new), lines, decided, start=start, tap=tap)
        return decided
    return _decide_with_retractions(stored, parts, lines)


def _decide_with_retractions(stored: Sequence[Entry], parts: list[Segment],
                             lines: Mapping[int, int | None]) -> dict[int, Event]:
    base = known_at(stored, _END_OF_TIME)  # earlier retractions applied
    facts: dict[str, Event] = {e.fact.id: e.fact for e in stored if not e.phase}  # type: ignore[misc]
    mains: dict[str, Entry] = {e.fact.id: e for e in base if not e.phase}  # type: ignore[misc]
    retracted = {f.event: f.id or "" for f in facts.values() if isinstance(f, EventRetracted)}
    decided: dict[int, Event] = {}
    batch: list[Entry] = []  # the batch's facts decided so far
    gone: dict[str, Entry] = {}  # what this batch retracts, and the retraction line
    since: Key | None = None  # the earliest retracted entry: facts from here on are decided again
    broken: dict[str, errors.Refused] = {}
    for n, part in enumerate(parts):
        for item in part.retractions:
            fact: EventRetracted = item.fact  # type: ignore[assignment]
            try:
                check_retraction(fact, facts, retracted)
            except errors.Refused as refusal:
                raise refusal.at(line=lines[item.seq], event=fact.id) from None
            retracted[fact.event], facts[fact.id] = fact.id or "", fact  # type: ignore[index]
            gone[fact.event] = item
            key = mains[fact.event].key
            since = key if since is None else min(since, key)
        last = n == len(parts) - 1
        if not part.facts and not last:
            continue
        view = [e for e in in_effective_order([*base, *batch, *part.facts]) if e.fact.id not in gone]
        stop = None if last else max(e.key for e in part.facts)
        broken = _fold(view, _span(part.facts), lines, decided, since, stop)
        batch.extend(part.facts)
        for item in part.facts:
            if not item.phase:
                facts[item.fact.id], mains[item.fact.id] = item.fact, item  # type: ignore[index]
    if broken:
        _refuse_dependents(base, batch, decided, lines, gone, since, broken)  # type: ignore[arg-type]
    return decided


def _refuse_dependents(base: Sequence[Entry], batch: Sequence[Entry], decided: dict[int, Event],
                       lines: Mapping[int, int | None], gone: Mapping[str, Entry], since: Key,
                       broken: Mapping[str, errors.Refused]) -> None:
    """Refuse the batch if facts stand without the retracted ones only, naming them all."""
    before = _fold(in_effective_order([*base, *batch]), range(0), lines, decided, since)
    dependents = [name for name in broken if name not in before]
    if not dependents:
        return
    first, why = dependents[0], broken[dependents[0]]
    retraction = next(iter(gone.values()))
    named = ", ".join(repr(name) for name in gone)
    shown = ", ".join(dependents[:10]) + (f" and {len(dependents) - 10} more" if len(dependents) > 10 else "")
    raise errors.RetractionBreaksHistory(
        f"retracting {named} would leave later facts without what they rest on: {shown} (without it, {first} "
        f"is refused: {why.code}: {why.message}); retract those facts in the same batch, or keep {named}",
        field="event", value=dependents, line=lines[retraction.seq], event=retraction.fact.id)


def _span(items: Sequence[Entry]) -> range:
    """The stream positions of a run of consecutive lines."""
    return range(items[0].seq, items[-1].seq + 1) if items else range(0)


def _fold(view: Sequence[Entry], strict: range, lines: Mapping[int, int | None], decided: dict[int, Event],
          since: Key | None = None, stop: Key | None = None,
          start: CompanyState | None = None, tap: Tap | None = None) -> dict[str, errors.Refused]:
    """Fold ``view`` (from ``start``, else from the beginning), deciding the facts at ``strict`` positions
    (a refusal refuses the batch) and deciding again every other fact from ``since`` on: those that no
    longer stand are returned, and left out of the fold, as the history without them would read. A ``tap``
    (the whole view folded from the beginning) sees the state and obligations before each step and at the end."""
    observer = Observer(view) if tap is not None or _names_obligations(view, strict, since) else None
    state = observer.state if observer else start if start is not None else initial_state(view)
    broken: dict[str, errors.Refused] = {}
    left_out: set[int] = set()
    for item in view:
        if stop is not None and item.key > stop:
            break
        if tap is not None:
            tap.before(item.key, observer)  # type: ignore[arg-type]
        if item.seq in left_out:
            continue  # the record-date step of a fact that no longer stands
        if item.seq in decided:
            item = _with(item, decided[item.seq])
        if not item.phase and item.seq in strict:
            try:
                fact = decide(state, item, _nameable(observer, item))
            except errors.Refused as refusal:
                raise refusal.at(line=lines[item.seq], event=item.fact.id) from None
            if fact is not item.fact:  # only what the engine computed (an exercise's outcome) is kept
                decided[item.seq] = fact
                item = _with(item, fact)
        elif not item.phase and since is not None and item.key >= since:
            try:
                decide(state, item, _nameable(observer, item))
            except errors.Refused as refusal:
                if refusal.code not in ARITHMETIC:
                    broken[item.fact.id or ""] = refusal
                    left_out.add(item.seq)
                    continue
        if observer is not None:
            observer.step(item)
        else:
            apply(state, item)
    if tap is not None:
        tap.finish(observer)  # type: ignore[arg-type]
    return broken


def _with(item: Entry, fact: Event) -> Entry:
    """The entry with the fact as decided (``dataclasses.replace`` costs ten times as much)."""
    return item if fact is item.fact else Entry(item.effective, item.recorded, item.seq, fact, item.hash,
                                                item.phase, item.actor)


def _names_obligations(view: Sequence[Entry], strict: Collection[int], since: Key | None) -> bool:
    """Whether a notice or waiver is to be decided: only then does the fold keep the obligations."""
    return any(isinstance(e.fact, NAMES_OBLIGATIONS) and (e.seq in strict or (since is not None and e.key >= since))
               for e in view)


def _nameable(observer: Observer | None, item: Entry) -> Collection[str]:
    if observer is None or not isinstance(item.fact, NAMES_OBLIGATIONS):
        return ()
    return observer.nameable(waiver=isinstance(item.fact, WaiverSigned))
