"""The audit with the latest knowledge, read a batch at a time in effective order through the catalog (issue 11).

Every fixture's audit, read in batches of a few rows, is the audit of the whole history, byte for byte; a
reader holds one batch of rows; an edited catalog is rebuilt and changes nothing; an edited event is still
refused, before the first step or part way through the report.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from captable import audit_stream, effective_reads, errors, queries
from captable.intake import read_lines
from captable.ledger import Ledger
from tests.conftest import record_all
from tests.test_audit import import_with_recorded
from tests.test_checkpoints import FIXTURES, acme, edit_event, lines_of, plan_of, sql, without_cache


@pytest.fixture
def batches_of_three(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Batches of a few rows, so that every fixture spans many; the rows each batch reads are counted (from the
    catalog's order, or from the stream's when the catalog says it is the effective order)."""
    monkeypatch.setattr(effective_reads, "FIRST_BATCH", 2)
    monkeypatch.setattr(effective_reads, "BATCH", 3)
    read: list[int] = []
    real = effective_reads.LatestEntries._checked

    def counted(self: Any, rows: Any, tz: Any) -> Any:
        read.append(len(rows))
        return real(self, rows, tz)
    monkeypatch.setattr(effective_reads.LatestEntries, "_checked", counted)
    real_read = effective_reads.read_events

    def counted_read(company: str, rows: Any, links: Any) -> Any:  # read in stream order (in effective order)
        read.append(len(rows))
        return real_read(company, rows, links)
    monkeypatch.setattr(effective_reads, "read_events", counted_read)
    return read


def audited(ledger: Ledger, company: str, as_of: str | None, warrant: str | None = None) -> str:
    return json.dumps(queries.audit(ledger, company, as_of, None, warrant))


def from_history(ledger: Ledger, company: str, as_of: str | None, warrant: str | None = None) -> str:
    with without_cache(ledger):
        return audited(ledger, company, as_of, warrant)


@pytest.mark.parametrize("folder", FIXTURES, ids=[f.name for f in FIXTURES])
def test_every_fixture_audits_from_the_catalog_as_from_the_whole_history(ledger, folder, batches_of_three):
    ledger.import_events(read_lines(lines_of(folder)))
    plan = plan_of(folder)
    company = plan.get("company") or ledger.company(None)
    warrants = [None, *([plan["warrant"]] if plan.get("warrant") else [])]
    for as_of in ["2090-01-01", *(p["as_of"] for p in plan["checkpoints"])]:
        for warrant in warrants:
            batches_of_three.clear()
            try:
                expected = from_history(ledger, company, as_of, warrant)
            except errors.UnknownWarrant:
                with pytest.raises(errors.UnknownWarrant):
                    audited(ledger, company, as_of, warrant)
                continue
            assert audited(ledger, company, as_of, warrant) == expected, (folder.name, as_of, warrant)
            assert batches_of_three and max(batches_of_three) <= 3  # read a batch at a time


def test_the_text_report_read_in_batches_is_the_golden_file(ledger, batches_of_three):
    import_with_recorded(ledger, FIXTURES[0] / "events.jsonl")
    out = io.StringIO()
    audit_stream.write(out, ledger, None, "2003-12-31", None, None, "text")
    assert out.getvalue() == (Path(__file__).parent / "golden" / "juniper_audit.txt").read_text(encoding="utf-8")
    assert len(batches_of_three) >= 3  # the steps up to the as-of instant, and no further


@pytest.mark.parametrize("edit", [
    "UPDATE {captable_catalog} SET effective = effective + 86400000000 WHERE seq = 8",
    "UPDATE {captable_catalog} SET effective = effective - 86400000000 WHERE seq = 12",
    "DELETE FROM {captable_catalog} WHERE seq = 9",
    "UPDATE {captable_catalog} SET hash = 'x' WHERE seq = 10",
    "UPDATE {captable_catalog} SET seq = 99 WHERE seq = 11",
    "UPDATE {captable_derived} SET count = count - 1",
])
def test_an_edited_catalog_changes_no_audit(ledger, edit, batches_of_three):
    acme(ledger)
    expected = {as_of: from_history(ledger, "acme", as_of) for as_of in ("2090-01-01", "1998-03-15")}
    sql(ledger, edit)
    for as_of, answer in expected.items():
        assert audited(ledger, "acme", as_of) == answer
    assert ledger.checkpoints.current("acme") is not None  # rebuilt from the events


@pytest.mark.parametrize("position", [2, 8, 13])  # in the first batch, part way, the head's own row
def test_an_edited_event_is_refused_as_the_report_reaches_it(ledger, position, batches_of_three):
    acme(ledger)
    edit_event(ledger, position, '"id":"', '"id":"x')
    out = io.StringIO()
    with pytest.raises(errors.StoreTampered) as refused:
        audit_stream.write(out, ledger, "acme", None, None, None, "json")
    assert refused.value.position == position
    if position < 13:
        assert '"step": 13' not in out.getvalue()  # nothing after the broken row


def test_an_event_recorded_while_the_report_is_written_is_not_in_it(ledger, batches_of_three):
    """The report is of the history its head names: rows a writer adds meanwhile are not read."""
    acme(ledger)
    expected = audited(ledger, "acme", "2090-01-01")
    head, steps, final = queries.audit_parts(ledger, "acme", "2090-01-01", None)
    first = [next(steps)]
    record_all(ledger, {"type": "SharesIssued", "id": "meanwhile", "effective": "1996-03-01", "class": "common",
                        "holder": "Late Holder", "shares": 10, "price_per_share": "20"},
               {"type": "SharesIssued", "id": "meanwhile-2", "effective": "2003-01-01", "class": "common",
                "holder": "Late Holder", "shares": 10, "price_per_share": "20"})
    assert json.dumps({**head, "steps": first + list(steps), "final": final()}) == expected
    assert "meanwhile" in audited(ledger, "acme", "2090-01-01")


@pytest.mark.parametrize("folder", FIXTURES, ids=[f.name for f in FIXTURES])
def test_both_orders_of_reading_give_the_same_audit(ledger, folder, batches_of_three, monkeypatch):
    """Whether read in the stream's order (the catalog says it is the effective order) or the catalog's."""
    ledger.import_events(read_lines(lines_of(folder)))
    company = plan_of(folder).get("company") or ledger.company(None)
    expected = from_history(ledger, company, "2090-01-01")
    assert audited(ledger, company, "2090-01-01") == expected
    monkeypatch.setattr(effective_reads.LatestEntries, "_in_stream_order", lambda self: False)
    assert audited(ledger, company, "2090-01-01") == expected


def test_a_catalog_edited_to_claim_stream_order_is_refused_part_way_then_rebuilt(ledger, batches_of_three):
    """A back-dated event whose catalog row was moved to the end: the stream is read as if in effective order
    until the event shows otherwise; the steps written by then cannot be taken back, so the report is
    refused (ask again) and the catalog rebuilt from the events; the next audit is the whole history's."""
    acme(ledger)
    record_all(ledger, {"type": "SharesIssued", "id": "back-dated", "effective": "1996-04-01", "class": "common",
                        "holder": "Early Holder", "shares": 5000, "price_per_share": "20"})
    expected = from_history(ledger, "acme", "2090-01-01")
    sql(ledger, "UPDATE {captable_catalog} SET effective = 4102444800000000 WHERE id = 'back-dated'")
    with pytest.raises(errors.ConcurrentWrite):
        audited(ledger, "acme", "2090-01-01")
    assert audited(ledger, "acme", "2090-01-01") == expected
