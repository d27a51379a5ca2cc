"""Ids (DESIGN §5): a ``record`` without an id is a new fact every time; an imported file without ids
gets ids from its content and line occurrence, so importing it again stores nothing new."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from captable import queries
from captable.cli import app
from captable.intake import read_lines
from tests.conftest import COMPANY, record_all

EXERCISE = {"type": "WarrantExercised", "effective": "1998-03-02", "warrant": "W-1", "shares": 1000,
            "payment": "8930.00"}


def stored_ids(ledger) -> list[str]:
    return [r.fact.id for r in ledger.history("acme").records]


def test_two_identical_exercises_recorded_one_after_the_other_are_two_events(ledger):
    record_all(ledger, *COMPANY)
    first, second = ledger.record(EXERCISE), ledger.record(EXERCISE)
    assert first.total == second.total == 1 and first.already_stored == second.already_stored == 0
    assert first.ids != second.ids
    assert stored_ids(ledger)[-2:] == first.ids + second.ids
    assert queries.state(ledger, None, "1998-03-02", None).state.warrants["W-1"].exercised == 2000


def test_a_recorded_fact_without_an_id_is_named_by_its_type_and_a_fresh_random_part(ledger):
    record_all(ledger, *COMPANY)
    [assigned] = ledger.record(EXERCISE).ids
    assert re.fullmatch(r"WarrantExercised-[0-9a-f]{32}", assigned)


def test_recording_with_an_id_twice_stores_it_once(ledger):
    record_all(ledger, *COMPANY)
    ledger.record({**EXERCISE, "id": "x1"})
    again = ledger.record({**EXERCISE, "id": "x1"})
    assert again.total == 0 and again.already_stored == 1 and again.ids == []
    assert stored_ids(ledger).count("x1") == 1


def test_importing_the_same_file_without_ids_twice_stores_its_lines_once(ledger):
    record_all(ledger, *COMPANY)
    lines = [json.dumps(EXERCISE), json.dumps(EXERCISE)]  # two identical lines are two facts
    first = ledger.import_events(read_lines(lines))
    again = ledger.import_events(read_lines(lines))
    assert first.total == 2 and len(set(first.ids)) == 2
    assert again.total == 0 and again.already_stored == 2


def test_the_record_command_reports_the_id_it_assigned(db):
    runner = CliRunner()
    for event in COMPANY:
        assert runner.invoke(app, ["--db", db, "record", json.dumps(event)]).exit_code == 0
    first = runner.invoke(app, ["--db", db, "record", "--json", json.dumps(EXERCISE)])
    second = runner.invoke(app, ["--db", db, "record", json.dumps(EXERCISE)])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    [assigned] = json.loads(first.stdout)["ids"]
    assert json.loads(first.stdout)["stored"] == {"acme": 1}
    logged = json.loads(runner.invoke(app, ["--db", db, "log", "--json"]).stdout)["events"]
    exercises = [e["id"] for e in logged if e["type"] == "WarrantExercised"]
    assert len(exercises) == 2 and exercises[0] == assigned
    assert exercises[1] in second.stdout and "already" not in second.stdout
