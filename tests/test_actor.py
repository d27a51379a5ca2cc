"""Who recorded what: each stored event carries its actor, sealed with it, and the log and the audit show it."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from captable import queries
from captable.cli import app
from captable.ledger import Ledger, actor_name
from captable.verify import verify
from tests.conftest import COMPANY, record_all
from tests.test_verify import Rows

LISTED = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}


def run(db: str, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", db, *args], env=env)


@pytest.fixture
def acme(db: str) -> str:
    ledger = Ledger(db)
    try:
        record_all(ledger, *COMPANY)
    finally:
        ledger.close()
    return db


def test_the_actor_given_is_stored_with_the_event_and_shown_by_log_and_audit(acme):
    assert run(acme, "--actor", "plee", "record", json.dumps(LISTED)).exit_code == 0
    events = json.loads(run(acme, "log", "--json").stdout)["events"]
    assert [e["actor"] for e in events] == ["test-suite"] * len(COMPANY) + ["plee"]
    assert "plee" in run(acme, "log").stdout
    ledger = Ledger(acme, read_only=True)
    try:
        steps = queries.audit(ledger, "acme", "1999-12-31", None)["steps"]
    finally:
        ledger.close()
    assert steps[-1]["event"]["actor"] == "plee"
    assert "by plee" in run(acme, "audit", "--as-of", "1999-12-31").stdout


def test_the_actor_comes_from_captable_actor_and_else_from_the_operating_system(monkeypatch):
    monkeypatch.setenv("CAPTABLE_ACTOR", "counsel@example.com")
    assert actor_name() == "counsel@example.com"
    monkeypatch.delenv("CAPTABLE_ACTOR")
    monkeypatch.setenv("LOGNAME", "auditor")
    assert actor_name() == "auditor"
    assert actor_name("given") == "given"


@pytest.mark.parametrize("name", ["", "   ", "tab\there", "x" * 201])
def test_a_blank_or_unprintable_actor_is_a_usage_error_and_stores_nothing(acme, name):
    result = run(acme, "--actor", name, "record", json.dumps(LISTED), "--json")
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["field"] == "actor"
    assert len(json.loads(run(acme, "log", "--json").stdout)["events"]) == len(COMPANY)


def test_the_actor_is_sealed_so_changing_it_is_tampering(acme):
    assert run(acme, "--actor", "Pat Lee", "record", json.dumps(LISTED)).exit_code == 0
    rows = Rows(acme)
    try:
        rows.edit(len(COMPANY) + 1, '"actor":"Pat Lee"', '"actor":"Somebody Else"')
    finally:
        rows.close()
    ledger = Ledger(acme, read_only=True)
    try:
        found = verify(ledger.store, "acme")
    finally:
        ledger.close()
    assert not found.intact and found.position == len(COMPANY) + 1 and "edited" in found.problem
    assert os.environ["CAPTABLE_ACTOR"] == "test-suite"  # the suite's own actor, set in conftest
