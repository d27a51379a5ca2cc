"""What the company owes the holder, by when, and whether it delivered.

An observer of the fold: each entry is applied to the state, then looked at
for obligations it creates (§4.5 adjustments, §4.6 record dates and actions,
§4.3 assumptions, §18.7(iii) shareholder materials) or discharges (notices,
reports, assumptions, §11 waivers), against the state at that very instant
(the registered holder's address, the CFO of record). The §18.7 periodic
reports follow from the calendar, each listed from the first day of its period,
and ``lapsed`` when it falls due after the warrant ends. Statuses are read at
the query's instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from captable import events as ev
from captable import forms
from captable.forms import Terms
from captable.rules import notices as delivery
from captable.rules.reports import Period, report_periods
from projections.fold import apply, initial_state
from projections.state import CompanyState, Warrant
from projections.timeline import Entry

# §4.6 kinds: (a)–(c) are notices of a record date; (d)–(f) also of the day the action takes place.
NOTICE_KINDS: dict[type[ev.Event], str] = {
    ev.CashDividend: "(a)", ev.StockDividend: "(b)", ev.Distribution: "(b)", ev.SubscriptionOffered: "(c)",
    ev.Reclassification: "(d)", ev.MergerAgreed: "(d)", ev.DissolutionApproved: "(e)",
    ev.OtherActionProposed: "(f)",
}
NOTICE_SECTIONS = ("§4.5", "§4.6")


@dataclass(slots=True)
class Obligation:
    id: str
    section: str
    kind: str
    warrant: str
    trigger: str
    arose: date
    description: str
    target: date | None = None  # the record date, or the day the action takes place
    deadline: date | None = None
    given: date | None = None
    notices: list[str] = field(default_factory=list)  # the notices or reports that discharged it
    flags: list[str] = field(default_factory=list)  # notices that named it but did not discharge it
    waived_by: str | None = None
    lapsed: bool = False
    # The warrant's form and terms (its §12 mail rule): last, and None for the 1997 form, so that a book of
    # 1997 warrants keeps its bytes (book_codec leaves trailing Nones out).
    form: str | None = None
    form_terms: dict[str, Any] | None = None

    @classmethod
    def of(cls, warrant: Warrant, *args: Any, **kwargs: Any) -> Obligation:
        """An obligation to ``warrant``'s holder, timed by its form."""
        return cls(*args, **kwargs, form=warrant.form, form_terms=warrant.terms)

    @property
    def terms(self) -> Terms:
        return forms.resolve(self.form, self.form_terms).terms

    def status(self, today: date) -> str:
        if self.waived_by:
            return "waived"
        if self.lapsed:
            return "lapsed"
        if self.given is not None and self.given <= today:
            return "met" if self.deadline is None or self.given <= self.deadline else "late"
        return "overdue" if self.deadline is not None and self.deadline < today else "open"

    @property
    def latest_mailing(self) -> date | None:
        return delivery.latest_mailing(self.deadline, self.terms) if self.deadline else None


@dataclass(slots=True)
class Book:
    """The obligations found so far, by id, and what the fold has seen."""

    items: dict[str, Obligation] = field(default_factory=dict)
    agreements: dict[str, list[str]] = field(default_factory=dict)  # MergerAgreed id → its (ii) and §4.3 ids
    adjustments_seen: dict[str, int] = field(default_factory=dict)  # warrant → adjustments already noted
    reports: list[tuple[str, str, date, str]] = field(default_factory=list)  # kind, period, delivered, event
    waivers: list[ev.WaiverSigned] = field(default_factory=list)

    def add(self, obligation: Obligation) -> None:
        self.items.setdefault(obligation.id, obligation)


class Observer:
    """The fold, one entry at a time, with the obligations each step creates or discharges."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.state = initial_state(entries)
        self.book = Book()

    def step(self, entry: Entry) -> None:
        apply(self.state, entry)
        if not entry.phase:
            _observe(self.state, self.book, entry)

    def nameable(self, waiver: bool = False) -> set[str]:
        """The obligation ids a notice may name at this point of the fold: those arisen so far. A §11
        waiver may also name any §18.7 report of a warrant's life, ahead of its period."""
        names = set(self.book.items)
        if waiver:
            names.update(report_id(w.id, p) for w in self.state.warrants.values() for p in _periods(self.state, w))
        return names

    def settle(self, until: datetime) -> list[Obligation]:
        """Lay out the periodic reports up to ``until``, apply the waivers, and list everything."""
        _periodic_reports(self.state, self.book, until)
        for waiver in self.book.waivers:
            _waive(self.book, waiver)
        return sorted(self.book.items.values(), key=_order)


def obligations(entries: Sequence[Entry], until: datetime) -> tuple[CompanyState, list[Obligation]]:
    """Every obligation arisen by ``until`` among ``entries`` (effective order, known-at applied)."""
    observer = Observer(entries)
    for entry in entries:
        if entry.effective > until:
            break
        observer.step(entry)
    return observer.state, observer.settle(until)


def _order(o: Obligation) -> tuple[bool, date, date, str]:
    return (o.deadline is None, o.deadline or o.arose, o.arose, o.id)


def _observe(state: CompanyState, book: Book, entry: Entry) -> None:
    fact = entry.fact
    today = state.local_day(entry.effective)
    seen = book.adjustments_seen
    for warrant in state.warrants.values():
        if seen.get(warrant.id) != len(warrant.adjustments):  # most steps adjust no warrant
            _adjustment_notices(book, warrant, today)
    kind = NOTICE_KINDS.get(type(fact))
    if kind:
        for warrant in _concerned(state, fact, entry):
            _prior_notices(book, warrant, fact, kind, today)
    if isinstance(fact, ev.MergerCompleted):
        _actual_closing(state, book, fact, today)
    elif isinstance(fact, ev.NoticeSent):
        _notice(state, book, fact)
    elif isinstance(fact, ev.SuccessorAssumed):
        _assumed(state, book, fact)
    elif isinstance(fact, ev.ShareholderMaterialsSent):
        for warrant in state.outstanding_warrants(entry.effective):
            form = warrant.terms_of
            if "shareholder_materials" in form.terms.reports:
                book.add(Obligation.of(warrant, f"{warrant.id}/18.7(iii)/{fact.id}", "§18.7(iii)",
                                       "shareholder_materials", warrant.id, fact.id or "", today,
                                       f"copies of {fact.description}, promptly" + form.under("reports")))
    elif isinstance(fact, ev.ReportDelivered):
        _report(state, book, fact)
    elif isinstance(fact, ev.WaiverSigned):
        book.waivers.append(fact)  # applied last: it may name a periodic report laid out at the end


def _adjustment_notices(book: Book, warrant: Warrant, today: date) -> None:
    """§4.5: each change of P or N other than by exercise, no deadline; none when the form owes none."""
    seen = book.adjustments_seen.get(warrant.id, 0)
    form = warrant.terms_of
    for change in warrant.adjustments[seen:] if form.terms.adjustment_notice else ():
        if change.price_after == change.price_before and change.shares_after == change.shares_before:
            continue  # §4.5 speaks of a new price or number of shares; a new basket is a §4.6 matter
        book.add(Obligation.of(
            warrant, f"{warrant.id}/4.5/{change.event}", "§4.5", "notice_of_adjustment", warrant.id, change.event,
            today,
            f"notice of adjustment under {change.section}: Stock Purchase Price {change.price_after}, "
            f"shares purchasable {change.shares_after}" + form.under("adjustment_notice"),
        ))
    book.adjustments_seen[warrant.id] = len(warrant.adjustments)


def _concerned(state: CompanyState, fact: ev.Event, entry: Entry) -> list[Warrant]:
    """(a)–(c) concern holders of the warrant's class (or the common its preferred converts into); (d)–(f) all."""
    warrants = state.outstanding_warrants(entry.effective)
    class_id = getattr(fact, "class_", None)
    if isinstance(fact, (ev.Reclassification, ev.MergerAgreed, ev.DissolutionApproved, ev.OtherActionProposed)):
        return warrants
    concerned = []
    for warrant in warrants:
        own = state.classes.get(warrant.security.class_)
        classes = {warrant.security.class_, own.converts_to if own and not own.converted else None}
        if class_id in classes:
            concerned.append(warrant)
    return concerned


def _prior_notices(book: Book, warrant: Warrant, fact: ev.Event, kind: str, today: date) -> None:
    """§4.6 (i) N days before the record date; (ii) for (d)–(f), N days before the action takes place (N the
    form's ``prior_notice_days``)."""
    name = fact.type_name
    form = warrant.terms_of
    days = form.terms.prior_notice_days
    under = form.under("prior_notice_days") or form.under("mail_deemed_days") or form.under("mail_day_kind")
    record_date = getattr(fact, "record_date", None)
    if record_date is not None:
        book.add(Obligation.of(
            warrant, f"{warrant.id}/4.6(i)/{fact.id}", f"§4.6{kind}(i)", "notice_of_record_date", warrant.id,
            fact.id or "", today, f"{days} days' notice of the record date of {name}{under}", target=record_date,
            deadline=delivery.prior_notice_deadline(record_date, form.terms),
        ))
    if kind in ("(d)", "(e)", "(f)"):
        takes_place = _takes_place(fact, today)
        book.add(Obligation.of(
            warrant, f"{warrant.id}/4.6(ii)/{fact.id}", f"§4.6{kind}(ii)", "notice_of_action", warrant.id,
            fact.id or "", today, f"{days} days' notice of the day {name} takes place{under}", target=takes_place,
            deadline=delivery.prior_notice_deadline(takes_place, form.terms) if takes_place else None,
        ))
        if isinstance(fact, ev.MergerAgreed):
            book.add(Obligation.of(
                warrant, f"{warrant.id}/4.3/{fact.id}", "§4.3", "successor_assumption", warrant.id, fact.id or "", today,
                f"the successor's written assumption of the warrant, before the closing with {fact.counterparty}",
                target=takes_place, deadline=takes_place,
            ))
            book.agreements.setdefault(fact.id or "", []).extend(
                [f"{warrant.id}/4.6(ii)/{fact.id}", f"{warrant.id}/4.3/{fact.id}"])


def _takes_place(fact: ev.Event, today: date) -> date | None:
    """The expected day until a completing event gives the actual one; a reclassification takes effect now."""
    if isinstance(fact, ev.MergerAgreed):
        return fact.expected_closing
    if isinstance(fact, (ev.DissolutionApproved, ev.OtherActionProposed)):
        return fact.expected_effective
    return today


def _actual_closing(state: CompanyState, book: Book, fact: ev.MergerCompleted, today: date) -> None:
    for obligation_id in book.agreements.get(fact.agreement, []):
        obligation = book.items[obligation_id]
        obligation.target = today
        obligation.deadline = (delivery.prior_notice_deadline(today, obligation.terms)
                               if obligation.kind == "notice_of_action" else today)


def _notice(state: CompanyState, book: Book, fact: ev.NoticeSent) -> None:
    """§12 delivery (by the warrant's form's mail rule); §4.5 also needs the signature the form names (the
    CFO's); both go to the registered holder's address."""
    sent = state.local_day(fact.sent)
    received = state.local_day(fact.received) if fact.received else None
    confirmed = state.local_day(fact.confirmed) if fact.confirmed else None
    for obligation_id in fact.obligations:
        obligation = book.items.get(obligation_id)
        if obligation is None:
            continue
        given = delivery.deemed_given(fact.method, sent, received, confirmed, obligation.terms)
        problems = []
        warrant = state.warrants.get(obligation.warrant)
        if warrant is not None and fact.to != warrant.holder.address:
            problems.append(f"addressed to {fact.to!r}, not the registered holder's address {warrant.holder.address!r}")
        if obligation.kind == "notice_of_adjustment":
            problem = _signature(state, obligation.terms, fact.signed_by)
            if problem:
                problems.append(problem)
        if given is None:
            problems.append(f"no {'confirmation' if fact.method == 'telecopy' else 'receipt'} recorded (§12)")
        if problems:
            obligation.flags.append(f"{fact.id}: " + "; ".join(problems))
        elif obligation.given is None or given < obligation.given:
            obligation.given = given
            obligation.notices.append(fact.id or "")


SIGNERS = {"cfo": "the chief financial officer", "ceo": "the chief executive officer", "secretary": "the secretary"}


def _signature(state: CompanyState, terms: Terms, signed_by: str) -> str | None:
    """Why a notice of adjustment is not signed as the form asks (§4.5 of the 1997 form: by the CFO), or None."""
    signer = terms.adjustment_notice_signer
    if signer == "any_officer":
        officers = sorted(set(state.officers.values()))
        return None if signed_by in officers else f"signed by {signed_by!r}, not an officer of record ({officers!r})"
    officer = state.officers.get(signer)
    return None if signed_by == officer else f"signed by {signed_by!r}, not {SIGNERS[signer]} of record ({officer!r})"


def _assumed(state: CompanyState, book: Book, fact: ev.SuccessorAssumed) -> None:
    for obligation_id in book.agreements.get(fact.agreement, []):
        obligation = book.items[obligation_id]
        if obligation.section == "§4.3":
            obligation.given = state.local_day(fact.delivered)
            obligation.notices.append(fact.id or "")


def _report(state: CompanyState, book: Book, fact: ev.ReportDelivered) -> None:
    """Shareholder materials are discharged now; periodic reports once their periods are laid out."""
    delivered = state.local_day(fact.delivered)
    if fact.kind != "shareholder_materials":
        book.reports.append((fact.kind, fact.period, delivered, fact.id or ""))
        return
    for obligation in book.items.values():
        if obligation.kind == "shareholder_materials" and obligation.trigger == fact.period:
            obligation.given = delivered
            obligation.notices.append(fact.id or "")


def _waive(book: Book, fact: ev.WaiverSigned) -> None:
    """§11: waived only by a writing signed by the party against which it is enforced: the holder."""
    for obligation_id in fact.obligations:
        obligation = book.items.get(obligation_id)
        if obligation is None:
            continue
        if fact.by == "holder":
            obligation.waived_by = fact.id
        else:
            obligation.flags.append(f"{fact.id}: a waiver signed by the company does not bind the holder (§11)")


def _periodic_reports(state: CompanyState, book: Book, until: datetime) -> None:
    """§18.7(i), (ii): each period of the warrant's life, listed from the day it arises (its first day, or
    the issue date), owed if it falls due on or before the warrant ends and ``lapsed`` otherwise."""
    today = state.local_day(until)
    for warrant in state.warrants.values():
        issued, ends = state.local_day(warrant.issued), _ends(state, warrant)
        form = warrant.terms_of
        for period in report_periods(state.fiscal_year_end, issued, ends, form.terms):
            arose = period.arises(issued)
            if arose > today:
                continue  # not yet begun: listed from its first day, never before
            obligation = Obligation.of(
                warrant, report_id(warrant.id, period),
                "§18.7(i)" if period.kind == "annual" else "§18.7(ii)",
                f"{period.kind}_report", warrant.id, warrant.issued_event, arose,
                _report_description(period, ends) + form.under(f"{period.kind}_report_days"), target=period.end, deadline=period.due,
                lapsed=not period.owed,
            )
            for kind, label, day, event in book.reports:
                if kind == period.kind and label == period.label:
                    obligation.given = day if obligation.given is None else min(obligation.given, day)
                    obligation.notices.append(event)
            book.add(obligation)


def _report_description(period: Period, ends: date) -> str:
    what = "audited annual" if period.kind == "annual" else "unaudited quarterly"
    text = f"{what} statements for {period.label} (period {period.start.isoformat()} to {period.end.isoformat()})"
    if not period.owed:
        # Why it is listed at all: the holder sees the period began while the warrant was outstanding.
        text += f"; not owed, as it falls due after the warrant ends on {ends.isoformat()}"
    return text


def report_id(warrant: str, period: Period) -> str:
    return f"{warrant}/18.7/{period.kind}/{period.label}"


def _periods(state: CompanyState, warrant: Warrant) -> list[Period]:
    """The warrant's §18.7 periods, from its issue date to the earlier of expiry and complete exercise."""
    return report_periods(state.fiscal_year_end, state.local_day(warrant.issued), _ends(state, warrant),
                          warrant.terms_of.terms)


def _ends(state: CompanyState, warrant: Warrant) -> date:
    """§18.7 "up to the earlier of the Expiration Date or the complete exercise of this Warrant"."""
    ends = state.local_day(warrant.expires)
    if warrant.units == 0 and warrant.exercises:
        ends = min(ends, state.local_day(warrant.exercises[-1].effective))
    if warrant.units == 0 and warrant.cancelled_on is not None:  # ended by a cancellation
        ends = min(ends, state.local_day(warrant.cancelled_on))
    return ends
