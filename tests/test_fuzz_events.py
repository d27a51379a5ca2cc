"""A mutation fuzzer over the Juniper history (issue 9: "nothing crashes it, nothing is lost").

Each example takes the Juniper lines (and a few more events of other types
that follow from them), mutates them as a careless exporter or a hostile
tester would, and imports the file into a fresh SQLite store, which may
already hold the first lines unmutated. Whatever the file holds:

- the import either stores it or raises a ``Refused`` (any other exception
  is a failure), and a refused import leaves every stored row as it was;
- after an accepted import, ``state``, ``notices`` and ``audit`` at a few
  instants answer or raise a ``Refused``, nothing else.

A few hundred examples run in the suite; ``CAPTABLE_FUZZ_EXAMPLES`` asks for
more (the soak in ``benchmarks/`` sets it).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from captable import queries
from captable.errors import Refused
from captable.events import BY_TYPE
from captable.intake import load_json, parse_event, read_lines
from captable.ledger import Ledger
from tests.conftest import JUNIPER

EXAMPLES = int(os.environ.get("CAPTABLE_FUZZ_EXAMPLES", "300"))

HOLDER_ADDRESS = "2010 North First Street, Suite 310, San Jose, California 95131"
# Events of the kinds Juniper's history lacks, each valid after it, so that mutations reach them too.
MORE = [
    {"type": "MarketQuotes", "id": "quotes-1999-07", "effective": "1999-07-02", "class": "common",
     "quotes": [{"date": "1999-07-01", "bid": "98.00", "ask": "98.50"}, {"date": "1999-07-02", "bid": "99",
                                                                        "ask": "99.25"}]},
    {"type": "WarrantExercised", "id": "exercise-150", "effective": "1999-07-06", "warrant": "VLL2-C-1",
     "shares": 150, "payment": "893.00"},
    {"type": "TransferBooksClosed", "id": "books-closed", "effective": "1999-08-01", "from": "1999-08-10",
     "to": "1999-08-12"},
    {"type": "BoardValuation", "id": "board-value", "effective": "1999-09-01", "class": "common",
     "price_per_share": "120"},
    {"type": "NoticeSent", "id": "split-notice", "effective": "2000-01-20",
     "obligations": ["VLL2-C-1/4.5/split-2000-01"], "method": "courier", "sent": "2000-01-20",
     "received": "2000-01-21", "signed_by": "Marcel Gani", "to": HOLDER_ADDRESS},
    {"type": "WarrantTransferred", "id": "transferred", "effective": "2001-01-05", "warrant": "VLL2-C-1",
     "to": {"name": "Fund III", "address": "1 Sand Hill Road"}, "basis": "rule_144", "transferee_agreed": True},
    {"type": "CashDividend", "id": "dividend", "effective": "2001-02-01", "class": "common",
     "record_date": "2001-02-15", "amount_per_share": "0.05"},
    {"type": "MergerAgreed", "id": "merger-agreed", "effective": "2003-01-06", "kind": "merger",
     "counterparty": "Buyer Corp.", "record_date": "2003-02-03", "expected_closing": "2003-03-03"},
    {"type": "MergerCompleted", "id": "merger-completed", "effective": "2003-03-03", "agreement": "merger-agreed",
     "consideration": {"common": {"securities": [{"issuer": "Buyer Corp.", "class": "common", "quantity": "1/2"}],
                                  "cash": "0"}}},
]


def _seed() -> list[dict[str, Any]]:
    lines = (JUNIPER / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(text) for text in lines if text.strip()] + MORE


SEED = _seed()
PREFIXES = (0, 4, len(SEED) - len(MORE))  # what the store already holds, unmutated, before the import
QUERY_INSTANTS = (None, "1997-09-30", "1999-06-30", "2000-06-16", "2003-12-15T17:00:00-08:00")

FIELD_NAMES = sorted({info.alias or name for cls in BY_TYPE.values() for name, info in cls.model_fields.items()})

ODD_STRINGS = [
    "", " ", "\t", "0", "-1", "-20381", "1/3", "-1/3", "3/0", "0/5", "1e3", "NaN", "Infinity", "8,93", "8.930000001",
    "１２", "٨٩٣", "१९९९-०१-०१", "all", "ALL", "\ud800", "a\udc00b", "\U0001F4DD", "x\u0000y", "line\nbreak",
    "0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00",
    "1999-02-30", "1999-06-25T10:00:00", "1999-06-25T10:00:00.1234567-07:00", "1999-06-25T24:00:00Z",
    "2003-12-15T17:00:00-08:00", "1999-06-25", "2000-01-18", "VLL2-C-1", "common", "series_c", "juniper",
    "America/New_York", "Mars/Base", "A" * 300, "x" * 5000, "9" * 41, "9" * 4300, "1/" + "7" * 4301, "1" + "0" * 40, "0." + "0" * 30 + "1",
]
ODD_VALUES = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.sampled_from([True, False, None, 0, 1, -1, 10**18, -(10**18), 10**400, 8.93, 1e300, -0.0, float("nan"),
                     [], {}, [1, "x"], {"a": {"b": 1}}, {"name": "x", "address": "y"},
                     [{"date": "1999-07-01", "bid": "2", "ask": "1"}], ["VLL2-C-1/4.5/split-2000-06"]]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.fractions(min_value=-(10**9), max_value=10**9).map(str),
    st.text(max_size=8),
)

IDS = sorted({e["id"] for e in SEED} | {"VLL2-C-1", "common", "series_c", "juniper", "ipo-priced",
                                        "VLL2-C-1/4.5/split-2000-06"})
# Values of the right shape, so that mutations also reach the rules and the answers, not only validation.
PLAUSIBLE = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)).map(date.isoformat),
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 12, 30),
                 timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-8)),
                                            timezone(timedelta(hours=14))])).map(datetime.isoformat),
    st.sampled_from(IDS),
    st.integers(min_value=1, max_value=10**7),
    st.fractions(min_value=0, max_value=10**6, max_denominator=1000).map(str),
)
RETRACTION = {"type": "EventRetracted", "effective": "2001-06-01", "reason": "entered in error"}

Pairs = list[list[Any]]  # an event as [key, value] pairs, so that a key may appear twice


def _pairs(event: dict[str, Any]) -> Pairs:
    return [[key, value] for key, value in event.items()]


def _render(event: Pairs | str) -> str:
    """One JSON line as an exporter would write it; lone surrogates come out as \\ud800 escapes."""
    if isinstance(event, str):
        return event
    return "{" + ", ".join(f"{json.dumps(str(k))}: {json.dumps(v)}" for k, v in event) + "}"


@st.composite
def mutation(draw: st.DrawFn, lines: list[Pairs | str]) -> None:
    """Change ``lines`` in place, one way."""
    index = draw(st.integers(0, len(lines) - 1))
    event = lines[index]
    kind = draw(st.sampled_from(["drop_line", "duplicate_line", "swap_lines", "odd_line", "truncate", "retract"]
                                + ["drop_key", "duplicate_key", "rename_key", "swap_values", "odd_value",
                                   "odd_nested", "retype", "add_key"] * 2 + ["plausible_value"] * 6))
    if kind == "drop_line" and len(lines) > 1:
        del lines[index]
    elif kind == "duplicate_line":
        lines.insert(index, json.loads(json.dumps(event)) if not isinstance(event, str) else event)
    elif kind == "swap_lines":
        other = draw(st.integers(0, len(lines) - 1))
        lines[index], lines[other] = lines[other], lines[index]
    elif kind == "odd_line":
        lines[index] = draw(st.sampled_from(["[]", "{}", "null", '"x"', "17", "[{}]", "{" * 3000, "[" * 3000,
                                             '{"type": null}', '{"type": "WarrantIssued"}', "\ufeff{}"]))
    elif kind == "retract":
        lines.insert(index + 1, _pairs({**RETRACTION, "id": f"retraction-{index}", "event": draw(st.sampled_from(IDS)),
                                        "effective": draw(PLAUSIBLE)}))
    elif kind == "truncate":
        text = _render(event)
        lines[index] = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif isinstance(event, str) or not event:
        return
    else:
        _mutate_event(draw, event, kind)


def _mutate_event(draw: st.DrawFn, event: Pairs, kind: str) -> None:
    at = draw(st.integers(0, len(event) - 1))
    if kind == "drop_key":
        del event[at]
    elif kind == "duplicate_key":
        event.append([event[at][0], draw(ODD_VALUES | st.just(event[at][1]))])
    elif kind == "rename_key":
        event[at][0] = draw(st.sampled_from(FIELD_NAMES) | st.sampled_from(["", "Type", "type ", "class_",
                                                                             event[at][0][:-1] or "x"]))
    elif kind == "swap_values":
        other = draw(st.integers(0, len(event) - 1))
        event[at][1], event[other][1] = event[other][1], event[at][1]
    elif kind == "odd_value":
        event[at][1] = draw(ODD_VALUES)
    elif kind == "plausible_value":
        event[at][1] = draw(PLAUSIBLE)
    elif kind == "odd_nested":
        _odd_inside(draw, event[at][1])
    elif kind == "retype":
        type_at = next((i for i, (k, _) in enumerate(event) if k == "type"), at)
        event[type_at][1] = draw(st.sampled_from(sorted(BY_TYPE)))
    elif kind == "add_key":
        event.append([draw(st.sampled_from(FIELD_NAMES)), draw(ODD_VALUES)])


def _odd_inside(draw: st.DrawFn, value: Any) -> None:
    """Replace one value somewhere inside an object or list."""
    while isinstance(value, (dict, list)) and value:
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        key = draw(st.sampled_from(keys))
        if not isinstance(value[key], (dict, list)) or draw(st.booleans()):
            value[key] = draw(ODD_VALUES | PLAUSIBLE)
            return
        value = value[key]


# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="captable-fuzz-"))
    for prefix in PREFIXES:
        ledger = Ledger(str(path / f"prefix-{prefix}.db"))
        if prefix:
            ledger.import_events(read_lines(json.dumps(e) for e in SEED[:prefix]))
        ledger.close()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def rows(db: Path) -> list[tuple[Any, ...]]:
    """Every stored row, as the file holds it: the streams and the index of companies."""
    with sqlite3.connect(db) as con:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(t, *row) for t in tables for row in con.execute(f'SELECT * FROM "{t}" ORDER BY 1, 2')]


def answers_or_refuses(ask: Callable[[], Any]) -> None:
    """A stored history answers every question, or refuses it with a code: never anything else."""
    try:
        ask()
    except Refused:
        pass


def check_answers(ledger: Ledger) -> None:
    for company in ledger.companies():
        for when in QUERY_INSTANTS:
            answers_or_refuses(lambda: queries.state(ledger, company, when, None).to_json())
            answers_or_refuses(lambda: queries.notices(ledger, company, when, None))
            answers_or_refuses(lambda: queries.audit(ledger, company, when, None))
        answers_or_refuses(lambda: queries.state(ledger, company, None, "1999-06-30").to_json())


_counter = iter(range(10**9))


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_a_mutated_history_is_stored_or_refused_and_then_answered_or_refused(workdir, data):
    lines: list[Pairs | str] = [_pairs(json.loads(json.dumps(e))) for e in SEED]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        data.draw(mutation(lines))
    prefix = data.draw(st.sampled_from(PREFIXES), label="stored first")
    db = workdir / f"example-{next(_counter)}.db"
    shutil.copyfile(workdir / f"prefix-{prefix}.db", db)
    history = workdir / f"{db.stem}.jsonl"
    history.write_text("\n".join(_render(e) for e in lines) + "\n", encoding="utf-8")
    note(f"stored first: {prefix} lines; the file:\n" + history.read_text(encoding="utf-8"))

    before = rows(db)
    ledger = Ledger(str(db))
    try:
        with history.open(encoding="utf-8") as text:
            ledger.import_events(read_lines(text))
    except Refused as refusal:
        event(f"refused: {refusal.code}")
        assert refusal.code and refusal.message
        str(refusal).encode("utf-8")  # a refusal can always be printed
        assert rows(db) == before, f"the refused import ({refusal}) changed the store"
    else:
        event("stored")
        check_answers(ledger)
    finally:
        ledger.close()
        db.unlink()
        history.unlink()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from([s for s in ODD_STRINGS if len(s) < 50])
    | st.text(max_size=12) | PLAUSIBLE
    | st.sampled_from(sorted(BY_TYPE) + FIELD_NAMES),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6),
                                                               inner, max_size=6),
    max_leaves=12,
)


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(kind=st.sampled_from(sorted(BY_TYPE)), fields=st.dictionaries(st.sampled_from(FIELD_NAMES), JSON, max_size=8),
       cut=st.integers(min_value=0, max_value=400) | st.none())
def test_any_json_is_read_as_an_event_or_refused(kind, fields, cut):
    """Without a store: any object under any type name, whole or cut short, parses or is refused."""
    text = json.dumps({"type": kind, **fields})[:cut]
    try:
        parse_event(load_json(text, 1), 1)
    except Refused as refusal:
        str(refusal).encode("utf-8")
