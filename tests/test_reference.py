"""The event reference: docs/events.md, `captable events`, `schema` and `record --template`, from the models."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from captable import reference
from captable.events import describe
from captable.events.examples import HISTORY
from captable.events import BY_TYPE, CATALOGUE
from captable.intake import PLACEHOLDER
from tests.conftest import COMPANY, ROOT
from tests.test_cli import acme, error_of, jsonl, no_floats, run, text  # noqa: F401  (acme: a fixture)

DOC = ROOT / "docs" / "events.md"


def strings(value: Any) -> list[str]:
    """Every string inside a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


# docs/events.md ---------------------------------------------------------------------------------------

def test_docs_events_md_is_what_the_models_give_now():
    generated = reference.markdown()
    if os.environ.get("CAPTABLE_REGENERATE_GOLDEN"):
        DOC.write_text(generated, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == generated, (
        "docs/events.md is stale: run `python -m captable.reference > docs/events.md` and review the diff")


def test_the_reference_says_in_its_header_how_it_is_regenerated():
    assert reference.GENERATED_BY in DOC.read_text(encoding="utf-8").split("\n## ", 1)[0]


def test_every_type_of_the_catalogue_has_a_section_with_its_purpose_and_an_example():
    doc = DOC.read_text(encoding="utf-8")
    for model in CATALOGUE:
        name = model.TOPIC.split(":", 1)[1]
        section = doc.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        assert describe.purpose(model) in section
        assert '```json\n{"type": "' + name + '"' in section


def test_every_type_has_a_purpose_and_every_field_a_meaning():
    for doc in describe.catalogue():
        assert doc.purpose.endswith("."), doc.name
        assert all(f.meaning for f in doc.fields), (doc.name, [f.name for f in doc.fields if not f.meaning])
    for model in describe.shapes():
        assert describe.purpose(model), model.__name__
        assert all(f.meaning for f in describe.fields(model)), model.__name__
    assert all(f.meaning for f in describe.common_fields())


def test_no_purpose_or_meaning_sends_a_reader_to_a_document_they_do_not_have():
    assert "DESIGN" not in reference.markdown()


def test_fields_are_named_as_written_in_json():
    names = {f.name for f in describe.describe("SharesTransferred").fields}
    assert {"class", "from", "to", "shares"} == names


def test_types_are_said_in_words():
    kinds = {f.name: f.kind for f in describe.describe("SharesIssued").fields}
    assert kinds["shares"] == "whole number > 0"
    assert kinds["price_per_share"] == "exact number ≥ 0"
    assert kinds["category"] == 'one of "option_plan", "preferred_conversion", "dividend", "financing_warrant"'
    issued = {f.name: f.kind for f in describe.describe("WarrantIssued").fields}
    assert issued["expires"] == "date-time with offset"
    assert issued["holder"] == "Party"
    assert {f.name: f.kind for f in describe.common_fields()}["effective"] == "date, or date-time with offset"
    assert {f.name: f.kind for f in describe.describe("WarrantExercised").fields}["shares"] == \
        'exact number > 0 or "all"'


def test_optional_fields_show_their_default_and_engine_fields_say_to_leave_them_out():
    formed = {f.name: f.need for f in describe.describe("CompanyFormed").fields}
    assert formed["timezone"] == 'optional (default "America/Los_Angeles")'
    assert formed["company"] == "required"  # the common field, required here
    exercised = {f.name: f.need for f in describe.describe("WarrantExercised").fields}
    assert exercised["computed"] == "filled in by the engine"
    assert exercised["deliver_to"] == "optional"


def test_the_common_fields_include_recorded_which_only_import_reads():
    assert [f.name for f in describe.common_fields()] == ["type", "id", "effective", "company", "source", "recorded"]


# The examples ------------------------------------------------------------------------------------------

def test_every_type_has_an_example_listed_under_it_in_the_catalogue_order():
    order = [m.TOPIC.split(":", 1)[1] for m in CATALOGUE]
    assert [line["type"] for line in HISTORY] == sorted((line["type"] for line in HISTORY), key=order.index)
    assert {line["type"] for line in HISTORY} == set(BY_TYPE)


def test_the_examples_import_as_one_history_the_engine_accepts(db: str, tmp_path: Path):
    examples = tmp_path / "examples.jsonl"
    examples.write_text(reference.jsonl(), encoding="utf-8")
    result = run(db, "import", str(examples), "--json")
    assert result.exit_code == 0, result.stderr
    assert no_floats(result.stdout)["stored"] == {"example": len(HISTORY)}


def test_the_example_notice_and_waiver_meet_the_obligations_they_name(tmp_path: Path):
    db = str(tmp_path / "examples.db")
    assert run(db, "import", str(jsonl(tmp_path / "examples.jsonl", *HISTORY))).exit_code == 0
    status = {o["id"]: o["status"] for o in no_floats(run(db, "notices", "--as-of", "2004-12-31", "--json").stdout)
              ["obligations"]}
    assert status["W-1/4.5/series-c-converted"] == "met"
    assert status["W-1/4.6(i)/cash-dividend-2001"] == "waived"
    assert status["W-1/4.3/acquirer-merger"] == "met"


def test_the_examples_are_valid_against_the_json_schema_of_any_event():
    validator = jsonschema.Draft202012Validator(describe.schema(), format_checker=jsonschema.FormatChecker())
    for line in HISTORY:
        assert not list(validator.iter_errors(line)), line["id"]


# captable events ---------------------------------------------------------------------------------------

def test_events_lists_every_type_one_a_line_with_its_purpose():
    result = run(None, "events")
    assert result.exit_code == 0, result.stderr
    lines = text(result.stdout).splitlines()
    for model in CATALOGUE:
        name = model.TOPIC.split(":", 1)[1]
        line = next(l for l in lines if l.split(" ", 1)[0] == name)
        assert reference.first_sentence(describe.purpose(model)) in line


def test_events_json_lists_the_types_in_the_catalogue_order():
    body = no_floats(run(None, "events", "--json").stdout)
    assert [e["type"] for e in body["events"]] == [m.TOPIC.split(":", 1)[1] for m in CATALOGUE]


def test_events_type_shows_its_fields_the_common_ones_and_its_example():
    result = run(None, "events", "SharesIssued")
    assert result.exit_code == 0, result.stderr
    shown = text(result.stdout)
    for field in ("price_per_share", "consideration", "category", "effective", "recorded"):
        assert field in shown
    assert json.dumps(HISTORY[[l["type"] for l in HISTORY].index("SharesIssued")], ensure_ascii=False) in shown


def test_events_type_json_has_the_fields_with_type_requirement_and_meaning():
    body = no_floats(run(None, "events", "WarrantNetExercised", "--json").stdout)
    method = next(f for f in body["fields"] if f["name"] == "method")
    assert method["type"] == 'one of "market", "public_offering", "board"' and method["required"] is True
    assert "§1(c)" in method["meaning"]
    assert body["examples"][0]["type"] == "WarrantNetExercised"


def test_a_type_is_found_whatever_its_case():
    assert no_floats(run(None, "events", "warrantissued", "--json").stdout)["type"] == "WarrantIssued"


@pytest.mark.parametrize("args", [("events", "WarantIssued"), ("schema", "WarantIssued"),
                                  ("record", "--template", "WarantIssued")])
def test_an_unknown_type_is_refused_as_a_usage_error_naming_the_nearest(args: tuple[str, ...]):
    result = run(None, *args, "--json")
    assert result.exit_code == 2
    error = error_of(result.stdout)
    assert error["code"] == "usage" and error["value"] == "WarantIssued"  # a usage error
    assert "'WarrantIssued'" in error["message"]


# captable schema ---------------------------------------------------------------------------------------

def test_the_schema_of_a_type_shows_exact_numbers_as_strings_and_requires_the_type():
    body = no_floats(run(None, "schema", "SharesIssued").stdout)
    price = body["properties"]["price_per_share"]["anyOf"]
    assert {"string", "integer"} == {alternative["type"] for alternative in price}
    assert "number" not in json.dumps(body["properties"]["price_per_share"])
    assert body["required"][0] == "type" and "effective" in body["required"]
    assert body["properties"]["recorded"]["format"] == "date-time"


def test_the_schema_refuses_what_the_engine_refuses():
    validator = jsonschema.Draft202012Validator(describe.schema("SharesIssued"))
    good = {"type": "SharesIssued", "effective": "1999-01-01", "class": "common", "holder": "A", "shares": 10,
            "price_per_share": "8.93"}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "price_per_share": 8.93})  # a float
    assert not validator.is_valid({**good, "price_per_shar": "8.93"})  # an unknown field
    del good["effective"]
    assert not validator.is_valid(good)


def test_the_schema_of_any_event_selects_the_type_by_its_name():
    body = run(None, "schema").stdout
    schema = json.loads(body)
    assert set(schema["discriminator"]["mapping"]) == set(BY_TYPE)
    assert not jsonschema.Draft202012Validator(schema).is_valid({"type": "Listed", "effective": "1999-06-25"})


# captable record --template ----------------------------------------------------------------------------

def test_the_template_of_each_type_has_every_field_the_example_uses_and_none_the_engine_fills():
    for model in CATALOGUE:
        name = model.TOPIC.split(":", 1)[1]
        template = describe.template(name)
        assert template["type"] == name and "effective" in template and "computed" not in template
        for example in (line for line in HISTORY if line["type"] == name):
            assert set(example) <= set(template), name


def test_every_placeholder_of_every_template_is_one_intake_refuses():
    for model in CATALOGUE:
        placeholders = [s for s in strings(describe.template(model.TOPIC.split(":", 1)[1])) if s.startswith("<")]
        assert placeholders and all(PLACEHOLDER.fullmatch(s) for s in placeholders), model


def test_record_template_prints_json_to_fill_in(tmp_path: Path):
    result = run(str(tmp_path / "none.db"), "record", "--template", "Listed")
    assert result.exit_code == 0, result.stderr
    template = no_floats(result.stdout)
    assert template["class"].startswith("<id: ") and template["id"] is None
    assert not (tmp_path / "none.db").exists()  # a template records nothing, and creates no store


def test_an_unfilled_template_is_refused_and_stores_nothing(acme: str):
    template = run(None, "record", "--template", "Listed").stdout
    result = run(acme, "record", template, "--json")
    assert result.exit_code == 1
    error = error_of(result.stdout)
    assert error["code"] == "invalid_event" and error["field"] == "effective"
    assert "placeholder" in error["message"]
    assert len(no_floats(run(acme, "log", "--json").stdout)["events"]) == len(COMPANY)


def test_a_filled_in_template_is_recorded(acme: str):
    template = no_floats(run(None, "record", "--template", "Listed").stdout)
    filled = {**template, "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}
    result = run(acme, "record", json.dumps(filled))
    assert result.exit_code == 0, result.stderr


# record --help and its usage ---------------------------------------------------------------------------

def test_record_help_explains_the_object_stdin_ids_and_where_the_types_are():
    shown = " ".join(text(run(None, "record", "--help").stdout).split())
    for words in ("one JSON object", "with -, from standard input", 'Without an "id"', "captable events",
                  "--template", "docs/events.md"):
        assert words in shown, words


def test_record_without_an_event_or_with_both_is_a_usage_error(acme: str):
    assert run(acme, "record").exit_code == 2
    both = run(acme, "record", "{}", "--template", "Listed", "--json")
    assert both.exit_code == 2 and error_of(both.stdout)["code"] == "usage"
