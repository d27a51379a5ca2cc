"""A state written by ``snapshot.dumps`` and read back folds on exactly as the original.

Histories: the Juniper fixture, every scenario, and a small synthetic company,
each imported into a store so that exercises carry what the engine computed.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
from dataclasses import fields, is_dataclass
from datetime import date, datetime, timezone
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captable.intake import read_lines
from captable.ledger import Ledger
from projections import snapshot
from projections.fold import fold_into, initial_state
from projections.snapshot import SnapshotUnreadable, dumps, loads
from projections.state import ClosingQuote, CompanyState, Valuation
from projections.views import state_json

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic import history as synthetic_history  # noqa: E402

END = datetime.max.replace(tzinfo=timezone.utc)
FOLDERS = {"juniper": ROOT / "fixtures" / "juniper_1997"} | {
    p.name: p for p in sorted((ROOT / "fixtures" / "scenarios").iterdir()) if p.is_dir()}
NAMES = sorted(FOLDERS) + ["synthetic"]


@functools.cache
def views(name: str) -> tuple[tuple, ...]:
    """The history's entries in effective order: with the latest knowledge, and as known half-way."""
    lines = (synthetic_history(400, seed=7) if name == "synthetic"
             else (FOLDERS[name] / "events.jsonl").read_text(encoding="utf-8").splitlines())
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(str(Path(folder) / "store.db"))
        ledger.import_events(read_lines(lines))
        history = ledger.history(ledger.company(None))
        ledger.close()
    recorded = sorted(e.recorded for e in history.entries)
    return tuple(tuple(history.timeline(known).entries) for known in (END, recorded[len(recorded) // 2]))


def folded(entries, upto: int) -> CompanyState:
    state = initial_state(entries)
    fold_into(state, entries[:upto])
    return state


def answers(state: CompanyState) -> str:
    return json.dumps(state_json(state, END, "end", None), sort_keys=True, default=str)


def test_every_history_is_there():
    assert len(FOLDERS) >= 2 and all(views(name)[0] for name in NAMES)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NAMES), st.integers(0, 1), st.data())
def test_a_state_read_back_folds_on_as_the_original(name, view, data):
    entries = views(name)[view]
    cut = data.draw(st.integers(0, len(entries)), label="cut")
    prefix = folded(entries, cut)
    written = dumps(prefix)
    resumed = loads(written)
    assert resumed == prefix and dumps(resumed) == written
    fold_into(resumed, entries[cut:])
    whole = folded(entries, len(entries))
    assert resumed == whole
    assert answers(resumed) == answers(whole)


def _mutable_values(value, seen: list) -> None:
    """Every list, dict and mutable dataclass reachable from ``value``, once per reference."""
    if isinstance(value, (list, dict)) or (is_dataclass(value) and not type(value).__dataclass_params__.frozen):
        seen.append(value)
    if isinstance(value, dict):
        for k, v in value.items():
            _mutable_values(k, seen)
            _mutable_values(v, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _mutable_values(item, seen)
    elif is_dataclass(value):
        for f in fields(value):
            _mutable_values(getattr(value, f.name), seen)


@pytest.mark.parametrize("name", NAMES)
def test_no_mutable_value_is_reachable_twice_in_a_state(name):
    """Why identity needs no bookkeeping: what the fold mutates in place is never shared within a state."""
    entries = views(name)[0]
    for cut in sorted({0, len(entries) // 3, len(entries) // 2, len(entries)}):
        seen: list = []
        _mutable_values(folded(entries, cut), seen)
        assert len({id(v) for v in seen}) == len(seen)


def test_every_prefix_of_juniper_round_trips():
    entries = views("juniper")[0]
    state = initial_state(entries)
    for item in entries:
        fold_into(state, [item])
        assert loads(dumps(state)) == state


def test_instants_keep_their_zone_and_days_stay_days():
    pacific = ZoneInfo("America/Los_Angeles")
    ambiguous = datetime(2021, 11, 7, 1, 30, tzinfo=pacific, fold=1)  # the second 1:30, in PST
    state = CompanyState(
        valuations={"common": Valuation("v", "common", Fraction(10, 3), ambiguous)},
        quotes={"common": {date(2021, 11, 5): ClosingQuote(Fraction(1, 7), Fraction(2), "q")}},
        requirement_until=datetime(2030, 1, 1, 12, tzinfo=timezone.utc),
    )
    back = loads(dumps(state))
    instant = back.valuations["common"].effective
    assert back == state
    assert instant.tzinfo == pacific and instant.utcoffset() == ambiguous.utcoffset() and instant.fold == 1
    assert type(next(iter(back.quotes["common"]))) is date
    assert back.requirement_until.tzinfo is timezone.utc


def test_ints_stay_ints_and_fractions_stay_fractions():
    entries = views("synthetic")[0]
    state = folded(entries, len(entries))
    back = loads(dumps(state))
    for before, after in zip(state.classes.values(), back.classes.values()):
        assert all(type(v) is int for v in after.holdings.values())
        assert type(after.conversion_ratio) is type(before.conversion_ratio)
    warrant = next(iter(back.warrants.values()))
    assert type(warrant.price) is Fraction and type(warrant.exercised) is Fraction


def test_convertibles_are_written_only_when_outstanding():
    """An empty mapping of convertibles is left out, so a history without SAFEs or notes keeps the bytes its
    checkpoints had before convertibles were folded; one outstanding is written and read back."""
    from projections.state import Convertible

    empty = CompanyState(name="Acme")
    assert snapshot._encode(empty)[0] == "CompanyState"
    assert len(snapshot._encode(empty)) == len(fields(CompanyState))  # the tag, and every field but the last
    assert loads(dumps(empty)) == empty
    safe = Convertible("ocf:iss-safe-1", "SAFE-1", "Prairie Angels", "safe", Fraction(500000), Fraction(6000000),
                       Fraction(1, 5), None, None, "post-money conversion",
                       datetime(2018, 9, 1, 5, tzinfo=timezone.utc))
    held = CompanyState(name="Acme", convertibles={"SAFE-1": safe})
    assert len(snapshot._encode(held)) == len(fields(CompanyState)) + 1
    assert loads(dumps(held)) == held


def test_a_value_outside_the_closed_set_is_not_written():
    state = CompanyState(officers={"cfo": 1.5})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        dumps(state)
    with pytest.raises(TypeError):
        dumps(CompanyState(notes=[object()]))  # type: ignore[list-item]


def _valid() -> bytes:
    entries = views("juniper")[0]
    return dumps(folded(entries, len(entries)))


def _doc(body) -> bytes:
    return json.dumps(["captable-snapshot", snapshot.FORMAT, body]).encode()


EMPTY = snapshot._encode(CompanyState())


@pytest.mark.parametrize("data", [
    b"",
    b"not json",
    b"\xff\xfe",
    b"[]",
    b'{"a": 1}',
    json.dumps(["another-format", 1, EMPTY]).encode(),
    json.dumps(["captable-snapshot", 999, EMPTY]).encode(),
    _doc(["os.system", "echo"]),
    _doc(["Note", "e", "code", "a note is not a state"]),
    _doc(EMPTY[:-1]),  # a field short
    _doc([*EMPTY, 0]),  # a field too many
    _doc(["CompanyState", 7, *EMPTY[2:]]),  # an int for the company's id
    _doc([*EMPTY[:-2], True, None]),  # a bool for events_applied
    _doc([*EMPTY[:-2], 1.5, None]),  # a float
    _doc([*EMPTY[:-2], ["F", 1, 0], None]),
    _doc([*EMPTY[:-2], ["F", 1.0, 2], None]),
    _doc([*EMPTY[:-2], ["F", "1", 2], None]),
    _doc([*EMPTY[:-3], ["t", "yesterday", None], 0, None]),
    _doc([*EMPTY[:-3], ["t", "2020-01-01T00:00:00+00:00", "../../etc/passwd"], 0, None]),
    _doc([*EMPTY[:7], {"common": 1.5}, *EMPTY[8:]]),  # a float among plain values
    _doc([*EMPTY[:7], ["D", "common"], *EMPTY[8:]]),  # a key without its value
    b"[" * 100_000,
    b'["captable-snapshot", 1, NaN]',
])
def test_malformed_data_is_refused(data):
    with pytest.raises(SnapshotUnreadable):
        loads(data)


def test_a_truncated_snapshot_is_refused():
    data = _valid()
    for end in (1, len(data) // 3, len(data) - 1):
        with pytest.raises(SnapshotUnreadable):
            loads(data[:end])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_damaged_snapshot_is_refused_or_read_but_never_crashes(data):
    valid = _valid()
    at = data.draw(st.integers(0, len(valid) - 1))
    damaged = valid[:at] + data.draw(st.binary(min_size=0, max_size=3)) + valid[at + 1:]
    try:
        state = loads(damaged)
    except SnapshotUnreadable:
        return
    assert type(state) is CompanyState


def test_the_fingerprint_covers_the_fold_the_rules_and_the_events():
    sources = {p.relative_to(ROOT).as_posix() for p in snapshot.fold_sources()}
    for module in ("fold", "state", "timeline", "cap_table", "corporate_actions", "covenant", "market",
                   "warrant_terms", "snapshot"):
        assert f"projections/{module}.py" in sources
    assert {p.relative_to(ROOT).as_posix() for p in (ROOT / "captable" / "rules").glob("*.py")} <= sources
    assert {p.relative_to(ROOT).as_posix() for p in (ROOT / "captable" / "events").glob("*.py")} <= sources
    assert "projections/views.py" not in sources  # a change of presentation keeps the checkpoints


def test_the_fingerprint_changes_with_a_rule_and_is_kept_for_the_process():
    rule = ROOT / "captable" / "rules" / "splits.py"
    edited = lambda path: path.read_bytes() + (b"\n# edited\n" if path == rule else b"")  # noqa: E731
    assert snapshot.fingerprint() == snapshot.FINGERPRINT
    assert snapshot.fingerprint(edited) != snapshot.FINGERPRINT
    assert snapshot.FINGERPRINT is snapshot.FINGERPRINT


def test_the_fingerprint_changes_with_the_format(monkeypatch):
    before = snapshot.fingerprint()
    monkeypatch.setattr(snapshot, "FORMAT", snapshot.FORMAT + 1)
    assert snapshot.fingerprint() != before
