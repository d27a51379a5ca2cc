"""Net exercise (§1(b)), the Per Share Price (§1(c)), trading days, closed books (§6)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from captable import errors, queries
from captable.calendars import business_days_after, is_business_day, is_trading_day, trading_days_before
from captable.cli import app
from captable.exercises import net_outcome
from captable.instants import start_of
from captable.intake import parse_event
from captable.rules.net_exercise import units_received
from captable.rules.per_share_price import market_average
from projections.fold import fold
from projections.state import ClosingQuote
from projections.timeline import entries, in_effective_order
from tests.conftest import COMPANY, record_all

PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def acme(ledger):
    record_all(ledger, *COMPANY)
    return ledger


def net(id: str, effective: str, shares, method: str, **extra) -> dict:
    return {"type": "WarrantNetExercised", "id": id, "effective": effective, "warrant": "W-1",
            "shares": shares, "method": method, **extra}


def board_value(effective: str, price: str, class_: str = "common") -> dict:
    return {"type": "BoardValuation", "id": f"value-{effective}", "effective": effective, "class": class_,
            "price_per_share": price}


def test_the_ten_trading_days_skip_the_closure_of_september_2001_and_labor_day():
    assert trading_days_before(date(2001, 9, 21), 10) == [
        date(2001, 8, 31), date(2001, 9, 4), date(2001, 9, 5), date(2001, 9, 6), date(2001, 9, 7),
        date(2001, 9, 10), date(2001, 9, 17), date(2001, 9, 18), date(2001, 9, 19), date(2001, 9, 20)]


def test_thanksgiving_is_no_trading_day_and_business_days_follow_federal_holidays_as_observed():
    assert not is_trading_day(date(2001, 11, 22))
    assert is_trading_day(date(2001, 11, 23))
    assert not is_business_day(date(1999, 12, 31))  # New Year's Day 2000 observed on the Friday
    assert is_business_day(date(2002, 3, 29))  # Good Friday: the exchange is closed, the government is not
    assert not is_trading_day(date(2002, 3, 29))
    assert business_days_after(date(1999, 12, 29), 3) == date(2000, 1, 4)


def test_the_market_price_is_the_mean_of_the_daily_midpoints():
    days = trading_days_before(date(2001, 9, 21), 10)
    quotes = {d: ClosingQuote(Fraction(20 + n), Fraction(21 + n), "q") for n, d in enumerate(days)}
    price, used = market_average(date(2001, 9, 21), quotes)
    assert price == Fraction(sum(Fraction(41 + 2 * n, 2) for n in range(10)), 10) == 25  # 20.5 + 4.5
    assert [q.date for q in used] == days


def test_a_missing_quote_is_refused_naming_the_day():
    days = trading_days_before(date(2001, 9, 21), 10)
    quotes = {d: ClosingQuote(Fraction(20), Fraction(21), "q") for d in days if d != date(2001, 9, 17)}
    with pytest.raises(errors.MissingQuote) as refused:
        market_average(date(2001, 9, 21), quotes)
    assert refused.value.value == "2001-09-17" and refused.value.section == "§1(c)(i)"


@pytest.mark.parametrize("psp", [Fraction(893, 100), Fraction(8)])
def test_no_shares_would_issue_at_or_below_the_price(psp):
    with pytest.raises(errors.NetExerciseNoValue):
        units_received(Fraction(100), psp, Fraction(893, 100))


def test_a_full_net_exercise_at_a_board_price_pays_the_fraction_at_p(acme):
    # PSP = 12.00 × 3/2 = 18 per Series C share; X = 20381 × (18 − 8.93) / 18 = 18485567/1800
    # = 10269 shares and 1367/1800 of a share, paid at 8.93: 1220731/180000 = $6.78.
    record_all(acme, board_value("1998-01-15", "12.00"), net("n1", "1998-03-02", "all", "board"))
    stored = [r.fact for r in acme.history(acme.company("acme")).records if r.fact.id == "n1"][0]
    outcome = stored.computed
    assert outcome.per_share_price.price == 18 and outcome.per_share_price.valuation == "value-1998-01-15"
    assert outcome.units_received == Fraction(18485567, 1800)
    assert (outcome.shares_issued, outcome.fraction, outcome.cash_in_lieu) == (10269, Fraction(1367, 1800),
                                                                             Fraction(678, 100))
    body = queries.state(acme, "acme", "1998-03-02", None).to_json()
    assert body["warrants"][0]["status"] == "exercised"
    series_c = next(c for c in body["classes"] if c["class"] == "series_c")
    assert {"holder": "Lender, Inc.", "shares": "10269"} in series_c["holders"]


def test_the_board_method_is_refused_while_the_common_is_listed_and_without_a_valuation(acme):
    with pytest.raises(errors.NoBoardValuation):
        record_all(acme, net("n1", "1998-03-02", 1000, "board"))
    record_all(acme, board_value("1998-01-15", "12.00"),
               {"type": "Listed", "id": "listed", "effective": "1998-02-02", "class": "common", "exchange": "NASDAQ"})
    with pytest.raises(errors.MethodNotAvailable) as refused:
        record_all(acme, net("n1", "1998-03-02", 1000, "board"))
    assert refused.value.section == "§1(c)(iii)"


def test_a_partial_net_exercise_is_for_whole_units_and_leaves_the_balance(acme):
    record_all(acme, board_value("1998-01-15", "12.00"))
    with pytest.raises(errors.FractionalExercise):
        record_all(acme, net("n1", "1998-03-02", "1/2", "board"))
    record_all(acme, net("n1", "1998-03-02", 1000, "board", deliver_to="Lender Nominee LLC"))
    after = queries.state(acme, "acme", "1998-03-02", None).to_json()
    assert after["warrants"][0]["shares_purchasable"] == "19381"
    assert after["warrants"][0]["certificate"] == "CS-1-B1"
    series_c = next(c for c in after["classes"] if c["class"] == "series_c")
    # 1000 × (18 − 8.93) / 18 = 9070/18 = 503 7/18 shares, registered in the nominee's name (§5).
    assert {"holder": "Lender Nominee LLC", "shares": "503"} in series_c["holders"]


def test_an_exercise_while_the_books_are_closed_is_accepted_and_is_a_section_6_breach(acme):
    record_all(acme, {"type": "TransferBooksClosed", "id": "closed", "effective": "1998-02-20",
                      "from": "1998-03-01", "to": "1998-03-05"},
               {"type": "WarrantExercised", "id": "x1", "effective": "1998-03-05", "warrant": "W-1",
                "shares": 1000, "payment": "8930.00"})
    covenant = queries.state(acme, "acme", "1998-03-06", None).to_json()["covenant"]
    assert [(b["section"], b["event"], b["closure"]) for b in covenant["breaches"]] == [("§6", "x1", "closed")]


def test_quotes_import_from_csv_feeds_the_market_price(tmp_path):
    db = str(tmp_path / "q.db")
    history = tmp_path / "acme.jsonl"
    listed = {"type": "Listed", "id": "listed", "effective": "1998-01-02", "class": "common", "exchange": "NYSE"}
    history.write_text("\n".join(json.dumps(e) for e in [*COMPANY, listed]) + "\n", encoding="utf-8")
    days = trading_days_before(date(1998, 3, 2), 10)
    csv = tmp_path / "quotes.csv"
    csv.write_text("date,bid,ask\n" + "".join(f"{d.isoformat()},11.90,12.10\n" for d in days), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "import", str(history)]).exit_code == 0
    imported = runner.invoke(app, ["--db", db, "quotes", "import", str(csv), "--class", "common"])
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(app, ["--db", db, "quotes", "import", str(csv), "--class", "common"])
    assert "already stored" in again.output
    quote = runner.invoke(app, ["--db", db, "exercise-quote", "--warrant", "W-1", "--shares", "1000",
                                "--net", "market", "--at", "1998-03-02", "--json"])
    body = json.loads(quote.stdout)
    assert body["per_share_price"]["common_price"] == "12" and body["per_share_price"]["price"] == "18"
    assert len(body["per_share_price"]["quotes"]) == 10


def _state(events: list[dict], instant: datetime):
    facts = [parse_event(e).fact for e in events]
    recorded = datetime(2020, 1, 1, tzinfo=UTC)
    items = in_effective_order([x for n, f in enumerate(facts) for x in entries(f, recorded, n, PACIFIC)])
    return fold([e for e in items if e.effective <= instant])


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["3/2", "2", "5/4", "1/3", "7/3"]), st.integers(1, 10**6),
       st.fractions(min_value=Fraction(1, 100), max_value=Fraction(100)).map(lambda p: p.limit_denominator(100)),
       st.fractions(min_value=Fraction(1, 100), max_value=Fraction(10)).map(lambda m: m.limit_denominator(100)))
def test_a_net_exercise_just_before_and_just_after_automatic_conversion_delivers_the_same_common(
        ratio, units, price, markup):
    """At the same common price, the as-converted units received are equal either side of §1(a) conversion."""
    r = Fraction(ratio)
    common_price = price / r * (1 + markup)  # above P / r, so the exercise has value on both sides
    company = [dict(e) for e in COMPANY]
    company[2] = {**company[2], "conversion_ratio": ratio}
    company[-1] = {**company[-1], "shares": units, "price": str(price)}
    history = [*company, board_value("1998-01-15", f"{common_price.numerator}/{common_price.denominator}")]
    election = start_of(date(1999, 6, 30), PACIFIC)
    before = net_outcome(_state(history, election), election, "W-1", "all", "board")
    converted = [*history, {"type": "PreferredConverted", "id": "auto", "effective": "1999-06-30", "class": "series_c"}]
    after = net_outcome(_state(converted, election), election, "W-1", "all", "board")
    assert after.units_received == before.units_received * r
    assert after.per_share_price.price * r == before.per_share_price.price
