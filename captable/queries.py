"""Point-in-time questions asked of the ledger: state and exercise quotes.

The query instants follow DESIGN §3: a date means the end of that day in the
company's zone, a date-time must carry its offset; known-at defaults to now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from captable import errors
from captable.exercises import cash_outcome, net_outcome
from captable.instants import end_of, now, parse_when
from captable.ledger import History, Ledger
from captable.numbers import exact, format_exact
from projections.audit import terms, trail
from projections.obligations import obligations
from projections.state import CompanyState
from projections.timeline import known_at
from projections.views import obligation_json, state_json


METHODS = ("market", "public_offering", "board")  # §1(c)(i)–(iii)


@dataclass(frozen=True)
class Instant:
    """A query instant: what the user wrote (None for now) and the last UTC instant it includes."""

    label: str | None
    at: datetime


def instant(text: str | None, tz: ZoneInfo, field: str) -> Instant:
    if text is None:
        return Instant(None, now())
    try:
        when = parse_when(text)
    except ValueError as error:
        raise errors.InvalidEvent(str(error), field=field, value=text) from None
    return Instant(str(text), end_of(when, tz))


@dataclass(frozen=True)
class StateAnswer:
    history: History
    as_of: Instant
    known_at: Instant
    state: CompanyState

    def to_json(self, warrant: str | None = None) -> dict[str, Any]:
        if warrant is not None and warrant not in self.state.warrants:
            raise errors.UnknownWarrant(f"no warrant {warrant!r} exists at this instant", field="warrant", value=warrant)
        as_of = self.as_of.label or self.as_of.at.astimezone(self.history.zone).isoformat()
        return state_json(self.state, self.as_of.at, as_of, self.known_at.label, warrant)


def state(ledger: Ledger, company: str | None, as_of: str | None, known: str | None) -> StateAnswer:
    history = ledger.history(ledger.company(company))
    as_of_at = instant(as_of, history.zone, "as_of")
    known_at_ = instant(known, history.zone, "known_at")
    return StateAnswer(history, as_of_at, known_at_, history.timeline(known_at_.at).state_at(as_of_at.at))


def _units(text: str) -> Fraction:
    try:
        units = exact(text)
    except ValueError as error:
        raise errors.InvalidEvent(str(error), field="shares", value=text) from None
    if units <= 0:
        raise errors.InvalidEvent("shares must be greater than zero", field="shares", value=text)
    return units


def exercise_quote(
    ledger: Ledger, company: str | None, warrant: str, shares: str, at: str | None,
    net: str | None = None, offering: str | None = None, deliver_to: str | None = None,
) -> dict[str, Any]:
    """What a cash exercise, or a net exercise by the §1(c) method ``net``, at ``at`` would deliver and cost.

    The same computation the exercise would store, from the state at that
    instant (which includes every event effective up to it), recording nothing.
    """
    answer = state(ledger, company, at, None)
    requested: Fraction | str = "all" if shares == "all" else _units(shares)
    if net is None:
        outcome = cash_outcome(answer.state, answer.as_of.at, warrant, requested, deliver_to)  # type: ignore[arg-type]
    else:
        if net not in METHODS:
            raise errors.InvalidEvent(f"the net exercise method is one of {', '.join(METHODS)}", field="net", value=net)
        outcome = net_outcome(answer.state, answer.as_of.at, warrant, requested, net, offering, deliver_to)  # type: ignore[arg-type]
    body = outcome.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {
        "warrant": warrant,
        "at": answer.as_of.label or answer.as_of.at.astimezone(answer.history.zone).isoformat(),
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
        if status not in STATUSES:
            raise errors.InvalidEvent(f"a status is one of {', '.join(STATUSES)}", field="status", value=status)
    history = ledger.history(ledger.company(company))
    as_of_at = instant(as_of, history.zone, "as_of")
    known_at_ = instant(known, history.zone, "known_at")
    company_state, found = obligations(known_at(history.entries, known_at_.at), as_of_at.at)
    rows = [obligation_json(o, as_of_at.at.astimezone(history.zone).date()) for o in found]
    return {
        "company": history.company,
        "name": company_state.name,
        "as_of": as_of_at.label or as_of_at.at.astimezone(history.zone).isoformat(),
        "known_at": known_at_.label,
        "obligations": [r for r in rows if not statuses or r["status"] in statuses],
    }


def audit(ledger: Ledger, company: str | None, as_of: str | None, known: str | None,
          warrant: str | None = None, tick: Callable[[], None] = lambda: None) -> dict[str, Any]:
    """The fold's trail up to ``as_of`` as the books stood at ``known``, and the stored head it covers."""
    history = ledger.history(ledger.company(company))
    as_of_at = instant(as_of, history.zone, "as_of")
    known_at_ = instant(known, history.zone, "known_at")
    covered = [r for r in history.records if r.recorded <= known_at_.at]
    company_state, steps = trail(known_at(history.entries, known_at_.at), as_of_at.at, warrant, tick)
    if warrant is not None and warrant not in company_state.warrants:
        raise errors.UnknownWarrant(f"no warrant {warrant!r} exists at this instant", field="warrant", value=warrant)
    return {
        "company": history.company,
        "name": company_state.name,
        "as_of": as_of_at.label or as_of_at.at.astimezone(history.zone).isoformat(),
        "known_at": known_at_.label,
        "warrant": warrant,
        "stored_events": len(covered),
        "head": covered[-1].hash if covered else None,
        "steps": steps,
        "final": [terms(company_state, w, as_of_at.at) for w in company_state.warrants.values()
                  if warrant is None or w.id == warrant],
    }


def audit_diff(ledger: Ledger, company: str | None, first: str, second: str,
               as_of: str | None = None) -> dict[str, Any]:
    """What changed, between two recorded instants, in the answers for every effective instant.

    Each effective instant where the warrants' terms differ is listed with the
    events that one view holds and the other does not (a back-dated event, a
    retraction), and the notes the later view adds: recorded facts that no
    longer agree with what the rules now compute.
    """
    before, after = audit(ledger, company, as_of, first), audit(ledger, company, as_of, second)
    old, new = _terms_by_instant(before["steps"]), _terms_by_instant(after["steps"])
    old_events, new_events = _events_by_instant(before["steps"]), _events_by_instant(after["steps"])
    changes = []
    for instant in sorted(set(old) | set(new), key=datetime.fromisoformat):
        was, now_ = _latest(old, instant), _latest(new, instant)
        added = sorted(set(new_events.get(instant, ())) - set(old_events.get(instant, ())))
        removed = sorted(set(old_events.get(instant, ())) - set(new_events.get(instant, ())))
        differing = [{"warrant": w, "before": was.get(w), "after": now_.get(w)}
                     for w in sorted(set(was) | set(now_)) if was.get(w) != now_.get(w)]
        if differing or added or removed:
            changes.append({"effective": instant, "events_added": added, "events_removed": removed,
                            "warrants": differing})
    seen = {(n["event"], n["code"]) for s in before["steps"] for n in s["notes"]}
    return {
        "company": after["company"], "as_of": after["as_of"], "from": first, "to": second,
        "heads": {"from": before["head"], "to": after["head"]},
        "changes": changes,
        "notes": [n for s in after["steps"] for n in s["notes"] if (n["event"], n["code"]) not in seen],
    }


def _terms_by_instant(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The warrants' terms after the last step at each effective instant."""
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


def _latest(snapshots: dict[str, dict[str, Any]], instant: str) -> dict[str, Any]:
    at = datetime.fromisoformat(instant)
    earlier = [k for k in snapshots if datetime.fromisoformat(k) <= at]
    return snapshots[max(earlier, key=datetime.fromisoformat)] if earlier else {}
