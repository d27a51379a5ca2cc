"""Letters for the holder (§4.5, §4.6): golden letters of every kind, what a body never holds, and refusals.

Each golden letter is drafted from a small history written here or from a
scenario fixture, dated on a day the company could mail it, and reviewed as a
diff (CAPTABLE_REGENERATE_GOLDEN=1 rewrites it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from captable import documents, prose
from captable.cli import app
from captable.intake import read_lines
from captable.ledger import Ledger
from captable.letter_parts import Letter, address_lines, stock_name
from captable.rules import conventions
from projections.state import CompanyState, Security
from tests.conftest import COMPANY, JUNIPER, record_all
from tests.test_obligations import golden

SCENARIOS = JUNIPER.parent / "scenarios"
BROWSER = os.environ.get("CAPTABLE_TEST_BROWSER")

# A company whose warrant is for Series C Preferred, and one event of each kind that calls for a notice.
# Ids are distinctive so that a test can tell that none reaches a letter.
ACME = [
    *COMPANY,
    {"type": "OptionsIssued", "id": "ev-plan-grant", "effective": "1998-01-05", "class": "common",
     "holder": "Employees", "shares": 150000, "exercise_price": "0.50", "kind": "option", "category": "option_plan",
     "source": "Stock option plan grants, INTERNAL NOTE 1"},
    {"type": "ShareClassCreated", "id": "ev-series-d", "effective": "1998-05-01", "class": "series_d",
     "name": "Series D Preferred Stock", "kind": "preferred", "authorized": 500000, "converts_to": "common",
     "conversion_ratio": "1"},
    {"type": "SharesIssued", "id": "ev-series-d-sale", "effective": "1998-06-01", "class": "series_d",
     "holder": "Fund II", "shares": 300000, "price_per_share": "4.00",
     "source": "Series D purchase agreement; closing date assumed, INTERNAL NOTE 2"},
    {"type": "SubscriptionOffered", "id": "ev-rights", "effective": "1998-08-03", "class": "series_c",
     "record_date": "1998-09-15", "description": "one right for each ten shares held, to buy Series D Preferred "
                                                 "Stock at $4.00 per share"},
    {"type": "CashDividend", "id": "ev-cash", "effective": "1998-09-01", "class": "common",
     "record_date": "1998-10-30", "amount_per_share": "0.05", "source": "Board minutes, INTERNAL NOTE 3"},
    {"type": "StockDividend", "id": "ev-stock-dividend", "effective": "1998-11-02", "class": "series_c",
     "record_date": "1998-12-01", "paid_class": "series_c", "shares_per_share": "1/20"},
    {"type": "OtherActionProposed", "id": "ev-amendment", "effective": "1999-01-04", "record_date": "1999-02-15",
     "expected_effective": "1999-03-15", "description": "an amendment of the Articles of Incorporation increasing "
                                                         "the authorized Common Stock to 50,000,000 shares"},
    {"type": "DissolutionApproved", "id": "ev-dissolution", "effective": "1999-05-03", "voluntary": True,
     "expected_effective": "1999-07-30"},
]

# A warrant for common, whose common is reclassified: §4.6(d) notices, then a §4.5 notice under §4.3.
BIRCH = [
    {"type": "CompanyFormed", "id": "ev-formed", "effective": "2001-01-02", "company": "birch",
     "name": "Birch Labs, Inc.", "address": "40 Oak Avenue, Suite 200, Austin, Texas 78701",
     "officers": {"cfo": "Robin Diaz"}},
    {"type": "ShareClassCreated", "id": "ev-common", "effective": "2001-01-02", "class": "common",
     "name": "Common Stock", "kind": "common", "authorized": 5000000},
    {"type": "ShareClassCreated", "id": "ev-class-b", "effective": "2001-01-02", "class": "class_b",
     "name": "Class B Common Stock", "kind": "common", "authorized": 20000000},
    {"type": "SharesIssued", "id": "ev-founders", "effective": "2001-01-02", "class": "common", "holder": "Founders",
     "shares": 1000000, "price_per_share": "0.01"},
    {"type": "WarrantIssued", "id": "ev-warrant", "effective": "2001-03-01", "warrant": "B-7",
     "holder": {"name": "Harbor Credit Partners, L.P.", "address": "500 Pine Street, Seattle, Washington 98101"},
     "class": "common", "shares": 40762, "price": "3.10", "expires": "2008-03-01T17:00:00-08:00",
     "certificate": "BW-7"},
    {"type": "Reclassification", "id": "ev-reclass", "effective": "2002-03-01", "class": "common",
     "into": [{"class": "class_b", "quantity": "2/3"}], "source": "Charter amendment; INTERNAL NOTE 4"},
    # The §4.5 duty of a reclassification is observed at the next event (obligations observe main steps only).
    {"type": "HolderAddressChanged", "id": "ev-moved", "effective": "2002-03-04", "warrant": "B-7",
     "address": "1201 Third Avenue, Floor 40, Seattle, Washington 98101"},
]


def _store(path: Path, events: list[dict[str, Any]] | Path) -> Ledger:
    ledger = Ledger(str(path))
    if isinstance(events, Path):
        with events.open(encoding="utf-8") as lines:
            ledger.import_events(read_lines(lines))
    else:
        record_all(ledger, *events)
    return ledger


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Ledger]]:
    """Each history in a store of its own (SQLite: the letters do not depend on the backend)."""
    folder = tmp_path_factory.mktemp("letters")
    stores = {
        "acme": _store(folder / "acme.db", ACME),
        "birch": _store(folder / "birch.db", BIRCH),
        "juniper": _store(folder / "juniper.db", JUNIPER / "events.jsonl"),
        "merger": _store(folder / "merger.db", SCENARIOS / "stock_for_stock_merger_then_successor_split/events.jsonl"),
        "board": _store(folder / "board.db",
                        SCENARIOS / "board_adjustment_price_only_and_price_and_shares/events.jsonl"),
        "capital": _store(folder / "capital.db", SCENARIOS / "return_of_capital_vs_cash_dividend/events.jsonl"),
        "ivy": _store(folder / "ivy.db", SCENARIOS / "notice_merger_successor_assumption/events.jsonl"),
    }
    yield stores
    for ledger in stores.values():
        ledger.close()


# (golden name, store, obligation, letter's date): one of every letter kind the engine drafts.
KINDS = [
    ("4.5_1a_automatic_conversion", "juniper", "VLL2-C-1/4.5/preferred-converted", "1999-07-01"),
    ("4.5_4.1_split", "juniper", "VLL2-C-1/4.5/split-2000-01", "2000-02-01"),
    ("4.5_4.1_successor_split", "merger", "W-1/4.5/bigco-split-3-for-2", "2003-01-20"),
    ("4.5_4.3_merger", "merger", "W-1/4.5/merger-completed", "2002-03-04"),
    ("4.5_4.3_reclassification", "birch", "B-7/4.5/ev-reclass", "2002-03-04"),
    ("4.5_4.4_dilutive_issuance", "acme", "W-1/4.5/ev-series-d-sale", "1998-06-03"),
    ("4.5_4.7_board_adjustment", "board", "W-1/4.5/board-price", "2001-05-02"),
    ("4.5_4.7_board_sets_price_and_shares", "board", "W-1/4.5/board-price-shares", "2002-05-02"),
    ("4.6a_cash_dividend", "acme", "W-1/4.6(i)/ev-cash", "1998-09-02"),
    ("4.6b_stock_dividend", "acme", "W-1/4.6(i)/ev-stock-dividend", "1998-11-03"),
    ("4.6b_distribution", "capital", "W-1/4.6(i)/return-of-capital", "2001-04-02"),
    ("4.6c_subscription_rights", "acme", "W-1/4.6(i)/ev-rights", "1998-08-04"),
    ("4.6d_i_merger_record_date", "ivy", "W-2/4.6(i)/merger-agreed", "2002-09-04"),
    ("4.6d_ii_merger_date", "ivy", "W-1/4.6(ii)/merger-agreed", "2002-09-04"),
    ("4.6d_ii_reclassification", "birch", "B-7/4.6(ii)/ev-reclass", "2002-03-01"),
    ("4.6e_ii_dissolution", "acme", "W-1/4.6(ii)/ev-dissolution", "1999-05-04"),
    ("4.6f_i_other_action_record_date", "acme", "W-1/4.6(i)/ev-amendment", "1999-01-05"),
    ("4.6f_ii_other_action_date", "acme", "W-1/4.6(ii)/ev-amendment", "1999-01-05"),
]


def _draft(books: dict[str, Ledger], store: str, obligation: str, dated: str) -> Letter:
    return documents.draft(books[store], None, obligation, dated)


@pytest.mark.parametrize("name, store, obligation, dated", KINDS, ids=[k[0] for k in KINDS])
def test_every_kind_of_letter_reads_as_reviewed_in_markdown_and_html(books, name, store, obligation, dated):
    letter = _draft(books, store, obligation, dated)
    golden(f"letters/{name}.md", documents.markdown(letter))
    golden(f"letters/{name}.html", documents.html_page(letter))


def _body(text: str) -> str:
    """The letter without its Calculation appendix."""
    return text.split("Attachment: Calculation", 1)[0]


def _history(store: str) -> list[dict[str, Any]]:
    files = {"juniper": JUNIPER / "events.jsonl",
             "merger": SCENARIOS / "stock_for_stock_merger_then_successor_split/events.jsonl",
             "board": SCENARIOS / "board_adjustment_price_only_and_price_and_shares/events.jsonl",
             "capital": SCENARIOS / "return_of_capital_vs_cash_dividend/events.jsonl",
             "ivy": SCENARIOS / "notice_merger_successor_assumption/events.jsonl"}
    if store in files:
        return [json.loads(line) for line in files[store].read_text(encoding="utf-8").splitlines()]
    return {"acme": ACME, "birch": BIRCH}[store]


@pytest.mark.parametrize("name, store, obligation, dated", KINDS, ids=[k[0] for k in KINDS])
def test_no_letter_shows_an_internal_note_id_convention_none_or_bare_fraction(books, name, store, obligation,
                                                                              dated):
    letter = _draft(books, store, obligation, dated)
    for text in (documents.markdown(letter), documents.html_page(letter)):
        history = _history(store)
        for event in history:
            if event.get("source"):
                assert event["source"] not in text and event["source"][:40] not in text
            if "-" in event.get("id", ""):  # hyphenated ids cannot be ordinary words of a letter
                assert event["id"] not in text, event["id"]
        assert obligation not in text and "INTERNAL NOTE" not in text
        for convention in conventions.ALL:
            assert convention.name not in text
        assert "None" not in text and "\u2248" not in text and ".." not in text.replace("\u2026", "")
        body = _body(text)
        assert not re.search(r"\d\s*/\s*\d", body), re.search(r".{40}\d\s*/\s*\d.{20}", body)
        assert "k |" not in body and "| r |" not in body


def test_the_conversion_notice_states_the_price_the_change_in_shares_and_the_exact_working(books):
    letter = _draft(books, "juniper", "VLL2-C-1/4.5/preferred-converted", "1999-07-01")
    text = documents.markdown(letter)
    body, calculation = text.split("Attachment: Calculation")
    assert ("On June 30, 1999 all outstanding shares of Series C Preferred Stock converted automatically into Common "
            "Stock under the Company\u2019s Articles of Incorporation, at 1.5 shares of Common Stock for each share of "
            "Series C Preferred Stock.") in body
    assert "$5.95 (rounded) per share of Common Stock" in body
    assert "30,571.5 shares of Common Stock, an increase of 10,190.5 shares from 20,381 shares" in body
    assert "$182,002.33" in body and "July 1, 1999" in body
    assert "$893/150 = $5.953333\u2026" in calculation
    assert "N\u2032 = N \u00d7 r = 20,381 \u00d7 1.5 = 30,571.5" in calculation
    assert (letter.signer, letter.signer_title) == ("Marcel Gani", "Chief Financial Officer")
    assert letter.to_address == "2010 North First Street, Suite 310, San Jose, California 95131"


def test_a_dilutive_issue_shows_how_the_base_was_counted(books):
    letter = _draft(books, "acme", "W-1/4.5/ev-series-d-sale", "1998-06-03")
    facts = letter.calculation.facts  # type: ignore[union-attr]
    base = facts[0]
    assert isinstance(base, tuple) and base[0].endswith("(A): 1,450,000.")
    assert base[1] == ("Common Stock outstanding: 1,000,000",
                       "Series C Preferred outstanding, 200,000 shares, as converted at 1.5: 300,000",
                       "Common Stock issuable under options and plans approved by the Board, deemed outstanding: "
                       "150,000")


def test_a_letter_goes_to_the_holder_on_the_books_on_its_date(tmp_path):
    moved = [*COMPANY,
             {"type": "StockSplit", "id": "ev-split", "effective": "1999-01-04", "class": "series_c", "ratio": "2/1"},
             {"type": "HolderAddressChanged", "id": "ev-moved", "effective": "1999-03-01", "warrant": "W-1",
              "address": "9 New Road, Reno, Nevada 89501"}]
    ledger = _store(tmp_path / "moved.db", moved)
    try:
        before = documents.draft(ledger, None, "W-1/4.5/ev-split", "1999-02-01")
        after = documents.draft(ledger, None, "W-1/4.5/ev-split", "1999-03-01")
    finally:
        ledger.close()
    assert before.to_address == "2 Market Street, San Jose, California"
    assert after.to_address == "9 New Road, Reno, Nevada 89501"


def test_a_notice_mailed_in_time_says_when_it_is_given_and_a_late_one_does_not(books):
    on_time = documents.markdown(_draft(books, "acme", "W-1/4.6(i)/ev-cash", "1998-09-02"))
    late = documents.markdown(_draft(books, "acme", "W-1/4.6(i)/ev-cash", "1998-10-20"))
    assert "it is given on September 8, 1998, 52 days before the record date" in on_time
    assert "at least 20 days\u2019 written notice of the record date" in late and "it is given on" not in late


def test_a_report_has_no_letter_and_the_refusal_says_what_to_record(books):
    with pytest.raises(documents.errors.NoLetter) as refused:
        _draft(books, "juniper", "VLL2-C-1/18.7/annual/1999", "2000-05-01")
    assert refused.value.code == "no_letter" and "ReportDelivered" in refused.value.message
    with pytest.raises(documents.errors.NoLetter) as assumption:
        _draft(books, "ivy", "W-1/4.3/merger-agreed", "2002-09-04")
    assert "SuccessorAssumed" in assumption.value.message


def test_an_unknown_obligation_lists_the_nearest_and_one_not_yet_arisen_says_when(books):
    with pytest.raises(documents.errors.UnknownObligation) as unknown:
        _draft(books, "juniper", "VLL2-C-1/4.5/split-2000-1", "2001-01-01")
    assert "the nearest are VLL2-C-1/4.5/split-2000-01" in unknown.value.message
    with pytest.raises(documents.errors.UnknownObligation) as early:
        _draft(books, "juniper", "VLL2-C-1/4.5/split-2000-06", "2000-01-01")
    assert "arises on 2000-06-16" in early.value.message


def test_the_command_line_refuses_a_report_with_its_own_code_and_stores_nothing(tmp_path):
    db = str(tmp_path / "j.db")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "import", str(JUNIPER / "events.jsonl")]).exit_code == 0
    before = Path(db).read_bytes()
    refused = runner.invoke(app, ["--db", db, "notice-letter", "VLL2-C-1/18.7/annual/1999", "--date", "2000-05-01"])
    assert refused.exit_code == 1 and "no_letter" in refused.stderr and "ReportDelivered" in refused.stderr
    assert Path(db).read_bytes() == before
    html = runner.invoke(app, ["--db", db, "notice-letter", "VLL2-C-1/4.5/split-2000-01", "--date", "2000-02-01",
                               "--format", "html"])
    assert html.exit_code == 0 and html.stdout.startswith("<!doctype html>") and "$1.98" in html.stdout


def test_figures_read_as_counsel_writes_them():
    assert prose.price(Fraction(893, 100)).text == "$8.93"
    assert prose.price(Fraction(893, 150)) == prose.Figure("$5.95", rounded=True)
    assert prose.price(Fraction(893, 2000)).text == "$0.4465"
    assert prose.dollars(Fraction(18200233, 100)).text == "$182,002.33"
    assert prose.shares(Fraction(61143, 2)).text == "30,571.5"
    assert prose.shares(Fraction(40762, 3)).text == "13,587 and one-third"
    assert prose.shares(Fraction(2, 7)).text == "two-sevenths"
    assert prose.shares(Fraction(2500000, 23)) == prose.Figure("108,695.6522", rounded=True)
    assert prose.exact_text(Fraction(893, 150), money=True) == "$893/150 = $5.953333\u2026"
    assert prose.exact_text(Fraction(61143, 2)) == "30,571.5"
    assert prose.operand(Fraction(31, 7), money=True) == "($31/7)"
    assert prose.day(date(1999, 7, 1)) == "July 1, 1999"


def test_addresses_and_a_successors_stock_are_named_as_an_envelope_and_a_lawyer_would():
    assert address_lines("2010 North First Street, Suite 310, San Jose, California 95131") == [
        "2010 North First Street", "Suite 310", "San Jose, California 95131"]
    state = CompanyState(name="Acme Devices, Inc.")
    assert stock_name(state, Security("Bigco Holdings, Inc.", "bigco_common")) == "common stock of Bigco Holdings, Inc."
    assert stock_name(state, Security("Bigco, Inc.", "class_a"), issuer=False) == "Class A"


def test_the_html_letter_is_one_self_contained_page_for_letter_paper(books):
    page = documents.html_page(_draft(books, "juniper", "VLL2-C-1/4.5/preferred-converted", "1999-07-01"))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page) and "<script" not in page
    assert "@page{size:letter;margin:1in 1in .9in}" in page and ".calculation{break-before:page}" in page
    assert "counter(page)" in page  # numbered pages, the second headed with the addressee and date


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    if not BROWSER:
        pytest.skip("set CAPTABLE_TEST_BROWSER to a Chromium binary (.ci/run does) to render the letter")
    binary = shutil.which(BROWSER)
    if binary is None:
        pytest.fail(f"CAPTABLE_TEST_BROWSER={BROWSER} but no such browser is installed")
    return subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
                          capture_output=True, text=True, timeout=120)


def test_chromium_renders_the_conversion_notice_and_prints_it_on_letter_paper(books, tmp_path):
    page = tmp_path / "notice.html"
    page.write_text(documents.html_page(_draft(books, "juniper", "VLL2-C-1/4.5/preferred-converted", "1999-07-01")),
                    encoding="utf-8")
    shot = tmp_path / "notice.png"
    picture = _chromium(f"--screenshot={shot}", "--window-size=1000,2800", page.as_uri())
    assert picture.returncode == 0 and shot.stat().st_size > 10_000, picture.stderr[-2000:]
    pdf = tmp_path / "notice.pdf"
    printed = _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert printed.returncode == 0, printed.stderr[-2000:]
    data = pdf.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 3  # the letter on two pages, then its Calculation
    assert re.search(rb"/MediaBox\s*\[\s*0 0 612 792\s*\]", data)  # US Letter, 8.5 by 11 inches
