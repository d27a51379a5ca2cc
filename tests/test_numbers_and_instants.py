"""Exact numbers (DESIGN §4) and instants (DESIGN §3)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from captable.instants import end_of, parse_when, start_of, zone
from captable.numbers import JsonFloat, decimal_text, exact, format_exact, to_cents

PACIFIC = zone(None)


@pytest.mark.parametrize("text, value", [("8.93", Fraction(893, 100)), ("3/2", Fraction(3, 2)), (20381, Fraction(20381)),
                                         ("-0.5", Fraction(-1, 2)), ("0034.00", Fraction(34))])
def test_exact_numbers_read_decimals_ratios_and_integers(text, value):
    assert exact(text) == value


@pytest.mark.parametrize("bad", [JsonFloat("8.93"), 8.93, True, "1e3", "8,93", "3/0", " ", "nan"])
def test_anything_inexact_or_ambiguous_is_refused(bad):
    with pytest.raises(ValueError):
        exact(bad)


def test_exact_strings_are_reduced_with_a_positive_denominator():
    assert format_exact(Fraction(2679, -450)) == "-893/150"
    assert format_exact(Fraction(18200233, 100)) == "18200233/100"
    assert format_exact(Fraction(40, 2)) == "20"


@pytest.mark.parametrize("value, cents", [("2.975", "2.98"), ("2.974999", "2.97"), ("-2.975", "-2.98"), ("0.005", "0.01")])
def test_money_rounds_half_up_to_the_cent(value, cents):
    assert to_cents(exact(value)) == exact(cents)


@given(st.fractions(min_value=-10**9, max_value=10**9))
def test_rounding_to_the_cent_moves_a_value_by_at_most_half_a_cent(q):
    assert abs(to_cents(q) - q) <= Fraction(1, 200)


def test_rounded_decimals_for_people_have_thousands_separators():
    assert decimal_text(Fraction(18200233, 100)) == "182,002.33"
    assert decimal_text(Fraction(893, 900), 4) == "0.9922"


def test_an_effective_date_is_the_start_of_that_day_in_the_companys_zone():
    assert start_of(date(1999, 6, 30), PACIFIC) == datetime(1999, 6, 30, 7, tzinfo=timezone.utc)  # daylight time
    assert start_of(date(2000, 1, 18), PACIFIC) == datetime(2000, 1, 18, 8, tzinfo=timezone.utc)  # standard time


def test_a_query_date_is_the_end_of_that_day():
    assert end_of(date(2003, 12, 15), PACIFIC) == datetime(2003, 12, 16, 7, 59, 59, 999999, tzinfo=timezone.utc)


def test_the_same_instant_in_two_offsets_is_equal():
    assert parse_when("2003-12-15T17:00:01-08:00") == parse_when("2003-12-16T01:00:01Z")


def test_a_date_time_without_an_offset_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_when("2003-12-15T17:00:00")


def test_the_daylight_saving_change_is_handled_by_the_zone_database():
    # 2000-04-02 was 23 hours long in Pacific time.
    assert (end_of(date(2000, 4, 2), PACIFIC) - start_of(date(2000, 4, 2), PACIFIC)).total_seconds() == 23 * 3600 - 1e-6
