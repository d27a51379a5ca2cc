"""Point-in-time questions asked of the ledger: state and exercise quotes.

The query instants follow DESIGN §3: a date means the end of that day in the
company's zone, a date-time must carry its offset; known-at defaults to now.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from captable import errors
from captable.events import CompanyFormed
from captable.catalog import micros
from captable.effective_reads import LatestEntries
from captable.instants import end_of, now, parse_when, zone
from captable.checkpoints import Head
from captable.ledger import History, Ledger
from captable.numbers import exact, format_exact
from captable.suggest import valid_ones
from projections.audit import terms, walk, walk_observed
from projections.obligations import obligations
from projections.state import CompanyState
from projections.timeline import Entry, known_at
from projections.views import obligation_json, state_json


METHODS = ("market", "public_offering", "board")  # §1(c)(i)–(iii)


@dataclass(frozen=True)
class Instant:
    """A query instant: what the user wrote (None for now) and the last UTC instant it includes."""

    label: str | None
    at: datetime

    def text(self, tz: ZoneInfo) -> str:
        """As the user wrote it, or (for now) the instant in the company's zone."""
        return self.label or self.at.astimezone(tz).isoformat()


def instant(text: str | None, tz: ZoneInfo, field: str) -> Instant:
    if text is None:
        return Instant(None, now())
    try:
        when = parse_when(text, tz)
    except ValueError as error:
        raise errors.BadOption(str(error), field=field, value=text) from None
    return Instant(str(text), end_of(when, tz))


@dataclass(frozen=True)
class View:
    """A company's stored history and the two instants a question is asked at."""

    history: History
    as_of: Instant
    known_at: Instant

    @property
    def as_of_text(self) -> str:
        """The as-of instant as the user wrote it, or now in the company's zone."""
        return self.as_of.text(self.history.zone)

    @property
    def entries(self) -> list[Entry]:
        """The entries the books held at the known-at instant."""
        return known_at(self.history.entries, self.known_at.at)


def view(ledger: Ledger, company: str | None, as_of: str | None, known: str | None) -> View:
    history = ledger.history(ledger.company(company))
    return View(history, instant(as_of, history.zone, "as_of"), instant(known, history.zone, "known_at"))


@dataclass(frozen=True)
class StateAnswer:
    company: str
    zone: ZoneInfo
    as_of: Instant
    known_at: Instant
    state: CompanyState

    @property
    def as_of_text(self) -> str:
        return self.as_of.text(self.zone)

    def to_json(self, warrant: str | None = None) -> dict[str, Any]:
        if warrant is not None and warrant not in self.state.warrants:
            raise _unknown_warrant(warrant, self.state)
        body = state_json(self.state, self.as_of.at, self.as_of_text, self.known_at.label, warrant)
        return {**body, "company": self.company}  # also before its CompanyFormed is known


def _unknown_warrant(warrant: str, state: CompanyState) -> errors.UnknownWarrant:
    return errors.UnknownWarrant(f"no warrant {warrant!r} exists at this instant"
                                 + valid_ones(warrant, state.warrants, "warrants at this instant"),
                                 field="warrant", value=warrant)


@dataclass(frozen=True)
class Asked:
    """A question's instants, read in the company's zone from the cache's ``head``: the persisted checkpoints
    can answer it (``latest``: with the latest knowledge, known at or after the last recorded event)."""

    head: Head
    zone: ZoneInfo
    as_of: Instant
    known_at: Instant

    @property
    def as_of_text(self) -> str:
        return self.as_of.text(self.zone)

    @property
    def latest(self) -> bool:
        return micros(self.known_at.at) >= self.head.recorded


def asked(ledger: Ledger, name: str, as_of: str | None, known: str | None) -> Asked | None:
    """The question's instants when the cache has a head; None: answer from the whole history."""
    head = ledger.latest(name)
    if head is None:
        return None
    tz = zone(head.zone)
    return Asked(head, tz, instant(as_of, tz, "as_of"), instant(known, tz, "known_at"))


def latest(ledger: Ledger, name: str, as_of: str | None, known: str | None) -> Asked | None:
    """The question's instants when it asks with the latest knowledge and the cache has a head."""
    question = asked(ledger, name, as_of, known)
    return question if question is not None and question.latest else None


def state(ledger: Ledger, company: str | None, as_of: str | None, known: str | None) -> StateAnswer:
    """From the nearest persisted checkpoint (with past knowledge, the nearest before anything recorded since);
    else from the start."""
    name = ledger.company(company)
    if ledger.warm is not None:  # a service's warm books: the folded history in memory, caught up to the head
        warm = ledger.warm.state(ledger, name, as_of, known)
        if warm is not None:
            return warm  # type: ignore[no-any-return]
    question = asked(ledger, name, as_of, known)
    if question is not None:
        at, head = question.as_of.at, question.head
        found = (ledger.latest_state(name, head, at) if question.latest
                 else ledger.known_state(name, head, at, question.known_at.at))
        if found is not None:
            return StateAnswer(name, question.zone, question.as_of, question.known_at, found)
    asked_then = view(ledger, name, as_of, known)
    return StateAnswer(name, asked_then.history.zone, asked_then.as_of, asked_then.known_at,
                       asked_then.history.timeline(asked_then.known_at.at).state_at(asked_then.as_of.at))


def _units(text: str) -> Fraction:
    try:
        units = exact(text)
    except ValueError as error:
        raise errors.BadOption(str(error), field="shares", value=text) from None
    if units <= 0:
        raise errors.BadOption("shares must be greater than zero", field="shares", value=text)
    return units


def exercise_quote(
    ledger: Ledger, company: str | None, warrant: str, shares: str, at: str | None,
    net: str | None = None, offering: str | None = None, deliver_to: str | None = None,
) -> dict[str, Any]:
    """What a cash exercise, or a net exercise by the §1(c) method ``net``, at ``at`` would deliver and cost.

    The same computation the exercise would store, from the state at that
    instant (which includes every event effective up to it), recording nothing.
    """
    from captable.exercises import cash_outcome, net_outcome  # the exercise rules: only a quote needs them

    if net is not None and net.strip().lower() not in METHODS:
        raise errors.BadOption(f"the net exercise method is one of {', '.join(METHODS)}", field="net", value=net)
    net = net.strip().lower() if net is not None else None  # keywords in any case, like `all`
    answer = state(ledger, company, at, None)
    at_ = answer.as_of.at
    requested: Fraction | str = "all" if shares.strip().lower() == "all" else _units(shares)
    if net is None:
        outcome = cash_outcome(answer.state, at_, warrant, requested, deliver_to)  # type: ignore[arg-type]
    else:
        outcome = net_outcome(answer.state, at_, warrant, requested, net, offering, deliver_to)  # type: ignore[arg-type]
    body = outcome.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {
        "warrant": warrant,
        "at": answer.as_of_text,
        "method": net or "cash",
        "units": body.pop("units"),
        "stock_purchase_price": body.pop("price"),
        "balance_after": format_exact(answer.state.warrants[warrant].units - outcome.units),
        **body,
    }



STATUSES = ("open", "met", "late", "overdue", "waived", "lapsed")


def notices(ledger: Ledger, company: str | None, as_of: str | None, known: str | None,
            statuses: Sequence[str] = ()) -> dict[str, Any]:
    """Every obligation arisen by ``as_of`` as the books stood at ``known``, with its status then."""
    for status in statuses:
        if status.strip().lower() not in STATUSES:
            raise errors.BadOption(f"a status is one of {', '.join(STATUSES)}", field="status", value=status)
    statuses = [s.strip().lower() for s in statuses]
    name = ledger.company(company)
    asked_now = latest(ledger, name, as_of, known)
    answer = None
    if asked_now is not None:
        as_of_, known_, as_of_text = asked_now.as_of, asked_now.known_at, asked_now.as_of_text
        answer = ledger.from_checkpoints(name, asked_now.head,
                                         lambda cache, head: cache.notices_at(name, head, as_of_.at))
    if answer is None:
        asked = view(ledger, name, as_of, known)
        as_of_, known_, as_of_text = asked.as_of, asked.known_at, asked.as_of_text
        answer = obligations(asked.entries, asked.as_of.at)
    company_state, found = answer
    rows = [obligation_json(o, company_state.local_day(as_of_.at)) for o in found]
    return {
        "company": name,
        "name": company_state.name,
        "as_of": as_of_text,
        "known_at": known_.label,
        "obligations": [r for r in rows if not statuses or r["status"] in statuses],
    }


def audit(ledger: Ledger, company: str | None, as_of: str | None, known: str | None,
          warrant: str | None = None, tick: Callable[[], None] = lambda: None) -> dict[str, Any]:
    """The fold's trail up to ``as_of`` as the books stood at ``known``, and the stored head it covers."""
    head, steps, final = audit_parts(ledger, company, as_of, known, warrant, tick)
    return {**head, "steps": list(steps), "final": final()}


AuditParts = tuple[dict[str, Any], Iterator[dict[str, Any]], Callable[[], list[dict[str, Any]]]]


def audit_parts(ledger: Ledger, company: str | None, as_of: str | None, known: str | None,
                warrant: str | None = None, tick: Callable[[], None] = lambda: None) -> AuditParts:
    """``audit_trail``, with the latest knowledge read a batch at a time in effective order through the catalog
    (``captable.effective_reads``), so that the first step waits for one batch, not the history; as the books
    stood at an earlier recorded instant, or without a usable cache, from the whole history."""
    name = ledger.company(company)
    asked_now = latest(ledger, name, as_of, known)
    source = None if asked_now is None else ledger.from_checkpoints(
        name, asked_now.head, lambda cache, head: LatestEntries(ledger, name, head))
    if asked_now is not None and source is not None:
        until = asked_now.as_of.at
        formed = source.last_formed(micros(until))
        asked = {"company": name, "as_of": asked_now.as_of_text, "known_at": asked_now.known_at.label,
                 "stored_events": source.head.version, "head": source.head.head}
        steps = walk_observed(source.observer, source, until, warrant, tick)
        return _parts(asked, source.observer.state, steps, until, warrant,
                      lambda: formed is not None and (source.last is None or source.last < formed))
    return audit_trail(view(ledger, name, as_of, known), warrant, tick)


def _audit(asked: View, warrant: str | None = None, tick: Callable[[], None] = lambda: None) -> dict[str, Any]:
    head, steps, final = audit_trail(asked, warrant, tick)
    return {**head, "steps": list(steps), "final": final()}


def audit_trail(asked: View, warrant: str | None = None, tick: Callable[[], None] = lambda: None) -> AuditParts:
    """The audit in three parts, for a report written as the replay goes: what precedes the steps, the
    steps (an iterator: each is folded as it is asked for), and the final terms (once the steps are done).

    The first part names the company as the fold ends: the steps up to the last ``CompanyFormed`` are
    folded first (and, for ``warrant``, up to its issue, or to the end to refuse an unknown one).
    """
    covered = [r for r in asked.history.records if r.recorded <= asked.known_at.at]
    entries, until = asked.entries, asked.as_of.at
    last_formed = max((n for n, e in enumerate(entries)
                       if e.effective <= until and isinstance(e.fact, CompanyFormed)), default=-1)
    folded = 0

    def counted() -> None:
        nonlocal folded
        folded += 1
        tick()

    company_state, steps = walk(entries, until, warrant, counted)
    head = {"company": asked.history.company, "as_of": asked.as_of_text, "known_at": asked.known_at.label,
            "stored_events": len(covered), "head": covered[-1].hash if covered else None}
    return _parts(head, company_state, steps, until, warrant, lambda: folded <= last_formed)


def _parts(asked: dict[str, Any], company_state: CompanyState, steps: Iterator[dict[str, Any]], until: datetime,
           warrant: str | None, forming: Callable[[], bool]) -> AuditParts:
    """The three parts from the steps as they come: the steps are folded while ``forming`` (the last
    ``CompanyFormed`` up to ``until`` is still ahead), or until ``warrant`` is issued."""
    early: list[dict[str, Any]] = []  # the steps folded before the first part is known
    while forming() or (warrant is not None and warrant not in company_state.warrants):
        step = next(steps, None)
        if step is None:
            break
        early.append(step)
    if warrant is not None and warrant not in company_state.warrants:  # a warrant, once issued, stays
        raise _unknown_warrant(warrant, company_state)
    head = {
        "company": asked["company"],
        "name": company_state.name,
        "as_of": asked["as_of"],
        "known_at": asked["known_at"],
        "warrant": warrant,
        "stored_events": asked["stored_events"],
        "head": asked["head"],
    }

    def final() -> list[dict[str, Any]]:
        # The warrant and its expiry let a reader (and the HTML chart) end each warrant where it ends.
        return [{"warrant": w.id, **terms(company_state, w, until),
                 "expires": w.expires.astimezone(company_state.zone).isoformat()}
                for w in company_state.warrants.values() if warrant is None or w.id == warrant]
    return head, chain(early, steps), final


def audit_diff(ledger: Ledger, company: str | None, first: str, second: str,
               as_of: str | None = None) -> dict[str, Any]:
    """What changed, between two recorded instants, in the answers for every effective instant.

    Each effective instant where the warrants' terms differ is listed with the
    events that one view holds and the other does not (a back-dated event, a
    retraction), and the notes the later view adds: recorded facts that no
    longer agree with what the rules now compute.
    """
    earlier = view(ledger, company, as_of, first)  # one read of the store for both views
    later = View(earlier.history, earlier.as_of, instant(second, earlier.history.zone, "known_at"))
    before, after = _audit(earlier), _audit(later)
    old, new = _terms_by_instant(before["steps"]), _terms_by_instant(after["steps"])
    old_events, new_events = _events_by_instant(before["steps"]), _events_by_instant(after["steps"])
    was_at, now_at = _lookup(old), _lookup(new)
    changes = []
    for effective in sorted(set(old) | set(new), key=datetime.fromisoformat):
        was, now_ = was_at(effective), now_at(effective)
        added = sorted(set(new_events.get(effective, ())) - set(old_events.get(effective, ())))
        removed = sorted(set(old_events.get(effective, ())) - set(new_events.get(effective, ())))
        differing = [{"warrant": w, "before": was.get(w), "after": now_.get(w)}
                     for w in sorted(set(was) | set(now_)) if was.get(w) != now_.get(w)]
        if differing or added or removed:
            changes.append({"effective": effective, "events_added": added, "events_removed": removed,
                            "warrants": differing})
    seen = {(n["event"], n["code"]) for s in before["steps"] for n in s["notes"]}
    return {
        "company": after["company"], "as_of": after["as_of"], "from": first, "to": second,
        "heads": {"from": before["head"], "to": after["head"]},
        "changes": changes,
        "notes": [n for s in after["steps"] for n in s["notes"] if (n["event"], n["code"]) not in seen],
    }


def _terms_by_instant(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The warrants' terms after the last step at each effective instant (steps are in effective order)."""
    current: dict[str, Any] = {}
    out: dict[str, dict[str, Any]] = {}
    for step in steps:
        for change in step["changes"]:
            current[change["warrant"]] = change["after"]
        out[step["event"]["effective"]] = dict(current)
    return out


def _events_by_instant(steps: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for step in steps:
        out.setdefault(step["event"]["effective"], []).append(step["event"]["id"])
    return out


def _lookup(snapshots: dict[str, dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """The terms in effect at an instant: the last snapshot at or before it (keys are in effective order)."""
    instants = [datetime.fromisoformat(k) for k in snapshots]
    values = list(snapshots.values())

    def at(effective: str) -> dict[str, Any]:
        n = bisect_right(instants, datetime.fromisoformat(effective))
        return values[n - 1] if n else {}
    return at
