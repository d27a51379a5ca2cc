"""The JSON shapes other programs rely on (DESIGN §7), from a folded state.

Every exact quantity is a reduced string (DESIGN §4).
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from captable import forms
from captable.numbers import format_exact
from captable.rules.adjustment import Adjustment
from captable.rules.amounts import Amount
from projections.covenant import required_by_class
from projections.obligations import Obligation
from projections.state import BooksClosedBreach, Breach, CompanyState, ShareClass, Warrant

ZERO = Fraction(0)


def exact_text(q: Fraction | None) -> str | None:
    return None if q is None else format_exact(q)


def adjustment_json(change: Adjustment) -> dict[str, Any]:
    return {
        "event": change.event,
        "section": change.section,
        "convention": change.convention,
        "price_before": exact_text(change.price_before),
        "price_after": exact_text(change.price_after),
        "shares_before": exact_text(change.shares_before),
        "shares_after": exact_text(change.shares_after),
        "formula": change.formula,
        "inputs": {k: (exact_text(v) if isinstance(v, Fraction) else v) for k, v in change.inputs.items()},
    }


def conversion_ratio(state: CompanyState, warrant: Warrant) -> Fraction | None:
    share_class = state.classes.get(warrant.security.class_)
    if warrant.security.issuer != state.name or share_class is None or share_class.kind != "preferred":
        return None
    return share_class.conversion_ratio


def purchasable(warrant: Warrant, instant: datetime) -> Fraction:
    """Shares purchasable now: none once the warrant has expired (DESIGN §6 item 13)."""
    return warrant.units if warrant.status_at(instant) == "outstanding" else ZERO


def warrant_json(state: CompanyState, warrant: Warrant, instant: datetime) -> dict[str, Any]:
    tz = state.zone
    shares = purchasable(warrant, instant)
    ratio = conversion_ratio(state, warrant)
    body = {
        "warrant": warrant.id,
        "holder": {"name": warrant.holder.name, "address": warrant.holder.address},
        "certificate": warrant.certificate,
        "status": warrant.status_at(instant),
        "security": {"issuer": warrant.security.issuer, "class": warrant.security.class_},
        "stock_purchase_price": exact_text(warrant.price),
        "shares_purchasable": exact_text(shares),
        "aggregate_purchase_price": exact_text(warrant.price * shares),
        "conversion_ratio": exact_text(ratio),
        "common_equivalent": exact_text(shares * ratio if ratio is not None else shares),
        "basket": basket_json(warrant.basket),
        "entitlements": [amount_json(a) for a in warrant.entitlements],
        "exercised": exact_text(warrant.exercised),
        "expires": warrant.expires.astimezone(tz).isoformat(),
        "adjustments": [adjustment_json(a) for a in warrant.adjustments],
    }
    # A warrant on another form, or with terms that change its form's values, says so; one on the 1997 form's
    # own values keeps the shape DESIGN §7 gives (and its bytes): a term restating its form's value changes nothing.
    name = warrant.form or forms.DEFAULT
    own = {k: v for k, v in (warrant.terms or {}).items()
           if getattr(warrant.terms_of.terms, k) != getattr(forms.by_name(name).terms, k)}
    if name != forms.DEFAULT or own:
        body["form"] = name
    if own:
        body["terms"] = own
    return body


def amount_json(amount: Amount) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": amount.kind, "quantity": exact_text(amount.quantity)}
    if amount.security is not None:
        body.update(issuer=amount.security.issuer, **{"class": amount.security.class_})
    if amount.description:
        body["description"] = amount.description
    if amount.event:
        body.update(event=amount.event, section=amount.section)
    return body


def basket_json(basket: tuple[Amount, ...]) -> dict[str, Any]:
    """What one unit delivers: securities, cash and property."""
    return {
        "securities": [{"issuer": a.security.issuer, "class": a.security.class_, "quantity": exact_text(a.quantity)}
                       for a in basket if a.kind == "securities" and a.security is not None],
        "cash": exact_text(sum((a.quantity for a in basket if a.kind == "cash"), ZERO)),
        "property": [a.description for a in basket if a.kind == "property"],
    }


def breach_json(breach: Breach, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "section": "§3",
        "class": breach.class_,
        "event": breach.event,
        "since": breach.since.astimezone(tz).isoformat(),
        "required": exact_text(breach.required),
        "authorized_unissued": exact_text(breach.authorized_unissued),
        "cured_by": breach.cured_by,
        "cured_at": breach.cured_at.astimezone(tz).isoformat() if breach.cured_at else None,
    }


def books_breach_json(breach: BooksClosedBreach, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "section": "§6",
        "event": breach.event,
        "warrant": breach.warrant,
        "since": breach.at.astimezone(tz).isoformat(),
        "closure": breach.closure,
        "message": "an exercise was made while the transfer books were closed; it is accepted, and the "
                   "company, which covenanted never to close them against it, is in breach",
    }


def class_json(share_class: ShareClass, reserved: Fraction) -> dict[str, Any]:
    return {
        "class": share_class.id,
        "name": share_class.name,
        "kind": share_class.kind,
        "authorized": exact_text(share_class.authorized),
        "outstanding": exact_text(share_class.outstanding),
        "reserved": exact_text(reserved),
        "available": exact_text(share_class.authorized - share_class.outstanding - reserved),
        "conversion_ratio": exact_text(share_class.conversion_ratio),
        "converts_to": share_class.converts_to,
        "converted": share_class.converted,
        "exchanged_by": share_class.exchanged_by,
        "holders": [{"holder": h, "shares": exact_text(n)} for h, n in sorted(share_class.holdings.items())],
    }


def state_json(
    state: CompanyState, instant: datetime, as_of: str, known: str | None, warrant: str | None = None
) -> dict[str, Any]:
    reserved = required_by_class(state, instant)
    warrants = [w for w in state.warrants.values() if warrant is None or w.id == warrant]
    return {
        "company": state.company,
        "name": state.name,
        "as_of": as_of,
        "known_at": known,
        "events_applied": state.events_applied,
        "warrants": [warrant_json(state, w, instant) for w in warrants],
        "classes": [class_json(c, reserved.get(c.id, ZERO)) for c in state.classes.values()],
        "covenant": {
            # §3 at this instant; §6 breaches are past exercises and stay listed.
            "holds": all(c.authorized - c.outstanding >= reserved.get(c.id, ZERO) for c in state.classes.values()),
            "breaches": [breach_json(b, state.zone) for b in state.breach_log]
            + [books_breach_json(b, state.zone) for b in state.books_breaches],
        },
        "notes": [{"event": n.event, "code": n.code, "message": n.message} for n in state.notes],
    } | grants_json(state) | convertibles_json(state)


def convertibles_json(state: CompanyState) -> dict[str, Any]:
    """SAFEs and notes outstanding, with their terms: only when there are some (their conversion is not modelled,
    so they are listed beside the classes, not counted in them)."""
    if not state.convertibles:
        return {}
    day = lambda d: d.isoformat() if d else None  # noqa: E731
    return {"convertibles": [
        {"convertible": c.id, "holder": c.holder, "kind": c.kind, "investment": exact_text(c.investment),
         "valuation_cap": exact_text(c.valuation_cap), "discount": exact_text(c.discount),
         "interest_rate": exact_text(c.interest_rate),
         "maturity": day(c.maturity), "terms": c.terms, "issued": day(c.issued.astimezone(state.zone).date()),
         "status": "outstanding"} for c in state.convertibles.values()]}


def grants_json(state: CompanyState) -> dict[str, Any]:
    """Options, and other rights granted by OptionsIssued, still outstanding: only when there are some, so a
    history without them answers as it always has."""
    if not state.options:
        return {}
    return {"options": [{"grant": g.event, "class": g.class_, "holder": g.holder, "shares": exact_text(g.shares),
                         "kind": g.kind, "category": g.category} for g in state.options]}


def obligation_json(obligation: Obligation, today: date) -> dict[str, Any]:
    """DESIGN §7 ``notices --json``: id, section, kind, trigger, deadline, latest_mailing, status, given.

    The deadline and the latest mailing day belong to the obligation, whatever its status: a late notice
    still shows the day by which it should have gone (DESIGN §6, obligation statuses)."""
    status = obligation.status(today)
    day = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "id": obligation.id,
        "section": obligation.section,
        "kind": obligation.kind,
        "warrant": obligation.warrant,
        "trigger": obligation.trigger,
        "description": obligation.description,
        "arose": day(obligation.arose),
        "target": day(obligation.target),
        "deadline": day(obligation.deadline),
        "latest_mailing": day(obligation.latest_mailing),
        "status": status,
        "given": day(obligation.given) if status in ("met", "late") else None,
        "notices": obligation.notices if status in ("met", "late") else [],
        "waived_by": obligation.waived_by,
        "age_days": (today - obligation.arose).days if status in ("open", "overdue") else None,
        "flags": obligation.flags,
    }
