"""Warm answers: ETags that name the chain head and the question, 304 on a match, a bounded cache that never
serves an answer after the head has moved (a write by this service, another service on the same store, or
another process), and no tag where the answer depends on now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from captable import errors
from captable.api import Books
from captable.service import create_app
from captable.warm import Answers, matches
from tests.conftest import COMPANY
from tests.test_cli import juniper, run  # noqa: F401  (juniper: a fixture)
from tests.test_service import SAME

CAPTABLE = str(Path(sys.executable).with_name("captable"))
TAGGED = [(p, a) for p, a in SAME if not p.startswith(("/verify", "/notice-letter"))]
ISSUED = {"type": "SharesIssued", "effective": "1999-01-05", "class": "common", "holder": "New Holder",
          "shares": 10, "price_per_share": "20.00"}


def acme(db: str) -> TestClient:
    service = TestClient(create_app(db))
    assert service.post("/import", content="".join(json.dumps(e) + "\n" for e in COMPANY)).status_code == 200
    return service


@pytest.mark.parametrize("path, args", TAGGED, ids=[p for p, _ in TAGGED])
def test_a_kept_answer_is_byte_for_byte_the_command_lines(juniper, path, args):
    service = TestClient(create_app(juniper))
    printed = run(juniper, *args)
    first, again = service.get(path), service.get(path)
    assert first.headers["etag"] == again.headers["etag"]
    assert first.content == again.content == printed.stdout_bytes
    assert first.headers["content-type"] == again.headers["content-type"]


def test_a_matching_if_none_match_is_304_without_computing_the_answer(juniper, monkeypatch):
    service = TestClient(create_app(juniper))
    answered = service.get("/state?as_of=2000-07-01")
    tag = answered.headers["etag"]

    def not_asked(*args, **kwargs):
        raise AssertionError("the answer was computed")
    monkeypatch.setattr(Books, "state", not_asked)
    for sent in (tag, f"W/{tag}", f'"other", {tag}', "*"):  # "*": an answer is kept at this head
        again = service.get("/state?as_of=2000-07-01", headers={"If-None-Match": sent})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    kept = service.get("/state?as_of=2000-07-01")  # no header: the kept answer, still not computed
    assert (kept.status_code, kept.content) == (200, answered.content)
    stale = service.get("/state?as_of=2000-07-01", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_the_tag_names_every_parameter_as_sent(juniper):
    service = TestClient(create_app(juniper))
    tags = {service.get(p).headers["etag"] for p in (
        "/state?as_of=2000-07-01", "/state?as_of=2000-07-02", "/state?as_of=2000-07-01&known_at=2100-01-01",
        "/state?as_of=2000-07-01&warrant=VLL2-C-1", "/audit?as_of=2000-07-01", "/audit?as_of=2000-07-01&format=text")}
    assert len(tags) == 6


@pytest.mark.parametrize("path", ["/state", "/state?known_at=2100-01-01", "/notices", "/audit?format=text",
                                  "/audit/diff?from=2000-01-01&to=2100-01-01",
                                  "/exercise-quote?warrant=VLL2-C-1&shares=all",
                                  "/notices.ics?as_of=2003-12-31",
                                  "/notice-letter?obligation=VLL2-C-1/4.5/preferred-converted&date=1999-07-01",
                                  "/head", "/verify", "/companies"])
def test_no_tag_where_the_answer_depends_on_now(juniper, path):
    service = TestClient(create_app(juniper))
    answered = service.get(path)
    assert answered.status_code in (200, 422), answered.text  # a quote now is refused: the warrant expired
    assert "etag" not in answered.headers
    assert service.get(path, headers={"If-None-Match": "*"}).status_code == answered.status_code
    assert len(service.app.state.answers) == 0


def test_a_refusal_has_no_tag_and_is_not_kept(juniper):
    service = TestClient(create_app(juniper))
    for path in ("/state?as_of=2000-07-01&warrant=W-9", "/state?as_of=2000-07-01&company=acme",
                 "/exercise-quote?warrant=VLL2-C-1&shares=all&at=2004-01-01"):
        answered = service.get(path, headers={"If-None-Match": "*"})
        assert answered.status_code in (404, 422) and "etag" not in answered.headers
    assert len(service.app.state.answers) == 0


def test_an_event_recorded_by_another_service_changes_the_tag_and_the_answer(db):
    one, other = acme(db), TestClient(create_app(db))
    paths = ["/state?as_of=2100-01-01", "/log", "/audit?as_of=2100-01-01"]
    before = {p: one.get(p) for p in paths}
    assert other.post("/events", json=ISSUED).status_code == 201
    for path, old in before.items():
        assert one.get(path, headers={"If-None-Match": old.headers["etag"]}).status_code == 200
        after = one.get(path)
        assert after.headers["etag"] != old.headers["etag"] and after.content != old.content
        assert after.content == other.get(path).content



def test_an_event_recorded_by_the_command_line_in_another_process_is_never_served_stale(db):
    service = acme(db)
    old = service.get("/state?as_of=2100-01-01")
    recorded = subprocess.run([CAPTABLE, "--db", db, "record", json.dumps(ISSUED)], capture_output=True, text=True,
                              timeout=120)
    assert recorded.returncode == 0, recorded.stderr
    new = service.get("/state?as_of=2100-01-01")
    assert new.headers["etag"] != old.headers["etag"]
    assert new.content == run(db, "state", "--as-of", "2100-01-01", "--json").stdout_bytes != old.content
    assert service.get("/state?as_of=2100-01-01", headers={"If-None-Match": old.headers["etag"]}).status_code == 200


def test_a_write_through_the_same_service_moves_the_head(db):
    service = acme(db)
    old = service.get("/log")
    assert service.post("/events", json=ISSUED).status_code == 201
    new = service.get("/log", headers={"If-None-Match": old.headers["etag"]})
    assert new.status_code == 200 and len(new.json()["events"]) == len(old.json()["events"]) + 1


def test_a_tampered_journal_is_refused_even_when_the_answer_is_kept(juniper, monkeypatch):
    service = TestClient(create_app(juniper))
    assert service.get("/state?as_of=2000-07-01").status_code == 200
    from captable.store import Store

    def tampered(store, company, entry):
        raise errors.StoreTampered("the journal of 'juniper' is broken at commit 1: edited", company=company,
                                   part="journal", position=1)
    monkeypatch.setattr(Store, "last_commit", tampered)
    answered = service.get("/state?as_of=2000-07-01")
    assert (answered.status_code, answered.json()["error"]["code"]) == (500, "store_tampered")


def test_the_cache_is_bounded_by_count_and_by_bytes():
    kept = Answers(entries=2, size=800)
    kept.put("a", b"1" * 10, "application/json")
    kept.put("b", b"2" * 10, "application/json")
    assert kept.get("a") is not None  # a is now the most recent: b goes first
    kept.put("c", b"3" * 10, "application/json")
    assert (kept.get("b"), len(kept)) == (None, 2)
    kept.put("big", b"4" * 101, "application/json")  # over an eighth of the bytes: never kept
    assert kept.get("big") is None
    many = Answers(entries=100, size=800)
    for n in range(20):
        many.put(str(n), b"x" * 100, "text/plain")
    assert many.held <= 800 and len(many) == 8 and many.get("19") is not None


def test_if_none_match_compares_weakly_and_takes_a_list():
    assert matches('"a"', '"a"') and matches('W/"a"', '"a"') and matches('"b", "a"', '"a"')
    assert matches("*", '"a"', kept=True) and not matches("*", '"a"', kept=False)
    assert not matches(None, '"a"') and not matches('"b"', '"a"') and not matches("", '"a"')
