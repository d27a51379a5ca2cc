"""The audit trail: deterministic, cites its clauses, and ends where ``state`` is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from captable import audit_report, queries
from captable.intake import parse_event, read_lines
from tests.conftest import COMPANY, JUNIPER
from tests.test_obligations import golden

SCENARIOS = sorted(p for p in (JUNIPER.parent / "scenarios").iterdir() if p.is_dir())


def import_with_recorded(ledger, path: Path, recorded: str = "2020-01-02T00:00:00+00:00") -> None:
    """The history with fixed recorded instants, so that the trail does not depend on the clock.

    Events without one take the last instant written before them (or ``recorded``), which keeps the
    instants non-decreasing as DESIGN §3 requires.
    """
    with path.open(encoding="utf-8") as lines:
        events = [json.loads(line) for line in lines if line.strip()]
    written = [e["recorded"] for e in events if "recorded" in e]
    last = written[0] if written else recorded
    incoming = []
    for event in events:
        last = event.get("recorded", last)
        incoming.append(parse_event({**event, "recorded": last}))
    ledger.import_events(incoming)


@pytest.fixture
def juniper(ledger):
    import_with_recorded(ledger, JUNIPER / "events.jsonl")
    return ledger


def test_the_juniper_trail_as_text_and_markdown(juniper):
    body = queries.audit(juniper, "juniper", "2003-12-31", None)
    golden("juniper_audit.txt", audit_report.text(body))
    golden("juniper_audit.md", audit_report.markdown(body))


def test_the_same_history_gives_the_same_bytes(juniper):
    first = json.dumps(queries.audit(juniper, "juniper", "2003-12-31", None))
    assert json.dumps(queries.audit(juniper, "juniper", "2003-12-31", None)) == first


def test_each_change_of_terms_cites_its_section_and_formula(juniper):
    steps = queries.audit(juniper, "juniper", "2003-12-31", None)["steps"]
    changed = [(s["event"]["id"], a["section"], a["formula"]) for s in steps for c in s["changes"]
               for a in c["adjustments"]]
    assert [(event, section) for event, section, _ in changed] == [
        ("preferred-converted", "§1(a)"), ("split-2000-01", "§4.1"), ("split-2000-06", "§4.1")]
    assert all("=" in formula for _, _, formula in changed)


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_the_trail_of_each_scenario(ledger, folder):
    import_with_recorded(ledger, folder / "events.jsonl")
    body = queries.audit(ledger, ledger.company(None), "2010-12-31", None)
    golden(f"audit/{folder.name}.txt", audit_report.text(body))


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_the_trail_ends_in_the_state_that_state_reports(ledger, folder):
    with (folder / "events.jsonl").open(encoding="utf-8") as lines:
        ledger.import_events(read_lines(lines))
    company = ledger.company(None)
    for as_of in ("2001-01-01", "2003-12-31", "2010-12-31"):
        final = {t["certificate"]: t for t in queries.audit(ledger, company, as_of, None)["final"]}
        state = queries.state(ledger, company, as_of, None).to_json()
        for w in state["warrants"]:
            t = final[w["certificate"]]
            assert (t["stock_purchase_price"], t["security"], t["holder"], t["status"]) == (
                w["stock_purchase_price"], w["security"], w["holder"]["name"], w["status"])
            assert t["shares_purchasable"] == w["shares_purchasable"] or w["status"] != "outstanding"


def test_a_back_dated_split_is_shown_as_a_restatement_with_the_exercise_it_contradicts(ledger):
    at = "2020-01-01T00:00:00+00:00"
    exercise = {"type": "WarrantExercised", "id": "x1", "effective": "1998-03-02", "warrant": "W-1",
                "shares": 1000, "payment": "8930.00"}
    ledger.import_events([parse_event({**e, "recorded": at}) for e in [*COMPANY, exercise]])
    ledger.import_events([parse_event({"type": "StockSplit", "id": "late-split", "effective": "1998-01-15",
                                       "class": "series_c", "ratio": "2/1", "recorded": "2021-06-01T00:00:00+00:00"})])
    diff = queries.audit_diff(ledger, "acme", "2020-06-01", "2022-01-01", "1999-01-01")
    split_day, exercise_day = diff["changes"]
    assert split_day["events_added"] == ["late-split"]
    assert split_day["warrants"][0]["before"]["stock_purchase_price"] == "893/100"
    assert split_day["warrants"][0]["after"]["stock_purchase_price"] == "893/200"
    assert (exercise_day["warrants"][0]["before"]["shares_purchasable"],
            exercise_day["warrants"][0]["after"]["shares_purchasable"]) == ("19381", "39762")
    [flag] = diff["notes"]
    assert flag["event"] == "x1" and flag["code"] == "exercise_no_longer_fits" and "$4,465.00" in flag["message"]
    assert queries.audit_diff(ledger, "acme", "2022-01-01", "2023-01-01", "1999-01-01")["changes"] == []
