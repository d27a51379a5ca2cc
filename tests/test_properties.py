"""Invariants over generated histories (hypothesis)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from captable import queries
from captable.intake import parse_event
from captable.instants import zone
from captable.ledger import Ledger
from captable.rules.automatic_conversion import convert_warrant
from captable.rules.splits import subdivide_or_combine
from projections.audit import terms, trail
from projections.fold import fold, fold_into
from projections.timeline import entry, in_effective_order
from projections.views import state_json
from tests.conftest import COMPANY

RATIOS = st.sampled_from([Fraction(2), Fraction(3), Fraction(1, 2), Fraction(3, 2), Fraction(1, 4), Fraction(7, 5)])
PRICES = st.fractions(min_value=Fraction(1, 100), max_value=Fraction(1000)).filter(lambda q: q > 0)
SHARES = st.fractions(min_value=Fraction(1), max_value=Fraction(10**7))
AGGREGATE = Fraction("8.93") * 20381


@given(PRICES, SHARES, RATIOS)
def test_a_split_followed_by_its_inverse_restores_price_and_shares(price, shares, k):
    split = subdivide_or_combine(price, shares, k)
    back = subdivide_or_combine(split.price_after, split.shares_after, 1 / k)
    assert (back.price_after, back.shares_after) == (price, shares)


@given(PRICES, SHARES, RATIOS)
def test_splits_and_conversion_keep_the_aggregate_price(price, shares, k):
    split = subdivide_or_combine(price, shares, k)
    converted = convert_warrant(split.price_after, split.shares_after, k)
    assert split.price_after * split.shares_after == price * shares
    assert converted.price_after * converted.shares_after == price * shares


def _day(offset: int) -> str:
    return (date(1998, 1, 1) + timedelta(days=offset)).isoformat()


@st.composite
def corporate_actions(draw) -> list[dict]:
    """Splits, ratio changes, issuances and an optional conversion, on distinct days after the warrant."""
    days = draw(st.lists(st.integers(0, 2000), min_size=1, max_size=12, unique=True))
    actions: list[dict] = []
    converted = False
    for n, offset in enumerate(sorted(days)):
        kind = draw(st.sampled_from(["split_c", "split_common", "ratio", "issue", "convert"]))
        base = {"id": f"a{n}", "effective": _day(offset)}
        if kind == "convert" and not converted:
            converted = True
            actions.append({**base, "type": "PreferredConverted", "class": "series_c"})
        elif kind in ("split_c", "split_common") and not (converted and kind == "split_c"):
            k = draw(RATIOS)
            actions.append({**base, "type": "StockSplit", "class": "series_c" if kind == "split_c" else "common",
                            "ratio": f"{k.numerator}/{k.denominator}"})
        elif kind == "ratio" and not converted:
            ratio = draw(st.sampled_from(["3/2", "2", "8/5", "1"]))
            actions.append({**base, "type": "ConversionRatioAdjusted", "class": "series_c", "conversion_ratio": ratio,
                            "reason": "charter anti-dilution"})
        else:
            actions.append({**base, "type": "SharesIssued", "class": "common", "holder": f"H{n % 3}",
                            "shares": draw(st.integers(1, 10**4)), "price_per_share": "1000"})
    return actions


BIG = [{**e, "authorized": 10**15} if e["type"] == "ShareClassCreated" else e for e in COMPANY]


def _entries(events: list[dict]):
    tz = zone(None)
    recorded = datetime(2020, 1, 1, tzinfo=timezone.utc)
    return in_effective_order(
        entry(parse_event(e).fact, recorded, seq, tz) for seq, e in enumerate(events, start=1)
    )


def _snapshot(state, instant: datetime) -> dict:
    return state_json(state, instant, "x", None)


END = datetime(2010, 1, 1, tzinfo=timezone.utc)


@given(corporate_actions())
def test_the_aggregate_price_is_invariant_under_splits_and_conversion(actions):
    state = fold(_entries([*BIG, *actions]))
    warrant = state.warrants["W-1"]
    assert warrant.price * warrant.units == AGGREGATE
    for change in warrant.adjustments:
        assert change.price_after * change.shares_after == change.price_before * change.shares_before


@given(corporate_actions(), st.integers(0, 20))
def test_replaying_a_prefix_then_the_rest_equals_one_replay(actions, cut):
    entries = _entries([*BIG, *actions])
    cut = min(cut, len(entries))
    resumed = fold(entries[:cut]).copy()
    fold_into(resumed, entries[cut:])
    assert _snapshot(resumed, END) == _snapshot(fold(entries), END)


@settings(max_examples=15, deadline=None)
@given(corporate_actions(), st.randoms(use_true_random=False))
def test_the_order_of_recording_does_not_change_as_of_answers(actions, random):
    shuffled = list(actions)
    random.shuffle(shuffled)
    answers = []
    for order in (actions, shuffled):
        with tempfile.TemporaryDirectory() as folder:
            ledger = Ledger(str(Path(folder) / "order.db"))
            try:
                ledger.import_events([parse_event(e) for e in BIG])
                for event in order:
                    ledger.import_events([parse_event(event)])
                answers.append([queries.state(ledger, "acme", _day(d), None).to_json()["warrants"]
                                for d in (0, 500, 1000, 1500, 2001)])
            finally:
                ledger.close()
    assert answers[0] == answers[1]


@given(corporate_actions())
def test_the_audit_trail_ends_in_the_state_the_fold_gives(actions):
    entries = _entries([*BIG, *actions])
    audited, steps = trail(entries, END)
    folded = fold(entries)
    last = [c["after"] for s in steps for c in s["changes"] if c["warrant"] == "W-1"][-1]
    final = terms(folded, folded.warrants["W-1"], END)
    assert {**last, "status": None} == {**final, "status": None}  # the status is read at each step's instant
    assert _snapshot(audited, END) == _snapshot(folded, END)
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
