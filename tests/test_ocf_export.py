"""OCF export: a valid OCF v1.2.0 package (pyocf's models and the coalition's JSON schemas), the same bytes
each time, nothing written on a refusal; and the round trips: Juniper → OCF → a new store answers the same
at every checkpoint, an OCF package → engine → OCF is the same package up to ids and order, and random
synthetic histories export and import to the same state."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import captable
from captable import errors, queries
from captable.cli import app
from captable.intake import parse_event
from captable.ledger import Ledger
from captable.ocf.export import MARKER, export_package
from captable.ocf.importing import import_package
from tests.conftest import import_juniper, juniper_checkpoints
from tests.ocf_checks import files, normalised, pyocf_check, schema_errors

ROOT = Path(__file__).resolve().parents[1]
RIDGELINE = ROOT / "fixtures" / "ocf" / "ridgeline_robotics"
COBALT = ROOT / "fixtures" / "ocf" / "cobalt_health"
# Cobalt Health's days worth comparing: a SAFE outstanding, converted, options granted, exercised, the split.
COBALT_DAYS = ("2018-12-31", "2019-06-30", "2019-12-31", "2021-12-31", "2022-06-30", "2022-12-31", "2023-12-31")
runner = CliRunner()


def state(ledger: Ledger, as_of: str, known_at: str | None = None) -> dict[str, Any]:
    return queries.state(ledger, None, as_of, known_at).to_json()


def assert_valid(folder: Path) -> None:
    bodies = files(folder)
    assert "Manifest.ocf.json" in bodies
    for name, body in bodies.items():
        assert schema_errors(body) == [], name
        pyocf_check(body)


@pytest.fixture
def juniper(tmp_path: Path) -> Ledger:
    ledger = Ledger(str(tmp_path / "juniper.db"))
    import_juniper(ledger)
    yield ledger
    ledger.close()


@pytest.fixture
def ridgeline(tmp_path: Path) -> Ledger:
    ledger = Ledger(str(tmp_path / "ridgeline.db"))
    import_package(ledger, RIDGELINE)
    yield ledger
    ledger.close()


def test_the_juniper_package_is_valid_ocf_with_exact_numbers(juniper: Ledger, tmp_path: Path) -> None:
    report = export_package(juniper, tmp_path / "out", as_of="2000-07-01")
    assert_valid(tmp_path / "out")
    assert report["objects"] == {"STAKEHOLDER": 2, "STOCK_CLASS": 2, "TX_STOCK_CLASS_SPLIT": 2,
                                 "TX_STOCK_ISSUANCE": 1, "TX_WARRANT_ISSUANCE": 1}
    assert report["events_in_comments_only"] == ["ipo-priced", "listed-nasdaq", "preferred-converted"]
    warrant = next(i for i in files(tmp_path / "out")["Transactions.ocf.json"]["items"]
                   if i["object_type"] == "TX_WARRANT_ISSUANCE")
    assert (warrant["quantity"], warrant["exercise_price"]["amount"]) == ("20381", "8.93")
    # §1(a) has no OCF transaction: its comment says so; the splits name the OCF split that carries them.
    assert any(c.startswith("§1(a) adjustment by event preferred-converted") and "no transaction" in c
               for c in warrant["comments"])
    assert any(c.startswith("§4.1 adjustment by event split-2000-01") and "TX_STOCK_CLASS_SPLIT split-2000-01" in c
               for c in warrant["comments"])
    assert "Stock Purchase Price 893/900, shares purchasable 183429 of common" in warrant["comments"][-1]


def test_two_exports_of_the_same_store_are_the_same_bytes(juniper: Ledger, tmp_path: Path) -> None:
    for name in ("a", "b"):
        export_package(juniper, tmp_path / name, as_of="2003-12-31")
        export_package(juniper, tmp_path / f"{name}.zip", as_of="2003-12-31")
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()} == \
        {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


@pytest.mark.parametrize("package", ["folder", "zip"])
def test_juniper_round_trips_to_the_same_state_at_every_checkpoint(juniper: Ledger, tmp_path: Path,
                                                                    package: str) -> None:
    out = tmp_path / ("out.zip" if package == "zip" else "out")
    export_package(juniper, out)
    again = Ledger(str(tmp_path / "again.db"))
    try:
        report = import_package(again, out)
        assert report["stored"] == 10 and report["warnings"] == [] and report["refused"] == []
        for point in juniper_checkpoints()["checkpoints"]:
            assert state(again, point["as_of"]) == state(juniper, point["as_of"]), point["as_of"]
        recorded = juniper.history("juniper").records[-1].timestamp
        before = (recorded - timedelta(microseconds=1)).isoformat()
        assert state(again, "2003-12-31", before) == state(juniper, "2003-12-31", before)
        assert import_package(again, out)["stored"] == 0  # the same package again stores nothing
    finally:
        again.close()


def test_an_export_as_of_an_instant_carries_the_history_up_to_it(juniper: Ledger, tmp_path: Path) -> None:
    report = export_package(juniper, tmp_path / "out", as_of="1999-06-29")
    assert report["events"] == 6  # the IPO's closing, the conversion and the splits come later
    again = Ledger(str(tmp_path / "again.db"))
    try:
        import_package(again, tmp_path / "out")
        for as_of in ("1997-09-30", "1999-06-29"):
            assert state(again, as_of) == state(juniper, as_of)
    finally:
        again.close()


def test_ridgeline_through_the_engine_gives_the_same_package_up_to_ids(ridgeline: Ledger, tmp_path: Path) -> None:
    export_package(ridgeline, tmp_path / "out", as_of="2023-12-31")
    assert_valid(tmp_path / "out")
    assert normalised(tmp_path / "out") == normalised(RIDGELINE)


@pytest.mark.parametrize("comments", ["kept", "removed"])
def test_cobalt_health_through_the_engine_gives_the_same_package_and_cap_table(tmp_path: Path, comments: str) -> None:
    """SAFEs issued and converted, option grants exercised: the same package up to ids and what the engine does
    not keep, and the same state, options and convertibles included, whether read by its comments or not."""
    cobalt = Ledger(str(tmp_path / "cobalt.db"))
    again = Ledger(str(tmp_path / "again.db"))
    try:
        import_package(cobalt, COBALT)
        out = tmp_path / "out"
        report = export_package(cobalt, out)
        assert report["not_written"] == [] and report["events_in_comments_only"] == []
        assert report["objects"]["TX_CONVERTIBLE_CONVERSION"] == 1
        assert report["objects"]["TX_EQUITY_COMPENSATION_EXERCISE"] == 2
        assert_valid(out)
        assert normalised(out) == normalised(COBALT)
        if comments == "removed":
            manifest = json.loads((out / "Manifest.ocf.json").read_text(encoding="utf-8"))
            manifest["comments"] = [c for c in manifest["comments"] if not c.startswith(MARKER)]
            (out / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
        reread = import_package(again, out)
        assert reread["refused"] == []
        for day in COBALT_DAYS:
            got, want = state(again, day), state(cobalt, day)
            assert got == want, day
        assert state(cobalt, "2018-12-31")["convertibles"] and state(cobalt, "2021-12-31")["options"]
    finally:
        cobalt.close()
        again.close()


def test_an_exported_package_read_as_any_package_gives_the_same_cap_table(ridgeline: Ledger, tmp_path: Path) -> None:
    """Without captable's comments the objects alone are translated: the OCF mapping itself round-trips."""
    out = tmp_path / "out"
    export_package(ridgeline, out, as_of="2023-12-31")
    manifest = json.loads((out / "Manifest.ocf.json").read_text(encoding="utf-8"))
    manifest["comments"] = [c for c in manifest["comments"] if not c.startswith(MARKER)]
    (out / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = Ledger(str(tmp_path / "again.db"))
    try:
        import_package(again, out)
        got, want = state(again, "2023-12-31"), state(ridgeline, "2023-12-31")
        assert got["classes"] == want["classes"]
        assert [(w["warrant"], w["shares_purchasable"], w["stock_purchase_price"]) for w in got["warrants"]] == \
            [(w["warrant"], w["shares_purchasable"], w["stock_purchase_price"]) for w in want["warrants"]]
    finally:
        again.close()


def test_a_package_changed_since_the_export_is_translated_and_says_why(ridgeline: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_package(ridgeline, out, as_of="2023-12-31")
    path = out / "Transactions.ocf.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    split = next(i for i in body["items"] if i["object_type"] == "TX_STOCK_CLASS_SPLIT")
    split["date"] = "2022-03-02"
    path.write_text(json.dumps(body), encoding="utf-8")
    again = Ledger(str(tmp_path / "again.db"))
    try:
        report = import_package(again, out)
        assert any(f"object {split['id']} is not as exported" in w for w in report["warnings"])
        assert any("md5" in w for w in report["warnings"])
    finally:
        again.close()


def test_a_refused_export_writes_nothing(juniper: Ledger, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("keep", encoding="utf-8")
    with pytest.raises(errors.FileFailed):
        export_package(juniper, taken)
    assert [p.name for p in taken.iterdir()] == ["x"]
    with pytest.raises(errors.FileFailed):
        export_package(juniper, tmp_path / "nowhere" / "package.zip")
    with pytest.raises(errors.UnknownCompany):
        export_package(juniper, tmp_path / "a", company="acme")
    with pytest.raises(errors.BadOption):
        export_package(juniper, tmp_path / "b", as_of="1990-01-01")  # before the company's formation
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("juniper.db")) == ["taken"]


def test_the_command_and_the_library_export_the_same_package(juniper: Ledger, tmp_path: Path) -> None:
    db = str(tmp_path / "juniper.db")
    result = runner.invoke(app, ["--db", db, "ocf", "export", "--as-of", "2000-07-01", "--json",
                                 str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["events"] == 10
    with captable.open(db) as books:
        books.ocf_export(tmp_path / "lib", as_of="2000-07-01")
        with pytest.raises(errors.Refused):
            books.ocf_export(tmp_path / "lib", as_of="2000-07-01")
    assert {p.name: p.read_bytes() for p in (tmp_path / "cli").iterdir()} == \
        {p.name: p.read_bytes() for p in (tmp_path / "lib").iterdir()}
    text = runner.invoke(app, ["--db", db, "ocf", "export", str(tmp_path / "text.zip")])
    assert text.exit_code == 0 and "TX_WARRANT_ISSUANCE: 1" in text.stdout and (tmp_path / "text.zip").is_file()
    refused = runner.invoke(app, ["--db", db, "ocf", "export", "--json", str(tmp_path / "cli")])
    assert refused.exit_code == 1 and json.loads(refused.stdout)["error"]["code"] == "file_error"


sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic import history  # noqa: E402


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(20, 60), st.integers(0, 10**6), st.lists(st.floats(0, 1), min_size=1, max_size=3))
def test_synthetic_histories_round_trip_to_the_same_state(tmp_path_factory: Any, n: int, seed: int,
                                                          cuts: list[float]) -> None:
    folder = tmp_path_factory.mktemp("synthetic")
    first = Ledger(str(folder / "first.db"))
    again = Ledger(str(folder / "again.db"))
    try:
        lines = history(n, seed)
        first.import_events([parse_event(json.loads(line)) for line in lines])
        entries = first.history("synthco").entries
        instants = [entries[min(int(c * len(entries)), len(entries) - 1)].effective.isoformat() for c in cuts]
        until = max(instants)
        export_package(first, folder / "out", as_of=until)
        assert_valid(folder / "out")
        import_package(again, folder / "out")
        for at in instants:
            assert state(again, at) == state(first, at)
    finally:
        first.close()
        again.close()


SCENARIOS = sorted(p for p in (ROOT / "fixtures" / "scenarios").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_scenario_exports_valid_ocf_and_round_trips_at_its_checkpoints(folder: Path, tmp_path: Path) -> None:
    """Every kind of event the scenarios hold (net exercises, dividends, mergers, notices, retractions,
    back-dated corrections) travels: the package is valid, and the new store answers each checkpoint as the
    first, as known then."""
    from captable.intake import read_lines

    first = Ledger(str(tmp_path / "first.db"))
    again = Ledger(str(tmp_path / "again.db"))
    try:
        with (folder / "events.jsonl").open(encoding="utf-8") as lines:
            first.import_events(read_lines(lines))
        export_package(first, tmp_path / "out")
        assert_valid(tmp_path / "out")
        report = import_package(again, tmp_path / "out")
        assert report["warnings"] == [] and report["refused"] == []
        for point in json.loads((folder / "checkpoints.json").read_text(encoding="utf-8")).get("checkpoints", []):
            asked = (point["as_of"], point.get("known_at"))
            assert state(again, *asked) == state(first, *asked), asked
    finally:
        first.close()
        again.close()


@pytest.mark.parametrize("known", ["2001-03-19", "2001-03-20T09:59:59-08:00", "2001-03-20T10:00:00-08:00"])
def test_an_export_as_known_at_an_instant_carries_what_the_books_held_then(tmp_path: Path, known: str) -> None:
    """A back-dated dividend recorded on 2001-03-20 at 10:00: an export as known before it leaves it out, and
    the new store answers, with its latest knowledge, what the first answered as known then."""
    from captable.intake import read_lines

    folder = ROOT / "fixtures" / "scenarios" / "notice_backdated_dividend_known_at"
    first = Ledger(str(tmp_path / "first.db"))
    again = Ledger(str(tmp_path / "again.db"))
    try:
        with (folder / "events.jsonl").open(encoding="utf-8") as lines:
            first.import_events(read_lines(lines))
        report = export_package(first, tmp_path / "out", known=known)
        assert report["events"] == (5 if known.endswith("10:00:00-08:00") else 4)
        import_package(again, tmp_path / "out")
        for as_of in ("2001-01-31", "2001-03-31", "2002-01-01"):
            got, want = state(again, as_of), state(first, as_of, known)
            assert {**got, "known_at": None} == {**want, "known_at": None}, as_of
    finally:
        first.close()
        again.close()


@given(st.fractions(min_value=-10**9, max_value=10**9))
def test_an_ocf_numeric_is_exact_or_says_what_exact_value_it_stands_for(value: Any) -> None:
    from fractions import Fraction

    from captable.ocf.numeric import exact_note, numeric

    text = numeric(value)
    assert schema_number(text)
    if Fraction(text) == value:
        assert exact_note("quantity", value) is None
    else:
        assert abs(Fraction(text) - value) <= Fraction(1, 2 * 10**10)
        note = exact_note("quantity", value)
        assert note is not None and note.endswith(f"stands for exactly {value} (OCF Numeric keeps ten places)")


def schema_number(text: str) -> bool:
    import re

    return re.fullmatch(r"[+-]?[0-9]+(\.[0-9]{1,10})?", text) is not None  # OCF v1.2.0 types/Numeric


@pytest.mark.parametrize("spoil", ["not json", "seq", "added object"])
def test_comments_that_do_not_fit_the_package_are_not_used(ridgeline: Ledger, tmp_path: Path, spoil: str) -> None:
    out = tmp_path / "out"
    export_package(ridgeline, out, as_of="2023-12-31")
    manifest = json.loads((out / "Manifest.ocf.json").read_text(encoding="utf-8"))
    markers = [n for n, c in enumerate(manifest["comments"]) if c.startswith(MARKER)]
    if spoil == "not json":
        manifest["comments"][markers[0]] += "}"
    elif spoil == "seq":
        body = json.loads(manifest["comments"][markers[1]][len(MARKER):])
        manifest["comments"][markers[1]] = MARKER + json.dumps({**body, "seq": "2"})
    else:
        path = out / "Valuations.ocf.json"
        valuations = json.loads(path.read_text(encoding="utf-8"))
        valuations["items"].append({**valuations["items"][0], "id": "409a-2022", "effective_date": "2022-07-15"})
        path.write_text(json.dumps(valuations), encoding="utf-8")
    (out / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = Ledger(str(tmp_path / "again.db"))
    try:
        report = import_package(again, out)
        assert any("captable:event" in w for w in report["warnings"])
        assert "captable:event (manifest comments)" not in report["mapped"]  # translated object by object
        assert state(again, "2023-12-31")["classes"] == state(ridgeline, "2023-12-31")["classes"]
    finally:
        again.close()


@pytest.mark.parametrize("name", ["Stakeholders.ocf.json", "StockClasses.ocf.json", "Transactions.ocf.json"])
def test_the_juniper_package_as_reviewed(juniper: Ledger, tmp_path: Path, name: str) -> None:
    """The package's files but the manifest (whose comments carry the instants the events were recorded)."""
    from tests.test_obligations import golden

    export_package(juniper, tmp_path / "out", as_of="2000-07-01")
    golden(f"ocf_juniper/{name}", (tmp_path / "out" / name).read_text(encoding="utf-8"))


V1_2_FIXTURES = sorted(p.parent for p in (ROOT / "fixtures" / "ocf").glob("*/Manifest.ocf.json")
                       if json.loads(p.read_text(encoding="utf-8")).get("ocf_version") == "1.2.0")


@pytest.mark.parametrize("fixture", V1_2_FIXTURES, ids=[p.name for p in V1_2_FIXTURES])
def test_every_v1_2_fixture_package_is_valid_ocf(fixture: Path) -> None:
    """The hand-written packages are what a v1.2.0 exporter would write: valid under the coalition's schemas
    and pyocf, as the exports compared with them are."""
    assert_valid(fixture)


def test_the_v1_2_fixtures_are_found() -> None:
    assert {p.name for p in V1_2_FIXTURES} >= {"ridgeline_robotics", "cobalt_health"}


def test_grants_moved_and_a_note_ended_round_trip_through_ocf(tmp_path: Path) -> None:
    """What Ridgeline and Cobalt lack: an option transfer, a cancellation with a balance, acceptances of an option
    and of a warrant, and a convertible note with a maturity and interest, cancelled. The export writes each as
    its OCF object, valid, and the objects alone (without the export's comments) give the same state."""
    from tests.test_ocf_transactions import grant, package, stock

    trust = {"object_type": "STAKEHOLDER", "id": "sh-patel-trust", "name": {"legal_name": "Patel Family Trust"},
             "stakeholder_type": "INSTITUTION"}
    note = {"object_type": "TX_CONVERTIBLE_ISSUANCE", "id": "iss-note-1", "security_id": "NOTE-1",
            "custom_id": "NOTE-1", "date": "2022-02-01", "stakeholder_id": "sh-foothill-seed",
            "investment_amount": {"amount": "250000", "currency": "USD"}, "convertible_type": "NOTE", "seniority": 1,
            "security_law_exemptions": [], "conversion_triggers": [{
                "trigger_id": "NOTE-1.T1", "type": "AUTOMATIC_ON_DATE", "trigger_date": "2024-02-01",
                "trigger_description": "Converts at maturity into the next round's preferred",
                "conversion_right": {"type": "CONVERTIBLE_CONVERSION_RIGHT", "conversion_mechanism": {
                    "type": "CONVERTIBLE_NOTE_CONVERSION", "interest_rates": [
                        {"rate": "0.06", "accrual_start_date": "2022-02-01"}],
                    "day_count_convention": "ACTUAL_365", "interest_payout": "DEFERRED",
                    "interest_accrual_period": "ANNUAL", "compounding_type": "SIMPLE",
                    "conversion_discount": "0.2", "conversion_valuation_cap": {"amount": "12000000",
                                                                               "currency": "USD"}}}}]}
    items = (
        {"object_type": "TX_WARRANT_ACCEPTANCE", "id": "acc-w-1", "security_id": "W-1", "date": "2021-07-01"},
        note,
        {"object_type": "TX_EQUITY_COMPENSATION_TRANSFER", "id": "xfer-eq-1", "security_id": "EQ-1",
         "date": "2023-10-01", "quantity": "60000", "resulting_security_ids": ["EQ-3"], "balance_security_id": "EQ-4"},
        grant("EQ-3", "sh-patel-trust", "60000", "2023-10-01"), grant("EQ-4", "sh-dev-patel", "140000", "2023-10-01"),
        {"object_type": "TX_EQUITY_COMPENSATION_ACCEPTANCE", "id": "acc-eq-3", "security_id": "EQ-3",
         "date": "2023-10-02"},
        {"object_type": "TX_EQUITY_COMPENSATION_EXERCISE", "id": "ex-eq-3", "security_id": "EQ-3",
         "date": "2023-11-01", "quantity": "10000", "resulting_security_ids": ["CS-12"]},
        stock("CS-12", "sh-patel-trust", "common", "10000", "2023-11-01", "0.20"),
        {"object_type": "TX_EQUITY_COMPENSATION_CANCELLATION", "id": "can-eq-4", "security_id": "EQ-4",
         "date": "2023-12-01", "quantity": "40000", "reason_text": "Unvested options forfeited on termination"},
        {"object_type": "TX_CONVERTIBLE_CANCELLATION", "id": "can-note-1", "security_id": "NOTE-1",
         "date": "2023-12-15", "amount": {"amount": "250000", "currency": "USD"}, "reason_text": "Repaid in cash"},
    )
    first, again = Ledger(str(tmp_path / "first.db")), Ledger(str(tmp_path / "again.db"))
    try:
        import_package(first, package(tmp_path, *items, stakeholders=(trust,)))
        out = tmp_path / "out"
        report = export_package(first, out, as_of="2023-12-31")
        assert report["not_written"] == [] and report["events_in_comments_only"] == []
        assert_valid(out)
        written = {i["id"]: i for i in files(out)["Transactions.ocf.json"]["items"]}
        assert written["acc-w-1"]["security_id"] == "W-1" and written["acc-eq-3"]["security_id"] == "xfer-eq-1/to"
        assert written["can-eq-4"]["reason_text"] == "Unvested options forfeited on termination"
        note_trigger = written["iss-note-1"]["conversion_triggers"][0]
        assert (note_trigger["type"], note_trigger["trigger_date"]) == ("AUTOMATIC_ON_DATE", "2024-02-01")
        manifest = json.loads((out / "Manifest.ocf.json").read_text(encoding="utf-8"))
        manifest["comments"] = [c for c in manifest["comments"] if not c.startswith(MARKER)]
        (out / "Manifest.ocf.json").write_text(json.dumps(manifest), encoding="utf-8")
        assert import_package(again, out)["refused"] == []
        for day in ("2022-06-30", "2023-10-15", "2023-11-15", "2023-12-31"):
            assert state(again, day) == state(first, day), day
        assert state(first, "2022-06-30")["convertibles"][0]["interest_rate"] == "3/50"
        assert [(g["holder"], g["shares"]) for g in state(first, "2023-12-31")["options"]] == [
            ("Dev Patel", "100000"), ("Patel Family Trust", "50000")]
    finally:
        first.close()
        again.close()


def test_each_kind_of_grant_keeps_its_type_expiry_and_termination_windows_through_the_engine(tmp_path: Path) -> None:
    """An NSO with its windows, a stock SAR at its base price, an RSU without a price and an option of unstated
    kind without an expiry: the package through the engine gives the same objects, terms included."""
    from tests.test_ocf_transactions import grant, package

    windows = [{"reason": "VOLUNTARY_OTHER", "period": 3, "period_type": "MONTHS"},
               {"reason": "INVOLUNTARY_DEATH", "period": 1, "period_type": "YEARS"},
               {"reason": "INVOLUNTARY_WITH_CAUSE", "period": 0, "period_type": "DAYS"}]
    nso = {**grant("EQ-5", "sh-cora-lind", "1000", "2023-02-01"), "termination_exercise_windows": windows}
    sar = {**grant("SAR-1", "sh-cora-lind", "2000", "2023-03-01", kind="SSAR", price=None),
           "base_price": {"amount": "0.25", "currency": "USD"}}
    rsu = grant("RSU-1", "sh-dev-patel", "3000", "2023-04-01", kind="RSU", price=None)
    plain = {**grant("EQ-6", "sh-dev-patel", "4000", "2023-05-01", kind="OPTION"), "expiration_date": None}
    folder = package(tmp_path, *({**g, "stock_class_id": "common"} for g in (nso, sar, rsu, plain)))
    ledger = Ledger(str(tmp_path / "grants.db"))
    try:
        import_package(ledger, folder)
        facts = {e.fact.id: e.fact for e in ledger.store.stream(ledger.companies()[0])}
        assert (facts["ocf:grant-EQ-5"].grant_type, str(facts["ocf:grant-EQ-5"].expiration_date)) == ("nso",
                                                                                                     "2033-01-01")
        assert [(w.reason, w.period, w.unit) for w in facts["ocf:grant-EQ-5"].termination_windows] == [
            ("voluntary_other", 3, "months"), ("involuntary_death", 1, "years"), ("involuntary_with_cause", 0, "days")]
        assert (facts["ocf:grant-SAR-1"].grant_type, facts["ocf:grant-SAR-1"].exercise_price) == ("stock_sar",
                                                                                                Fraction(1, 4))
        assert facts["ocf:grant-EQ-6"].expiration_date is None and facts["ocf:grant-EQ-6"].termination_windows is None
        out = tmp_path / "out"
        export_package(ledger, out, as_of="2023-12-31")
        assert_valid(out)
        assert normalised(out) == normalised(folder)
    finally:
        ledger.close()
