"""§4.4 in a §4.5 notice: the issue below the Stock Purchase Price, the base A counted line by line,
the consideration C and the shares S, then the weighted average."""

from __future__ import annotations

from fractions import Fraction

from captable import events as ev
from captable import prose
from captable.letter_explain import KEEPS_AGGREGATE, ONE, PREAMBLE, Explained, Step, preamble
from captable.prose import exact_text
from captable.prose import operand as o
from projections.corporate_actions import common_equivalent, deemed_outstanding, issuance_terms
from projections.state import CompanyState


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
    if len(lines) < 2 or sum((v for _, v in lines), Fraction(0)) != a or a != deemed_outstanding(state, DEEMED):
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


def dilution(step: Step) -> Explained:
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
                 f"({o(a)} + {o(s)}) = {exact_text(c.price_after, True)}.", preamble(c)],
    )


