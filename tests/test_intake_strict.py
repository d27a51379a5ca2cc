"""Strict intake (DESIGN §5, §7; issue 9): input a careless exporter or a hostile tester writes is
refused with a code naming the field and the value, and nothing is stored; zero cash in a merger,
which means none, is accepted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from captable import errors, queries
from captable.intake import load_json, parse_event, read_lines
from captable.numbers import exact
from tests.test_refusals import (  # noqa: F401  (acme and agreed are fixtures)
    AGREED,
    acme,
    accept,
    agreed,
    assert_names,
    completion,
    exercise,
    hashes,
    refuse,
)

LISTED = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}
DISSOLUTION = {"type": "DissolutionApproved", "id": "dissolution", "effective": "1999-01-04", "voluntary": True,
               "expected_effective": "1999-03-01"}
TRANSFER = {"type": "WarrantTransferred", "id": "transfer", "effective": "1998-01-05", "warrant": "W-1",
            "to": {"name": "Fund II", "address": "3 Sand Hill Road"}, "basis": "registration",
            "transferee_agreed": True}
REPLACED = {"type": "WarrantReplaced", "id": "replaced", "effective": "1998-01-05", "warrant": "W-1",
            "reason": "mutilated", "evidence": "the torn certificate", "surrendered": True, "certificate": "CS-2"}
BOOKS = {"type": "TransferBooksClosed", "id": "books", "effective": "1999-06-01", "from": "1999-06-10",
         "to": "1999-06-20"}
QUOTES = {"type": "MarketQuotes", "id": "quotes", "effective": "1999-06-28", "class": "common",
          "quotes": [{"date": "1999-06-25", "bid": "34.00", "ask": "34.50"}]}
NOTICE = {"type": "NoticeSent", "id": "notice", "effective": "1999-01-05", "obligations": ["some-obligation"],
          "method": "courier", "sent": "1999-01-05", "received": "1999-01-06", "signed_by": "Pat Lee",
          "to": "2 Market Street, San Jose, California"}
FORMED = {"type": "CompanyFormed", "id": "formed-2", "effective": "1996-02-06", "company": "beta",
          "name": "Beta, Inc.", "address": "3 Main Street"}
STOCK_FOR_STOCK = {"series_c": {"securities": [{"issuer": "Buyer Corp.", "class": "common", "quantity": "2"}],
                                "cash": "0"}}


# 1. Duplicate keys -----------------------------------------------------------------------

@pytest.mark.parametrize("text, field, values", [
    pytest.param('{"type": "Listed", "type": "Delisted", "id": "listed", "effective": "1999-06-25", '
                 '"class": "common", "exchange": "NASDAQ"}', "type", ["Listed", "Delisted"], id="type"),
    pytest.param(json.dumps(exercise())[:-1] + ', "shares": 2000}', "shares", [1000, 2000], id="shares"),
    pytest.param(json.dumps(completion())[:-3] + ', "cash": "1.00"}}}', "consideration.series_c.cash",
                 ["12.00", "1.00"], id="nested"),
])
def test_a_key_written_twice_is_refused_naming_its_path_and_both_values(acme, text, field, values):
    refusal = refuse(acme, text)
    assert_names(refusal, "duplicate_key", field, values, None)
    assert refusal.line == 1


def test_a_recorded_event_with_a_key_written_twice_is_refused_before_it_is_parsed():
    with pytest.raises(errors.DuplicateKey) as refused:
        load_json('{"type": "Listed", "exchange": "NYSE", "exchange": "NASDAQ"}')
    assert_names(refused.value, "duplicate_key", "exchange", ["NYSE", "NASDAQ"], None)


# 2. Ids and text -------------------------------------------------------------------------

@pytest.mark.parametrize("blank", ["", " ", "\t \u3000"])
def test_an_empty_or_blank_id_is_refused(acme, blank):
    assert_names(refuse(acme, {**LISTED, "id": blank}), "invalid_event", "id", blank, None)


@pytest.mark.parametrize("control", ["listed\n", "list\u0000ed", "\u001b[31mlisted", "listed\u0085"])
def test_an_id_with_a_control_character_is_refused(acme, control):
    assert_names(refuse(acme, {**LISTED, "id": control}), "invalid_event", "id", control, None)


@pytest.mark.parametrize("text, field", [
    pytest.param('{"type": "Listed", "id": "\\ud800", "effective": "1999-06-25", "class": "common", '
                 '"exchange": "NASDAQ"}', "id", id="id"),
    pytest.param(json.dumps({**exercise(), "source": "minutes \\udfff"}).replace("\\\\", "\\"), "source",
                 id="source"),
    pytest.param('{"type": "WarrantTransferred", "id": "t", "effective": "1998-01-05", "warrant": "W-1", '
                 '"to": {"name": "Fund \\udc00", "address": "x"}, "basis": "registration", '
                 '"transferee_agreed": true}', "to.name", id="nested"),
    pytest.param('{"type": "Listed", "id": "l", "effective": "1999-06-25", "class": "common", '
                 '"exchange": "NASDAQ", "\\ud800": 1}', "\\ud800", id="a-key"),
])
def test_a_lone_surrogate_in_any_string_is_refused_with_the_field_path(acme, text, field):
    refusal = refuse(acme, text)
    assert refusal.code == "invalid_event"
    assert refusal.field == field
    assert "\\ud" in str(refusal.value).lower() or field.startswith("\\ud")
    str(refusal).encode("utf-8")  # printable as it stands


def test_a_character_written_as_a_surrogate_pair_is_accepted(acme):
    accept(acme, json.dumps({**LISTED, "source": "minutes \U0001F4DD"}))
    assert acme.history("acme").records[-1].fact.source == "minutes \U0001F4DD"


# 3. ASCII digits -------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field, value", [
    pytest.param({"shares": "１０００"}, "shares", "１０００", id="fullwidth-shares"),
    pytest.param({"payment": "٨٩٣٠"}, "payment", "٨٩٣٠", id="arabic-indic-payment"),
    pytest.param({"payment": "8930/１"}, "payment", "8930/１", id="fullwidth-denominator"),
    pytest.param({"effective": "１９９８-03-02"}, "effective", "１９９８-03-02", id="fullwidth-date"),
    pytest.param({"effective": "1998-03-02T10:00:00-०८:००"}, "effective", "1998-03-02T10:00:00-०८:००",
                 id="devanagari-offset"),
])
def test_non_ascii_digits_are_neither_numbers_nor_dates(acme, changes, field, value):
    assert_names(refuse(acme, exercise(**changes)), "invalid_event", field, value, None)


def test_a_fiscal_year_end_in_non_ascii_digits_is_refused(acme):
    refusal = refuse(acme, {**FORMED, "fiscal_year_end": "１２-３１"})
    assert_names(refusal, "invalid_event", "fiscal_year_end", "１２-３１", None)


@pytest.mark.parametrize("changes, field, value", [
    pytest.param({"shares": "9" * 41, "payment": "1"}, "shares", "9" * 41, id="a-41-digit-share-count"),
    pytest.param({"shares": 10**40, "payment": "1"}, "shares", 10**40, id="a-41-digit-json-integer"),
    pytest.param({"payment": "8930." + "0" * 40}, "payment", "8930." + "0" * 40, id="forty-decimal-places"),
    pytest.param({"payment": "1/" + "7" * 4300}, "payment", "1/" + "7" * 4300, id="past-pythons-int-limit"),
])
def test_a_number_written_in_more_than_forty_digits_is_refused(acme, changes, field, value):
    # The adjustments' arithmetic would grow it past what can be printed (a str of an int holds 4,300 digits).
    assert_names(refuse(acme, exercise(**changes)), "invalid_event", field, value, None)


def test_a_json_integer_too_long_to_read_is_malformed_json(acme):
    refusal = refuse(acme, json.dumps(exercise())[:-1] + ', "payment": ' + "9" * 5000 + "}")
    assert refusal.code == "malformed_json"
    assert "5000 digits" in refusal.message and "sys." not in refusal.message


# 4. Strict types -------------------------------------------------------------------------

@pytest.mark.parametrize("event, field", [
    pytest.param(DISSOLUTION, "voluntary", id="DissolutionApproved.voluntary"),
    pytest.param(TRANSFER, "transferee_agreed", id="WarrantTransferred.transferee_agreed"),
    pytest.param(REPLACED, "surrendered", id="WarrantReplaced.surrendered"),
])
@pytest.mark.parametrize("loose", ["yes", 1, "on", 0, None])
def test_a_boolean_is_json_true_or_false_only(acme, event, field, loose):
    if loose is None and field != "voluntary":
        return  # the optional flags may be left out or null
    assert_names(refuse(acme, {**event, field: loose}), "invalid_event", field, loose, None)


def test_the_true_booleans_are_accepted(acme):
    accept(acme, DISSOLUTION)


@pytest.mark.parametrize("event, field, value", [
    pytest.param({**LISTED, "class": 5}, "class", 5, id="a-number-for-a-class"),
    pytest.param({**LISTED, "id": 17}, "id", 17, id="a-number-for-an-id"),
    pytest.param(exercise(warrant=["W-1"]), "warrant", ["W-1"], id="a-list-for-a-warrant"),
    pytest.param({**TRANSFER, "to": "Fund II"}, "to", "Fund II", id="a-string-for-a-party"),
    pytest.param({**NOTICE, "obligations": "some-obligation"}, "obligations", "some-obligation",
                 id="a-string-for-a-list"),
])
def test_a_value_of_the_wrong_json_type_is_refused_not_coerced(acme, event, field, value):
    assert_names(refuse(acme, event), "invalid_event", field, value, None)


# 5. Instants -----------------------------------------------------------------------------

def test_an_instant_finer_than_a_microsecond_is_refused_not_truncated(acme):
    written = "1998-03-02T10:00:00.1234567-08:00"
    assert_names(refuse(acme, exercise(effective=written)), "invalid_event", "effective", written, None)
    accept(acme, exercise(effective="1998-03-02T10:00:00.123456-08:00"))


@pytest.mark.parametrize("event, field", [
    pytest.param(exercise(effective="0001-01-01"), "effective", id="effective-year-1"),
    pytest.param(exercise(effective="9999-12-31T23:59:59+14:00"), "effective", id="effective-year-9999"),
    pytest.param(exercise(effective="1899-12-31"), "effective", id="effective-1899"),
    pytest.param({**LISTED, "recorded": "0001-01-01T00:00:00Z"}, "recorded", id="recorded-year-1"),
    pytest.param({**LISTED, "recorded": "9999-12-31T23:59:59Z"}, "recorded", id="recorded-year-9999"),
    pytest.param({"type": "CashDividend", "effective": "1999-01-04", "class": "common", "record_date": "2201-01-01",
                  "amount_per_share": "0.10"}, "record_date", id="record-date-2201"),
    pytest.param({**NOTICE, "sent": "9999-01-01", "received": None}, "sent", id="notice-sent-9999"),
    pytest.param({**QUOTES, "quotes": [{"date": "0001-01-01", "bid": "1", "ask": "2"}]}, "quotes.0.date",
                 id="quote-date-year-1"),
    pytest.param({"type": "PublicOfferingPriced", "effective": "1999-06-24", "class": "common",
                  "price_to_public": "34.00", "shares": 3600000, "closing": "9999-06-29"}, "closing",
                 id="closing-9999"),
    pytest.param({"type": "WarrantIssued", "effective": "1997-09-30", "warrant": "W-2",
                  "holder": {"name": "Lender", "address": "2 Market Street"}, "class": "series_c", "shares": 1,
                  "price": "8.93", "expires": "9999-12-31T23:59:59-12:00", "certificate": "CS-9"}, "expires",
                 id="expires-9999"),
])
def test_an_instant_outside_the_years_1900_to_2200_is_refused(acme, event, field):
    event = {k: v for k, v in event.items() if v is not None}
    refusal = refuse(acme, event)
    assert refusal.code == "invalid_event"
    assert refusal.field == field
    assert "1900" in refusal.message


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59-12:00", "２０００-01-01"])
@pytest.mark.parametrize("ask", [
    pytest.param(lambda ledger, t: queries.state(ledger, None, t, None), id="state-as-of"),
    pytest.param(lambda ledger, t: queries.state(ledger, None, None, t), id="state-known-at"),
    pytest.param(lambda ledger, t: queries.notices(ledger, None, t, None), id="notices-as-of"),
    pytest.param(lambda ledger, t: queries.audit(ledger, None, None, t), id="audit-known-at"),
    pytest.param(lambda ledger, t: queries.exercise_quote(ledger, None, "W-1", "1", t), id="exercise-quote-at"),
])
def test_a_query_instant_outside_the_range_is_a_usage_error(acme, ask, when):
    with pytest.raises(errors.Refused) as refused:
        ask(acme, when)
    assert refused.value.code == "usage" and refused.value.exit_status == 2
    assert refused.value.value == when


# 6. Time zones and nesting ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["A" * 300, "America", "../../etc/passwd", "Mars/Olympus_Mons", "UTC\u0000",
                                  "America/Los_Angeles/", ""])
def test_a_time_zone_that_is_not_an_iana_name_is_refused(acme, name):
    assert_names(refuse(acme, {**FORMED, "timezone": name}), "invalid_event", "timezone", name, None)


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 5_000])
def test_json_nested_past_the_parsers_limit_is_malformed_not_a_crash(acme, text):
    refusal = refuse(acme, text)
    assert refusal.code == "malformed_json"
    assert refusal.line == 1


def test_an_event_nested_unreasonably_deep_is_refused_before_validation(acme):
    deep: Any = "x"
    for _ in range(40):
        deep = {"more": deep}
    refusal = refuse(acme, {**LISTED, "source": deep})
    assert_names(refusal, "invalid_event", "source" + ".more" * 9, None, None)


# 7. Instants and prices that must come in order -------------------------------------------

@pytest.mark.parametrize("start, end", [
    ("1999-06-20", "1999-06-10"),
    ("1999-06-10T12:00:00-07:00", "1999-06-10T11:59:59-07:00"),
    ("1999-06-11T09:00:00-07:00", "1999-06-10"),
])
def test_closed_books_whose_from_follows_to_are_refused(acme, start, end):
    refusal = refuse(acme, {**BOOKS, "from": start, "to": end})
    assert_names(refusal, "invalid_event", "to", end, None)


@pytest.mark.parametrize("start, end", [("1999-06-10", "1999-06-10"), ("1999-06-10T09:00:00-07:00", "1999-06-10")])
def test_books_closed_for_a_single_day_are_accepted(acme, start, end):
    accept(acme, {**BOOKS, "from": start, "to": end})


def test_a_quote_whose_bid_exceeds_its_ask_is_refused(acme):
    quotes = [{"date": "1999-06-24", "bid": "34.00", "ask": "34.00"}, {"date": "1999-06-25", "bid": "35", "ask": "34.50"}]
    refusal = refuse(acme, {**QUOTES, "quotes": quotes})
    assert_names(refusal, "invalid_event", "quotes.1.ask", "34.50", None)


@pytest.mark.parametrize("changes, field, value", [
    pytest.param({"received": "1999-01-04"}, "received", "1999-01-04", id="received-the-day-before"),
    pytest.param({"sent": "1999-01-05T10:00:00-08:00", "received": "1999-01-05T09:59:59-08:00"}, "received",
                 "1999-01-05T09:59:59-08:00", id="received-a-second-before"),
    pytest.param({"method": "telecopy", "received": None, "confirmed": "1999-01-04T17:00:00-08:00"}, "confirmed",
                 "1999-01-04T17:00:00-08:00", id="confirmed-the-day-before"),
])
def test_a_notice_received_or_confirmed_before_it_was_sent_is_refused(acme, changes, field, value):
    notice = {k: v for k, v in {**NOTICE, **changes}.items() if v is not None}
    assert_names(refuse(acme, notice), "invalid_event", field, value, None)


def test_a_notice_received_the_day_it_was_sent_is_not_refused_for_its_order():
    parse_event({**NOTICE, "sent": "1999-01-05T10:00:00-08:00", "received": "1999-01-05"})


# 8. Zero cash in a stock-for-stock merger -------------------------------------------------

def test_zero_cash_beside_shares_in_a_merger_is_accepted_as_one_security_only(agreed):
    accept(agreed, completion(consideration=STOCK_FOR_STOCK))
    warrant = queries.state(agreed, None, "1999-03-02", None).to_json()["warrants"][0]
    # DESIGN §6 item 6: q = 2 shares of one security, N' = N × q, P' = P / q.
    assert exact(warrant["shares_purchasable"]) == 20381 * 2
    assert exact(warrant["stock_purchase_price"]) == exact("8.93") / 2
    assert warrant["security"] == {"issuer": "Buyer Corp.", "class": "common"}
    assert exact(warrant["basket"]["cash"]) == 0
    quote = queries.exercise_quote(agreed, None, "W-1", "2", "1999-03-02")
    assert not [d for d in quote["deliveries"] if "cash" in d], quote["deliveries"]


@pytest.mark.parametrize("nothing", [{"cash": "0"}, {"securities": [], "cash": "0"}, {}, {"securities": []}])
def test_a_consideration_of_nothing_at_all_is_refused(agreed, nothing):
    refusal = refuse(agreed, completion(consideration={"series_c": nothing}))
    assert_names(refusal, "invalid_event", "consideration.series_c", nothing, None)


def test_negative_cash_in_a_consideration_is_refused(agreed):
    refusal = refuse(agreed, completion(consideration={"series_c": {"cash": "-1"}}))
    assert_names(refusal, "invalid_event", "consideration.series_c.cash", "-1", None)


# 9. Nearest names ------------------------------------------------------------------------

def test_an_unknown_type_is_named_with_the_nearest_valid_type(acme):
    refusal = refuse(acme, {**exercise(), "type": "WarantIssued"})
    assert_names(refusal, "invalid_event", "type", "WarantIssued", None)
    assert "did you mean 'WarrantIssued'?" in refusal.message


def test_an_unknown_type_in_the_wrong_case_is_named_with_its_own_type(acme):
    refusal = refuse(acme, {**LISTED, "type": "listed"})
    assert "did you mean 'Listed'?" in refusal.message


def test_an_unknown_type_with_no_near_match_lists_the_valid_types(acme):
    refusal = refuse(acme, {**LISTED, "type": "Xyzzy"})
    assert_names(refusal, "invalid_event", "type", "Xyzzy", None)
    assert "WarrantIssued" in refusal.message and "EventRetracted" in refusal.message


@pytest.mark.parametrize("event, misspelt, value, meant", [
    pytest.param({"type": "SharesIssued", "effective": "1998-01-05", "class": "common", "holder": "Angel",
                  "shares": 1000, "price_per_shar": "0.50"}, "price_per_shar", "0.50", "price_per_share",
                 id="a-required-field"),
    pytest.param({**exercise(), "deliver_too": "Fund II"}, "deliver_too", "Fund II", "deliver_to",
                 id="an-optional-field"),
    pytest.param({**TRANSFER, "to": {"nmae": "Fund II", "address": "3 Sand Hill Road"}}, "to.nmae", "Fund II",
                 "to.name", id="a-nested-field"),
    pytest.param(completion(consideration={"series_c": {"securities": [
        {"issuer": "Buyer Corp.", "class": "common", "quantiy": "2"}]}}), "consideration.series_c.securities.0.quantiy",
        "2", "consideration.series_c.securities.0.quantity", id="a-field-inside-a-list"),
])
def test_a_misspelt_field_is_reported_as_unknown_with_the_field_it_meant(acme, event, misspelt, value, meant):
    refusal = refuse(acme, event)
    assert_names(refusal, "invalid_event", misspelt, value, None)
    assert f"did you mean {meant!r}?" in refusal.message
    assert "more problem" not in refusal.message  # the field it misses is the same mistake


def test_a_refused_line_in_an_import_names_its_line_and_stores_nothing(acme):
    before = hashes(acme)
    lines = [json.dumps(LISTED), json.dumps({**DISSOLUTION, "voluntary": "yes"})]
    with pytest.raises(errors.Refused) as refused:
        acme.import_events(read_lines(lines))
    assert refused.value.line == 2
    assert hashes(acme) == before
