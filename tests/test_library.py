"""The library (``captable.open``): typed answers whose JSON is byte for byte the command line's, and
refusals raised with the command line's codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, timezone
from fractions import Fraction
from pathlib import Path

import pytest

import captable
from captable.answers import json_text
from tests.conftest import COMPANY, JUNIPER, ROOT
from tests.test_cli import juniper, run  # noqa: F401  (juniper: a fixture)


def test_importing_captable_loads_nothing_but_the_package():
    code = "import sys, captable; print(sorted(m for m in sys.modules if m.startswith(('captable', 'pydantic'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['captable']"


QUESTIONS = [
    (["state", "--as-of", "2000-07-01"], lambda b: b.state(as_of="2000-07-01")),
    (["state", "--as-of", "1999-07-01", "--warrant", "VLL2-C-1"], lambda b: b.state("1999-07-01", warrant="VLL2-C-1")),
    (["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "all", "--at", "1999-07-01"],
     lambda b: b.exercise_quote("VLL2-C-1", "all", at="1999-07-01")),
    (["exercise-quote", "--warrant", "VLL2-C-1", "--shares", "1000", "--at", "1999-06-29", "--net",
      "public_offering", "--offering", "ipo-priced"],
     lambda b: b.exercise_quote("VLL2-C-1", 1000, "1999-06-29", net="public_offering", offering="ipo-priced")),
    (["notices", "--as-of", "2003-12-31"], lambda b: b.notices(as_of="2003-12-31")),
    (["audit", "--as-of", "2003-12-31", "--format", "json"], lambda b: b.audit(as_of="2003-12-31")),
    (["log"], lambda b: b.log()),
]


@pytest.mark.parametrize("args, ask", QUESTIONS, ids=[" ".join(q[0][:2]) for q in QUESTIONS])
def test_each_answer_is_byte_for_byte_the_command_lines_json(juniper, args, ask):
    printed = run(juniper, *args, *([] if "--format" in args else ["--json"]))
    assert printed.exit_code == 0, printed.stderr
    with captable.open(juniper) as books:
        assert json_text(ask(books).to_json()) == printed.stdout


def test_state_is_typed_with_exact_fractions_and_aware_instants(juniper):
    with captable.open(juniper) as books:
        state = books.state(as_of=date(2000, 7, 1))
    terms = state.warrant("VLL2-C-1")
    assert terms.stock_purchase_price == Fraction(893, 900) and isinstance(terms.shares_purchasable, Fraction)
    assert terms.aggregate_purchase_price == terms.stock_purchase_price * terms.shares_purchasable
    assert terms.expires == datetime(2004, 12, 16, 1, 0, tzinfo=timezone.utc) - (datetime(2004, 12, 16, 1)
                                                                                - datetime(2003, 12, 16, 1))
    assert terms.expires.utcoffset() is not None
    common = next(c for c in state.classes if c.class_ == "common")
    assert common.available == common.authorized - common.outstanding - common.reserved


def test_a_date_and_its_text_give_the_same_answer_and_a_naive_datetime_is_refused(juniper):
    with captable.open(juniper) as books:
        assert books.state(as_of=date(2000, 7, 1)).to_json() == books.state(as_of="2000-07-01").to_json()
        with pytest.raises(captable.Refused) as refused:
            books.state(as_of=datetime(2000, 7, 1, 12))
    assert refused.value.code == "usage" and refused.value.field == "as_of"


@pytest.mark.parametrize("ask, code", [
    (lambda b: b.state(warrant="W-9"), "unknown_warrant"),
    (lambda b: b.state(company="acme"), "unknown_company"),
    (lambda b: b.event("no-such-event"), "unknown_event"),
    (lambda b: b.exercise_quote("VLL2-C-1", 0, "1999-07-01"), "usage"),
    (lambda b: b.exercise_quote("VLL2-C-1", "all", "2004-01-01"), "warrant_expired"),
    (lambda b: b.notices(status=["late-ish"]), "usage"),
])
def test_a_refusal_is_raised_with_the_command_lines_code(juniper, ask, code):
    with captable.open(juniper) as books, pytest.raises(captable.Refused) as refused:
        ask(books)
    assert refused.value.code == code


def test_a_missing_store_is_refused_and_not_created(tmp_path):
    with pytest.raises(captable.Refused) as refused:
        captable.open(tmp_path / "none.db").state()
    assert refused.value.code == "store_not_found"
    assert not (tmp_path / "none.db").exists()


def test_writes_store_the_actor_and_a_refused_write_stores_nothing(db):
    with captable.open(db, actor="finance") as books:
        assert books.import_events([json.dumps(e) for e in COMPANY[:3]] + COMPANY[3:]).stored == {"acme": 6}
        again = books.import_events(COMPANY)
        assert (again.stored, again.already_stored) == ({}, 6)
        stored = books.record({"type": "Listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"})
        with pytest.raises(captable.Refused) as refused:
            books.record('{"type": "WarrantExercised", "effective": "1998-03-02", "warrant": "W-1", '
                         '"shares": 1000, "payment": "1.00"}')
        assert refused.value.code == "payment_mismatch"
        log = books.log()
    assert [e.id for e in log.events][-1] == stored.ids[0]
    assert {e.actor for e in log.events} == {"finance"}


def test_every_malformed_line_of_an_import_is_reported_at_once(tmp_path):
    with captable.open(tmp_path / "x.db") as books, pytest.raises(captable.Refused) as refused:
        books.import_events([json.dumps(COMPANY[0]), "{not json", {"type": "Nope", "effective": "1999-01-01"}])
    assert [refused.value.line, *[o.line for o in refused.value.others]] == [2, 3]
    assert not (tmp_path / "x.db").exists()


def test_notices_give_the_command_lines_icalendar_file(juniper, tmp_path):
    ics = tmp_path / "due.ics"
    assert run(juniper, "notices", "--as-of", "2003-12-31", "--ics", str(ics)).exit_code == 0
    with captable.open(juniper) as books:
        mine = books.notices(as_of="2003-12-31").ics()
    stamp = re.compile(rb"DTSTAMP:[0-9TZ]+")
    assert stamp.sub(b"", mine) == stamp.sub(b"", ics.read_bytes())


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.+?)\n```", path.read_text(encoding="utf-8"), re.S)


def test_the_example_in_docs_library_md_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    (example,) = python_blocks(ROOT / "docs" / "library.md")
    exec(compile(example, "docs/library.md", "exec"), {})


def test_the_readme_python_example_runs_on_the_juniper_store(tmp_path, monkeypatch, capsys):
    assert run(str(tmp_path / "juniper.db"), "import", str(JUNIPER / "events.jsonl")).exit_code == 0
    monkeypatch.chdir(tmp_path)
    (example,) = python_blocks(ROOT / "README.md")
    exec(compile(example, "README.md", "exec"), {})
    assert capsys.readouterr().out.startswith("893/900 183429\n")


def test_docs_library_md_names_every_public_member_of_books():
    from captable.api import Books

    page = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    documented = page.split("## What `captable.open(db)` gives")[1]
    members = [name for name in dir(Books) if not name.startswith("_")] + ["db", "actor", "company"]
    missing = [name for name in members if not re.search(rf"`(books\.)?{name}[`(]", documented)]
    assert missing == [], f"docs/library.md does not document Books.{missing}"


def test_options_and_convertibles_are_typed_and_the_command_lines_json(tmp_path):
    db = str(tmp_path / "cobalt.db")
    assert run(db, "ocf", "import", str(ROOT / "fixtures" / "ocf" / "cobalt_health")).exit_code == 0
    printed = run(db, "state", "--as-of", "2022-12-31", "--json")
    with captable.open(db) as books:
        state = books.state(as_of="2022-12-31")
        assert json_text(state.to_json()) == printed.stdout
        before = books.state(as_of="2018-12-31")
        juniper_like = books.state(as_of="2018-06-30")  # before any grant or SAFE
    assert [(g.grant, g.holder, g.shares, g.category) for g in state.options] == [
        ("ocf:grant-eq-1", "Priya Nair", Fraction(300000), "option_plan"),
        ("ocf:grant-eq-2", "Tom Becker", Fraction(200000), "option_plan")]
    [safe] = state.convertibles
    assert (safe.convertible, safe.investment, safe.valuation_cap, safe.discount, safe.issued) == (
        "SAFE-2", Fraction(750000), Fraction(30000000), Fraction(3, 20), date(2022, 10, 3))
    assert safe.interest_rate is None and safe.maturity is None
    assert [c.convertible for c in before.convertibles] == ["SAFE-1"] and before.options == ()
    assert juniper_like.options == () and juniper_like.convertibles == ()
    assert "options" not in juniper_like.to_json() and "convertibles" not in juniper_like.to_json()
