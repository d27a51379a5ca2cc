"""Writes decided from the warm books (``WarmBooks.basis``): a service that holds a company at the store's head
decides a new event from the state in memory, not from the persisted checkpoint. It stores the same rows
(bytes and hashes) and refuses the same events with the same bodies as a service that keeps nothing warm; a
writer that slips in between the warm read and the write makes it a 409 ``concurrent_write`` that stores
nothing, as the cold way does (SQLite and PostgreSQL); what the warm books cannot decide is decided the cold way."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captable.ledger import Ledger
from captable.service import create_app
from captable.warm_books import WarmBooks
from tests.conftest import COMPANY

ISSUED = {"type": "SharesIssued", "class": "common", "holder": "New Holder", "shares": 10, "price_per_share": "20.00"}
PRICE = Decimal("8.93")  # W-1's exercise price (§1(a)), unadjusted by anything these tests record


def imported(db: str) -> None:
    client = TestClient(create_app(db, warm_companies=0))
    assert client.post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY)).status_code == 200


def copied(db: str, to: str) -> None:
    """A copy of the SQLite store ``db``, what its write-ahead log holds included."""
    source, target = sqlite3.connect(db), sqlite3.connect(to)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def warm(client: TestClient) -> WarmBooks:
    return client.app.state.books  # type: ignore[attr-defined,no-any-return]


def warmed(db: str, every: int | None = None) -> TestClient:
    """A service whose books hold the company at its head (a state kept every ``every`` entries)."""
    client = TestClient(create_app(db))
    warm(client).every = every
    assert client.get("/state", params={"as_of": "2010-01-01"}).status_code == 200
    return client


def stream(db: str) -> list[tuple[int, str, bytes]]:
    """The company's stored rows: position, chain hash and the stored bytes."""
    ledger = Ledger(db, read_only=True)
    try:
        records = ledger.store.stream("acme")
        rows = ledger.store.rows_at("acme", [r.originator_version for r in records])
        return [(r.originator_version, r.hash, bytes(rows[r.originator_version].state)) for r in records]
    finally:
        ledger.close()


def event_of(step: tuple[str, int, int], number: int, recorded: datetime) -> dict[str, Any]:
    """An event of the ``step``: an issuance (beyond the class's room when large), a cash exercise of W-1
    (paid right, a cent off, or of a warrant the company never issued), dated ``day`` days after 1997-10-01."""
    kind, day, amount = step
    effective = str((datetime(1997, 10, 1) + timedelta(days=day)).date())
    stamp = {"id": f"e-{number}", "effective": effective, "recorded": recorded.isoformat()}
    if kind == "issue":
        return {**ISSUED, **stamp, "holder": f"Holder {amount % 5}", "shares": amount}
    payment = PRICE * amount + (Decimal("0.01") if kind == "mispaid" else 0)
    warrant = "W-9" if kind == "unknown" else "W-1"
    return {"type": "WarrantExercised", **stamp, "warrant": warrant, "shares": amount, "payment": str(payment)}


STEP = st.tuples(st.sampled_from(["issue", "exercise", "mispaid", "unknown"]), st.integers(0, 2000),
                 st.sampled_from([1, 7, 100, 5000, 20381, 9_000_001]))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=6), every=st.sampled_from([None, 2]))
def test_a_write_decided_warm_stores_and_refuses_what_a_cold_one_does(steps, every):
    with tempfile.TemporaryDirectory() as root:
        hot, cold_db = str(Path(root) / "hot.db"), str(Path(root) / "cold.db")
        imported(hot)
        copied(hot, cold_db)
        warm_service, cold_service = warmed(hot, every), TestClient(create_app(cold_db, warm_companies=0))
        recorded = datetime.now(UTC)
        accepted = 0
        for number, step in enumerate(steps):
            event = event_of(step, number, recorded + timedelta(microseconds=number))
            answers = [s.post("/events", json=event) for s in (warm_service, cold_service)]
            assert [(a.status_code, a.content) for a in answers] == [(answers[1].status_code, answers[1].content)] * 2
            assert answers[0].status_code in (201, 422)
            accepted += answers[0].status_code == 201
        assert stream(hot) == stream(cold_db)
        # the first write is decided warm; one after a back-dated event finds the books not folded on (the
        # states after it change) and is decided the cold way
        assert warm(warm_service).warm_writes >= 1
        assert len(stream(hot)) == len(COMPANY) + accepted
        warm(warm_service).close()


def refused(client: TestClient, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    answered = client.post("/events", json=event)
    return answered.status_code, answered.json()


def test_each_refusal_is_the_cold_ones_and_stores_nothing(tmp_path):
    hot, cold_db = str(tmp_path / "hot.db"), str(tmp_path / "cold.db")
    imported(hot)
    copied(hot, cold_db)
    warm_service, cold_service = warmed(hot), TestClient(create_app(cold_db, warm_companies=0))
    before = stream(hot)
    events = {"exceeds_authorized": {**ISSUED, "id": "big", "effective": "1999-01-04", "shares": 9_000_001},
              "unknown_warrant": {"type": "WarrantExercised", "id": "x9", "effective": "1998-03-02",
                                  "warrant": "W-9", "shares": 1000, "payment": "8930.00"},
              "payment_mismatch": {"type": "WarrantExercised", "id": "x1", "effective": "1998-03-02",
                                   "warrant": "W-1", "shares": 1000, "payment": "8930.01"}}
    for code, event in events.items():
        status, body = refused(warm_service, event)
        assert (status, body["error"]["code"]) == (422, code)
        assert (status, body) == refused(cold_service, event)
    assert warm(warm_service).warm_writes == len(events)
    assert stream(hot) == before


def test_a_writer_between_the_warm_read_and_the_write_makes_it_a_concurrent_write(db, monkeypatch):
    imported(db)
    service = warmed(db)
    books = warm(service)
    decide = books.basis

    def and_another_writer(ledger: Ledger, company: str) -> Any:
        found = decide(ledger, company)
        other = Ledger(db, actor="other")  # its own connection, as another process has
        try:
            other.record({**ISSUED, "id": "slipped-in", "effective": "2001-06-01"})
        finally:
            other.close()
        return found

    monkeypatch.setattr(books, "basis", and_another_writer)
    before = stream(db)
    status, body = refused(service, {**ISSUED, "id": "mine", "effective": "2001-07-01"})
    assert (status, body["error"]["code"]) == (409, "concurrent_write")
    assert books.warm_writes == 1  # it was decided warm, and the store refused it
    after = stream(db)
    assert len(after) == len(before) + 1 and b"slipped-in" in after[-1][2] and all(b"mine" not in r[2] for r in after)

    monkeypatch.setattr(books, "basis", decide)
    assert service.post("/events", json={**ISSUED, "id": "mine", "effective": "2001-07-01"}).status_code == 201
    assert books.warm_writes == 2  # caught up with the other writer's event, and decided warm again
    assert stream(db)[-1][0] == len(before) + 2


def test_a_writer_before_the_warm_read_is_caught_up_with(db):
    imported(db)
    service = warmed(db)
    other = Ledger(db, actor="other")
    try:
        other.record({**ISSUED, "id": "other", "effective": "2001-06-01", "holder": "Other Holder"})
    finally:
        other.close()
    assert service.post("/events", json={**ISSUED, "id": "mine", "effective": "2001-06-01"}).status_code == 201
    assert warm(service).warm_writes == 1
    state = service.get("/state", params={"as_of": "2001-06-02"}).text
    assert "Other Holder" in state and "New Holder" in state


def test_what_the_warm_books_cannot_decide_is_decided_the_cold_way(tmp_path):
    db = str(tmp_path / "c.db")
    imported(db)
    service = TestClient(create_app(db))
    assert service.post("/events", json={**ISSUED, "id": "unasked", "effective": "2001-06-01"}).status_code == 201
    assert warm(service).warm_writes == 0  # not held: a write does not read a whole history into memory
    service.get("/state")
    retraction = {"type": "EventRetracted", "id": "r", "effective": "2001-06-02", "event": "unasked",
                  "reason": "entered in error"}
    assert service.post("/events", json=retraction).status_code == 201
    assert warm(service).warm_writes == 0  # a retraction needs the whole history
    board = {"type": "BoardAdjustment", "id": "board", "effective": "2001-07-01", "warrant": "W-1",
             "price": "8.00", "reason": "a fair adjustment"}
    assert service.post("/events", json=board).status_code == 201
    cold_db = str(tmp_path / "cold.db")
    copied(db, cold_db)
    service.get("/state")
    # an issuance at the §4.7 adjustment's instant is excluded from §4.4 by it (§4.4(a)): the whole history decides
    at_board = {**ISSUED, "id": "at-board", "effective": "2001-07-01", "recorded": datetime.now(UTC).isoformat()}
    answers = [s.post("/events", json=at_board) for s in (service, TestClient(create_app(cold_db, warm_companies=0)))]
    assert answers[0].status_code == answers[1].status_code == 201
    assert warm(service).warm_writes == 1  # held and caught up: decided from the whole history inside the basis
    assert stream(db) == stream(cold_db)
