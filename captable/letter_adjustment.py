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

from captable import prose
from captable.letter_dilution import dilution
from captable.letter_explain import (
    Explained,
    Step,
    as_recorded,
    automatic_conversion,
    board,
    exchange,
    section_words,
    split,
    stop,
)
from captable.letter_parts import Block, Calculation, Drafting, closing, opening
from captable.forms import Form
from captable.prose import exact_text


FRACTIONS = {
    "cash_at_price": "the Company will pay cash for any fraction of a share, at the Stock Purchase Price then in effect",
    "cash_at_per_share_price": "the Company will pay cash for any fraction of a share, at the Per Share Price on a net "
                               "exercise and at the Stock Purchase Price then in effect on an exercise for cash",
    "round_down": "the number of shares issued is rounded down to a whole share and no cash is paid for the fraction",
}


def _fractions(form: Form) -> str:
    """What the Warrant does with a fraction of a share: §16 of the 1997 form, or the form's own clause."""
    if form.speaks_as_1997("fractions"):
        return ("No fractional share will be issued upon exercise: under Section 16 of the Warrant the "
                "Company will pay cash for any fraction of a share, at the Stock Purchase Price then in effect.")
    return (f"No fractional share will be issued upon exercise: under {form.cite('fractions')}, "
            f"{FRACTIONS[form.terms.fractions]}.")


def _form_words(form: Form, section: str) -> list[Block]:
    """For a warrant on another form than the 1997 one: the form, and the words of the clause applied."""
    for parameter, clause in form.clauses.items():
        if form.cite(parameter) == section and not form.speaks_as_1997(parameter):
            words = f" It reads: \u201c{clause.quote}\u201d" if clause.quote else ""
            return [f"The Warrant is on the form {form.name} ({form.title}); the adjustment applies "
                    f"{clause.clause}.{words}"]
    return []


def body(drafting: Drafting) -> tuple[str, list[Block], Calculation]:
    """The subject, the paragraphs and the Calculation of the §4.5 notice."""
    before, after, day = drafting.around()
    warrant = drafting.obligation.warrant
    change = next(a for a in after.warrants[warrant].adjustments if a.event == drafting.obligation.trigger)
    step = Step(drafting, before, after, change, drafting.trigger, day)
    explained = EXPLAINERS.get(change.section, as_recorded)(step)
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
    form = after.warrants[warrant].terms_of
    blocks[2:2] = _form_words(form, change.section)
    if change.shares_after.denominator != 1:
        blocks.append(_fractions(form))
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
               f"Certificate No.\u00a0{d.warrant.certificate}: the adjustment under {section_words(c.section)} of "
               f"the Warrant with effect from {step.effective}."),
        rows=rows,
        facts=[stop(i) for i in explained.figures],
        working=[stop(i) for i in explained.working],
        notes=["Exact values are written as decimals when their decimals end within six places, and otherwise as "
               "fractions in lowest terms followed by their first six decimals; \u201c\u2026\u201d marks a decimal "
               "that goes on. Money paid upon exercise is computed from the exact values and rounded to the cent "
               "only when it is paid (Sections 1(a) and 16 of the Warrant)."],
    )


EXPLAINERS: dict[str, Callable[[Step], Explained]] = {
    "\u00a71(a)": automatic_conversion,
    "\u00a74.1": split,
    "\u00a74.3": exchange,
    "\u00a74.4": dilution,
    "\u00a74.7": board,
}
