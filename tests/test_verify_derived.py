"""`captable verify` says whether the derived tables (head, catalog, checkpoints) agree with the events.

They are a cache: one that disagrees is reported (stale, rebuilt on the next read) and verify still exits 0;
edited events are still refused, exit 1 store_tampered. ``verify`` checks their head, seals and order;
``verify --derived`` also folds each checkpoint again from the events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from captable.checkpoints import _sha
from captable.cli import app
from captable.ledger import Ledger
from captable.intake import read_lines
from tests.test_checkpoints import FIXTURES, acme, edit_event, lines_of, sql


@pytest.fixture
def acme_db(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CAPTABLE_CHECKPOINT_EVERY", "2")
    ledger = Ledger(db)
    try:
        acme(ledger)
        ledger.latest("acme")  # caught up: a checkpoint every 2 catalog entries
    finally:
        ledger.close()
    yield db


def edited(db: str, text: str, params: tuple[object, ...] = ()) -> None:
    ledger = Ledger(db)
    try:
        sql(ledger, text, params)
    finally:
        ledger.close()


def verified(db: str, *options: str) -> tuple[int, dict[str, object], str]:
    """The exit status, the company's ``derived`` member of ``verify --json``, and the text report."""
    runner = CliRunner()
    text = runner.invoke(app, ["--db", db, "verify", *options])
    found = runner.invoke(app, ["--db", db, "verify", *options, "--json"])
    assert found.exit_code == text.exit_code
    body = json.loads(found.stdout) if found.exit_code == 0 else {"companies": [{"derived": None}]}
    return found.exit_code, body["companies"][0]["derived"], text.stdout + text.stderr


def test_derived_tables_caught_up_are_consistent_with_the_events(acme_db):
    status, derived, text = verified(acme_db, "--derived")
    assert status == 0 and derived["status"] == "consistent" and derived["problem"] is None and derived["folded"]
    assert derived["checkpoints"] >= 5 and derived["catalog_rows"] == 13
    assert f"acme: checkpoints: {derived['checkpoints']} checked against the events" in text and "consistent" in text


def test_without_derived_their_seals_and_order_are_checked_and_nothing_is_folded(acme_db):
    status, derived, text = verified(acme_db)
    assert status == 0 and derived["status"] == "consistent" and not derived["folded"]
    assert derived["checkpoints"] >= 5 and derived["catalog_rows"] == 13
    assert f"acme: checkpoints: {derived['checkpoints']} sealed, in order" in text and "verify --derived" in text


@pytest.mark.parametrize("edit, words", [
    ("UPDATE {captable_checkpoints} SET covered = covered + 1 WHERE seq = 6", "seal does not hold"),
    ("UPDATE {captable_checkpoints} SET covered = 99, digest = 'x' WHERE seq = 6", "seal does not hold"),
    ("UPDATE {captable_derived} SET count = count - 1", "seal does not hold"),
    ("UPDATE {captable_derived} SET fingerprint = 'older'", "another version of the fold"),
    ("UPDATE {captable_derived} SET version = version + 1000", "seal does not hold"),
])
def test_without_derived_a_broken_seal_or_head_is_still_reported(acme_db, edit, words):
    edited(acme_db, edit)
    status, derived, text = verified(acme_db)
    assert status == 0 and derived["status"] == "stale" and words in derived["problem"]


@pytest.mark.parametrize("folder", FIXTURES, ids=[f.name for f in FIXTURES])
def test_every_fixture_caught_up_is_consistent(db, folder, monkeypatch):
    """Retractions, record dates, back-dated events: every checkpoint is the fold of what it covers."""
    monkeypatch.setenv("CAPTABLE_CHECKPOINT_EVERY", "2")
    ledger = Ledger(db)
    try:
        ledger.import_events(read_lines(lines_of(folder)))
        ledger.latest(ledger.company(None) if len(ledger.companies()) == 1 else ledger.companies()[0])
    finally:
        ledger.close()
    result = CliRunner().invoke(app, ["--db", db, "verify", "--derived", "--json"])
    assert result.exit_code == 0
    derived = [c["derived"] for c in json.loads(result.stdout)["companies"]]
    assert all(d["status"] in ("consistent", "absent") for d in derived), derived
    assert any(d["status"] == "consistent" and d["checkpoints"] for d in derived)


def test_a_store_without_derived_tables_says_so(acme_db):
    edited(acme_db, "DELETE FROM {captable_derived}")
    edited(acme_db, "DELETE FROM {captable_catalog}")
    edited(acme_db, "DELETE FROM {captable_checkpoints}")
    status, derived, text = verified(acme_db)
    assert status == 0 and derived["status"] == "absent" and "none stored yet" in text


@pytest.mark.parametrize("edit, words", [
    ("UPDATE {captable_checkpoints} SET state = ? WHERE seq = 6", "not the state it was sealed with"),
    ("UPDATE {captable_checkpoints} SET covered = covered + 1 WHERE seq = 6", "does not name the catalog entry"),
    ("UPDATE {captable_catalog} SET effective = effective + 86400000000 WHERE seq = 8",
     "is not its event"),
    ("DELETE FROM {captable_catalog} WHERE seq = 9", "does not hold a row for every event"),
    ("UPDATE {captable_catalog} SET hash = 'x' WHERE seq = 10", "is not its event"),
    ("UPDATE {captable_derived} SET count = count - 1", "seal does not hold"),
    ("UPDATE {captable_derived} SET fingerprint = 'older'", "another version of the fold"),
])
def test_an_edited_cache_is_reported_and_verify_still_passes(acme_db, edit, words):
    edited(acme_db, edit, (b'["x"]',) if "?" in edit else ())
    status, derived, text = verified(acme_db, "--derived")
    assert status == 0 and derived["status"] == "stale" and words in derived["problem"]
    assert "stale or inconsistent" in text and "rebuilt on the next read" in text


def test_a_checkpoint_resealed_with_another_state_is_found_by_the_fold(acme_db):
    """A checkpoint whose seal and hashes hold but whose state is not the fold's (as a wrong fold would write)."""
    ledger = Ledger(acme_db)
    try:
        rows = ledger.checkpoints.tables.read("SELECT effective, recorded, seq, phase, covered, state FROM "
                                              "{captable_checkpoints} ORDER BY effective, recorded, seq, phase")
        (*_, first_state), (*key, covered, _) = rows[0], rows[-1]
        state = bytes(first_state)
        digest_of = hashlib.sha256(state).hexdigest()
        book = ledger.checkpoints.tables.read("SELECT book_hash FROM {captable_checkpoints} WHERE seq = ? AND "
                                              "phase = ?", (key[2], key[3]))[0][0]
        seal = _sha([ledger.checkpoints.fingerprint, "acme", *key, covered, digest_of, book])
        sql(ledger, "UPDATE {captable_checkpoints} SET state = ?, state_hash = ?, digest = ? WHERE seq = ? AND "
                    "phase = ?", (state, digest_of, seal, key[2], key[3]))
    finally:
        ledger.close()
    status, derived, _ = verified(acme_db, "--derived")
    assert status == 0 and derived["status"] == "stale" and "not the fold of the events" in derived["problem"]


def test_edited_events_are_still_refused(acme_db):
    ledger = Ledger(acme_db)
    try:
        edit_event(ledger, 8, '"shares":"2000"', '"shares":"2001"')
    finally:
        ledger.close()
    result = CliRunner().invoke(app, ["--db", acme_db, "verify", "--json"])
    assert result.exit_code == 1 and "store_tampered" in result.stdout + result.stderr
