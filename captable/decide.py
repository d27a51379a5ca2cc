"""Decide: validate a new fact against the state at its effective instant.

Each decider either returns the fact to store (an exercise gains what the
engine computed) or raises a ``Refused`` naming the field, value and
section. Nothing here writes; the ledger stores only a batch whose every
fact was accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from difflib import get_close_matches
from fractions import Fraction

from captable import errors, forms
from captable import events as ev
from captable.numbers import format_exact
from captable.suggest import valid_ones
from captable.exercises import cash_outcome, net_outcome, warrant_of
from captable.rules import expiry
from captable.rules.cash_exercise import require_payment
from projections.state import CompanyState, OptionGrant, Warrant
from projections.timeline import Entry

Decider = Callable[[CompanyState, Entry], ev.Event]

def decide(state: CompanyState, entry: Entry, obligations: Collection[str] = ()) -> ev.Event:
    """The fact to store, or a refusal; ``obligations`` are the ids a notice or waiver may name here."""
    fact = entry.fact
    if state.company is None and not isinstance(fact, ev.CompanyFormed):
        raise errors.UnknownCompany(
            "the company is not formed at this event's effective instant; record CompanyFormed "
            "effective on or before it", field="effective", value=str(fact.effective),
        )
    share_class = getattr(fact, "class_", None)
    if share_class is not None and not isinstance(fact, (ev.ShareClassCreated, ev.StockSplit)):
        _require_class(state, share_class, "class")
    if isinstance(fact, (ev.NoticeSent, ev.WaiverSigned)):
        _require_obligations(fact, obligations)
    return DECIDERS.get(type(fact), _accept)(state, entry)


def _require_class(state: CompanyState, class_id: str, field: str) -> None:
    if class_id not in state.classes:
        raise errors.UnknownClass(f"no share class {class_id!r} exists at this instant"
                                  + valid_ones(class_id, state.classes, "share classes at this instant"),
                                  field=field, value=class_id)


def _accept(state: CompanyState, entry: Entry) -> ev.Event:
    return entry.fact


def _company_formed(state: CompanyState, entry: Entry) -> ev.Event:
    if state.company is not None:
        raise errors.DuplicateCompany(f"company {state.company!r} is already formed", field="company", value=entry.fact.company)
    return entry.fact


def _class_created(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.ShareClassCreated = entry.fact  # type: ignore[assignment]
    if fact.class_ in state.classes:
        raise errors.DuplicateClass(f"share class {fact.class_!r} already exists", field="class", value=fact.class_)
    if fact.converts_to is not None:
        target = state.classes.get(fact.converts_to)
        if target is None or target.kind != "common":
            raise errors.UnknownClass(
                f"{fact.converts_to!r} is not a common class at this instant; create it first"
                + valid_ones(fact.converts_to, [c for c, k in state.classes.items() if k.kind == "common"],
                             "common classes at this instant"),
                field="converts_to", value=fact.converts_to,
            )
    return fact


def _authorized_changed(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.AuthorizedSharesChanged = entry.fact  # type: ignore[assignment]
    outstanding = state.classes[fact.class_].outstanding
    if fact.authorized < outstanding:
        raise errors.ExceedsAuthorized(
            f"{format_exact(outstanding)} shares of {fact.class_} are outstanding; authorized cannot be lower",
            field="authorized", value=fact.authorized, section="charter",
        )
    return fact


def _require_room(state: CompanyState, class_id: str, adding: Fraction, field: str) -> None:
    share_class = state.classes[class_id]
    if share_class.outstanding + adding > share_class.authorized:
        raise errors.ExceedsAuthorized(
            f"{format_exact(adding)} more shares of {class_id} would exceed the "
            f"{format_exact(share_class.authorized)} authorized ({format_exact(share_class.outstanding)} "
            "outstanding); record AuthorizedSharesChanged first",
            field=field, value=adding, section="charter",
        )


def _shares_issued(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.SharesIssued = entry.fact  # type: ignore[assignment]
    _require_room(state, fact.class_, fact.shares, "shares")
    return fact


def _require_holding(state: CompanyState, class_id: str, holder: str, shares: Fraction, field: str) -> None:
    held = state.classes[class_id].holdings.get(holder, Fraction(0))
    if shares > held:
        raise errors.InsufficientShares(
            f"{holder!r} holds {format_exact(held)} shares of {class_id}, not {format_exact(shares)}",
            field=field, value=holder,
        )


def _shares_cancelled(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.SharesCancelled = entry.fact  # type: ignore[assignment]
    _require_holding(state, fact.class_, fact.holder, fact.shares, "holder")
    return fact


def _shares_transferred(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.SharesTransferred = entry.fact  # type: ignore[assignment]
    _require_holding(state, fact.class_, fact.from_, fact.shares, "from")
    return fact


def _convertible(state: CompanyState, class_id: str) -> None:
    share_class = state.classes[class_id]
    if share_class.kind != "preferred" or share_class.converted:
        why = "has already converted" if share_class.converted else "is not a preferred class"
        raise errors.NotConvertible(f"{class_id} {why}", field="class", value=class_id)


def _shares_converted(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.SharesConverted = entry.fact  # type: ignore[assignment]
    _convertible(state, fact.class_)
    _require_holding(state, fact.class_, fact.holder, fact.shares, "holder")
    preferred = state.classes[fact.class_]
    _require_room(state, preferred.converts_to, fact.shares * preferred.conversion_ratio, "shares")  # type: ignore[arg-type,operator]
    return fact


def _stock_split(state: CompanyState, entry: Entry) -> ev.Event:
    """§4.1, and "as nearly as may be possible" (§4.3) a split of a successor's stock."""
    fact: ev.StockSplit = entry.fact  # type: ignore[assignment]
    share_class = state.classes.get(fact.class_)
    if share_class is not None and share_class.exchanged_by is None:
        _require_room(state, fact.class_, share_class.outstanding * fact.ratio - share_class.outstanding, "ratio")
    elif fact.class_ not in state.successors:
        raise errors.UnknownClass(
            f"no share class {fact.class_!r} of the company or of a successor exists at this instant"
            + valid_ones(fact.class_, [*state.classes, *state.successors], "share classes at this instant"),
            field="class", value=fact.class_)
    return fact


def _stock_dividend(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.StockDividend = entry.fact  # type: ignore[assignment]
    _require_class(state, fact.paid_class, "paid_class")
    return fact


def _distribution(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.Distribution = entry.fact  # type: ignore[assignment]
    for n, security in enumerate(fact.securities_per_share or ()):
        if security.issuer == state.name:
            _require_class(state, security.class_, f"securities_per_share.{n}.class")
    return fact


def _reclassification(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.Reclassification = entry.fact  # type: ignore[assignment]
    for n, part in enumerate(fact.into):
        _require_class(state, part.class_, f"into.{n}.class")
    return fact


def _merger_completed(state: CompanyState, entry: Entry) -> ev.Event:
    """§4.3: a completion names its agreement and gives consideration for every class a warrant delivers."""
    fact: ev.MergerCompleted = entry.fact  # type: ignore[assignment]
    agreement = state.agreements.get(fact.agreement)
    if agreement is None or agreement.completed_by is not None:
        why = "is already completed" if agreement else "is not a MergerAgreed of this company at this instant"
        raise errors.UnknownAgreement(f"agreement {fact.agreement!r} {why}", field="agreement", value=fact.agreement)
    for class_id in fact.consideration:
        _require_class(state, class_id, f"consideration.{class_id}")
    for warrant in state.outstanding_warrants(entry.effective):
        for amount in (*warrant.basket, *warrant.entitlements):
            security = amount.security
            if security and security.issuer == state.name and security.class_ not in fact.consideration:
                raise errors.MissingConsideration(
                    f"warrant {warrant.id} delivers {security.class_}, for which the completion gives no "
                    "consideration; §4.3 requires provision for what the holder would have received",
                    field="consideration", value=security.class_)
    return fact


def _preferred_converted(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.PreferredConverted = entry.fact  # type: ignore[assignment]
    _convertible(state, fact.class_)
    preferred = state.classes[fact.class_]
    _require_room(state, preferred.converts_to, preferred.outstanding * preferred.conversion_ratio, "class")  # type: ignore[arg-type,operator]
    return fact


def _ratio_adjusted(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.ConversionRatioAdjusted = entry.fact  # type: ignore[assignment]
    _convertible(state, fact.class_)
    return fact


def _warrant_issued(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.WarrantIssued = entry.fact  # type: ignore[assignment]
    if fact.warrant in state.warrants:
        raise errors.DuplicateWarrant(f"warrant {fact.warrant!r} already exists", field="warrant", value=fact.warrant)
    if fact.expires <= entry.effective:
        raise errors.InvalidEvent("a warrant must expire after it is issued", field="expires", value=fact.expires.isoformat())
    if fact.form is not None or fact.terms is not None:
        expiry.require_form_time(fact.expires, forms.resolve(fact.form, fact.terms))
    return fact


def _warrant_exercised(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.WarrantExercised = entry.fact  # type: ignore[assignment]
    outcome = cash_outcome(state, entry.effective, fact.warrant, fact.shares, fact.deliver_to, fact.new_certificate)
    require_payment(fact.payment, outcome.payment_due)
    return _with_computed(fact, outcome, "§1(a), §16")


def _warrant_cancelled(state: CompanyState, entry: Entry) -> ev.Event:
    """Units can be cancelled while the warrant purchases them: not after it expired, not beyond its balance."""
    fact: ev.WarrantCancelled = entry.fact  # type: ignore[assignment]
    warrant = warrant_of(state, fact.warrant)
    expiry.require_open(warrant.expires, entry.effective, state.zone)
    if warrant.units <= 0:
        raise errors.WarrantNotOutstanding("the warrant has no units left to cancel", field="shares",
                                           value=fact.shares)
    if fact.shares != "all" and fact.shares > warrant.units:
        raise errors.ExceedsSharesPurchasable(
            f"{format_exact(fact.shares)} units exceed the {format_exact(warrant.units)} purchasable",
            field="shares", value=fact.shares)
    return fact


def _warrant_net_exercised(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.WarrantNetExercised = entry.fact  # type: ignore[assignment]
    outcome = net_outcome(state, entry.effective, fact.warrant, fact.shares, fact.method, fact.offering,
                          fact.deliver_to, fact.new_certificate)
    return _with_computed(fact, outcome, "§1(b), §1(c), §16")


def _with_computed(fact: ev.WarrantExercised | ev.WarrantNetExercised, outcome: ev.ExerciseOutcome,
                   section: str) -> ev.Event:
    """The exercise as stored: with what the engine computed, which a re-import must match."""
    if fact.computed is not None and fact.computed != outcome:
        raise errors.ComputedMismatch(
            "the recorded 'computed' part differs from what the rules compute now; omit it and the engine fills it in",
            field="computed", value=fact.computed.model_dump(mode="json", by_alias=True), section=section,
        )
    return fact.model_copy(update={"computed": outcome})


def _open_warrant(state: CompanyState, entry: Entry) -> Warrant:
    warrant = warrant_of(state, entry.fact.warrant)  # type: ignore[attr-defined]
    status = warrant.status_at(entry.effective)
    if status != "outstanding":
        raise errors.WarrantNotOutstanding(f"warrant {warrant.id} is {status} at this instant", field="warrant", value=warrant.id)
    return warrant


def _warrant_transferred(state: CompanyState, entry: Entry) -> ev.Event:
    """§2: a transfer needs a basis (registration, Rule 144, opinion of counsel) and the transferee's agreement."""
    fact: ev.WarrantTransferred = entry.fact  # type: ignore[assignment]
    form = _open_warrant(state, entry).terms_of
    if fact.basis is None:
        raise errors.TransferWithoutBasis(
            "§2(c) allows a transfer only under registration, Rule 144 or an opinion of counsel; give basis",
            field="basis", value=None,
        )
    if fact.basis not in form.terms.transfer_bases:  # never for the 1997 form, which allows all three
        raise errors.TransferWithoutBasis(
            f"the warrant's form allows a transfer only under {', '.join(form.terms.transfer_bases)} "
            f"({form.cite('transfer_bases')}), not {fact.basis}",
            field="basis", value=fact.basis, section=form.cite("transfer_bases"),
        )
    if not fact.transferee_agreed and form.terms.transfer_needs_transferee_agreement:
        raise errors.TransferWithoutBasis(
            "§2(a): the transferee must agree to hold the warrant subject to Section 2; set transferee_agreed"
            if form.speaks_as_1997("transfer_needs_transferee_agreement") else
            f"the transferee must agree to hold the warrant on its terms "
            f"({form.cite('transfer_needs_transferee_agreement')}); set transferee_agreed",
            field="transferee_agreed", value=fact.transferee_agreed,
        )
    return fact


def _warrant_replaced(state: CompanyState, entry: Entry) -> ev.Event:
    """§15: evidence, plus an indemnity for loss, theft or destruction, or surrender if mutilated."""
    fact: ev.WarrantReplaced = entry.fact  # type: ignore[assignment]
    warrant_of(state, fact.warrant)
    if fact.reason == "mutilated" and not fact.surrendered:
        raise errors.ReplacementIncomplete("a mutilated certificate must be surrendered and cancelled",
                                           field="surrendered", value=fact.surrendered)
    if fact.reason != "mutilated" and not fact.indemnity:
        raise errors.ReplacementIncomplete(f"a {fact.reason} certificate is replaced only against an indemnity",
                                           field="indemnity", value=fact.indemnity)
    return fact


def _holder_address_changed(state: CompanyState, entry: Entry) -> ev.Event:
    warrant_of(state, entry.fact.warrant)  # type: ignore[attr-defined]
    return entry.fact


def _board_adjustment(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.BoardAdjustment = entry.fact  # type: ignore[assignment]
    _open_warrant(state, entry)
    if fact.price is None and fact.shares is None and fact.security is None:
        raise errors.InvalidEvent("a §4.7 adjustment names a price, a share count or a security",
                                  field="price", value=None, section="§4.7")
    return fact


def _require_obligations(fact: ev.NoticeSent | ev.WaiverSigned, known: Collection[str]) -> None:
    """A notice (§12) or a waiver (§11) names obligations that have arisen by its effective instant."""
    for name in fact.obligations:
        if name not in known:
            nearest = get_close_matches(name, sorted(known), n=3, cutoff=0)
            hint = f"; the nearest are {', '.join(nearest)}" if nearest else "; none has arisen by then"
            raise errors.UnknownObligation(
                f"no obligation {name!r} exists at this event's effective instant{hint} (`captable notices "
                "--as-of` that day lists them)", field="obligations", value=name,
                section="§11" if isinstance(fact, ev.WaiverSigned) else "§12")


def check_retraction(fact: ev.EventRetracted, known: Mapping[str, ev.Event], retracted: Mapping[str, str]) -> None:
    """DESIGN §6 item 20: a retraction names a fact recorded before it that still counts.

    A retraction is final: it is never itself retracted (a fact retracted by mistake is recorded
    again under a new id), and a fact is retracted once.
    """
    target = known.get(fact.event)
    if target is None:
        raise errors.UnknownEvent(f"no event with id {fact.event!r} is stored or recorded before this line",
                                  field="event", value=fact.event)
    if isinstance(target, ev.EventRetracted):
        raise errors.RetractionOfRetraction(
            f"{fact.event!r} is a retraction, and a retraction is final; to count {target.event!r} again, "
            "record it again under a new id", field="event", value=fact.event)
    if fact.event in retracted:
        raise errors.AlreadyRetracted(f"{fact.event!r} is already retracted by {retracted[fact.event]!r}",
                                      field="event", value=fact.event)


def _grant_holding(state: CompanyState, grant: str, shares: Fraction) -> OptionGrant:
    """The grant an options fact draws on: it exists at this instant and still holds ``shares``."""
    found = next((g for g in state.options if g.event == grant), None)
    if found is None:
        raise errors.UnknownGrant(f"no grant {grant!r} (an OptionsIssued or OptionsTransferred) holds options at "
                                  "this instant" + valid_ones(grant, [g.event for g in state.options], "grants"),
                                  field="grant", value=grant)
    if shares > found.shares:
        raise errors.InsufficientShares(f"grant {grant!r} holds options for {format_exact(found.shares)} shares, "
                                        f"not {format_exact(shares)}", field="shares", value=shares)
    return found


def _options_exercised(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.OptionsExercised = entry.fact  # type: ignore[assignment]
    grant = _grant_holding(state, fact.grant, fact.shares)
    _require_class(state, grant.class_, "grant")
    _require_room(state, grant.class_, fact.shares, "shares")
    return fact


def _options_moved(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.OptionsCancelled | ev.OptionsTransferred = entry.fact  # type: ignore[assignment]
    _grant_holding(state, fact.grant, fact.shares)
    return fact


def _convertible_issued(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.ConvertibleIssued = entry.fact  # type: ignore[assignment]
    if fact.convertible in state.convertibles:
        raise errors.UnknownConvertible(f"convertible {fact.convertible!r} is already outstanding",
                                        field="convertible", value=fact.convertible)
    return fact


def _convertible_ended(state: CompanyState, entry: Entry) -> ev.Event:
    fact: ev.ConvertibleEnded = entry.fact  # type: ignore[assignment]
    if fact.convertible not in state.convertibles:
        raise errors.UnknownConvertible(f"no convertible {fact.convertible!r} is outstanding at this instant"
                                        + valid_ones(fact.convertible, state.convertibles, "convertibles"),
                                        field="convertible", value=fact.convertible)
    return fact


DECIDERS: dict[type[ev.Event], Decider] = {
    ev.CompanyFormed: _company_formed,
    ev.ShareClassCreated: _class_created,
    ev.AuthorizedSharesChanged: _authorized_changed,
    ev.SharesIssued: _shares_issued,
    ev.SharesCancelled: _shares_cancelled,
    ev.OptionsExercised: _options_exercised,
    ev.OptionsCancelled: _options_moved,
    ev.OptionsTransferred: _options_moved,
    ev.ConvertibleIssued: _convertible_issued,
    ev.ConvertibleEnded: _convertible_ended,
    ev.SharesTransferred: _shares_transferred,
    ev.SharesConverted: _shares_converted,
    ev.StockSplit: _stock_split,
    ev.StockDividend: _stock_dividend,
    ev.Distribution: _distribution,
    ev.Reclassification: _reclassification,
    ev.MergerCompleted: _merger_completed,
    ev.PreferredConverted: _preferred_converted,
    ev.ConversionRatioAdjusted: _ratio_adjusted,
    ev.WarrantIssued: _warrant_issued,
    ev.WarrantExercised: _warrant_exercised,
    ev.WarrantNetExercised: _warrant_net_exercised,
    ev.WarrantTransferred: _warrant_transferred,
    ev.WarrantReplaced: _warrant_replaced,
    ev.WarrantCancelled: _warrant_cancelled,
    ev.HolderAddressChanged: _holder_address_changed,
    ev.BoardAdjustment: _board_adjustment,
}
