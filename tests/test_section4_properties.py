"""Invariants of the Section 4 rules (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from captable.rules.amounts import Amount, Security, shares_of
from captable.rules.board_adjustment import board_adjustment
from captable.rules.deliveries import deliver, left_after
from captable.rules.dilutive_issuance import weighted_average
from captable.rules.splits import subdivide_or_combine

POSITIVE = st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(10**6))
COUNTS = st.integers(1, 10**8).map(Fraction)
COMMON = Security("Acme, Inc.", "common")
OTHER = Security("Acme, Inc.", "series_b")


@given(POSITIVE, COUNTS, COUNTS, st.fractions(min_value=0, max_value=Fraction(10**9)), COUNTS)
def test_the_weighted_average_never_raises_the_price(price, units, a, c, s):
    change = weighted_average(price, units, a, c, s)
    if change is None:
        assert c / s >= price
    else:
        assert change.price_after < price


@given(POSITIVE, COUNTS, COUNTS, st.fractions(min_value=0, max_value=Fraction(10**9)), COUNTS,
       st.sampled_from([Fraction(2), Fraction(1, 3), Fraction(5, 4)]), POSITIVE)
def test_price_only_adjustments_keep_the_aggregate_price(price, units, a, c, s, k, board_price):
    changes = [subdivide_or_combine(price, units, k), board_adjustment(price, units, board_price, None, "fairness")]
    dilutive = weighted_average(price, units, a, c, s)
    changes += [dilutive] if dilutive else []
    for change in changes:
        assert change.price_after * change.shares_after == price * units


@st.composite
def exercises(draw):
    """A warrant balance and a sequence of whole-unit exercises that ends with "all"."""
    balance = Fraction(draw(st.integers(2, 5000)), draw(st.sampled_from([1, 2, 3])))
    steps, left = [], balance
    while left >= 1 and draw(st.booleans()):
        y = Fraction(draw(st.integers(1, int(left))))
        steps.append(y)
        left -= y
    steps.append(left) if left else None
    return balance, steps


@given(exercises(), POSITIVE, POSITIVE, POSITIVE)
def test_accrued_entitlements_are_conserved_across_partial_exercises(plan, accrued_shares, accrued_cash, price):
    balance, steps = plan
    assume(steps)
    entitlements = (Amount("securities", accrued_shares, OTHER, event="div"), Amount("cash", accrued_cash, event="dist"))
    original = entitlements
    delivered_shares = paid_cash = Fraction(0)
    for y in steps:
        delivery = deliver(y, balance, price, COMMON, (shares_of(COMMON),), entitlements)
        exact_part = entitlements[0].quantity * y / balance
        whole = sum((i.quantity for i in delivery.items if i.security == OTHER), Fraction(0))
        assert 0 <= exact_part - whole < 1  # whole shares now, the fraction in cash
        delivered_shares += exact_part
        paid_cash += sum((i.quantity for i in delivery.items if i.kind == "cash"), Fraction(0))
        entitlements = left_after(entitlements, y, balance)
        balance -= y
    assert delivered_shares == original[0].quantity
    # Each payment is rounded to the cent, and what stays accrued is what was not paid.
    assert paid_cash + sum((a.quantity for a in entitlements if a.kind == "cash"), Fraction(0)) == original[1].quantity
    assert not [a for a in entitlements if a.kind == "securities"]
