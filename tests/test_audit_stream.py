"""``audit`` streams: the same bytes as the whole report, the first step out before the replay ends, and a
refusal that still leaves standard output empty."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captable import audit_report, audit_stream, queries
from captable.errors import UnknownWarrant
from captable.intake import printable
from tests.conftest import JUNIPER
from tests.test_audit import SCENARIOS, import_with_recorded
from tests.test_obligations import golden

GOLDEN = Path(__file__).resolve().parent / "golden"


def streamed(ledger, fmt: str, as_of: str | None = "2003-12-31", warrant: str | None = None,
             known: str | None = None) -> str:
    out = io.StringIO()
    audit_stream.write(out, ledger, None, as_of, known, warrant, fmt)
    return out.getvalue()


def whole_json(ledger, as_of: str | None = "2003-12-31", warrant: str | None = None,
               known: str | None = None) -> str:
    """What ``audit --format json`` printed before it streamed."""
    body = queries.audit(ledger, None, as_of, known, warrant)
    return printable(json.dumps(body, indent=2, ensure_ascii=False)) + "\n"


@pytest.fixture
def juniper(ledger):
    import_with_recorded(ledger, JUNIPER / "events.jsonl")
    return ledger


def test_the_streamed_text_and_markdown_are_the_golden_files(juniper):
    golden("juniper_audit.txt", streamed(juniper, "text"))
    golden("juniper_audit.md", streamed(juniper, "markdown"))


@pytest.mark.parametrize("as_of, warrant, known", [
    ("2003-12-31", None, None), ("1999-06-30", None, None), ("2003-12-31", "VLL2-C-1", None),
    ("2003-12-31", None, "1999-01-01"), ("1990-01-01", None, None)])
def test_the_streamed_json_is_the_whole_json_byte_for_byte(juniper, as_of, warrant, known):
    assert streamed(juniper, "json", as_of, warrant, known) == whole_json(juniper, as_of, warrant, known)


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_scenario_streams_as_it_printed(ledger, folder):
    import_with_recorded(ledger, folder / "events.jsonl")
    assert streamed(ledger, "json", "2010-12-31") == whole_json(ledger, "2010-12-31")
    golden(f"audit/{folder.name}.txt", streamed(ledger, "text", "2010-12-31"))


def test_an_unknown_warrant_is_refused_before_anything_is_written(juniper):
    for fmt in audit_stream.FORMATS:
        out = io.StringIO()
        with pytest.raises(UnknownWarrant):
            audit_stream.write(out, juniper, None, "2003-12-31", None, "W-404", fmt)
        assert out.getvalue() == ""


def test_the_first_step_is_written_before_the_replay_goes_on(juniper, monkeypatch):
    """The output holds the first step (and is flushed) while later steps are still to be folded."""
    seen: list[tuple[str, int]] = []  # the output at each flush, and how many steps were folded by then
    steps_taken: list[int] = []

    class Watching(io.StringIO):
        def flush(self) -> None:
            seen.append((self.getvalue(), len(steps_taken)))

    walk, walk_observed = queries.walk, queries.walk_observed

    def counted(steps: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for step in steps:
            steps_taken.append(step["step"])
            yield step

    def counting_walk(*args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        state, steps = walk(*args, **kwargs)
        return state, counted(steps)

    # from the whole history (known at a past instant) or a batch at a time (the latest knowledge)
    monkeypatch.setattr(queries, "walk", counting_walk)
    monkeypatch.setattr(queries, "walk_observed", lambda *args, **kwargs: counted(walk_observed(*args, **kwargs)))
    for fmt in audit_stream.FORMATS:
        seen.clear()
        steps_taken.clear()
        out = Watching()
        audit_stream.write(out, juniper, None, "2003-12-31", None, None, fmt)
        first_flush, folded = seen[0]
        assert folded == 1 and len(steps_taken) >= 10
        assert "1. " in first_flush or '"step": 1' in first_flush
        assert '"step": 2,' not in first_flush and "\n   2. " not in first_flush and "## 2. " not in first_flush
        assert len(first_flush) < len(out.getvalue()) / 3


def test_json_chunks_write_what_json_dumps_writes():
    value = {"a": 1, "b": [], "c": {}, "d": {"e": [1, {"f": None}]}, "g": "é\n", "h": [{"i": 2}, {"j": []}]}
    for lazy in (value, {**value, "h": iter(value["h"]), "b": iter([]), "d": lambda: value["d"]}):
        assert "".join(audit_stream.json_chunks(lazy)) == json.dumps(value, indent=2, ensure_ascii=False)


def test_keys_that_are_not_text_are_written_as_json_dumps_writes_them():
    value = {1: "a", "b": {2: [3], None: True}}
    assert "".join(audit_stream.json_chunks(value)) == json.dumps(value, indent=2, ensure_ascii=False)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None, database=None)
@given(value=JSON_VALUES, lazy=st.booleans())
def test_any_json_value_is_written_as_json_dumps_writes_it(value, lazy):
    streamed = iter(value) if lazy and isinstance(value, list) else value
    assert "".join(audit_stream.json_chunks(streamed)) == json.dumps(value, indent=2, ensure_ascii=False)


def test_the_whole_reports_are_the_streamed_lines(juniper):
    body = queries.audit(juniper, None, "2003-12-31", None)
    assert audit_report.text(body) == "".join(audit_report.text_lines(body))
    assert audit_report.markdown(body) == streamed(juniper, "markdown")


def test_the_audit_command_prints_the_streamed_report(tmp_path):
    from captable.ledger import Ledger
    from tests.test_cli import run

    db = str(tmp_path / "s.db")
    ledger = Ledger(db)
    import_with_recorded(ledger, JUNIPER / "events.jsonl")
    expected_json = whole_json(ledger)
    ledger.close()
    result = run(db, "audit", "--as-of", "2003-12-31", "--format", "json")
    assert result.exit_code == 0 and result.stdout == expected_json
    result = run(db, "audit", "--as-of", "2003-12-31")
    assert result.exit_code == 0 and result.stdout == (GOLDEN / "juniper_audit.txt").read_text(encoding="utf-8")
    result = run(db, "audit", "--as-of", "2003-12-31", "--warrant", "W-404", "--format", "json")
    assert result.exit_code != 0 and json.loads(result.stdout)["error"]["code"] == "unknown_warrant"
