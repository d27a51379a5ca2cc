"""The HTTP service: the command line's JSON byte for byte, its refusal codes as 4xx bodies, and the
OpenAPI document that docs/http.md is written from. In process (FastAPI's TestClient): no network."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import captable

from captable import errors, http_reference
from captable.service import create_app
from captable.store import Store
from tests.conftest import COMPANY, JUNIPER, ROOT
from tests.test_cli import juniper, run  # noqa: F401  (juniper: a fixture)

EVENTS = JUNIPER / "events.jsonl"
LISTED = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}


@pytest.fixture
def client(juniper):
    return TestClient(create_app(juniper))


# The same answers as the command line ----------------------------------------------------------------

SAME = [
    ("/state?as_of=2000-07-01", ["state", "--as-of", "2000-07-01", "--json"]),
    ("/state?as_of=1999-07-01&known_at=2100-01-01&warrant=VLL2-C-1",
     ["state", "--as-of", "1999-07-01", "--known-at", "2100-01-01", "--warrant", "VLL2-C-1", "--json"]),
    ("/exercise-quote?warrant=VLL2-C-1&shares=all&at=1999-07-01",
     ["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "all", "--at", "1999-07-01", "--json"]),
    ("/exercise-quote?warrant=VLL2-C-1&shares=ALL&at=1999-06-29&net=public_offering&offering=ipo-priced",
     ["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "ALL", "--at", "1999-06-29", "--net",
      "public_offering", "--offering", "ipo-priced", "--json"]),
    ("/notices?as_of=2003-12-31", ["notices", "--as-of", "2003-12-31", "--json"]),
    ("/notices?as_of=2003-12-31&status=open&status=overdue",
     ["notices", "--as-of", "2003-12-31", "--status", "open", "--status", "overdue", "--json"]),
    ("/notice-letter?obligation=VLL2-C-1/4.5/preferred-converted&date=1999-07-01",
     ["notice-letter", "VLL2-C-1/4.5/preferred-converted", "--date", "1999-07-01", "--json"]),
    ("/notice-letter?obligation=VLL2-C-1/4.5/preferred-converted&date=1999-07-01&format=html",
     ["notice-letter", "VLL2-C-1/4.5/preferred-converted", "--date", "1999-07-01", "--format", "html"]),
    ("/audit?as_of=2003-12-31", ["audit", "--as-of", "2003-12-31", "--format", "json"]),
    ("/audit?as_of=2003-12-31&known_at=2100-01-01&warrant=VLL2-C-1",
     ["audit", "--as-of", "2003-12-31", "--known-at", "2100-01-01", "--warrant", "VLL2-C-1", "--json"]),
    ("/audit?as_of=2003-12-31&format=markdown", ["audit", "--as-of", "2003-12-31", "--format", "markdown"]),
    ("/audit?as_of=2003-12-31&format=text", ["audit", "--as-of", "2003-12-31"]),
    ("/audit?as_of=2003-12-31&format=html", ["audit", "--as-of", "2003-12-31", "--format", "html"]),
    ("/audit/diff?from=2000-01-01&to=2100-01-01&as_of=2003-12-31",
     ["audit", "--diff", "2000-01-01", "2100-01-01", "--as-of", "2003-12-31", "--json"]),
    ("/log", ["log", "--json"]),
    ("/verify", ["verify", "--json"]),
    ("/verify?derived=true", ["verify", "--derived", "--json"]),
]


@pytest.mark.parametrize("path, args", SAME, ids=[p for p, _ in SAME])
def test_each_question_answers_byte_for_byte_what_the_command_line_prints(juniper, client, path, args):
    printed = run(juniper, *args)
    assert printed.exit_code == 0, printed.stderr
    answered = client.get(path)
    assert answered.status_code == 200, answered.text
    assert answered.content == printed.stdout_bytes


def test_an_event_by_id_is_its_line_of_the_log(juniper, client):
    logged = json.loads(run(juniper, "log", "--json").stdout)
    row = next(e for e in logged["events"] if e["id"] == "split-2000-06")
    assert client.get("/events/split-2000-06").json() == {"company": "juniper", **row}


def test_the_icalendar_file_is_the_command_lines(juniper, client, tmp_path):
    assert run(juniper, "notices", "--as-of", "2003-12-31", "--ics", str(tmp_path / "due.ics")).exit_code == 0
    answered = client.get("/notices.ics?as_of=2003-12-31")
    assert answered.headers["content-type"].startswith("text/calendar")
    stamp = re.compile(rb"DTSTAMP:[0-9TZ]+")
    assert stamp.sub(b"", answered.content) == stamp.sub(b"", (tmp_path / "due.ics").read_bytes())


# Refusals: the command line's codes, with statuses -----------------------------------------------------

@pytest.mark.parametrize("path, status, code", [
    ("/state?as_of=1999-13-01", 400, "usage"),
    ("/state?as_of=2000-01-01T00:00:00", 400, "usage"),
    ("/notices?status=late-ish", 400, "usage"),
    ("/notices.ics?remind_days=-1", 400, "usage"),
    ("/exercise-quote?warrant=VLL2-C-1", 400, "usage"),
    ("/audit?format=pdf", 400, "usage"),
    ("/state?asof=2000-07-01", 400, "usage"),
    ("/log?as_of=2000-07-01", 400, "usage"),
    ("/state?company=acme", 404, "unknown_company"),
    ("/state?warrant=W-9", 404, "unknown_warrant"),
    ("/exercise-quote?warrant=W-9&shares=1&at=1999-07-01", 404, "unknown_warrant"),
    ("/events/no-such-event", 404, "unknown_event"),
    ("/notice-letter?obligation=nope&date=1999-07-01", 404, "unknown_obligation"),
    ("/no-such-route", 404, "usage"),
    ("/exercise-quote?warrant=VLL2-C-1&shares=all&at=2004-01-01", 422, "warrant_expired"),
    ("/exercise-quote?warrant=VLL2-C-1&shares=all&at=1999-07-01&net=board", 422, "method_not_available"),
])
def test_a_refusal_is_the_command_lines_error_with_a_4xx_status(client, path, status, code):
    answered = client.get(path)
    assert answered.status_code == status, answered.text
    assert answered.json()["error"]["code"] == code
    assert set(answered.json()["error"]) >= {"code", "section", "field", "value", "message"}


def test_an_unknown_parameter_is_refused_naming_the_nearest(client):
    answered = client.get("/state?asof=2000-07-01")
    assert answered.json()["error"]["field"] == "asof"
    assert "the parameters it takes are 'as_of'" in answered.json()["error"]["message"]


def test_a_question_to_a_store_of_several_companies_must_name_one(juniper, tmp_path):
    service = TestClient(create_app(juniper))
    assert service.post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY)).status_code == 200
    answered = service.get("/state")
    assert (answered.status_code, answered.json()["error"]["code"]) == (400, "company_required")
    assert service.get("/state?company=acme").json()["company"] == "acme"


def test_no_store_is_a_404_and_none_is_created(tmp_path):
    answered = TestClient(create_app(str(tmp_path / "none.db"))).get("/state")
    assert (answered.status_code, answered.json()["error"]["code"]) == (404, "store_not_found")
    assert not (tmp_path / "none.db").exists()


# Writes ------------------------------------------------------------------------------------------------

def test_an_event_is_recorded_once_and_posting_it_again_stores_nothing(db):
    service = TestClient(create_app(db))
    body = "".join(json.dumps(e) + "\n" for e in COMPANY)
    assert service.post("/import", content=body).json() == {"stored": {"acme": 6}, "already_stored": 0}
    first = service.post("/events", json=LISTED)
    assert (first.status_code, first.json()["ids"]) == (201, ["listed"])
    again = service.post("/events", json=LISTED)
    assert (again.status_code, again.json()["already_stored"]) == (200, 1)
    assert [e["id"] for e in service.get("/log").json()["events"]][-1] == "listed"


@pytest.mark.parametrize("body, status, code", [
    ('{"type": "Listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ", "class": "x"}',
     422, "duplicate_key"),
    ('{"type": "WarrantExercised", "effective": "1998-03-02", "warrant": "W-1", "shares": 1000, "payment": 8930.0}',
     422, "invalid_event"),
    ('{"type": "WarrantExercised", "effective": "1998-03-02", "warrant": "W-1", "shares": 1000, '
     '"payment": "1.00"}', 422, "payment_mismatch"),
    ('{"type": "WarrantExercised", "effective": "1998-03-02", "warrant": "W-9", "shares": 1, "payment": "8.93"}',
     422, "unknown_warrant"),
    ("{not json", 422, "malformed_json"),
    (b"\xff\xfe", 422, "unreadable_input"),
])
def test_refused_input_is_a_422_and_stores_nothing(tmp_path, body, status, code):
    service = TestClient(create_app(str(tmp_path / "x.db")))
    service.post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY))
    answered = service.post("/events", content=body)
    assert (answered.status_code, answered.json()["error"]["code"]) == (status, code)
    assert len(service.get("/log").json()["events"]) == len(COMPANY)


def test_an_import_reports_every_malformed_line_and_stores_nothing(tmp_path):
    service = TestClient(create_app(str(tmp_path / "x.db")))
    answered = service.post("/import", content=json.dumps(COMPANY[0]) + "\n{oops\n\n[1]\n")
    assert answered.status_code == 422
    assert [e["line"] for e in answered.json()["errors"]] == [2, 4]
    assert not (tmp_path / "x.db").exists()


def test_a_lost_race_is_a_409_concurrent_write_and_stores_nothing(db, monkeypatch):
    service = TestClient(create_app(db))
    service.post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY))
    append = Store.append

    def another_writer_first(store, *args, **kwargs):  # decided, then another process stores before this one
        monkeypatch.setattr(Store, "append", append)
        with captable.open(db, actor="other desk") as other:
            other.record({**LISTED, "id": "listed-by-other"})
        return append(store, *args, **kwargs)
    monkeypatch.setattr(Store, "append", another_writer_first)
    answered = service.post("/events", json=LISTED)
    assert (answered.status_code, answered.json()["error"]["code"]) == (409, "concurrent_write")
    assert [e["id"] for e in service.get("/log").json()["events"]][len(COMPANY):] == ["listed-by-other"]


def test_concurrent_posts_each_store_once_or_are_told_to_send_again(db):
    service = TestClient(create_app(db))
    service.post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY))
    posts = [{"type": "SharesIssued", "id": f"issue-{n}", "effective": f"1999-01-{n + 1:02d}", "class": "common",
              "holder": f"Holder {n}", "shares": 10, "price_per_share": "20.00"} for n in range(12)]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda event: service.post("/events", json=event), posts))
    assert {a.status_code for a in answers} <= {201, 409}
    stored = {a.json()["ids"][0] for a in answers if a.status_code == 201}
    logged = [e["id"] for e in service.get("/log").json()["events"]][len(COMPANY):]
    assert sorted(logged) == sorted(stored) and len(set(logged)) == len(logged)


def test_a_body_over_the_limit_is_a_413_and_stores_nothing(tmp_path):
    service = TestClient(create_app(str(tmp_path / "x.db"), max_body=1000))
    body = "".join(json.dumps(e) + "\n" for e in COMPANY)
    assert len(body) > 1000
    answered = service.post("/import", content=body)
    assert (answered.status_code, answered.json()["error"]["code"]) == (413, "too_large")
    streamed = service.post("/import", content=iter([body[:600].encode(), body[600:].encode()]))
    assert (streamed.status_code, streamed.json()["error"]["code"]) == (413, "too_large")
    assert not (tmp_path / "x.db").exists()


# The published description ------------------------------------------------------------------------------

def test_openapi_names_every_route_with_examples_and_the_event_schema(client):
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) >= {"/state", "/exercise-quote", "/notices", "/notices.ics", "/notice-letter",
                                      "/audit", "/audit/diff", "/log", "/events/{event_id}", "/verify", "/head",
                                      "/events", "/import"}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            answers = operation["responses"]
            assert "422" not in answers or answers["422"]["description"] != "Validation Error", path
            ok = answers.get("200") or answers.get("201")
            assert any("example" in c for c in ok.get("content", {}).values()) or path == "/notices.ics", path
    event = document["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]
    assert event["schema"] == {"$ref": "#/components/schemas/Event"}
    assert "WarrantExercised" in document["components"]["schemas"]
    assert "$defs" not in json.dumps(document)


def test_docs_http_md_is_written_from_the_openapi_document():
    generated = http_reference.markdown(http_reference.published())
    doc = ROOT / "docs" / "http.md"
    if os.environ.get("CAPTABLE_REGENERATE_GOLDEN"):
        doc.write_text(generated, encoding="utf-8")
    assert doc.read_text(encoding="utf-8") == generated, "regenerate: python -m captable.http_reference > docs/http.md"


# captable serve ------------------------------------------------------------------------------------------

def test_serve_refuses_to_answer_beyond_this_machine_without_tokens(juniper):
    result = run(juniper, "serve", "--host", "0.0.0.0", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "host"
    assert "give --tokens to listen beyond this machine" in result.stderr


def test_serve_answers_over_loopback(juniper):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    captable_script = str(Path(sys.executable).with_name("captable"))
    server = subprocess.Popen([captable_script, "--db", juniper, "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/state?as_of=2000-07-01", timeout=5) as answer:
                    body = answer.read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(server.stdout.read1().decode() if server.stdout else "no server")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert body == run(juniper, "state", "--as-of", "2000-07-01", "--json").stdout_bytes


def test_options_and_convertibles_are_the_command_lines_bytes_and_in_the_state_schema(tmp_path):
    """A cap table with grants and a SAFE outstanding (Cobalt Health): the same bytes over HTTP, and the
    OpenAPI State schema names both lists, which appear only when some are outstanding."""
    from jsonschema import Draft202012Validator

    db = str(tmp_path / "cobalt.db")
    assert run(db, "ocf", "import", str(ROOT / "fixtures" / "ocf" / "cobalt_health")).exit_code == 0
    service = TestClient(create_app(db))
    printed = run(db, "state", "--as-of", "2022-12-31", "--json")
    answered = service.get("/state?as_of=2022-12-31")
    assert answered.status_code == 200 and answered.content == printed.stdout_bytes
    body = answered.json()
    assert [g["grant"] for g in body["options"]] == ["ocf:grant-eq-1", "ocf:grant-eq-2"]
    assert [c["convertible"] for c in body["convertibles"]] == ["SAFE-2"]
    document = service.get("/openapi.json").json()
    schema = document["components"]["schemas"]["State"]
    assert {"options", "convertibles"} <= set(schema["properties"]) and "options" not in schema["required"]
    validator = Draft202012Validator(schema)
    assert list(validator.iter_errors(body)) == []
    body["convertibles"][0]["investment"] = 750000
    assert list(validator.iter_errors(body)) != []
