"""The command line contract (DESIGN §7): exit statuses, refusals on standard error, JSON shapes.

With click ≥ 8.2 (typer's ``CliRunner``) standard output and standard error are
captured apart: ``result.stdout`` and ``result.stderr`` (``result.output`` mixes
them). One test runs the installed ``captable`` script to check the same split
in a real process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from captable.cli import app
from captable.numbers import exact
from tests.conftest import COMPANY, JUNIPER

JUNIPER_EVENTS = JUNIPER / "events.jsonl"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

LISTED = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}


def exercise(**changes: Any) -> dict[str, Any]:
    """A cash exercise of Acme's W-1 (P = 8.93): 1,000 units for $8,930.00, unless changed."""
    return {"type": "WarrantExercised", "id": "x1", "effective": "1998-03-02", "warrant": "W-1",
            "shares": 1000, "payment": "8930.00", **changes}


def jsonl(path: Path, *lines: dict[str, Any] | str) -> Path:
    path.write_text("".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines), encoding="utf-8")
    return path


def run(db: str | None, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """``captable [--db DB] ARGS``, with standard output and standard error kept apart."""
    result = CliRunner().invoke(app, ([*("--db", db)] if db else []) + list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def text(stream: str) -> str:
    return ANSI.sub("", stream)


def no_floats(raw: str) -> Any:
    """Parse JSON output, failing on any JSON number with a fraction or exponent (DESIGN §4)."""
    def refuse(number: str) -> Any:
        raise AssertionError(f"a float in the JSON output: {number}")
    return json.loads(raw, parse_float=refuse)


def events(db: str) -> list[dict[str, Any]]:
    result = run(db, "log", "--json")
    assert result.exit_code == 0, result.stderr
    return no_floats(result.stdout)["events"]


def error_of(stdout: str) -> dict[str, Any]:
    """The refusal as JSON: the object itself, or under "error" (both are an error with its fields)."""
    body = json.loads(stdout)
    return body["error"] if "error" in body else body


@pytest.fixture
def acme(db: str, tmp_path: Path) -> str:
    result = run(db, "import", str(jsonl(tmp_path / "acme.jsonl", *COMPANY)))
    assert result.exit_code == 0, result.stderr
    return db


@pytest.fixture
def juniper(db: str) -> str:
    result = run(db, "import", str(JUNIPER_EVENTS))
    assert result.exit_code == 0, result.stderr
    return db


# Success ---------------------------------------------------------------------

def test_import_stores_every_line_in_order_and_exits_0(db, tmp_path):
    result = run(db, "import", str(jsonl(tmp_path / "acme.jsonl", *COMPANY)))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert [e["id"] for e in events(db)] == [e["id"] for e in COMPANY]


def test_record_stores_one_event(acme):
    result = run(acme, "record", json.dumps(LISTED))
    assert result.exit_code == 0, result.stderr
    stored = events(acme)
    assert len(stored) == len(COMPANY) + 1
    assert stored[-1]["id"] == "listed" and stored[-1]["type"] == "Listed"


def test_log_json_lists_each_event_with_its_effective_and_recorded_instants(juniper):
    written = [json.loads(l) for l in JUNIPER_EVENTS.read_text(encoding="utf-8").splitlines() if l.strip()]
    stored = events(juniper)
    assert [e["id"] for e in stored] == [w["id"] for w in written]
    assert [e["effective"] for e in stored] == [w["effective"] for w in written]
    recorded = [datetime.fromisoformat(e["recorded"]) for e in stored]
    assert all(r.tzinfo is not None and r.utcoffset() is not None for r in recorded)
    assert recorded == sorted(recorded), "recorded instants never go back along a stream"


def test_state_json_has_the_design_keys_and_exact_quantities_as_strings(juniper):
    result = run(juniper, "state", "--as-of", "2000-07-01", "--json")
    assert result.exit_code == 0, result.stderr
    body = no_floats(result.stdout)
    assert {"as_of", "known_at", "warrants", "classes"} <= body.keys()
    assert body["as_of"] == "2000-07-01"
    warrant = next(w for w in body["warrants"] if w["warrant"] == "VLL2-C-1")
    assert {"warrant", "holder", "certificate", "status", "security", "stock_purchase_price", "shares_purchasable",
            "aggregate_purchase_price", "conversion_ratio", "common_equivalent", "basket", "entitlements",
            "exercised", "expires", "adjustments"} <= warrant.keys()
    # Converted at 3/2, then split 3:1 and 2:1: P = 8.93 / 9, N = 20,381 × 9 (DESIGN §6 items 3, 5).
    assert warrant["stock_purchase_price"] == "893/900"
    assert warrant["shares_purchasable"] == "183429"
    assert warrant["aggregate_purchase_price"] == "18200233/100"
    assert warrant["status"] == "outstanding"
    assert warrant["security"]["class"] == "common"
    for adjustment in warrant["adjustments"]:
        assert {"event", "section", "price_before", "price_after", "shares_before", "shares_after"} <= adjustment.keys()
        assert all(isinstance(adjustment[k], str) for k in ("price_before", "price_after", "shares_before", "shares_after"))
    classes = {c["class"]: c for c in body["classes"]}
    assert {"class", "authorized", "outstanding", "reserved", "conversion_ratio"} <= classes["common"].keys()
    assert classes["common"]["authorized"] == "71000000"
    assert classes["common"]["reserved"] == "183429"
    assert classes["series_c"]["conversion_ratio"] == "3/2"


def test_state_json_shows_a_fractional_share_count_as_an_exact_ratio(acme):
    assert run(acme, "record", json.dumps({"type": "PreferredConverted", "id": "conv", "effective": "1999-06-30",
                                           "class": "series_c"})).exit_code == 0
    body = no_floats(run(acme, "state", "--as-of", "1999-06-30", "--json").stdout)
    warrant = body["warrants"][0]
    assert warrant["shares_purchasable"] == "61143/2"  # 20,381 × 3/2
    assert warrant["stock_purchase_price"] == "893/150"  # 8.93 / (3/2)


def test_state_human_output_is_a_table_with_rounded_decimals_labelled_as_rounded(juniper):
    result = run(juniper, "state", "--as-of", "2000-07-01")
    assert result.exit_code == 0, result.stderr
    shown = text(result.stdout)
    assert "Stock Purchase Price" in shown and "Cap table" in shown
    assert re.search(r"Stock Purchase Price\s*│\s*893/900 \(≈ 0\.9922\)", shown), shown
    assert "18200233/100 (≈ 182,002.33)" in shown
    decimals = list(re.finditer(r"(?<![§\d,.])\d[\d,]*\.\d+", shown))  # not section numbers (§4.1)
    assert decimals, "no rounded decimal shown"
    for decimal in decimals:
        assert shown[:decimal.start()].endswith("≈ "), f"{decimal.group()} is shown without its ≈ (rounded) label"


def test_exercise_quote_json_for_juniper_in_july_2000(juniper):
    result = run(juniper, "exercise-quote", "--warrant", "VLL2-C-1", "--shares", "1000", "--at", "2000-07-01", "--json")
    assert result.exit_code == 0, result.stderr
    quote = no_floats(result.stdout)
    # 1000 × 893/900 = 992.2222…, half up to the cent: 992.22.
    assert exact(quote["payment_due"]) == Fraction("992.22")
    assert quote["stock_purchase_price"] == "893/900"
    assert quote["shares_issued"] == "1000"
    assert quote["cash_in_lieu"] == "0"
    assert len(events(juniper)) == 10, "a quote records nothing"


# The store: --db and CAPTABLE_DB ------------------------------------------------

def test_the_captable_db_environment_variable_selects_the_store(db, tmp_path, monkeypatch):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    result = run(None, "import", str(jsonl(tmp_path / "acme.jsonl", *COMPANY)), env={"CAPTABLE_DB": db})
    assert result.exit_code == 0, result.stderr
    assert len(events(db)) == len(COMPANY)  # read back through --db
    assert not (tmp_path / "cwd" / "captable.db").exists(), "the default store was used instead"
    listed = run(None, "log", "--json", env={"CAPTABLE_DB": db})
    assert [e["id"] for e in json.loads(listed.stdout)["events"]] == [e["id"] for e in COMPANY]


def test_db_takes_precedence_over_the_environment_variable(acme, tmp_path):
    elsewhere = str(tmp_path / "elsewhere.db")
    result = run(acme, "record", json.dumps(LISTED), env={"CAPTABLE_DB": elsewhere})
    assert result.exit_code == 0, result.stderr
    assert events(acme)[-1]["id"] == "listed"
    assert not Path(elsewhere).exists(), "the environment's store was used instead of --db"


# Refusals: exit 1, a message on standard error, stored nothing --------------------

def test_a_refused_record_exits_1_and_names_the_field_value_and_section_on_standard_error(acme):
    result = run(acme, "record", json.dumps(exercise(payment="8930.01")))
    assert result.exit_code == 1
    assert result.stdout == ""
    message = text(result.stderr)
    assert "payment_mismatch" in message
    assert "payment" in message
    assert "8930.01" in message or "893001/100" in message
    assert "§1(a)" in message
    assert len(events(acme)) == len(COMPANY)


def test_a_refused_record_with_json_prints_the_error_as_json(acme):
    result = run(acme, "record", "--json", json.dumps(exercise(payment="8930.01")))
    assert result.exit_code == 1
    error = error_of(result.stdout)
    assert {"code", "section", "field", "value", "message"} <= error.keys()
    assert error["code"] == "payment_mismatch"
    assert error["section"] == "§1(a)"
    assert error["field"] == "payment"
    assert isinstance(error["value"], str) and exact(error["value"]) == Fraction("8930.01")
    assert "8,930.00" in error["message"] or "8930.00" in error["message"]  # says what is due
    assert result.stderr, "the refusal is on standard error too"


@pytest.mark.parametrize("bad, code, field", [
    pytest.param('{"type": "Listed", ', "malformed_json", None, id="malformed-json"),
    pytest.param(json.dumps({**LISTED, "price": "34.00"}), "invalid_event", "price", id="unknown-field"),
    pytest.param(json.dumps(exercise(shares=1, payment=8.93)), "invalid_event", "payment", id="float"),
    pytest.param(json.dumps(exercise(warrant="W-9")), "unknown_warrant", "warrant", id="unknown-warrant"),
    pytest.param(json.dumps(exercise(effective="2003-12-15T17:00:01-08:00", shares=1, payment="8.93")),
                 "warrant_expired", "effective", id="after-expiry"),
])
def test_bad_input_to_record_exits_1_with_its_code_and_stores_nothing(acme, bad, code, field):
    result = run(acme, "record", "--json", bad)
    assert result.exit_code == 1
    error = error_of(result.stdout)
    assert error["code"] == code
    assert error["field"] == field
    assert code in text(result.stderr)
    assert len(events(acme)) == len(COMPANY)


@pytest.fixture
def line_3_bad(tmp_path: Path) -> Path:
    """Two good lines, then a cash exercise a cent short."""
    return jsonl(tmp_path / "batch.jsonl", LISTED, exercise(), exercise(id="x2", effective="1998-03-03",
                                                                        payment="8929.99"))


def test_an_import_whose_line_3_is_refused_stores_nothing_and_says_line_3(acme, line_3_bad):
    before = events(acme)
    result = run(acme, "import", str(line_3_bad))
    assert result.exit_code == 1
    message = text(result.stderr)
    assert "line 3" in message
    assert "payment" in message
    assert "8929.99" in message or "892999/100" in message
    assert "§1(a)" in message
    assert events(acme) == before


def test_an_import_refused_with_json_gives_the_line_and_the_error_fields(acme, line_3_bad):
    result = run(acme, "import", "--json", str(line_3_bad))
    assert result.exit_code == 1
    error = error_of(result.stdout)
    assert error["code"] == "payment_mismatch"
    assert error["line"] == 3
    assert error["section"] == "§1(a)"
    assert error["field"] == "payment"
    assert exact(error["value"]) == Fraction("8929.99")
    assert error["message"]


def test_an_import_into_an_empty_store_whose_line_3_is_malformed_stores_nothing(db, tmp_path):
    batch = jsonl(tmp_path / "batch.jsonl", COMPANY[0], COMPANY[1], '{"type": "ShareClassCreated", "class": ')
    result = run(db, "import", str(batch))
    assert result.exit_code == 1
    assert "line 3" in text(result.stderr)
    listed = run(db, "log", "--json")
    body = json.loads(listed.stdout)
    if listed.exit_code == 0:
        assert body["events"] == []
    else:  # nothing of lines 1 and 2 was stored: the refused import did not even create the store
        assert listed.exit_code == 1 and error_of(listed.stdout)["code"] in ("store_not_found", "unknown_company")


def test_an_import_with_several_bad_lines_prints_one_json_document(acme, tmp_path):
    batch = jsonl(tmp_path / "batch.jsonl", LISTED, '{"type": ', '{"type": "Listed", "bogus": 1}')
    result = run(acme, "import", "--json", str(batch))
    assert result.exit_code == 1
    body = json.loads(result.stdout)  # one document, whatever it holds
    assert "line 2" in text(result.stderr) and "line 3" in text(result.stderr)
    assert "malformed_json" in json.dumps(body)


@pytest.mark.parametrize("args, field, status", [
    pytest.param(["state", "--as-of", "1999-06-25T12:00:00"], "as_of", 2, id="naive-as-of"),
    pytest.param(["exercise-quote", "--warrant", "W-9", "--shares", "1", "--at", "1998-03-02"], "warrant", 1,
                 id="unknown-warrant-quote"),
    pytest.param(["exercise-quote", "--warrant", "W-1", "--shares", "20382", "--at", "1998-03-02"], "shares", 1,
                 id="quote-beyond-the-balance"),
])
def test_a_refused_query_names_the_field_and_a_bad_option_value_is_a_usage_error(acme, args, field, status):
    result = run(acme, *args, "--json")
    assert result.exit_code == status
    assert error_of(result.stdout)["field"] == field
    assert field in text(result.stderr)


def test_the_installed_script_writes_refusals_to_standard_error_only(acme):
    script = Path(sys.executable).with_name("captable")
    if not script.exists():
        pytest.skip("the captable script is not installed next to this Python")
    done = subprocess.run([str(script), "--db", acme, "record", json.dumps(exercise(payment="8930.01"))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "payment_mismatch" in text(done.stderr) and "§1(a)" in text(done.stderr)


def test_a_reader_that_stops_reading_is_not_a_refusal(tmp_path):
    """`captable audit | head`: the pipe closes under the writer; the command ends quietly with 0."""
    from benchmarks.synthetic import history
    from captable.intake import read_lines
    from captable.ledger import Ledger

    script = Path(sys.executable).with_name("captable")
    if not script.exists():
        pytest.skip("the captable script is not installed next to this Python")
    db = str(tmp_path / "s.db")
    ledger = Ledger(db)
    ledger.import_events(read_lines(history(600, seed=3)))
    ledger.close()
    reader = subprocess.Popen([str(script), "--db", db, "audit"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.read(100).startswith(b"Audit of")
    reader.stdout.close()  # more than a pipe's 64 KiB is still to come
    assert reader.wait(timeout=120) == 0
    assert reader.stderr.read() == b""


# Usage errors: exit 2 -------------------------------------------------------------

@pytest.mark.parametrize("args", [
    pytest.param(["state", "--nope"], id="unknown-option"),
    pytest.param(["import"], id="missing-argument"),
    pytest.param(["record"], id="missing-event"),
    pytest.param(["exercise-quote", "--shares", "1"], id="missing-required-option"),
    pytest.param(["frobnicate"], id="unknown-command"),
])
def test_a_usage_error_exits_2_and_touches_no_store(tmp_path, args):
    store = tmp_path / "untouched.db"
    result = run(str(store), *args)
    assert result.exit_code == 2, result.output
    assert result.stderr
    assert not store.exists()
