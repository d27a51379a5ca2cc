"""Forms of warrant as data (captable/forms): each file loads, cites every parameter, and a bad one is refused."""

from __future__ import annotations

import pytest

from captable import errors, forms
from captable.forms import Terms, _read


def test_the_three_forms_are_shipped():
    assert forms.names() == ["placement_agent_common", "preferred_net_ratchet", "warrant_1997"]


@pytest.mark.parametrize("name", forms.names())
def test_every_parameter_of_a_form_has_its_clause_and_words_or_a_note(name):
    form = forms.by_name(name)
    assert set(form.clauses) == set(Terms.model_fields)
    for parameter, clause in form.clauses.items():
        assert clause.clause and (clause.quote or clause.note), parameter


def test_a_warrant_without_a_form_is_on_the_1997_form():
    assert forms.resolve(None) is forms.by_name("warrant_1997")
    assert forms.resolve(None).terms.prior_notice_days == 20


def test_terms_override_named_parameters_and_are_cited_as_the_warrants_own():
    form = forms.resolve("warrant_1997", {"dilution_method": "full_ratchet", "reports": []})
    assert form.terms.dilution_method == "full_ratchet" and form.terms.reports == ()
    assert form.terms.prior_notice_days == 20
    assert form.cite("reports") == "the warrant's terms (reports) over warrant_1997"
    assert form.cite("prior_notice_days") == "§4.6 of warrant_1997"


@pytest.mark.parametrize("terms, words", [
    ({"notice_days": 10}, "'notice_days' is not a parameter"),
    ({"prior_notice_days": "ten"}, "terms.prior_notice_days"),
    ({"dilution_method": "half_ratchet"}, "terms.dilution_method"),
    ({"exercise_methods": []}, "terms.exercise_methods"),
    ({"expiry_zone": "Pacific"}, "terms.expiry_zone"),
    ({"annual_report_days": 1.5}, "terms.annual_report_days"),
])
def test_a_bad_term_is_refused_naming_it(terms, words):
    with pytest.raises(ValueError, match=words):
        forms.resolve("warrant_1997", terms)


def test_an_unknown_form_is_refused_with_the_names_there_are():
    with pytest.raises(errors.UnknownForm, match="the forms are 'warrant_1997'"):
        forms.by_name("warrant97")


GOOD = (forms.resources.files("captable.forms") / "warrant_1997.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("text, words", [
    (GOOD.replace('value = 20\n', 'value = 20.0\n', 1), "prior_notice_days"),
    (GOOD.replace('name = "warrant_1997"', 'name = "other"'), "names itself"),
    (GOOD.replace('[parameters.fractions]\nvalue = "cash_at_price"\n', '[parameters.fractions]\n'), "needs a value"),
    (GOOD + '\n[parameters.bonus]\nvalue = 1\nclause = "x"\nnote = "y"\n', "bonus"),
    (GOOD.replace('quote = "The notice shall be signed', 'note_ = "x"\nquoted = "The notice shall be signed'),
     "adjustment_notice_signer"),
    ("name = [", "not TOML"),
])
def test_a_malformed_form_file_is_refused_naming_what_is_wrong(text, words):
    with pytest.raises(errors.FormInvalid, match=words):
        _read("warrant_1997", text)


# WarrantIssued.form and .terms (class_version 2) -------------------------------------------------------------

from captable.intake import parse_event  # noqa: E402
from captable.rows import parse_event as parse_row  # noqa: E402
from captable.rows import seal_event  # noqa: E402

ISSUED = {"type": "WarrantIssued", "id": "w", "effective": "2000-02-01", "warrant": "W-1",
          "holder": {"name": "Lender LLC", "address": "2 Market Street"}, "class": "common", "shares": 100,
          "price": "5", "expires": "2010-12-31T17:00:00-08:00", "certificate": "W-1-1"}


def _sealed(event):
    from datetime import datetime, timezone
    fact = parse_event(event).fact
    return fact, seal_event("acme", 1, datetime(2020, 1, 1, tzinfo=timezone.utc), fact, "0" * 64, "clerk")


def test_a_warrant_recorded_without_a_form_is_stored_byte_for_byte_as_before_forms_existed():
    _, plain = _sealed(ISSUED)
    _, explicit = _sealed({**ISSUED, "form": "warrant_1997"})
    assert b'"class_version":1,' in plain.stored and b'"form"' not in plain.stored
    assert explicit.stored == plain.stored and explicit.hash == plain.hash


def test_a_warrant_on_another_form_or_with_terms_is_stored_as_version_2_and_read_back():
    from eventsourcing.persistence import StoredEvent
    fact, sealed = _sealed({**ISSUED, "form": "preferred_net_ratchet", "terms": {"prior_notice_days": 10}})
    assert b'"class_version":2,' in sealed.stored
    row = StoredEvent(sealed.originator_id, 1, fact.TOPIC, sealed.stored)
    back = parse_row(row).fact
    assert back == fact and back.form_name == "preferred_net_ratchet" and back.terms == {"prior_notice_days": 10}


def test_a_stored_version_1_warrant_reads_as_the_1997_form():
    from eventsourcing.persistence import StoredEvent
    fact, sealed = _sealed(ISSUED)
    back = parse_row(StoredEvent(sealed.originator_id, 1, fact.TOPIC, sealed.stored)).fact
    assert back.form is None and back.form_name == "warrant_1997" and back == fact


@pytest.mark.parametrize("extra, field", [
    ({"form": "warrant_2001"}, "form"),
    ({"terms": {"notice_days": 10}}, "terms"),
    ({"terms": {"prior_notice_days": "ten"}}, "terms"),
    ({"form": "placement_agent_common", "terms": {"exercise_methods": ["barter"]}}, "terms"),
])
def test_an_unknown_form_or_a_bad_term_is_refused_as_an_invalid_event(extra, field):
    with pytest.raises(errors.InvalidEvent) as refused:
        parse_event({**ISSUED, **extra})
    assert refused.value.field == field


# captable forms, and the library ------------------------------------------------------------------------------

import json  # noqa: E402

from typer.testing import CliRunner  # noqa: E402

from captable.cli import app  # noqa: E402


def test_captable_forms_lists_each_form_with_its_title_and_source():
    result = CliRunner().invoke(app, ["forms", "--json"])
    assert result.exit_code == 0
    listed = {f["name"]: f for f in json.loads(result.stdout)["forms"]}
    assert set(listed) == {"warrant_1997", "preferred_net_ratchet", "placement_agent_common"}
    assert all(f["title"] and f["source"]["document"] and f["source"]["filer"] for f in listed.values())
    text = CliRunner().invoke(app, ["forms"]).stdout
    assert all(name in text for name in listed)


def test_captable_forms_name_shows_every_parameter_with_its_value_clause_and_words():
    body = json.loads(CliRunner().invoke(app, ["forms", "warrant_1997", "--json"]).stdout)
    by_name = {p["parameter"]: p for p in body["parameters"]}
    assert set(by_name) == set(Terms.model_fields)
    assert by_name["prior_notice_days"] == {"parameter": "prior_notice_days", "value": 20, "clause": "§4.6",
                                            "quote": by_name["prior_notice_days"]["quote"], "note": None}
    assert "at least 20 day's" in by_name["prior_notice_days"]["quote"]
    assert by_name["exercise_methods"]["value"] == ["cash", "net"]
    text = CliRunner().invoke(app, ["forms", "placement_agent_common"]).stdout
    assert "fractions = round_down" in text and "11:59 p.m., New York time" in text


def test_captable_forms_refuses_an_unknown_name_with_the_names_there_are():
    result = CliRunner().invoke(app, ["forms", "warrant97", "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "unknown_form" and "'warrant_1997'" in error["message"]


def test_the_library_gives_what_the_command_line_prints(tmp_path):
    import captable

    books = captable.open(str(tmp_path / "x.db"))
    try:
        listed = json.loads(CliRunner().invoke(app, ["forms", "--json"]).stdout)
        assert books.forms() == listed
        assert books.forms("preferred_net_ratchet")["parameters"][0]["value"] == "full_ratchet"
        with pytest.raises(errors.UnknownForm):
            books.forms("nope")
    finally:
        books.close()


def test_the_state_names_a_warrants_form_only_off_the_1997_forms_own_terms(tmp_path):
    """`state` (command line, library, service alike) names the form of W-B and W-C, and the terms of a warrant
    that overrides its form's parameters; W-A, on the 1997 form's own terms, keeps DESIGN §7's shape."""
    from pathlib import Path

    from fastapi.testclient import TestClient

    import captable
    from captable.service import create_app

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "three_forms_one_cheap_issue"
    db = str(tmp_path / "t.db")
    assert CliRunner().invoke(app, ["--db", db, "import", str(fixture / "events.jsonl")]).exit_code == 0
    own_terms = {"type": "WarrantIssued", "id": "w-d-issued", "effective": "2010-03-02", "warrant": "W-D",
                 "holder": {"name": "Lender Four LLC", "address": "1 Main Street"}, "certificate": "WD-1",
                 "class": "series_a", "shares": 100, "price": "2.00", "expires": "2015-03-01T17:00:00-08:00",
                 "terms": {"prior_notice_days": 10}}
    recorded = CliRunner().invoke(app, ["--db", db, "record", json.dumps(own_terms)])
    assert recorded.exit_code == 0, recorded.stderr
    printed = CliRunner().invoke(app, ["--db", db, "state", "--as-of", "2011-12-31", "--json"]).stdout
    by_id = {w["warrant"]: w for w in json.loads(printed)["warrants"]}
    assert "form" not in by_id["W-A"] and "terms" not in by_id["W-A"]
    assert (by_id["W-B"]["form"], by_id["W-C"]["form"]) == ("preferred_net_ratchet", "placement_agent_common")
    assert (by_id["W-D"]["form"], by_id["W-D"]["terms"]) == ("warrant_1997", {"prior_notice_days": 10})
    with captable.open(db) as books:
        typed = books.state("2011-12-31")
    assert typed.warrant("W-B").form == "preferred_net_ratchet" and typed.warrant("W-A").form is None
    assert typed.warrant("W-D").terms == {"prior_notice_days": 10}
    assert TestClient(create_app(db)).get("/state", params={"as_of": "2011-12-31"}).text == printed
