"""Facts read back from the store are rebuilt without validation, and are the very objects validation makes;
and a fact's canonical text, written straight from its fields, is the text its dumped content gives.

For every event of every fixture, of a synthetic history, and of hypothesis-generated events of every type,
the fast rebuild of the stored form equals the validated parse: as models, in ``content()``, and value by
value down to each type and each date-time's offset. Old rows still upcast, and a row the rebuild does not
expect is handed to validation, which names what is wrong.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from benchmarks.synthetic import history
from captable.events import BY_TOPIC, BY_TYPE, CATALOGUE
from captable.errors import Refused
from captable.events.canonical import model_writer
from captable.events.rebuild import constructor, rebuild
from captable.forms import Terms
from captable.intake import load_json, parse_event, read_lines
from captable.ledger import Ledger
from captable.rows import canonical
from captable.store import Store, stream_id
from tests.conftest import JUNIPER
from tests.test_fuzz_events import MORE

FIXTURES = [JUNIPER / "events.jsonl",
            *sorted((Path(__file__).resolve().parents[1] / "fixtures" / "scenarios").glob("*/events.jsonl"))]


def same(rebuilt: Any, validated: Any, where: str = "fact") -> None:
    """Equal, of the same types all the way down, and every date-time with the same offset."""
    assert type(rebuilt) is type(validated), f"{where}: {type(rebuilt).__name__} != {type(validated).__name__}"
    if isinstance(validated, BaseModel):
        assert rebuilt.__dict__.keys() == validated.__dict__.keys(), where
        for name, value in validated.__dict__.items():
            same(rebuilt.__dict__[name], value, f"{where}.{name}")
        assert rebuilt.model_fields_set == validated.model_fields_set, where
    elif isinstance(validated, list):
        assert len(rebuilt) == len(validated), where
        for n, (a, b) in enumerate(zip(rebuilt, validated)):
            same(a, b, f"{where}[{n}]")
    elif isinstance(validated, dict):
        assert list(rebuilt) == list(validated), where
        for key in validated:
            same(rebuilt[key], validated[key], f"{where}.{key}")
    elif isinstance(validated, datetime):
        assert rebuilt.isoformat() == validated.isoformat() and rebuilt.tzinfo == validated.tzinfo, where
    else:
        assert rebuilt == validated, where


def check(content: dict[str, Any]) -> None:
    """The stored form of a fact, rebuilt fast and validated, gives the same fact."""
    stored = json.loads(canonical(content))
    cls = BY_TYPE[stored["type"]]
    validated = cls.model_validate(json.loads(canonical(content)))
    rebuilt = constructor(cls)(stored)  # the fast path itself: no fallback to validation
    assert rebuilt == validated
    assert rebuilt.content() == validated.content() == content
    same(rebuilt, validated)
    assert model_writer(cls)(validated) == model_writer(cls)(rebuilt) == canonical(content)


def _facts(lines: list[str]) -> list[dict[str, Any]]:
    return [parse_event(load_json(text)).fact.content() for text in lines if text.strip()]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.parent.name)
def test_every_fixture_event_is_rebuilt_as_validated(path):
    for content in _facts(path.read_text(encoding="utf-8").splitlines()):
        check(content)


def test_every_event_of_a_synthetic_history_is_rebuilt_as_validated():
    for content in _facts(history(3000, seed=7)):
        check(content)


def test_the_more_kinds_of_event_the_fuzzer_adds_are_rebuilt_as_validated():
    for event in MORE:
        check(parse_event(event).fact.content())


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.parent.name)
def test_stored_rows_with_what_the_engine_computed_read_back_as_validated(tmp_path, path):
    ledger = Ledger(str(tmp_path / "s.db"))
    with path.open(encoding="utf-8") as lines:
        ledger.import_events(read_lines(lines))
    store: Store = ledger.store
    for company in ledger.companies():
        for row in store.recorder.select_events(stream_id(company)):
            fact = json.loads(row.state)["fact"]
            validated = BY_TOPIC[row.topic].model_validate(json.loads(row.state)["fact"])
            rebuilt = constructor(BY_TOPIC[row.topic])(fact)
            assert rebuilt == validated and rebuilt.content() == validated.content()
            same(rebuilt, validated)
            assert model_writer(BY_TOPIC[row.topic])(rebuilt) == canonical(fact)
        assert [r.fact for r in store.stream(company)] == [
            BY_TOPIC[row.topic].model_validate(json.loads(row.state)["fact"])
            for row in store.recorder.select_events(stream_id(company))]
    ledger.close()


# Hypothesis: events of every type, generated from the models' own fields ----------------------------------

OFFSETS = st.sampled_from([timezone.utc, timezone(timedelta(hours=-8)), timezone(timedelta(hours=5, minutes=30)),
                           timezone(timedelta(hours=14))])
TEXT = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs", "S"]), min_size=1, max_size=12)
DAYS = st.dates(min_value=date(1900, 1, 2), max_value=date(2200, 12, 30))
MOMENTS = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 12, 30), timezones=OFFSETS)
NUMBERS = st.one_of(st.integers(1, 10**12), st.fractions(min_value=Fraction(1, 10**6), max_value=10**9),
                    st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False)).map(
    lambda q: q if isinstance(q, int) else str(q))


def _bare(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def values(annotation: Any) -> st.SearchStrategy[Any]:
    """JSON values an input may give for ``annotation`` (validation decides which it takes)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    origin = get_origin(annotation)
    if annotation is Fraction:
        return NUMBERS
    if annotation is str:
        return TEXT
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(-2, 400)
    if annotation is date:
        return DAYS.map(date.isoformat)
    if annotation is datetime:
        return MOMENTS.map(datetime.isoformat)
    if origin in (Union, UnionType):
        return st.one_of(*(st.none() if a is NoneType else values(a) for a in get_args(annotation)))
    if origin is Literal:
        return st.sampled_from(get_args(annotation))
    if origin is list:
        return st.lists(values(get_args(annotation)[0]), min_size=1, max_size=3)
    if origin is dict:
        key, value = get_args(annotation)
        if _bare(value) is Any:  # a warrant's terms: named parameters of its form
            return st.dictionaries(st.sampled_from(sorted(Terms.model_fields)), values(value), min_size=1, max_size=2)
        return st.dictionaries(values(key), values(value), min_size=1, max_size=2)
    if annotation is Any:
        return st.one_of(st.sampled_from(["none", "full_ratchet", "business", "09:30:00", "America/New_York"]),
                         st.integers(0, 400), st.booleans(),
                         st.lists(st.sampled_from(["cash", "net", "annual", "registration"]), max_size=2))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return objects(annotation)
    raise AssertionError(f"no strategy for {annotation!r}")


def objects(cls: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """An object of ``cls``'s fields: each optional one given or left out."""
    required = {info.alias or name: values(info.annotation) for name, info in cls.model_fields.items()
                if info.is_required()}
    optional = {info.alias or name: values(info.annotation) for name, info in cls.model_fields.items()
                if not info.is_required() and name != "type"}
    return st.fixed_dictionaries(required, optional=optional)


@pytest.mark.parametrize("cls", CATALOGUE, ids=lambda cls: cls.__name__)
@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_generated_events_of_every_type_are_rebuilt_as_validated(cls, data):
    event = {**data.draw(objects(cls)), "type": cls.model_fields["type"].default}
    try:
        fact = parse_event(event).fact
    except Refused:  # only what validation accepts is ever stored
        reject()
    check(fact.content())


# Old rows, and rows not of the stored shape -------------------------------------------------------------------

def test_an_old_row_is_upcast_then_rebuilt(ledger, monkeypatch):
    from captable import events as catalogue

    def upcast_v1_v2(fact: dict[str, Any]) -> None:
        fact["exchange"] = fact.pop("market")

    ledger.import_events([parse_event({"type": "CompanyFormed", "id": "f", "effective": "1996-02-06",
                                       "company": "acme", "name": "Acme", "address": "1 Main St"}),
                          parse_event({"type": "ShareClassCreated", "id": "c", "effective": "1996-02-06",
                                       "class": "common", "name": "Common", "kind": "common",
                                       "authorized": 100})])
    # A row as an earlier version of Listed stored it: its exchange was called "market".
    monkeypatch.setattr(catalogue.Listed, "class_version", 2)
    monkeypatch.setattr(catalogue.Listed, "upcast_v1_v2", staticmethod(upcast_v1_v2), raising=False)
    old = catalogue.Listed.model_validate({"type": "Listed", "id": "l", "effective": "1999-06-25",
                                           "class": "common", "exchange": "NASDAQ"})
    from captable.rows import parse_event as parse_row
    from captable.rows import seal_event
    from eventsourcing.persistence import StoredEvent
    sealed = seal_event("acme", 3, datetime(2000, 1, 1, tzinfo=timezone.utc), old, "0" * 64, "t")
    state = sealed.stored.replace(b'"class_version":2', b'"class_version":1').replace(b'"exchange"', b'"market"')
    fact = parse_row(StoredEvent(stream_id("acme"), 3, catalogue.Listed.TOPIC, state)).fact
    assert fact == old and fact.content() == old.content()
    same(fact, old)


@pytest.mark.parametrize("fact", [
    {"type": "Listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ", "extra": 1},
    {"type": "Listed", "effective": "1999-06-25", "class": "common"},
    {"type": "Listed", "effective": "1999-06-25", "class": 7, "exchange": "NASDAQ"},
    {"type": "Listed", "effective": "1999-06-25T10:00:00", "class": "common", "exchange": "NASDAQ"},
    {"type": "BoardValuation", "effective": "1999-06-25", "class": "common", "price_per_share": 8.5},
    {"type": "BoardValuation", "effective": "1999-06-25", "class": "common", "price_per_share": "x/2"},
    {"type": "WarrantExercised", "effective": "1999-06-25", "warrant": "W", "shares": "some", "payment": "1"},
    {"type": "WarrantExercised", "effective": "1999-06-25", "warrant": "W", "shares": "all", "payment": None},
])
def test_a_row_not_of_the_stored_shape_is_refused_by_validation(fact):
    cls = BY_TYPE[fact["type"]]
    with pytest.raises((ValueError, TypeError, KeyError)):
        constructor(cls)(fact)
    with pytest.raises(ValidationError):
        rebuild(cls, fact)


def test_a_row_of_another_valid_shape_is_still_read_exactly():
    """A number as a decimal, which the engine never stores, is validated instead, and read exactly."""
    fact = {"type": "BoardValuation", "effective": "1999-06-25", "class": "common", "price_per_share": "8.50"}
    assert rebuild(BY_TYPE["BoardValuation"], fact).price_per_share == Fraction(17, 2)


def test_facts_share_the_set_of_fields_they_set_and_a_copy_never_changes_another():
    first, second = (parse_event({"type": "Listed", "effective": "1999-06-25", "class": "common",
                                  "exchange": name}).fact for name in ("NASDAQ", "NYSE"))
    assert first.model_fields_set is second.model_fields_set
    with_id = first.model_copy(update={"id": "listed"})
    assert "id" in with_id.model_fields_set and "id" not in second.model_fields_set
    stored = json.loads(canonical(first.content()))
    assert constructor(BY_TYPE["Listed"])(stored).model_fields_set == first.model_fields_set | {"type"}
