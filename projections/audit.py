"""The audit trail: the fold replayed step by step, each step citing the clause it applied.

One step per entry in effective order (a §4.2 record date is a step of its
own): the event and where it came from, the sections and conventions
applied, each warrant's terms before and after with the formula and its
numbers, the obligations the step created or discharged, and any covenant
breach or note it caused. Nothing in a step depends on the clock, so the
same history gives the same trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from captable import events as ev
from captable import forms
from projections.corporate_actions import unprotected, why_no_dilution
from projections.obligations import Observer
from projections.state import CompanyState, Warrant
from projections.timeline import Entry
from projections.views import (
    adjustment_json,
    amount_json,
    books_breach_json,
    breach_json,
    conversion_ratio,
    exact_text,
)

# What each kind of event is read under (the adjustments add the exact clause and convention they used).
SECTIONS: dict[type[ev.Event], str] = {
    ev.ShareClassCreated: "charter", ev.AuthorizedSharesChanged: "charter; §3",
    ev.SharesIssued: "§4.4", ev.OptionsIssued: "§4.4", ev.OptionsExercised: "§4.4", ev.OptionsCancelled: "§4.4",
    ev.OptionsTransferred: "§4.4", ev.ConvertibleIssued: "not modelled", ev.ConvertibleEnded: "not modelled",
    ev.SharesConverted: "charter",
    ev.StockSplit: "§4.1", ev.StockDividend: "§4.2", ev.CashDividend: "§4.6(a)", ev.Distribution: "§4.2",
    ev.SubscriptionOffered: "§4.6(c)", ev.Reclassification: "§4.2(c); §4.3", ev.MergerAgreed: "§4.3; §4.6(d)",
    ev.MergerCompleted: "§4.3", ev.SuccessorAssumed: "§4.3", ev.DissolutionApproved: "§4.6(e)",
    ev.OtherActionProposed: "§4.6(f)", ev.PreferredConverted: "§1(a)", ev.ConversionRatioAdjusted: "§4.4(b)",
    ev.PublicOfferingPriced: "§1(c)(ii)", ev.Listed: "§1(c)(i)", ev.Delisted: "§1(c)(i)",
    ev.MarketQuotes: "§1(c)(i)", ev.BoardValuation: "§1(c)(iii)", ev.TransferBooksClosed: "§6",
    ev.WarrantIssued: "Preamble; §1(a)", ev.WarrantExercised: "§1(a); §16", ev.WarrantNetExercised: "§1(b); §1(c); §16",
    ev.WarrantTransferred: "§2", ev.WarrantReplaced: "§15", ev.WarrantCancelled: "§3", ev.HolderAddressChanged: "§12",
    ev.BoardAdjustment: "§4.7", ev.NoticeSent: "§12", ev.ReportDelivered: "§18.7",
    ev.ShareholderMaterialsSent: "§18.7(iii)", ev.WaiverSigned: "§11", ev.RecordKept: "not modelled",
}


# The parameter of a warrant's form that decides how each kind of event changes it.
DECIDED_BY: dict[type[ev.Event], tuple[str, ...]] = {
    ev.SharesIssued: ("dilution_method", "shares_follow_price"), ev.OptionsIssued: ("dilution_method", "shares_follow_price"),
    ev.BoardAdjustment: ("shares_follow_price",), ev.PreferredConverted: ("converts_with_preferred",),
    ev.WarrantExercised: ("fractions",), ev.WarrantNetExercised: ("fractions", "per_share_price_methods"),
}


def form_findings(warrant: Warrant, fact: ev.Event) -> list[str]:
    """For a warrant not on the 1997 form: its form, and the clause (with its words) that decided the change.
    A warrant on that form's own terms gets none, so its trail reads as it always did."""
    form = warrant.terms_of
    found = []
    if isinstance(fact, ev.WarrantIssued) and (form.name != forms.DEFAULT or form.overridden):
        own = f"; its own terms: {', '.join(form.overridden)}" if form.overridden else ""
        found.append(f"{warrant.id} is on the form {form.name} ({form.title}){own}; `captable forms "
                     f"{form.name}` shows its clauses")
    for parameter in DECIDED_BY.get(type(fact), ()):
        if form.speaks_as_1997(parameter) or (parameter == "shares_follow_price" and form.terms.shares_follow_price):
            continue
        clause = form.clauses[parameter]
        value = getattr(form.terms, parameter)
        shown = ", ".join(value) if isinstance(value, tuple) else str(value).lower()
        words = f": \u201c{clause.quote}\u201d" if clause.quote and parameter not in form.overridden else ""
        found.append(f"{warrant.id} is on the form {form.name}; {parameter} = {shown} under {form.cite(parameter)}"
                     + words)
    return found


def terms(state: CompanyState, warrant: Warrant, instant: datetime) -> dict[str, Any]:
    """The terms an auditor follows from step to step."""
    return {
        "status": warrant.status_at(instant),
        "holder": warrant.holder.name,
        "certificate": warrant.certificate,
        "security": {"issuer": warrant.security.issuer, "class": warrant.security.class_},
        "stock_purchase_price": exact_text(warrant.price),
        "shares_purchasable": exact_text(warrant.units),
        "conversion_ratio": exact_text(conversion_ratio(state, warrant)),
        "entitlements": [amount_json(a) for a in warrant.entitlements],
    }


def steps_on(observer: Observer, entries: Sequence[Entry], start: int, until: datetime) -> Iterator[dict[str, Any]]:
    """The whole trail's steps from entry ``start`` on, numbered on from ``start``, for a caller that has the
    steps before it: ``observer`` has folded the first ``start`` entries, and folds on with each step."""
    for step in _steps(observer, entries[start:], until, None, lambda: None):
        step["step"] += start  # every entry is a step of the whole trail
        yield step


def trail(entries: Sequence[Entry], until: datetime, warrant: str | None = None,
          tick: Callable[[], None] = lambda: None) -> tuple[CompanyState, list[dict[str, Any]]]:
    """Every step up to ``until``; with ``warrant``, the steps that concern it (and the company's own)."""
    state, steps = walk(entries, until, warrant, tick)
    return state, list(steps)


def walk(entries: Sequence[Entry], until: datetime, warrant: str | None = None,
         tick: Callable[[], None] = lambda: None) -> tuple[CompanyState, Iterator[dict[str, Any]]]:
    """The trail one step at a time, so that a report can be written as the replay goes; the state is
    folded in place, and is the state at ``until`` once the steps are exhausted."""
    observer = Observer(entries)
    return observer.state, _steps(observer, entries, until, warrant, tick)


def walk_observed(observer: Observer, entries: Iterable[Entry], until: datetime, warrant: str | None = None,
                  tick: Callable[[], None] = lambda: None) -> Iterator[dict[str, Any]]:
    """``walk`` for entries that come one at a time (read as the replay goes), folded by ``observer``, whose
    state already knows the §4.4 exclusions the whole history makes."""
    return _steps(observer, entries, until, warrant, tick)


def _steps(observer: Observer, entries: Iterable[Entry], until: datetime, warrant: str | None,
           tick: Callable[[], None]) -> Iterator[dict[str, Any]]:
    state, book = observer.state, observer.book
    count = 0
    for entry in entries:
        if entry.effective > until:
            break
        tick()
        watched = [w for w in state.warrants.values() if warrant is None or w.id == warrant]
        before = {w.id: (terms(state, w, entry.effective), len(w.adjustments)) for w in watched}
        known = {k: o.given for k, o in book.items.items()}
        breaches, books_breaches, notes = len(state.breach_log), len(state.books_breaches), len(state.notes)
        cured = {b.class_ for b in state.breaches.values()}
        issuance = isinstance(entry.fact, (ev.SharesIssued, ev.OptionsIssued)) and state.warrants
        finding = why_no_dilution(state, entry) if issuance else None  # read on the state just before
        findings = [finding] if finding else []
        if issuance and finding is None:
            findings += filter(None, [unprotected(state, entry)])
        observer.step(entry)
        changes = []
        for w in state.warrants.values():
            if warrant is not None and w.id != warrant:
                continue
            after = terms(state, w, entry.effective)
            old, seen = before.get(w.id, (None, 0))
            if after != old:
                changes.append({"warrant": w.id, "before": old, "after": after,
                                "adjustments": [adjustment_json(a) for a in w.adjustments[seen:]]})
                findings += form_findings(w, entry.fact)
        created = [k for k in book.items if k not in known]
        discharged = [k for k, o in book.items.items() if k in known and o.given != known[k]]
        if warrant is not None and getattr(entry.fact, "warrant", warrant) != warrant:
            continue  # a step of another warrant
        count += 1
        yield {
            "step": count,
            "event": {
                "id": entry.fact.id,
                "type": entry.fact.type_name,
                "phase": "record date" if entry.phase else None,
                "effective": entry.effective.astimezone(state.zone).isoformat(),
                "recorded": entry.recorded.isoformat(),
                "actor": entry.actor or None,
                "source": entry.fact.source,
                "hash": entry.hash or None,
            },
            "sections": SECTIONS.get(type(entry.fact)),
            "conventions": sorted({a["convention"] for c in changes for a in c["adjustments"] if a["convention"]}),
            "findings": findings,
            "changes": changes,
            "obligations_created": created,
            "obligations_discharged": discharged,
            "breaches": [breach_json(b, state.zone) for b in state.breach_log[breaches:]]
            + [books_breach_json(b, state.zone) for b in state.books_breaches[books_breaches:]],
            "cured": sorted(cured - {b.class_ for b in state.breaches.values()}),
            "notes": [{"event": n.event, "code": n.code, "message": n.message} for n in state.notes[notes:]],
        }
