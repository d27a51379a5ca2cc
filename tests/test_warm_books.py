"""Warm books (``captable.warm_books``): a service answers states from each company's folded history in memory,
caught up from the store's head before every answer. Two services on one store (SQLite and PostgreSQL): a
write through one is seen by the other at once; new events that come last are folded on, others read the
history again; a tampered head, or a tampered row read while catching up, is refused as the cold path refuses
it; and a warm answer is byte for byte the cold one for random histories and questions."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captable import errors
from captable.api import Books
from captable.access import parse_tokens
from captable.kept_answers import KeptAnswers
from captable.ledger import Ledger
from captable.service import create_app
from captable.warm_books import Folded, WarmBooks
from tests.conftest import COMPANY, import_juniper, record_all
from tests.test_access import TOKENS, as_
from tests.test_cli import acme  # noqa: F401  (a fixture)
from tests.test_tamper import KINDS, MATERIALS, build, tamper, two_commits

ISSUED = {"type": "SharesIssued", "class": "common", "holder": "New Holder", "shares": 10, "price_per_share": "20.00"}


def services(db: str) -> tuple[TestClient, TestClient]:
    first, second = TestClient(create_app(db)), TestClient(create_app(db))
    assert first.post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY)).status_code == 200
    return first, second


def warm(client: TestClient) -> WarmBooks:
    return client.app.state.books  # type: ignore[attr-defined,no-any-return]


def cold(db: str, path: str, **parameters: str) -> tuple[int, bytes]:
    """The same question to a service that keeps nothing warm and caches nothing across services."""
    answered = TestClient(create_app(db, warm_companies=0)).get(path, params=parameters)
    return answered.status_code, answered.content


def test_a_write_through_one_service_is_read_through_the_other_at_once(db):
    writer, reader = services(db)
    before = reader.get("/state")
    assert before.status_code == 200 and "Later Holder" not in before.text
    later = {**ISSUED, "holder": "Later Holder", "effective": "2001-01-05"}
    assert writer.post("/events", json=later).status_code == 201
    after = reader.get("/state", params={"as_of": "2002-01-01"})
    assert "Later Holder" in after.text
    assert (after.status_code, after.content) == cold(db, "/state", as_of="2002-01-01")
    assert (warm(reader).rebuilt, warm(reader).folded_on) == (1, 1)  # read whole once, then folded on


def test_a_back_dated_event_or_a_retraction_reads_the_history_again(db):
    writer, reader = services(db)
    reader.get("/state", params={"as_of": "2000-01-01"})
    assert writer.post("/events", json={**ISSUED, "id": "early", "effective": "1996-09-01"}).status_code == 201
    assert reader.get("/state", params={"as_of": "1997-01-01"}).content == cold(db, "/state", as_of="1997-01-01")[1]
    assert warm(reader).rebuilt == 2
    retraction = {"type": "EventRetracted", "id": "retract-early", "effective": "1996-09-02", "event": "early",
                  "reason": "entered in error"}
    assert writer.post("/events", json=retraction).status_code == 201
    answered = reader.get("/state", params={"as_of": "1997-01-01"})
    assert "New Holder" not in answered.text
    assert answered.content == cold(db, "/state", as_of="1997-01-01")[1]
    assert (warm(reader).rebuilt, warm(reader).folded_on) == (3, 0)


def test_past_knowledge_is_answered_from_the_store(db):
    writer, reader = services(db)
    reader.get("/state")
    later = {**ISSUED, "holder": "Later Holder", "effective": "2001-01-05"}
    assert writer.post("/events", json=later).status_code == 201
    then = reader.get("/state", params={"as_of": "2002-01-01", "known_at": "2000-01-01"})
    assert then.status_code == 200 and "Later Holder" not in then.text
    assert then.content == cold(db, "/state", as_of="2002-01-01", known_at="2000-01-01")[1]


def test_at_most_the_configured_number_of_companies_is_kept_warm(tmp_path):
    db = str(tmp_path / "two.db")
    ledger = Ledger(db)
    import_juniper(ledger)
    record_all(ledger, *COMPANY)
    ledger.close()
    service = TestClient(create_app(db, warm_companies=1))
    for company in ("juniper", "acme", "juniper"):
        assert service.get("/state", params={"company": company}).status_code == 200
    assert warm(service).held() == ["juniper"]
    assert warm(service).rebuilt == 3  # acme pushed juniper out, and juniper pushed acme out


def test_a_quiet_service_closes_its_kept_ledgers(db):
    _, reader = services(db)
    reader.get("/state")
    books = warm(reader)
    assert len(books._idle) == 1
    books.close_idle(0.0)
    assert books._idle == []
    assert reader.get("/state").status_code == 200  # opened again


# The tampering a warm service refuses at once: what changes the head it reads before every answer.
AT_THE_HEAD = ["a forged row with a valid hash appended", "the tail truncated", "the whole stream truncated",
               "the company deleted from the index", "the company renamed in the index", "a journal entry edited",
               "the last journal entry deleted", "two companies' streams swapped"]


@pytest.mark.parametrize("name", AT_THE_HEAD)
def test_a_tampered_head_is_refused_by_a_warm_service_as_by_a_cold_one(db, name):
    kind = KINDS[name]
    build(db, kind.history)
    service = TestClient(create_app(db))
    assert service.get("/state", params={"company": "juniper"}).status_code == 200  # warm now
    tamper(db, kind.change)
    refused = service.get("/state", params={"company": "juniper"})
    expected = cold(db, "/state", company="juniper")
    assert refused.status_code >= 400
    assert (refused.status_code, refused.content) == expected


@pytest.mark.parametrize("name", ["a fact edited", "a recorded instant edited", "the topic column changed"])
def test_a_tampered_row_read_while_catching_up_is_refused(db, name):
    kind = KINDS[name]
    build(db, kind.history)
    service = TestClient(create_app(db))
    assert service.get("/state").status_code == 200  # warm at position 10
    build(db, lambda ledger: record_all(ledger, MATERIALS, {**MATERIALS, "id": "materials-2001",
                                                            "effective": "2002-03-01"}))
    change = {"a fact edited": lambda r: r.edit(11, '"Annual report', '"Annual rep0rt'),
              "a recorded instant edited": lambda r: r.edit(12, '"recorded":"2', '"recorded":"1'),
              "the topic column changed": lambda r: r.set_topic(11, "captable.events:Delisted")}[name]
    tamper(db, change)
    refused = service.get("/state")
    assert refused.status_code == 500 and refused.json()["error"]["code"] == "store_tampered"
    assert (refused.status_code, refused.content) == cold(db, "/state")


def test_a_two_commit_history_caught_up_commit_by_commit(tmp_path):
    db = str(tmp_path / "j.db")
    build(db, two_commits)
    books = WarmBooks(db)
    with books.books("reader", None) as opened:
        first = opened.state("2001-06-01").json_text()
    with Books(db) as plain:
        assert first == plain.state("2001-06-01").json_text()
    books.close()


# Random histories, recorded one by one through one service, asked through another -------------------------

DATES = st.dates(min_value=__import__("datetime").date(1996, 9, 1), max_value=__import__("datetime").date(2003, 6, 30))
STEP = st.one_of(
    st.tuples(st.just("issue"), DATES, st.integers(min_value=1, max_value=5000)),
    st.tuples(st.just("retract"), DATES, st.integers(min_value=0, max_value=20)),
)
QUESTION = st.tuples(DATES.map(str),  # an explicit instant: "now" is another instant at each ask
                     st.sampled_from([None, "2000-01-01", "2100-01-01"]))


def event_of(step: tuple[Any, ...], number: int, issued: list[str]) -> dict[str, Any] | None:
    kind, when, amount = step
    if kind == "issue":
        issued.append(f"issue-{number}")
        return {**ISSUED, "id": f"issue-{number}", "holder": f"Holder {amount % 7}", "shares": amount,
                "effective": str(when)}
    if not issued:
        return None
    return {"type": "EventRetracted", "id": f"retract-{number}", "effective": str(when),
            "event": issued[amount % len(issued)], "reason": "entered in error"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=8), questions=st.lists(QUESTION, min_size=1, max_size=3))
def test_a_warm_answer_is_the_cold_books_answer(steps, questions):
    with tempfile.TemporaryDirectory() as root:
        db = str(Path(root) / "p.db")
        writer, reader = services(db)
        issued: list[str] = []
        for number, step in enumerate(steps):
            event = event_of(step, number, issued)
            if event is not None:
                assert writer.post("/events", json=event).status_code in (201, 422)
            for as_of, known in questions:
                parameters = {k: v for k, v in (("as_of", as_of), ("known_at", known)) if v is not None}
                answered = reader.get("/state", params=parameters)
                with Books(db) as plain:
                    try:
                        expected = (200, plain.state(as_of, known).json_text().encode())
                    except errors.Refused as refusal:
                        expected = (422 if refusal.code not in ("usage",) else 400, None)
                assert answered.status_code == expected[0]
                if expected[1] is not None:
                    assert answered.content == expected[1]
        assert warm(reader).rebuilt >= 1
        warm(reader).close()
        warm(writer).close()


def test_a_fold_on_gives_the_states_a_fold_from_the_start_gives(tmp_path):
    db = str(tmp_path / "f.db")
    ledger = Ledger(db)
    record_all(ledger, *COMPANY)
    history = ledger.history("acme")
    held = Folded.of(history, every=2)
    record_all(ledger, {**ISSUED, "id": "late-1", "effective": "2001-01-05"},
               {**ISSUED, "id": "late-2", "effective": "2001-02-05", "holder": "Other"})
    whole = Folded.of(ledger.history("acme"), every=2)
    since = ledger.store.since("acme", held.version, held.head)
    extended = held.extended(since)
    ledger.close()
    assert extended is not None and len(extended.states) == len(whole.states)
    for instant in [e.effective for e in whole.entries]:
        assert extended.state_at(instant) == whole.state_at(instant)


# Kept answers served in front of the routing ----------------------------------------------------------------

def test_a_kept_answer_is_served_before_the_routing_with_the_routes_headers(db):
    _, reader = services(db)
    computed = reader.get("/state", params={"as_of": "2000-07-01"})
    layer = reader.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(layer, KeptAnswers):
        layer = layer.app
    assert layer.served == 0
    again = reader.get("/state", params={"as_of": "2000-07-01"})
    revalidated = reader.get("/state", params={"as_of": "2000-07-01"}, headers={"If-None-Match": again.headers["etag"]})
    assert layer.served == 2
    assert again.content == computed.content
    assert sorted((k, v) for k, v in again.headers.items() if k != "date") == \
        sorted((k, v) for k, v in computed.headers.items() if k != "date")
    assert (revalidated.status_code, revalidated.content, revalidated.headers["etag"]) == (304, b"",
                                                                                          computed.headers["etag"])


def test_a_kept_answer_is_not_served_to_a_caller_without_a_good_token(acme):
    service = TestClient(create_app(acme, parse_tokens(TOKENS, "test")))
    answered = service.get("/state", params={"as_of": "2000-07-01"}, headers=as_("reader"))
    assert answered.status_code == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = service.get("/state", params={"as_of": "2000-07-01"}, headers=headers)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
    assert service.get("/state", params={"as_of": "2000-07-01"}, headers=as_("auditor")).content == answered.content


def test_serve_with_two_workers_never_answers_behind_a_write(tmp_path):
    """Two service processes on one port: whichever answers after a write (through either) has caught up."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    db = str(tmp_path / "w.db")
    TestClient(create_app(db)).post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY))
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("captable")), "--db", db, "serve", "--port",
                               str(port), "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def get(path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.read()  # type: ignore[no-any-return]

    try:
        for _ in range(200):
            try:
                get("/state?as_of=2002-01-01")
                break
            except OSError:
                time.sleep(0.1)
        for number in range(6):
            event = json.dumps({**ISSUED, "holder": f"Holder {number}", "effective": f"2001-0{number + 1}-05"})
            request = urllib.request.Request(f"http://127.0.0.1:{port}/events", data=event.encode(), method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 201
            for _ in range(4):  # the connections are new each time: either process may answer
                assert f"Holder {number}".encode() in get("/state?as_of=2002-01-01")
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert server.returncode is not None


def test_a_head_read_before_another_thread_caught_up_does_not_read_the_history_again(db):
    writer, reader = services(db)
    books = warm(reader)
    with Books(db) as plain:
        before = plain.tip()
    reader.get("/state", params={"as_of": "2002-01-01"})
    assert writer.post("/events", json={**ISSUED, "effective": "2001-01-05"}).status_code == 201
    reader.get("/state", params={"as_of": "2002-01-01"})  # caught up past ``before``
    assert (books.rebuilt, books.folded_on) == (1, 1)
    with books.ledger() as ledger:
        held = books.folded(ledger, "acme", before)  # as a slower thread that read the head earlier would ask
    assert held.version == before.position + 1 and books.rebuilt == 1
