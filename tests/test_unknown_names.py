"""An unknown warrant, class or company is refused naming the valid ones, the nearest first (issue 10, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

from captable.suggest import SHOWN, nearest_first, valid_ones
from tests.test_cli import acme, error_of, jsonl, run  # noqa: F401  (acme: a fixture)


def test_the_nearest_name_comes_first_whatever_its_case():
    assert nearest_first("w2", ["X-9", "W-1", "W-2"]) == ["W-2", "W-1", "X-9"]
    assert nearest_first("Series_C", ["common", "series_c"])[0] == "series_c"


def test_at_most_ten_are_named_and_the_rest_counted():
    names = [f"W-{n}" for n in range(1, 13)]
    said = valid_ones("W-5", names, "warrants at this instant")
    assert said.startswith("; the warrants at this instant are 'W-5', ")
    assert said.count("'W-") == SHOWN and said.endswith("(and 2 more)")


def test_none_to_name_is_said_plainly():
    assert valid_ones("W-1", [], "warrants at this instant") == "; there are no warrants at this instant"


def test_an_unknown_warrant_in_a_quote_names_the_warrants(acme: str):
    result = run(acme, "exercise-quote", "--warrant", "W1", "--shares", "10", "--at", "1999-01-04", "--json")
    assert result.exit_code == 1
    error = error_of(result.stdout)
    assert (error["code"], error["field"], error["value"]) == ("unknown_warrant", "warrant", "W1")
    assert error["message"] == "no warrant 'W1' exists at this instant; the warrants at this instant are 'W-1'"


def test_an_unknown_warrant_in_state_names_the_warrants(acme: str):
    error = error_of(run(acme, "state", "--as-of", "1999-01-04", "--warrant", "w-1", "--json").stdout)
    assert error["code"] == "unknown_warrant" and "are 'W-1'" in error["message"]


def test_an_unknown_warrant_before_any_is_issued_says_there_is_none(acme: str):
    error = error_of(run(acme, "state", "--as-of", "1996-03-01", "--warrant", "W-1", "--json").stdout)
    assert error["message"].endswith("; there are no warrants at this instant")


def test_an_unknown_class_names_the_classes_the_nearest_first(acme: str):
    issued = {"type": "SharesIssued", "effective": "1999-01-04", "class": "series-c", "holder": "Fund II",
              "shares": 10, "price_per_share": "9.00"}
    error = error_of(run(acme, "record", json.dumps(issued), "--json").stdout)
    assert (error["code"], error["field"], error["value"]) == ("unknown_class", "class", "series-c")
    assert error["message"].endswith("; the share classes at this instant are 'series_c', 'common'")


def test_a_preferred_class_converting_into_an_unknown_class_names_only_the_common_ones(acme: str):
    created = {"type": "ShareClassCreated", "effective": "1999-01-04", "class": "series_d", "name": "Series D",
               "kind": "preferred", "authorized": 1000, "converts_to": "comon", "conversion_ratio": "1"}
    error = error_of(run(acme, "record", json.dumps(created), "--json").stdout)
    assert error["code"] == "unknown_class" and error["field"] == "converts_to"
    assert error["message"].endswith("; the common classes at this instant are 'common'")


def test_an_unknown_company_option_names_the_companies(acme: str):
    error = error_of(run(acme, "--company", "acne", "state", "--json").stdout)
    assert (error["code"], error["field"], error["value"]) == ("unknown_company", "company", "acne")
    assert error["message"] == "the store holds no company 'acne'; the companies it holds are 'acme'"


def test_an_imported_line_for_a_company_not_formed_names_the_known_ones(acme: str, tmp_path: Path):
    line = {"type": "Listed", "company": "acme-inc", "effective": "1999-06-25", "class": "common",
            "exchange": "NASDAQ"}
    error = error_of(run(acme, "import", str(jsonl(tmp_path / "one.jsonl", line)), "--json").stdout)
    assert error["code"] == "unknown_company" and error["line"] == 1
    assert error["message"].endswith("; the companies known are 'acme'")
