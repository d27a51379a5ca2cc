"""What each section's adjustment says in a §4.5 notice: the facts and the method in words for the
body, the figures and the working for the Calculation.

One explainer per section that moves P or N (§1(a), §4.1, §4.3, §4.7 here;
§4.4 in ``letter_dilution``), each reading the books just before and just
after the step that made the adjustment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from captable import events as ev
from captable import prose
from captable.letter_parts import Drafting, Item, stock_name
from captable.prose import exact_text
from captable.prose import operand as o
from captable.rules.adjustment import Adjustment
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


def stop(item: Item) -> Item:
    """A line ends with a full stop, unless it ends with a decimal that goes on ("…")."""
    if not isinstance(item, str):
        return (stop(item[0]), item[1])  # type: ignore[return-value]
    text = item.removesuffix(".")
    return text if text.endswith(("\u2026", ".")) else f"{text}."


def section_words(section: str) -> str:
    return section.replace("\u00a7", "Section ")


def times(k: Fraction, inverse: bool = False) -> str:
    """Multiplying by k (or dividing, ``inverse``) in words: "multiplied by three", "divided by 1.5"."""
    by, back = ("divided", "multiplied") if inverse else ("multiplied", "divided")
    if k.denominator == 1:
        return f"{by} by {prose.count(k)}"
    if k.numerator == 1:
        return f"{back} by {prose.count(k.denominator)}"
    figure = prose.decimal(k)
    if not figure.rounded:
        return f"{by} by {figure.text}"
    up, down = (k.denominator, k.numerator) if inverse else (k.numerator, k.denominator)
    return f"multiplied by {prose.count(up)} and divided by {prose.count(down)}"


def inverse(k: Fraction) -> str:
    return times(k, inverse=True)


def shares_of(q: Fraction) -> str:
    """So many shares per share: "1.5 shares", "one share", "two-thirds of a share"."""
    return prose.per_share(q)


KEEPS_AGGREGATE = "so that the aggregate Stock Purchase Price is unchanged"
PREAMBLE = "the opening paragraph of Section 4"


def preamble(c: Adjustment) -> str:
    """§4 preamble: N' = P × N / P'."""
    return (f"Shares purchasable (Section 4, opening paragraph): N\u2032 = P \u00d7 N \u00f7 P\u2032 = "
            f"{o(c.price_before, True)} \u00d7 {o(c.shares_before)} \u00f7 {o(c.price_after, True)} = "
            f"{exact_text(c.shares_after)}.")


def automatic_conversion(step: Step) -> Explained:
    """§1(a): N' = N × r, P' = P / r."""
    r, c = step.change.inputs["r"], step.change
    assert isinstance(r, Fraction)
    old, new = step.old_stock, step.new_stock
    return Explained(
        facts=[f"On {step.effective} all outstanding shares of {old} converted automatically into {new} under the "
               f"Company\u2019s Articles of Incorporation, at {shares_of(r)} of {new} for each share of {old}.",
               f"Under Section 1(a) of the Warrant, the Warrant has since been exercisable for the number of shares "
               f"of {new} into which the shares of {old} purchasable under it would have been converted, and its "
               f"references to Preferred Stock include that {new}."],
        method=f"The number of shares purchasable was {times(r)}, the conversion rate, and the Stock Purchase Price "
               f"was {inverse(r)}, {KEEPS_AGGREGATE}.",
        figures=[f"All outstanding {old} converted automatically into {new} on {step.effective}, at the "
                 f"conversion rate then in effect, r = {exact_text(r)} shares of {new} for each share of {old}."],
        working=_scaled("1(a)", "r", r, c),
    )


def _scaled(section: str, symbol: str, factor: Fraction, c: Adjustment) -> list[str]:
    """The working of N′ = N × factor and P′ = P ÷ factor, the aggregate kept (§1(a) conversion, §4.3 exchange)."""
    return [f"Shares purchasable (Section {section}): N\u2032 = N \u00d7 {symbol} = {o(c.shares_before)} \u00d7 "
            f"{o(factor)} = {exact_text(c.shares_after)}.",
            f"Stock Purchase Price (Section {section}): P\u2032 = P \u00f7 {symbol} = {o(c.price_before, True)} "
            f"\u00f7 {o(factor)} = {exact_text(c.price_after, True)}."]


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


def split(step: Step) -> Explained:
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
        method=f"The Stock Purchase Price was {inverse(k)}, and the number of shares purchasable was {times(k)}, "
               f"{KEEPS_AGGREGATE}.",
        figures=[f"The {name} split of {stock} on {step.effective}; ratio of the split, k = {exact_text(k)} "
                 "new shares for each old share."],
        working=[f"Stock Purchase Price (Section 4.1): P\u2032 = P \u00f7 k = {o(c.price_before, True)} "
                 f"\u00f7 {o(k)} = {exact_text(c.price_after, True)}.", preamble(c)],
    )


MERGER_KINDS = {
    "merger": "the merger of the Company with {}",
    "consolidation": "the consolidation of the Company with {}",
    "asset_sale": "the sale of all or substantially all of the Company\u2019s assets to {}",
    "reorganization": "the reorganization of the Company\u2019s capital stock agreed with {}",
}


def exchange(step: Step) -> Explained:
    """§4.3, consideration of one security only: N' = N × q, P' = P / q."""
    q, c = step.change.inputs["q"], step.change
    assert isinstance(q, Fraction)
    old, new, fact = step.old_stock, step.new_stock, step.fact
    if isinstance(fact, ev.MergerCompleted):
        agreement = step.before.agreements[fact.agreement]
        event = MERGER_KINDS[agreement.kind].format(agreement.counterparty)
        happened = prose.sentence(f"On {step.effective} {event} was completed. In it each outstanding share of "
                                  f"{old} was exchanged for {shares_of(q)} of {new}")
        name = "merger" if agreement.kind == "merger" else agreement.kind.replace("_", " ")
    else:
        happened = prose.sentence(f"With effect from {step.effective} the Company reclassified its {old}: each "
                                  f"outstanding share became {shares_of(q)} of {new}")
        name = "reclassification"
    return Explained(
        facts=[happened,
               f"Under Section 4.3 of the Warrant, the Warrant is now exercisable, in place of the shares of {old} "
               f"purchasable immediately before the {name}, for the shares of {new} issued in exchange for that "
               "number of shares, and its provisions for adjustment apply to those shares from now on."],
        method=f"The number of shares purchasable was {times(q)}, the number of shares of {new} received for each "
               f"share of {old}, and the Stock Purchase Price was {inverse(q)}, {KEEPS_AGGREGATE}.",
        figures=[f"In the {name} of {step.effective} each share of {old} was exchanged for q = "
                 f"{exact_text(q)} shares of {new}."],
        working=_scaled("4.3", "q", q, c),
    )


def board(step: Step) -> Explained:
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
                "Board.", preamble(c)]
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


def as_recorded(step: Step) -> Explained:
    """A section no explainer knows yet: the rule's own formula, in the Calculation only."""
    section = section_words(step.change.section)
    return Explained(
        facts=[f"With effect from {step.effective} the Stock Purchase Price and the number of shares purchasable "
               f"were adjusted under {section} of the Warrant."],
        method=f"The adjustment follows {section} of the Warrant.",
        figures=[f"The adjustment under {section} with effect from {step.effective}."],
        working=[f"{section}: {step.change.formula}."],
    )


