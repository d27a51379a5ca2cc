"""§4.5 Notice of adjustment, drafted from the adjustment and the event that caused it.

"The notice shall be signed by the Company's chief financial officer and
shall state the Stock Purchase Price resulting from such adjustment and the
increase or decrease, if any, in the number of shares purchasable at such
price upon the exercise of this Warrant, setting forth in reasonable detail
the method of calculation and the facts upon which such calculation is
based."

The body states the facts and the result in words, with money in dollars and
cents; the Calculation appendix gives the exact values and the working, each
step citing its section. One explainer per section that moves P or N.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from captable import events as ev
from captable import prose
from captable.letter_parts import Block, Calculation, Drafting, Item, closing, opening, stock_name
from captable.prose import exact_text
from captable.prose import operand as o
from captable.rules.adjustment import Adjustment
from projections.corporate_actions import common_equivalent, deemed_outstanding, issuance_terms
from projections.state import CompanyState

ONE = Fraction(1)


@dataclass(frozen=True)
class Step:
    """The state around the adjustment, as each explainer reads it."""

    drafting: Drafting
    before: CompanyState
    after: CompanyState
    change: Adjustment
    fact: ev.Event
    day: date  # when the adjustment took effect

    @property
    def old_stock(self) -> str:
        return self.drafting.stock(self.before.warrants[self.change_warrant].security, self.before)

    @property
    def new_stock(self) -> str:
        return self.drafting.stock(self.after.warrants[self.change_warrant].security, self.after)

    @property
    def change_warrant(self) -> str:
        return self.drafting.obligation.warrant

    @property
    def effective(self) -> str:
        return prose.day(self.day)


@dataclass(frozen=True)
class Explained:
    facts: list[str]  # the body: what happened, and the clause that reaches the warrant
    method: str  # the body: the method of calculation in words
    figures: list[Item]  # the Calculation: the facts the calculation is based on, in numbers
    working: list[Item]  # the Calculation: each step with its section


def body(drafting: Drafting) -> tuple[str, list[Block], Calculation]:
    """The subject, the paragraphs and the Calculation of the §4.5 notice."""
    before, after, day = drafting.around()
    warrant = drafting.obligation.warrant
    change = next(a for a in after.warrants[warrant].adjustments if a.event == drafting.obligation.trigger)
    step = Step(drafting, before, after, change, drafting.trigger, day)
    explained = EXPLAINERS[change.section](step)
    result, rounded = _result(step)
    blocks: list[Block] = [
        opening(drafting, "4.5", "of an adjustment of the Stock Purchase Price and of the number of shares "
                                 "purchasable upon its exercise"),
        *explained.facts,
        f"As a result, with effect from {step.effective}:",
        result,
        f"Method of calculation. {explained.method} The Calculation attached to this notice sets out the method "
        "of calculation in reasonable detail, the facts upon which it is based, and the exact figures.",
    ]
    if change.shares_after.denominator != 1:
        blocks.append("No fractional share will be issued upon exercise: under Section 16 of the Warrant the "
                      "Company will pay cash for any fraction of a share, at the Stock Purchase Price then in effect.")
    if rounded:
        blocks.append("Figures marked \u201c(rounded)\u201d are rounded for reading only; the exact figures, which "
                      "govern any exercise, are set out in the attached Calculation.")
    blocks.append(closing())
    return "Notice of Adjustment under Section 4.5", blocks, _calculation(step, explained)


def _result(step: Step) -> tuple[tuple[str, ...], bool]:
    """The new price, the increase or decrease in shares, and the aggregate price, in words."""
    c = step.change
    new_price, old_price = prose.price(c.price_after), prose.price(c.price_before)
    new_n, old_n = prose.shares(c.shares_after), prose.shares(c.shares_before)
    delta = prose.shares(abs(c.shares_after - c.shares_before))
    old_of = "" if step.old_stock == step.new_stock else f" of {step.old_stock}"
    if c.price_after == c.price_before:
        price = f"the Stock Purchase Price is unchanged at {new_price.text}{new_price.note} per share"
    else:
        price = (f"the Stock Purchase Price is {new_price.text}{new_price.note} per share of {step.new_stock}, "
                 f"in place of {old_price.text}{old_price.note} per share{old_of}")
    if c.shares_after == c.shares_before:
        shares = f"the number of shares purchasable is unchanged at {new_n.text}{new_n.note}"
    else:
        way = "an increase" if c.shares_after > c.shares_before else "a decrease"
        shares = (f"the number of shares purchasable at that price is {new_n.text}{new_n.note} shares of "
                  f"{step.new_stock}, {way} of {delta.text}{delta.note} shares from {old_n.text}{old_n.note} "
                  f"shares{old_of}")
    total_before, total_after = c.price_before * c.shares_before, c.price_after * c.shares_after
    after_total, before_total = prose.dollars(total_after), prose.dollars(total_before)
    if total_after == total_before:
        total = ("the aggregate Stock Purchase Price of all the shares purchasable remains "
                 f"{after_total.text}{after_total.note}")
    else:
        total = (f"the aggregate Stock Purchase Price of all the shares purchasable is {after_total.text}"
                 f"{after_total.note}, in place of {before_total.text}{before_total.note}")
    shown = (new_price, old_price, new_n, old_n, delta, after_total, before_total)
    return (f"{price};", f"{shares}; and", f"{total}."), any(f.rounded for f in shown)


def _calculation(step: Step, explained: Explained) -> Calculation:
    c, d = step.change, step.drafting
    rows = []
    if step.old_stock != step.new_stock:
        rows.append(("Security purchasable", step.old_stock, step.new_stock))
    rows += [
        ("Stock Purchase Price (P)", exact_text(c.price_before, money=True), exact_text(c.price_after, money=True)),
        ("Shares purchasable (N)", exact_text(c.shares_before), exact_text(c.shares_after)),
        ("Aggregate Stock Purchase Price (P \u00d7 N)", exact_text(c.price_before * c.shares_before, money=True),
         exact_text(c.price_after * c.shares_after, money=True)),
    ]
    return Calculation(
        title="Calculation",
        basis=(f"Attached to the notice of adjustment dated {prose.day(d.dated)} under Section 4.5 of the Warrant, "
               f"Certificate No.\u00a0{d.warrant.certificate}: the adjustment under {_section(c.section)} of the Warrant "
               f"with effect from {step.effective}."),
        rows=rows,
        facts=[_stop(i) for i in explained.figures],
        working=[_stop(i) for i in explained.working],
        notes=["Exact values are written as decimals when their decimals end within six places, and otherwise as "
               "fractions in lowest terms followed by their first six decimals; \u201c\u2026\u201d marks a decimal "
               "that goes on. Money paid upon exercise is computed from the exact values and rounded to the cent "
               "only when it is paid (Sections 1(a) and 16 of the Warrant)."],
    )


def _stop(item: Item) -> Item:
    """A line ends with a full stop, unless it ends with a decimal that goes on ("…")."""
    if not isinstance(item, str):
        return (_stop(item[0]), item[1])  # type: ignore[return-value]
    text = item.removesuffix(".")
    return text if text.endswith(("\u2026", ".")) else f"{text}."


def _section(section: str) -> str:
    return section.replace("\u00a7", "Section ")


def _times(k: Fraction, inverse: bool = False) -> str:
    """Multiplying by k (or dividing, ``inverse``) in words: "multiplied by three", "divided by 1.5"."""
    times, into = ("divided", "multiplied") if inverse else ("multiplied", "divided")
    if k.denominator == 1:
        return f"{times} by {prose.count(k)}"
    if k.numerator == 1:
        return f"{into} by {prose.count(k.denominator)}"
    figure = prose.decimal(k)
    if not figure.rounded:
        return f"{times} by {figure.text}"
    up, down = (k.denominator, k.numerator) if inverse else (k.numerator, k.denominator)
    return f"multiplied by {prose.count(up)} and divided by {prose.count(down)}"


def _inverse(k: Fraction) -> str:
    return _times(k, inverse=True)


def _shares_of(q: Fraction) -> str:
    """So many shares per share: "1.5 shares", "one share", "two-thirds of a share"."""
    return prose.per_share(q)


KEEPS_AGGREGATE = "so that the aggregate Stock Purchase Price is unchanged"
PREAMBLE = "the opening paragraph of Section 4"


def _preamble(c: Adjustment) -> str:
    """§4 preamble: N' = P × N / P'."""
    return (f"Shares purchasable (Section 4, opening paragraph): N\u2032 = P \u00d7 N \u00f7 P\u2032 = "
            f"{o(c.price_before, True)} \u00d7 {o(c.shares_before)} \u00f7 {o(c.price_after, True)} = "
            f"{exact_text(c.shares_after)}.")


def _automatic_conversion(step: Step) -> Explained:
    """§1(a): N' = N × r, P' = P / r."""
    r, c = step.change.inputs["r"], step.change
    assert isinstance(r, Fraction)
    old, new = step.old_stock, step.new_stock
    return Explained(
        facts=[f"On {step.effective} all outstanding shares of {old} converted automatically into {new} under the "
               f"Company\u2019s Articles of Incorporation, at {_shares_of(r)} of {new} for each share of {old}.",
               f"Under Section 1(a) of the Warrant, the Warrant has since been exercisable for the number of shares "
               f"of {new} into which the shares of {old} purchasable under it would have been converted, and its "
               f"references to Preferred Stock include that {new}."],
        method=f"The number of shares purchasable was {_times(r)}, the conversion rate, and the Stock Purchase Price "
               f"was {_inverse(r)}, {KEEPS_AGGREGATE}.",
        figures=[f"All outstanding {old} converted automatically into {new} on {step.effective}, at the "
                 f"conversion rate then in effect, r = {exact_text(r)} shares of {new} for each share of {old}."],
        working=[f"Shares purchasable (Section 1(a)): N\u2032 = N \u00d7 r = {o(c.shares_before)} \u00d7 "
                 f"{o(r)} = {exact_text(c.shares_after)}.",
                 f"Stock Purchase Price (Section 1(a)): P\u2032 = P \u00f7 r = {o(c.price_before, True)} "
                 f"\u00f7 {o(r)} = {exact_text(c.price_after, True)}."],
    )


def _split_words(k: Fraction) -> tuple[str, str]:
    """("three-for-two", "every two shares became three shares") for k = 3/2."""
    new, old = k.numerator, k.denominator
    small = new <= 12 and old <= 12
    name = f"{prose.count(new)}-for-{prose.count(old)}" if small else f"{new:,}-for-{old:,}"
    each = "each share" if old == 1 else f"every {prose.count(old)} shares"
    became = f"{prose.count(new)} share{'' if new == 1 else 's'}"
    return name, f"{each} became {became}"


def _applies_to(step: Step) -> str:
    """Why §4.1 reaches a security other than the warrant's original Preferred Stock."""
    sections = {a.section for a in step.before.warrants[step.change_warrant].adjustments}
    original = step.drafting.state.own(step.drafting.issued.class_)
    if step.before.warrants[step.change_warrant].security == original:
        return ""
    if "\u00a74.3" in sections:
        return (" Section 4.3 of the Warrant applies its provisions for adjustment to the securities deliverable "
                "upon exercise after the exchange.")
    if "\u00a71(a)" in sections:
        return (" Section 1(a) of the Warrant reads its references to Preferred Stock as including the Common Stock "
                "into which it converted.")
    return ""


def _split(step: Step) -> Explained:
    """§4.1: P' = P / k; N' by the §4 preamble."""
    k, c = step.change.inputs["k"], step.change
    assert isinstance(k, Fraction) and isinstance(step.fact, ev.StockSplit)
    security = step.before.warrants[step.change_warrant].security
    who = "the Company" if security.issuer == step.drafting.state.name else security.issuer
    stock = step.drafting.stock(security, step.before)
    own = stock_name(step.before, security, issuer=False)  # "its outstanding common stock"
    name, each = _split_words(k)
    if k > 1:
        what = f"subdivided its outstanding {own} in a {name} stock split: {each}"
        rule = ("the Stock Purchase Price in effect immediately before a subdivision is proportionately reduced; "
                f"under {PREAMBLE}, the number of shares purchasable increases")
    else:
        what = f"combined its outstanding {own} in a {name} reverse stock split: {each}"
        rule = ("the Stock Purchase Price in effect immediately before a combination is proportionately increased; "
                f"under {PREAMBLE}, the number of shares purchasable decreases")
    return Explained(
        facts=[f"On {step.effective} {who} {what}.",
               f"Under Section 4.1 of the Warrant, {rule} {KEEPS_AGGREGATE}.{_applies_to(step)}"],
        method=f"The Stock Purchase Price was {_inverse(k)}, and the number of shares purchasable was {_times(k)}, "
               f"{KEEPS_AGGREGATE}.",
        figures=[f"The {name} split of {stock} on {step.effective}; ratio of the split, k = {exact_text(k)} "
                 "new shares for each old share."],
        working=[f"Stock Purchase Price (Section 4.1): P\u2032 = P \u00f7 k = {o(c.price_before, True)} "
                 f"\u00f7 {o(k)} = {exact_text(c.price_after, True)}.", _preamble(c)],
    )


MERGER_KINDS = {
    "merger": "the merger of the Company with {}",
    "consolidation": "the consolidation of the Company with {}",
    "asset_sale": "the sale of all or substantially all of the Company\u2019s assets to {}",
    "reorganization": "the reorganization of the Company\u2019s capital stock agreed with {}",
}


def _exchange(step: Step) -> Explained:
    """§4.3, consideration of one security only: N' = N × q, P' = P / q."""
    q, c = step.change.inputs["q"], step.change
    assert isinstance(q, Fraction)
    old, new, fact = step.old_stock, step.new_stock, step.fact
    if isinstance(fact, ev.MergerCompleted):
        agreement = step.before.agreements[fact.agreement]
        event = MERGER_KINDS[agreement.kind].format(agreement.counterparty)
        happened = prose.sentence(f"On {step.effective} {event} was completed. In it each outstanding share of "
                                  f"{old} was exchanged for {_shares_of(q)} of {new}")
        name = "merger" if agreement.kind == "merger" else agreement.kind.replace("_", " ")
    else:
        happened = prose.sentence(f"With effect from {step.effective} the Company reclassified its {old}: each "
                                  f"outstanding share became {_shares_of(q)} of {new}")
        name = "reclassification"
    return Explained(
        facts=[happened,
               f"Under Section 4.3 of the Warrant, the Warrant is now exercisable, in place of the shares of {old} "
               f"purchasable immediately before the {name}, for the shares of {new} issued in exchange for that "
               "number of shares, and its provisions for adjustment apply to those shares from now on."],
        method=f"The number of shares purchasable was {_times(q)}, the number of shares of {new} received for each "
               f"share of {old}, and the Stock Purchase Price was {_inverse(q)}, {KEEPS_AGGREGATE}.",
        figures=[f"In the {name} of {step.effective} each share of {old} was exchanged for q = "
                 f"{exact_text(q)} shares of {new}."],
        working=[f"Shares purchasable (Section 4.3): N\u2032 = N \u00d7 q = {o(c.shares_before)} \u00d7 "
                 f"{o(q)} = {exact_text(c.shares_after)}.",
                 f"Stock Purchase Price (Section 4.3): P\u2032 = P \u00f7 q = {o(c.price_before, True)} "
                 f"\u00f7 {o(q)} = {exact_text(c.price_after, True)}."],
    )


RIGHTS = {"option": "options", "warrant": "warrants", "convertible": "convertible securities"}
DEEMED = {
    "option_plan": "issuable under options and plans approved by the Board",
    "preferred_conversion": "issuable upon conversion of Preferred Stock",
    "dividend": "issuable as dividends or distributions",
    "financing_warrant": "issuable upon exercise of warrants issued in Board-approved financings",
}


def _common(state: CompanyState) -> str:
    return next((c.name for c in state.classes.values() if c.kind == "common"), "Common Stock")


def _base(state: CompanyState, a: Fraction) -> tuple[str, ...]:
    """A, the common outstanding just before the issue, counted as §4.4 counts it, line by line.

    The lines are checked against the A the rule used; if they ever differed, the letter would show
    A alone rather than a breakdown that does not add up. A single line adds nothing to A.
    """
    lines: list[tuple[str, Fraction]] = []
    for share_class in state.classes.values():
        if share_class.exchanged_by is not None:
            continue
        if share_class.kind == "common":
            lines.append((f"{share_class.name} outstanding", Fraction(share_class.outstanding)))
        elif not share_class.converted and share_class.outstanding:
            ratio = share_class.conversion_ratio or ONE
            lines.append((f"{share_class.name} outstanding, {exact_text(Fraction(share_class.outstanding))} shares, "
                          f"as converted at {exact_text(ratio)}", share_class.outstanding * ratio))
    deemed: dict[str, Fraction] = {}
    for grant in state.options:
        if grant.category in DEEMED and grant.class_ in state.classes:
            deemed[grant.category] = deemed.get(grant.category, Fraction(0)) + common_equivalent(
                state, grant.class_, grant.shares)
    for warrant in state.warrants.values():
        if warrant.category == "financing_warrant" and warrant.security.issuer == state.name and warrant.units > 0:
            deemed["financing_warrant"] = deemed.get("financing_warrant", Fraction(0)) + common_equivalent(
                state, warrant.security.class_, warrant.units)
    lines += [(f"Common Stock {DEEMED[k]}, deemed outstanding", v) for k, v in deemed.items() if v]
    if len(lines) < 2 or sum((v for _, v in lines), Fraction(0)) != a or a != deemed_outstanding(state):
        return ()
    return tuple(f"{label}: {exact_text(value)}" for label, value in lines)


def _issue(step: Step, fact: ev.SharesIssued | ev.OptionsIssued) -> tuple[str, str]:
    """The issue in words, and its consideration C in figures."""
    class_id, count, total, _ = issuance_terms(fact)
    stock, number = step.drafting.class_name(class_id), prose.shares(count).text
    if isinstance(fact, ev.SharesIssued):
        return (f"On {step.effective} the Company issued {number} shares of {stock} at "
                f"{prose.price(fact.price_per_share).text} per share, for a total consideration of "
                f"{prose.dollars(total).text}.",
                f"Consideration received for the {number} shares of {stock} issued: C = {exact_text(total, True)}.")
    rights = RIGHTS[fact.kind]
    paid_for = (f"for {prose.price(fact.price_per_share).text} per share paid for the {rights}"
                if fact.price_per_share else "with nothing paid for the rights themselves")
    return (f"On {step.effective} the Company issued {rights} to acquire {number} shares of {stock} at "
            f"{prose.price(fact.exercise_price).text} per share, {paid_for}. Under Section 4.4 the consideration for "
            "such rights is the price paid for them plus the price payable upon their exercise, "
            f"{prose.dollars(total).text} in all.",
            f"Consideration for {rights} to acquire {number} shares of {stock}, the price paid for the rights plus "
            f"the exercise price: C = {o(count)} \u00d7 ({o(fact.price_per_share, True)} + "
            f"{o(fact.exercise_price, True)}) = {exact_text(total, True)}.")


def _dilution(step: Step) -> Explained:
    """§4.4: P' = (A × P + C) / (A + S); N' by the §4 preamble."""
    fact, c, inputs = step.fact, step.change, step.change.inputs
    assert isinstance(fact, (ev.SharesIssued, ev.OptionsIssued))
    a, total, s = inputs["A"], inputs["C"], inputs["S"]
    assert isinstance(a, Fraction) and isinstance(total, Fraction) and isinstance(s, Fraction)
    _, count, _, _ = issuance_terms(fact)
    common, per, price = _common(step.before), prose.price(total / s), prose.price(c.price_before).text
    happened, consideration = _issue(step, fact)
    plain = isinstance(fact, ev.SharesIssued) and s == count and total == count * fact.price_per_share
    if plain:  # common sold for cash at a price: the price is the consideration per share
        below = f"That price is less than the Stock Purchase Price of {price} per share in effect immediately before."
    else:
        converts = "" if s == count else (f"The shares issued are convertible into {prose.shares(s).text} shares of "
                                          f"{common}, so the consideration received")
        below = (f"{converts or 'The consideration received'} was {per.text} per share of {common}{per.note}, less "
                 f"than the Stock Purchase Price of {price} per share in effect immediately before the issue.")
    return Explained(
        facts=[f"{happened} {below}",
               "Section 4.4 of the Warrant then adjusts the Stock Purchase Price, and under "
               f"{PREAMBLE} the number of shares purchasable changes {KEEPS_AGGREGATE}."],
        method=(f"The new Stock Purchase Price is the weighted average that Section 4.4 prescribes: the number of "
                f"shares of {common} outstanding immediately before the issue (counting Preferred Stock as "
                f"converted, and the shares that Section 4.4 deems outstanding) multiplied by the Stock Purchase "
                f"Price then in effect, plus the consideration received by the Company, divided by the number of "
                f"shares of {common} outstanding immediately after the issue. The number of shares purchasable was "
                f"then adjusted under {PREAMBLE}, {KEEPS_AGGREGATE}."),
        figures=[(f"Shares of {common} outstanding immediately before the issue, as Section 4.4 counts them "
                  f"(A): {exact_text(a)}.", _base(step.before, a)), consideration,
                 f"Shares of {common} issued or issuable in the issue, as converted (S): {exact_text(s)}.",
                 f"Consideration per share: C \u00f7 S = {exact_text(total / s, True)}, less than P = "
                 f"{exact_text(c.price_before, True)}."],
        working=[f"Stock Purchase Price (Section 4.4): P\u2032 = (A \u00d7 P + C) \u00f7 (A + S) = "
                 f"({o(a)} \u00d7 {o(c.price_before, True)} + {o(total, True)}) \u00f7 "
                 f"({o(a)} + {o(s)}) = {exact_text(c.price_after, True)}.", _preamble(c)],
    )


def _board(step: Step) -> Explained:
    """§4.7: as the Board recorded it; a price alone moves N by the §4 preamble."""
    fact, c = step.fact, step.change
    assert isinstance(fact, ev.BoardAdjustment)
    set_ = []
    if fact.price is not None:
        set_.append(f"the Stock Purchase Price at {prose.price(fact.price).text} per share")
    if fact.shares is not None:
        set_.append(f"the number of shares purchasable at {prose.shares(fact.shares).text}")
    did = [f"set {' and '.join(set_)}"] if set_ else []
    if fact.security is not None:
        did.append(f"made the Warrant exercisable for {step.new_stock}")
    by_preamble = fact.shares is None
    working = ([f"Stock Purchase Price (Section 4.7): P\u2032 = {exact_text(c.price_after, True)}, as set by the "
                "Board.", _preamble(c)]
               if by_preamble else
               [f"Stock Purchase Price and shares purchasable (Section 4.7): P\u2032 = "
                f"{exact_text(c.price_after, True)} and N\u2032 = {exact_text(c.shares_after)}, as set by the Board."])
    return Explained(
        facts=[f"On {step.effective} the Board of Directors of the Company, acting under Section 4.7 of the Warrant, "
               f"{' and '.join(did)}. The Board gave this reason for the adjustment: "
               f"\u201c{prose.sentence(fact.reason)}\u201d"],
        method=(f"The Stock Purchase Price is the price set by the Board, and the number of shares purchasable was "
                f"adjusted under {PREAMBLE}, {KEEPS_AGGREGATE}." if by_preamble else
                "The Stock Purchase Price and the number of shares purchasable are those set by the Board."),
        figures=[f"The Board\u2019s adjustment under Section 4.7 with effect from {step.effective}."],
        working=working,
    )


EXPLAINERS: dict[str, Callable[[Step], Explained]] = {
    "\u00a71(a)": _automatic_conversion,
    "\u00a74.1": _split,
    "\u00a74.3": _exchange,
    "\u00a74.4": _dilution,
    "\u00a74.7": _board,
}
