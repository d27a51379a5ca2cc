"""Tamper evidence (DESIGN §7): twenty ways of altering a store's rows directly, each found at its position.

Each kind is done with direct SQL (``Rows``) to a store written by the engine, on SQLite and on
PostgreSQL. ``verify`` must name the first bad row (its company, which chain, its position) in words
that say what happened; and ``state`` and ``audit`` must refuse to answer from the store
(``store_tampered``). A consistent rewrite of every chain leaves nothing in the store to contradict it:
an anchor kept elsewhere (``captable head``) catches it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from captable import errors
from captable.chain import GENESIS, link, seal
from captable.cli import app
from captable.instants import now
from captable.intake import parse_event
from captable.ledger import Ledger
from captable.store import journal_id, stream_id
from captable.verify import verify_store
from tests.conftest import COMPANY, import_juniper, record_all
from tests.test_verify import EVENTS, INDEX, JOURNAL, Rows

MATERIALS = {"type": "ShareholderMaterialsSent", "id": "materials-2000", "effective": "2001-03-01",
             "company": "juniper", "description": "Annual report for 2000"}


def one_company(ledger: Ledger) -> None:
    import_juniper(ledger)  # 10 events in one commit


def two_commits(ledger: Ledger) -> None:
    import_juniper(ledger)
    record_all(ledger, MATERIALS)  # an 11th event, in a second commit


def two_companies(ledger: Ledger) -> None:
    import_juniper(ledger)
    record_all(ledger, *COMPANY)  # acme: 6 events, second in the index


def _members(state: bytes) -> str:
    """A sealed row's members: what lies between its opening brace and its link."""
    return state[1:state.rindex(b',"prev_hash":')].decode()


def forge(rows: Rows, at: int) -> None:
    """A row sealed exactly as the engine seals one, put at ``at`` (the rows from there move up)."""
    events = rows.states(EVENTS)
    _, topic, state = events[at - 2]
    members = _members(state).replace('"id":"', '"id":"forged-', 1)
    _, sealed = seal(topic, at, members, link(state)[1])
    if at <= len(events):
        rows.make_room(at)
    rows.insert(stream_id("juniper"), at, topic, sealed)


def rewrite(rows: Rows, at: int, old: str, new: str) -> None:
    """Edit event ``at`` and reseal every event after it and every commit of the journal, as a forger who knows
    the format would: every chain in the store holds again."""
    events = rows.states(EVENTS)
    prev = link(events[at - 2][2])[1] if at > 1 else GENESIS
    heads = {}
    for position, topic, state in events[at - 1:]:
        members = _members(state).replace(old, new) if position == at else _members(state)
        before = link(state)[1]
        prev, sealed = seal(topic, position, members, prev)
        heads[before] = prev
        rows.put_state(position, sealed)
    prev = None
    for number, topic, state in rows.states(JOURNAL):
        members = _members(state)
        for before, after in heads.items():
            members = members.replace(before, after)
        prev, sealed = seal(topic, number, members, prev or link(state)[0])
        rows.put_state(number, sealed, JOURNAL)


@dataclass(frozen=True)
class Kind:
    history: Callable[[Ledger], None]
    change: Callable[[Rows], None]
    found: list[tuple[str, str, int | None, str]]  # (company, chain, position, words), in the order reported


JUNIPER, ACME = stream_id("juniper"), stream_id("acme")

KINDS: dict[str, Kind] = {
    "a fact edited": Kind(one_company, lambda r: r.edit(4, '"shares":"20381"', '"shares":"20391"'),
                          [("juniper", "events", 4, "no longer matches its hash: edited")]),
    "a recorded instant edited": Kind(one_company, lambda r: r.edit(9, '"recorded":"2', '"recorded":"1'),
                                      [("juniper", "events", 9, "no longer matches its hash: edited")]),
    "an effective instant edited": Kind(
        one_company, lambda r: r.edit(7, '"effective":"1999-06-30"', '"effective":"1999-07-30"'),
        [("juniper", "events", 7, "no longer matches its hash: edited")]),
    "a row deleted mid-stream": Kind(one_company, lambda r: r.delete(6),
                                     [("juniper", "events", 6, "is missing (the next stored row is at 7): deleted")]),
    "the first row deleted": Kind(one_company, lambda r: r.delete(1),
                                  [("juniper", "events", 1, "is missing (the next stored row is at 2): deleted")]),
    "a copy inserted mid-stream": Kind(one_company, lambda r: r.insert_copy(of=3, at=5),
                                       [("juniper", "events", 5, "deleted, inserted or reordered")]),
    "a forged row with a valid hash inserted mid-stream": Kind(
        one_company, lambda r: forge(r, 5),
        [("juniper", "events", 5, "not in the chain (the row after it links to the row before it): inserted")]),
    "two rows reordered": Kind(one_company, lambda r: r.swap(8, 9),
                               [("juniper", "events", 8, "deleted, inserted or reordered")]),
    "a forged row with a valid hash appended": Kind(
        one_company, lambda r: forge(r, 11),
        [("juniper", "events", 11, "beyond the journal's last commit (position 10): appended outside the engine")]),
    "the tail truncated": Kind(one_company, lambda r: r.delete_from(9),
                               [("juniper", "events", 9, "last commit ends at position 10, the stream at 8: "
                                                         "truncated")]),
    "the whole stream truncated": Kind(one_company, lambda r: r.delete_from(1),
                                       [("juniper", "events", 1, "last commit ends at position 10, the stream at "
                                                                 "0: truncated")]),
    "the company deleted from the index": Kind(one_company, lambda r: r.delete(1, INDEX),
                                               [("juniper", "index", None, "the index of companies does not list "
                                                                           "it: the company was deleted")]),
    "the company renamed in the index": Kind(
        one_company, lambda r: r.edit(1, '"company":"juniper"', '"company":"jupiter"', INDEX),
        [(None, "index", 1, "no longer matches its hash: edited")]),
    "the topic column changed": Kind(
        one_company, lambda r: r.set_topic(6, "captable.events:Delisted"),
        [("juniper", "events", 6, "edited (its topic column says 'captable.events:Delisted', its fact is a "
                                  "Listed)")]),
    "a class_version added beside the fact": Kind(
        one_company, lambda r: r.edit(4, ',"fact":', ',"class_version":2,"fact":'),
        [("juniper", "events", 4, "no longer matches its hash: edited")]),
    "a row moved to another company's stream": Kind(
        two_companies, lambda r: r.move(5, r.stream(JUNIPER), to=ACME, at=7),
        [("juniper", "events", 5, "deleted"),
         ("acme", "events", 7, "a row of company 'juniper', not of this stream: moved here")]),
    "a journal entry edited": Kind(one_company, lambda r: r.edit(1, '"last":10', '"last":9', JOURNAL),
                                   [("juniper", "journal", 1, "no longer matches its hash: edited")]),
    "the last journal entry deleted": Kind(
        two_commits, lambda r: r.delete(2, JOURNAL),
        [("juniper", "events", 11, "beyond the journal's last commit (position 10): appended outside the engine, "
                                   "or the journal's last entry deleted")]),
    "two companies' streams swapped": Kind(
        two_companies, lambda r: r.swap_streams(JUNIPER, ACME),
        [("juniper", "events", 1, "a row of company 'acme', not of this stream: moved here"),
         ("acme", "events", 1, "a row of company 'juniper', not of this stream: moved here")]),
}


def build(db: str, history: Callable[[Ledger], None]) -> None:
    ledger = Ledger(db)
    try:
        history(ledger)
    finally:
        ledger.close()


def tamper(db: str, change: Callable[[Rows], None]) -> None:
    rows = Rows(db)
    try:
        change(rows)
    finally:
        rows.close()


def problems(db: str) -> list[errors.StoreTampered]:
    ledger = Ledger(db)
    try:
        return verify_store(ledger.store).problems()
    finally:
        ledger.close()


def cli(db: str, *args: str):
    return CliRunner().invoke(app, ["--db", db, *args])


def where(part: str, position: int | None) -> str:
    return {"events": f"stream position {position}", "journal": f"commit {position}",
            "index": f"its position {position}" if position else "does not list it"}[part]


@pytest.mark.parametrize("name", KINDS)
def test_each_kind_of_tampering_is_found_at_its_own_position_in_words(db, name):
    kind = KINDS[name]
    build(db, kind.history)
    assert problems(db) == []
    tamper(db, kind.change)
    found = problems(db)
    assert [(p.company, p.part, p.position) for p in found[:len(kind.found)]] == [f[:3] for f in kind.found]
    for problem, (_, part, position, words) in zip(found, kind.found):
        assert words in problem.message and where(part, position) in problem.message
        assert problem.code == "store_tampered"
    result = cli(db, "verify")
    assert result.exit_code == 1 and "store_tampered" in result.stderr
    assert where(kind.found[0][1], kind.found[0][2]) in result.stderr


@pytest.mark.parametrize("name", KINDS)
def test_state_and_audit_refuse_to_answer_from_a_tampered_store(db, name):
    kind = KINDS[name]
    build(db, kind.history)
    tamper(db, kind.change)
    company = ["--company", "juniper"] if kind.history is two_companies else []
    for command in (["state", "--as-of", "2003-12-31"], ["audit", "--as-of", "2003-12-31"]):
        result = cli(db, *company, *command)
        assert result.exit_code == 1, (command, result.stdout[-500:])
        assert "store_tampered" in result.stderr and "Traceback" not in result.stderr
    result = cli(db, *company, "state", "--json")
    assert json.loads(result.stdout)["error"]["code"] == "store_tampered"


def test_writing_to_a_tampered_history_is_refused_and_stores_nothing(db):
    build(db, one_company)
    tamper(db, lambda r: r.edit(4, '"shares":"20381"', '"shares":"20391"'))
    before = Rows(db)
    try:
        count = len(before.states(EVENTS))
    finally:
        before.close()
    result = cli(db, "record", json.dumps(MATERIALS))
    assert result.exit_code == 1 and "store_tampered" in result.stderr and "stream position 4" in result.stderr
    after = Rows(db)
    try:
        assert len(after.states(EVENTS)) == count
    finally:
        after.close()


# A consistent rewrite, and anchors -------------------------------------------------------------------------


def write_anchor(db: str, path: Path) -> dict:
    result = cli(db, "head", "--out", str(path))
    assert result.exit_code == 0, result.stderr
    return json.loads(path.read_text())


def test_a_consistent_rewrite_of_the_whole_chain_passes_verify_but_not_an_anchor(db, tmp_path):
    build(db, one_company)
    kept = write_anchor(db, tmp_path / "anchor.json")
    tamper(db, lambda r: rewrite(r, 4, '"shares":"20381"', '"shares":"20391"'))
    assert problems(db) == []  # every chain in the store holds: nothing inside it contradicts the rewrite
    result = cli(db, "verify", "--anchor", str(tmp_path / "anchor.json"))
    assert result.exit_code == 1 and "anchor_not_extended" in result.stderr
    assert f"position 10 of its events no longer has the anchored hash {kept['head']}" in result.stderr


def test_an_anchor_names_the_company_its_count_its_heads_and_when(db, tmp_path):
    build(db, one_company)
    kept = write_anchor(db, tmp_path / "anchor.json")
    assert set(kept) == {"company", "events", "head", "journal", "index", "written_at"}
    assert (kept["company"], kept["events"], kept["journal"]["commits"], kept["index"]["position"]) == (
        "juniper", 10, 1, 1)
    printed = cli(db, "head")
    assert printed.exit_code == 0 and json.loads(printed.stdout)["head"] == kept["head"]


def test_a_store_that_grew_since_the_anchor_still_extends_it(db, tmp_path):
    build(db, one_company)
    write_anchor(db, tmp_path / "anchor.json")
    build(db, lambda ledger: record_all(ledger, MATERIALS))
    result = cli(db, "verify", "--anchor", str(tmp_path / "anchor.json"))
    assert result.exit_code == 0, result.stderr
    assert "the store still extends the anchor" in result.stdout and "juniper: 11 events in 2 commits" in result.stdout


def test_a_consistent_truncation_is_caught_by_the_anchor(db, tmp_path):
    build(db, two_commits)
    write_anchor(db, tmp_path / "anchor.json")

    def truncate(rows: Rows) -> None:  # the last event and the commit that wrote it: the journal still agrees
        rows.delete(11)
        rows.delete(2, JOURNAL)

    tamper(db, truncate)
    assert problems(db) == []
    result = cli(db, "verify", "--anchor", str(tmp_path / "anchor.json"))
    assert result.exit_code == 1 and "anchor_not_extended" in result.stderr and "truncated" in result.stderr


def test_a_malformed_anchor_or_one_for_another_company_is_refused(db, tmp_path):
    build(db, two_companies)
    bad = tmp_path / "bad.json"
    bad.write_text('{"company": "juniper", "events": "ten"}')
    result = cli(db, "verify", "--anchor", str(bad))
    assert result.exit_code == 1 and "anchor_invalid" in result.stderr and "'events'" in result.stderr
    result = cli(db, "--company", "juniper", "head", "--out", str(tmp_path / "juniper.json"))
    assert result.exit_code == 0
    result = cli(db, "--company", "acme", "verify", "--anchor", str(tmp_path / "juniper.json"))
    assert result.exit_code == 1 and "anchor_invalid" in result.stderr


def test_an_anchor_that_cannot_be_written_is_refused(db, tmp_path):
    build(db, one_company)
    result = cli(db, "head", "--out", str(tmp_path / "missing" / "anchor.json"))
    assert result.exit_code == 1 and "anchor_unwritable" in result.stderr


def test_a_head_of_a_broken_chain_is_refused(db, tmp_path):
    build(db, one_company)
    tamper(db, lambda r: r.delete(6))
    result = cli(db, "head")
    assert result.exit_code == 1 and "store_tampered" in result.stderr


# What verify says -------------------------------------------------------------------------------------------


def test_verify_says_what_it_checked(db):
    build(db, two_companies)
    result = cli(db, "verify")
    assert result.exit_code == 0, result.stderr
    assert "index of companies: 2 companies, chain intact" in result.stdout
    assert "juniper: 10 events in 1 commit" in result.stdout and "acme: 6 events in 1 commit" in result.stdout
    assert "every row of the store belongs to a company in the index" in result.stdout
    body = json.loads(cli(db, "verify", "--json").stdout)
    assert body["intact"] and body["index"]["companies"] == 2 and body["every_row_checked"]
    assert [(c["company"], c["events"], c["commits"]) for c in body["companies"]] == [("juniper", 10, 1),
                                                                                       ("acme", 6, 1)]


def test_verify_of_an_empty_store_or_an_unknown_company_fails(db):
    ledger = Ledger(db)  # the tables exist, and hold nothing
    ledger.close()
    result = cli(db, "verify")
    assert result.exit_code == 1 and "store_empty" in result.stderr
    build(db, one_company)
    result = cli(db, "--company", "junpier", "verify")
    assert result.exit_code == 1 and "unknown_company" in result.stderr


def test_a_writer_that_commits_while_a_history_is_read_is_not_taken_for_tampering(db):
    build(db, one_company)
    reader, writer = Ledger(db), Ledger(db)
    try:
        select = reader.store.recorder.select_events
        calls = []

        def then_write(*args, **kwargs):
            rows = select(*args, **kwargs)
            if not calls:  # right after the stream's rows are read, another writer commits
                calls.append(args)
                record_all(writer, MATERIALS)
            return rows

        reader.store.recorder.select_events = then_write  # type: ignore[method-assign]
        assert len(reader.history("juniper").records) == 11
    finally:
        reader.close()
        writer.close()


def test_a_writer_that_lost_a_race_leaves_every_chain_whole(db):
    build(db, one_company)
    first, second = Ledger(db), Ledger(db)
    try:
        stale = first.history("juniper")
        planned, _ = first._plan(stale, [parse_event(MATERIALS)], now())
        record_all(second, {**MATERIALS, "id": "materials-by-second"})
        with pytest.raises(errors.ConcurrentWrite):
            first.store.append(planned)
        report = verify_store(first.store)
        assert report.intact and [(v.events, v.commits) for v in report.companies] == [(11, 2)]
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("name", KINDS)
def test_the_walk_in_ranges_proves_only_an_intact_chain(db, name, monkeypatch):
    """A long stream is first walked in ranges, one per CPU (``stream_walk``); here every stream counts as long
    and three ranges run on threads. Intact, the ranges agree with the walk from genesis; tampered, the ranges
    prove nothing and the walk from genesis names the same first break as before."""
    from concurrent.futures import ThreadPoolExecutor

    from captable import stream_walk
    from captable.verify import _journal

    monkeypatch.setattr(stream_walk, "PARALLEL_FROM", 1)
    monkeypatch.setattr(stream_walk, "cpus", lambda: 3)
    monkeypatch.setattr(stream_walk, "pool", ThreadPoolExecutor)
    kind = KINDS[name]
    build(db, kind.history)
    ledger = Ledger(db)
    try:
        entry = next(e for e in ledger.store.index() if e.company == "juniper")
        _, commits, _ = _journal(ledger.store.recorder.select_events(journal_id("juniper")), "juniper", entry)
        walked = stream_walk.in_parallel(ledger.store, "juniper", commits[-1].last, commits)
        assert walked is not None and walked[0].head == commits[-1].head and walked[0].count == commits[-1].last
    finally:
        ledger.close()
    tamper(db, kind.change)
    found = problems(db)
    assert [(p.company, p.part, p.position) for p in found[:len(kind.found)]] == [f[:3] for f in kind.found]
    ledger = Ledger(db)
    try:
        rows = ledger.store.recorder.select_events(stream_id("juniper"))
        if kind.found[0][:2] == ("juniper", "events") and "appended" not in kind.found[0][3]:
            end = max([commits[-1].last, *(r.originator_version for r in rows)])
            assert stream_walk.in_parallel(ledger.store, "juniper", end, commits) is None
    finally:
        ledger.close()


def test_the_ranges_run_in_processes_of_their_own(db, monkeypatch):
    from captable import stream_walk

    monkeypatch.setattr(stream_walk, "PARALLEL_FROM", 1)
    monkeypatch.setattr(stream_walk, "cpus", lambda: 2)
    build(db, two_commits)
    result = cli(db, "verify", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["companies"][0]["events"] == 11
    tamper(db, lambda r: r.edit(4, '"shares":"20381"', '"shares":"20391"'))
    result = cli(db, "verify")
    assert result.exit_code == 1 and "stream position 4" in result.stderr


def test_when_no_process_can_start_one_core_walks_the_chain(db, monkeypatch):
    from captable import stream_walk

    def refused(workers: int) -> None:
        raise OSError("no more processes")

    monkeypatch.setattr(stream_walk, "PARALLEL_FROM", 1)
    monkeypatch.setattr(stream_walk, "cpus", lambda: 2)
    monkeypatch.setattr(stream_walk, "pool", refused)
    build(db, one_company)
    result = cli(db, "verify", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["companies"][0]["events"] == 10
