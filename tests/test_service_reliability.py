"""The reliability suite against the service (issue 12, item 6): the command line's fuzz inputs sent over
HTTP, and several writers posting at once.

- The mutated histories of ``test_fuzz_events`` are posted to ``POST /import`` (and one mutated line to
  ``POST /events``): never a 5xx, every refusal the project's ``{"error": …}`` with a code, nothing stored
  on a refusal (every row of the store as it was); an accepted history is then asked ``/state``,
  ``/notices`` and ``/audit`` at a few instants, each answered or refused the same way.
- The command lines of ``test_fuzz_cli`` are sent as the routes' parameters (the same values, hostile
  bytes included), with the same promise.
- Threads posting events through two service instances to one store (SQLite, and PostgreSQL when
  ``CAPTABLE_TEST_POSTGRES`` is set): every acknowledged event is stored exactly once, every refusal is a
  409 ``concurrent_write``, and the chains verify after.

In process (the ASGI app through FastAPI's TestClient): no network, a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

import captable
from captable.service import create_app
from tests import test_fuzz_cli, test_fuzz_events
from tests.conftest import COMPANY
from tests.test_fuzz_cli import juniper_store  # noqa: F401  (a fixture)
from tests.test_fuzz_events import PREFIXES, SEED, _pairs, _render, mutation, rows, workdir  # noqa: F401

EXAMPLES = int(os.environ.get("CAPTABLE_FUZZ_EXAMPLES", "0")) or 40
REFUSAL_KEYS = {"code", "section", "field", "value", "line", "event", "message"}


def answered_or_refused(response: Any) -> str:
    """A 2xx, a 304, or a 4xx refusal in the project's shape (a 503 only for an unreachable store, which
    these tests never have): never a 5xx, never another body. The outcome, for the statistics."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) <= {"error", "errors"} and REFUSAL_KEYS <= set(body["error"]), body
        code = body["error"]["code"]
        assert code and body["error"]["message"] and code != "internal_error", body
        return f"refused {response.status_code} {code}"
    return f"answered {response.status_code}"


def ask_everything(service: TestClient) -> None:
    for company in service.get("/companies").json()["companies"]:
        for when in test_fuzz_events.QUERY_INSTANTS:
            at = "" if when is None else f"&as_of={quote(when)}"
            for path in ("/state", "/notices", "/audit"):
                answered_or_refused(service.get(f"{path}?company={company}{at}"))


# The mutated histories ---------------------------------------------------------------------------------

@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_a_mutated_history_posted_is_stored_or_refused_and_then_answered_or_refused(workdir, data):  # noqa: F811
    lines: list[Any] = [_pairs(json.loads(json.dumps(e))) for e in SEED]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        data.draw(mutation(lines))
    prefix = data.draw(st.sampled_from(PREFIXES), label="stored first")
    db = workdir / f"posted-{data.draw(st.integers(0, 10**12), label='name')}.db"
    shutil.copyfile(workdir / f"prefix-{prefix}.db", db)
    body = ("\n".join(_render(e) for e in lines) + "\n").encode("utf-8", "surrogatepass")
    note(f"stored first: {prefix} lines; the body:\n{body.decode('utf-8', 'replace')}")
    try:
        before = rows(db)
        # the service's lifespan closes the ledgers it keeps open, before the file is removed below
        with TestClient(create_app(str(db))) as service:
            single = _render(lines[data.draw(st.integers(0, len(lines) - 1), label="posted alone")])
            outcome = answered_or_refused(service.post("/events", content=single.encode("utf-8", "surrogatepass")))
            if outcome.startswith("refused"):
                assert rows(db) == before, f"the refused event ({outcome}) changed the store"
            before = rows(db)
            outcome = answered_or_refused(service.post("/import", content=body))
            event(f"import {outcome}")
            if outcome.startswith("refused"):
                assert rows(db) == before, f"the refused import ({outcome}) changed the store"
            else:
                ask_everything(service)
    finally:
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            path.unlink(missing_ok=True)  # a later example may draw the same name: no stale journal may remain


# The command lines -----------------------------------------------------------------------------------------

ROUTES = {"state": "/state", "exercise-quote": "/exercise-quote", "notices": "/notices",
          "notice-letter": "/notice-letter", "audit": "/audit", "log": "/log", "verify": "/verify"}


def as_request(args: list[str]) -> tuple[str, str, bytes | None]:
    """A command line of ``test_fuzz_cli`` as the request that asks the same: method, path with its query
    (options become parameters, ``--as-of`` ``as_of``; a value's bytes sent as they are, surrogates too),
    body (``record``'s event)."""
    command, rest = args[0], args[1:]

    def raw(text: str) -> str:
        return quote(text.encode("utf-8", "surrogatepass"), safe="")
    query: list[str] = []
    body = None
    if command == "notice-letter":
        query.append(f"obligation={raw(rest.pop(0))}")
    if command == "record":
        body = rest.pop(0).encode("utf-8", "surrogatepass")
    while rest:
        option = rest.pop(0)
        if option in ("--json", "--help", "--rebuild", "--nope"):
            continue
        name = option.lstrip("-").replace("-", "_") or "_"
        value = rest.pop(0) if rest and option in ("--company", *_options(command)) else ""
        query.append(f"{name}={raw(value)}")
    path = ROUTES.get(command, "/events") + ("?" + "&".join(query) if query else "")
    return ("POST" if command == "record" else "GET"), path, body


def _options(command: str) -> set[str]:
    return set(test_fuzz_cli.COMMANDS[(command,)])


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=test_fuzz_cli.command_lines())
def test_any_command_line_sent_as_a_request_is_answered_or_refused_with_a_code(juniper_store, args):  # noqa: F811
    service = _services.setdefault(str(juniper_store), TestClient(create_app(str(juniper_store))))
    before = test_fuzz_cli.hashes(juniper_store)
    method, path, body = as_request(args)
    note(f"{method} {path} {body!r}")
    outcome = answered_or_refused(service.request(method, path, content=body))
    event(f"{args[0]} {outcome.split(' ')[0]}")
    if method == "POST" and outcome.startswith("refused"):
        assert test_fuzz_cli.hashes(juniper_store) == before, "a refused event changed the store"


_services: dict[str, TestClient] = {}


# Writers at once ---------------------------------------------------------------------------------------------

WRITERS, EACH = 6, 8


def test_writers_posting_at_once_through_two_services_lose_and_duplicate_nothing(db):
    first, second = TestClient(create_app(db)), TestClient(create_app(db))
    assert first.post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY)).status_code == 200
    start = threading.Barrier(WRITERS)

    def writer(k: int) -> list[tuple[str, int, str]]:
        service = (first, second)[k % 2]
        start.wait()
        outcomes = []
        for n in range(EACH):
            # Each writer's own issuances, and a listing every writer posts under one id: stored once.
            posted = ({"type": "SharesIssued", "id": f"w{k}-{n}", "effective": f"1999-0{1 + n % 9}-{1 + k:02d}",
                       "class": "common", "holder": f"Holder {k}-{n}", "shares": 10, "price_per_share": "20.00"}
                      if n % 4 else {"type": "Listed", "id": f"listed-{n}", "effective": "1999-06-25",
                                     "class": "common", "exchange": "NASDAQ"})
            answer = service.post("/events", json=posted)
            outcomes.append((posted["id"], answer.status_code, answered_or_refused(answer)))
        return outcomes

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = [o for each in pool.map(writer, range(WRITERS)) for o in each]
    assert {status for _, status, _ in outcomes} <= {200, 201, 409}, outcomes
    assert all(text == "refused 409 concurrent_write" for _, status, text in outcomes if status == 409)
    stored_now = {posted for posted, status, _ in outcomes if status == 201}
    told_stored = {posted for posted, status, _ in outcomes if status == 200}  # already stored: by another post
    with captable.open(db) as books:
        logged = [e.id for e in books.log(company="acme").events][len(COMPANY):]
        assert books.verify().body["intact"] is True
    assert len(logged) == len(set(logged)), "an event stored twice"
    assert set(logged) == stored_now, "an acknowledged event missing, or an unacknowledged one stored"
    assert told_stored <= stored_now
    assert len(stored_now) > WRITERS, "too few writes went through to show anything"
    print(f"{WRITERS} writers through 2 services: {len(stored_now)} stored, "
          f"{sum(s == 409 for _, s, _ in outcomes)} concurrent_write, {len(told_stored)} already stored")

