"""The page for people at ``/``: the figures ``state --json`` gives, written as the letters write them, links that
step the date event by event, nothing loaded from elsewhere, the same tokens as every route, and a real
headless Chromium drawing it (its screenshot kept in the test's directory)."""

from __future__ import annotations

import hashlib
import html
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from captable import prose
from captable.access import parse_tokens
from captable.service import create_app
from tests.conftest import COMPANY, JUNIPER, ROOT
from tests.test_audit_html import _chromium
from tests.test_cli import jsonl, run


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("page") / "juniper.db")
    assert run(db, "import", str(JUNIPER / "events.jsonl")).exit_code == 0
    return db


@pytest.fixture(scope="module")
def client(store: str) -> TestClient:
    return TestClient(create_app(store))


def state(db: str, as_of: str) -> dict:
    return json.loads(run(db, "state", "--as-of", as_of, "--json").stdout)


def text(page: str) -> str:
    """The page's words, without its tags and entities, one space apart."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def links(page: str) -> dict[str, str]:
    return {rel: html.unescape(href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', page)}


@pytest.mark.parametrize("as_of", ["1999-07-01", "2003-12-31"])
def test_the_page_shows_the_warrant_as_state_json_gives_it(client, store, as_of):
    answer = client.get("/", params={"as_of": as_of})
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/html; charset=utf-8"
    page = answer.text
    words = text(page)
    warrant = next(w for w in state(store, as_of)["warrants"] if w["warrant"] == "VLL2-C-1")
    price, shares = Fraction(warrant["stock_purchase_price"]), Fraction(warrant["shares_purchasable"])
    assert f"Stock Purchase Price {prose.price(price).text}" in words
    if prose.price(price).rounded:  # a rounded figure carries its exact value
        assert f"exactly {prose.exact_text(price, money=True)}" in words
    assert f"Shares purchasable {prose.shares(shares).text}" in words
    assert f"Status {warrant['status']}" in words
    for adjustment in warrant["adjustments"]:
        assert adjustment["section"] in words
    assert "None" not in words and "undefined" not in words.lower()
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", page), "the page must load nothing"
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert f'href="/audit?format=html&amp;as_of={as_of}"' in page


def test_juniper_figures_as_the_letters_write_them(client):
    words = text(client.get("/", params={"as_of": "1999-07-01"}).text)
    assert "Stock Purchase Price $5.95 (exactly $893/150 = $5.953333…)" in words
    assert "Shares purchasable 30,571.5" in words
    assert "§1(a) preferred-converted" in words
    assert "71,000,000" in words  # common authorized, with separators
    assert "Expires December 15, 2003, 17:00 (UTC-08:00)" in words
    assert "§4.5" in words and "promptly (no fixed day)" in words  # the notice of adjustment is owed


def test_the_links_step_event_by_event(client, store):
    effective = sorted({json.loads(line)["effective"][:10]
                        for line in (JUNIPER / "events.jsonl").read_text(encoding="utf-8").splitlines()})
    assert links(client.get("/", params={"as_of": "1999-07-01"}).text) == {
        "prev": "/?as_of=1999-06-30", "next": "/?as_of=2000-01-18"}
    # From the first event's day, next after next reaches every effective day in order, and back again.
    day, seen = effective[0], [effective[0]]
    while (step := links(client.get("/", params={"as_of": day}).text).get("next")) is not None:
        day = step.removeprefix("/?as_of=")
        seen.append(day)
    assert seen == effective
    back = [day]
    while (step := links(client.get("/", params={"as_of": day}).text).get("prev")) is not None:
        day = step.removeprefix("/?as_of=")
        back.append(day)
    assert back == effective[::-1]
    assert "No later event" in client.get("/", params={"as_of": "2003-12-31"}).text


def test_a_day_before_the_books_begin_says_so_in_each_part(client):
    page = text(client.get("/", params={"as_of": "1990-01-01"}).text)
    assert all(said in page for said in ("No earlier event", "No warrant issued by this day.",
                                         "No class of shares by this day.", "Nothing owed on this day."))


def test_a_date_time_is_shown_as_that_instant_and_steps_by_its_day(client):
    page = client.get("/", params={"as_of": "1999-06-30T12:00:00-07:00"}).text
    assert "as of June 30, 1999, 12:00 (UTC-07:00)" in text(page)
    assert links(page) == {"prev": "/?as_of=1999-06-25", "next": "/?as_of=2000-01-18"}
    assert 'href="/audit?format=html&amp;as_of=1999-06-30T12%3A00%3A00-07%3A00"' in page


LATE = {"type": "SharesIssued", "id": "late-issue", "effective": "1999-09-01", "class": "common",
        "holder": "Late Holder", "shares": 1000, "price_per_share": "100.00"}


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """Juniper imported, then one issuance recorded later; and the recorded instant between the two."""
    db = str(tmp_path_factory.mktemp("amended") / "juniper.db")
    assert run(db, "import", str(JUNIPER / "events.jsonl")).exit_code == 0
    imported = json.loads(run(db, "log", "--json").stdout)["events"][-1]["recorded"]
    time.sleep(0.01)
    assert run(db, "record", json.dumps(LATE)).exit_code == 0
    return db, imported


def test_known_at_shows_the_books_as_they_stood_and_steps_among_what_they_held(amended):
    db, imported = amended
    client = TestClient(create_app(db))
    latest = client.get("/", params={"as_of": "1999-10-01"}).text
    then = client.get("/", params={"as_of": "1999-10-01", "known_at": imported}).text
    assert "Late Holder" in text(latest) and "Late Holder" not in text(then)
    assert "as the books stood at" in text(then) and "as the books stood at" not in text(latest)
    assert f'name="known_at" value="{html.escape(imported)}"' in then
    holders = {h["holder"] for c in json.loads(run(db, "state", "--as-of", "1999-10-01", "--known-at", imported,
                                                   "--json").stdout)["classes"] for h in c["holders"]}
    assert "Late Holder" not in holders and all(h in text(then) for h in holders)
    assert links(client.get("/", params={"as_of": "1999-07-01"}).text)["next"] == "/?as_of=1999-09-01"
    stepped = links(client.get("/", params={"as_of": "1999-07-01", "known_at": imported}).text)
    assert stepped == {"prev": f"/?as_of=1999-06-30&known_at={quote(imported, safe='')}",
                       "next": f"/?as_of=2000-01-18&known_at={quote(imported, safe='')}"}
    assert f"as_of=1999-10-01&amp;known_at={quote(imported, safe='')}" in then  # the audit link keeps it
    # The form's empty field is everything recorded, as no field is.
    assert text(client.get("/", params={"as_of": "1999-10-01", "known_at": ""}).text) == text(latest)
    assert client.get("/", params={"as_of": "1999-10-01", "known_at": "1999-13-01"}).json()["error"]["field"] \
        == "known_at"


def test_steps_are_the_same_from_the_index_and_from_the_whole_stream(amended, monkeypatch):
    from captable import front_page
    from captable.api import Books
    from captable.ledger import Ledger

    db, imported = amended
    days = ["1997-09-30", "1999-06-30", "1999-07-01", "1999-09-01", "2000-01-18", "2003-12-31"]
    with Books(db) as books:
        indexed = [front_page.steps(books, "juniper", front_page.shown_day(d), k) for d in days
                   for k in (None, imported)]
        monkeypatch.setattr(Ledger, "latest", lambda self, company: None)  # no catalog: the whole stream
        streamed = [front_page.steps(books, "juniper", front_page.shown_day(d), k) for d in days
                    for k in (None, imported)]
    assert indexed == streamed


def test_a_store_of_several_companies_offers_a_choice(tmp_path):
    db = str(tmp_path / "two.db")
    assert run(db, "import", str(JUNIPER / "events.jsonl")).exit_code == 0
    assert run(db, "import", str(jsonl(tmp_path / "acme.jsonl", *COMPANY))).exit_code == 0
    client = TestClient(create_app(db))
    page = client.get("/", params={"as_of": "1999-07-01"}).text
    assert '<select name="company">' in page and '<option value="acme">' in page
    assert 'href="/audit?format=html&amp;as_of=1999-07-01&amp;company=juniper"' in page
    acme = client.get("/", params={"company": "acme", "as_of": "1999-07-01"}).text
    assert "Acme, Inc." in acme and '<option value="acme" selected>' in acme
    assert client.get("/", params={"company": "acne"}).status_code == 404


def test_a_refused_date_or_parameter_is_the_routes_refusal(client):
    assert client.get("/", params={"as_of": "1999-13-01"}).json()["error"]["field"] == "as_of"
    assert client.get("/", params={"asof": "1999-07-01"}).status_code == 400


def test_the_page_obeys_the_tokens(store):
    token = "page-reader-token"
    client = TestClient(create_app(store, parse_tokens(f"clerk:reader:{hashlib.sha256(token.encode()).hexdigest()}",
                                                       "test")))
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/", params={"as_of": "1999-07-01"},
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_document_declares_the_page_as_html(client):
    document = client.get("/openapi.json").json()
    assert list(document["paths"]["/"]["get"]["responses"]["200"]["content"]) == ["text/html; charset=utf-8"]


def test_chromium_draws_the_page_served_over_loopback(amended, tmp_path):
    store, imported = amended
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    url = f"http://127.0.0.1:{port}/?as_of=1999-10-01"
    known = f"{url}&known_at={quote(imported, safe='')}"
    server = subprocess.Popen([str(Path(sys.executable).with_name("captable")), "--db", store, "serve", "--port",
                               str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(server.stdout.read1().decode() if server.stdout else "no server")
        dom = _chromium("--dump-dom", url)
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert "Uncaught" not in dom.stderr and "Failed to load" not in dom.stderr
        assert "Stock Purchase Price" in dom.stdout and 'rel="next"' in dom.stdout
        assert "Late Holder" in dom.stdout and "as the books stood at" not in dom.stdout
        then = _chromium("--dump-dom", known)
        assert then.returncode == 0 and "Uncaught" not in then.stderr, then.stderr[-2000:]
        assert "as the books stood at" in then.stdout and "Late Holder" not in then.stdout
        assert f'value="{imported}"' in then.stdout  # the form's known-at field, filled in
        for name, page in (("page.png", url), ("page-known-at.png", known)):
            shot = tmp_path / name
            picture = _chromium(f"--screenshot={shot}", "--window-size=1100,1500", page)
            assert picture.returncode == 0 and shot.stat().st_size > 10_000
            print(f"screenshot: {shot}")
    finally:
        server.terminate()
        server.wait(timeout=10)
