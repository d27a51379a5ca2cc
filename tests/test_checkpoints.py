"""Persisted checkpoints (issue 11): an answer from the nearest checkpoint is the answer of a fold from the start.

Every fixture's checkpoint answers are compared, byte for byte, with a fold of the whole history, with
checkpoints every 2 or 3 catalog rows, on SQLite and PostgreSQL, imported whole and event by event (each
event then invalidates and rebuilds what it changes, and is decided from the checkpoint before it). The
cache is never believed over the events: a changed fingerprint, an edited checkpoint or catalog is
rebuilt; an edited event is still refused; deleting the cache changes no answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captable import checkpoints, errors, queries
from captable.checkpoints import Checkpoints
from captable.instants import end_of, parse_when
from captable.intake import read_lines
from captable.ledger import Ledger
from tests.conftest import COMPANY, JUNIPER, record_all
from tests.test_verify import Rows

FIXTURES = [JUNIPER, *sorted(p for p in (JUNIPER.parent / "scenarios").iterdir() if p.is_dir())]


def plan_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "checkpoints.json").read_text(encoding="utf-8"))


def lines_of(folder: Path) -> list[str]:
    return (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()


@pytest.fixture
def small(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    monkeypatch.setenv("CAPTABLE_CHECKPOINT_EVERY", "2")
    ledger = Ledger(db)
    yield ledger
    ledger.close()


def from_scratch(ledger: Ledger, company: str, as_of: str, known: str | None = None) -> str:
    """The state's JSON from a fold of the whole history, no checkpoint involved."""
    with without_cache(ledger):
        return answered(ledger, company, as_of, known)


def answered(ledger: Ledger, company: str, as_of: str, known: str | None = None) -> str:
    return json.dumps(queries.state(ledger, company, as_of, known).to_json(), sort_keys=True)


def count(ledger: Ledger, table: str) -> int:
    return ledger.checkpoints.tables.read(f"SELECT COUNT(*) FROM {{{table}}}")[0][0]  # type: ignore[no-any-return]


def sql(ledger: Ledger, text: str, params: tuple[Any, ...] = ()) -> None:
    assert ledger.checkpoints.tables.write(lambda cursor: cursor.execute(text, params) >= 0)


class Spy:
    """Counts answers given from the checkpoints, so that a comparison cannot pass by never using them."""

    def __init__(self, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers = {"state_at": 0, "notices_at": 0, "state_known": 0}
        for name in self.answers:
            monkeypatch.setattr(ledger.checkpoints, name, self._counted(name, getattr(ledger.checkpoints, name)))

    def _counted(self, name: str, real: Any) -> Any:
        def counted(*args: Any) -> Any:
            answer = real(*args)
            self.answers[name] += answer is not None  # answered, not fallen back to the events
            return answer
        return counted


def every_answer(ledger: Ledger, folder: Path) -> list[tuple[str, str | None]]:
    plan = plan_of(folder)
    company = plan.get("company") or ledger.company(None)
    asked = [(p["as_of"], p.get("known_at")) for p in plan["checkpoints"]]
    for as_of, known in asked:
        assert answered(ledger, company, as_of, known) == from_scratch(ledger, company, as_of, known), (folder, as_of)
        owed = queries.notices(ledger, company, as_of, known)
        with without_cache(ledger):
            assert queries.notices(ledger, company, as_of, known) == owed, (folder, as_of)
        point = next(p for p in plan["checkpoints"] if p["as_of"] == as_of)
        if "quote" in point:
            warrant = point.get("warrant", plan.get("warrant"))
            quote = point["quote"]
            args = (ledger, company, warrant, quote["shares"], quote.get("at", as_of), quote.get("net"),
                    quote.get("offering"))
            cached = queries.exercise_quote(*args)
            with without_cache(ledger):
                assert queries.exercise_quote(*args) == cached
    return asked


@contextmanager
def without_cache(ledger: Ledger) -> Iterator[None]:
    """Answers from the events alone: the ledger finds no checkpoints."""
    ledger.latest = lambda company: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        del ledger.latest


@pytest.mark.parametrize("folder", FIXTURES, ids=[f.name for f in FIXTURES])
@pytest.mark.parametrize("every", ["2", "3"])
def test_every_fixture_answers_from_checkpoints_as_from_the_start(db, folder, every, monkeypatch):
    monkeypatch.setenv("CAPTABLE_CHECKPOINT_EVERY", every)
    ledger = Ledger(db)
    try:
        spy = Spy(ledger, monkeypatch)
        ledger.import_events(read_lines(lines_of(folder)))
        assert count(ledger, "captable_checkpoints") >= len(lines_of(folder)) // int(every) - 1
        asked = every_answer(ledger, folder)
        latest = sum(1 for _, known in asked if known is None)
        assert spy.answers["state_at"] >= latest and spy.answers["notices_at"] >= latest
    finally:
        ledger.close()


@pytest.mark.parametrize("folder", FIXTURES, ids=[f.name for f in FIXTURES])
def test_an_import_takes_its_checkpoints_from_the_fold_that_decides_it(db, folder, monkeypatch):
    """The checkpoints a bulk import takes while deciding are, byte for byte, those a fold of the stored
    events writes, and the import folds its history once."""
    monkeypatch.setenv("CAPTABLE_CHECKPOINT_EVERY", "2")
    ledger = Ledger(db)
    try:
        extended: list[int] = []
        real = ledger.checkpoints._extend
        monkeypatch.setattr(ledger.checkpoints, "_extend", lambda *args: extended.append(1) or real(*args))
        ledger.import_events(read_lines(lines_of(folder)))
        query = "SELECT effective, recorded, seq, phase, covered, state, book FROM {captable_checkpoints} ORDER BY covered"
        taken = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                 for row in ledger.checkpoints.tables.read(query)]
        assert len(taken) >= len(lines_of(folder)) // 2 - 1 and not extended
        sql(ledger, "DELETE FROM {captable_checkpoints}")
        ledger.checkpoints.current(plan_of(folder).get("company") or ledger.company(None))
        assert [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in ledger.checkpoints.tables.read(query)] == taken
    finally:
        ledger.close()


@pytest.mark.parametrize("folder", FIXTURES, ids=[f.name for f in FIXTURES])
def test_every_fixture_recorded_event_by_event_answers_as_from_the_start(small, folder):
    """Each event decided from the checkpoint before it, each invalidating the checkpoints it changes."""
    for line in read_lines(lines_of(folder)):
        small.import_events([line])
    every_answer(small, folder)


def test_quotes_from_checkpoints_equal_quotes_from_the_start(small):
    small.import_events(read_lines(lines_of(JUNIPER)))
    cached = queries.exercise_quote(small, "juniper", "VLL2-C-1", "1000", "2000-07-01")
    small.checkpoints.tables.write(lambda c: c.execute("DELETE FROM {captable_derived}") >= 0)
    small.checkpoints.tables.writable = False  # nothing rebuilt: the quote comes from the events alone
    assert queries.exercise_quote(small, "juniper", "VLL2-C-1", "1000", "2000-07-01") == cached


# Invalidation ----------------------------------------------------------------------------------------------

ISSUES = [{"type": "SharesIssued", "id": f"issue-{n}", "effective": f"1998-0{n}-01", "class": "common",
           "holder": f"Holder {n}", "shares": 1000 * n, "price_per_share": "20"} for n in range(1, 8)]
BACK_DATED = {"type": "SharesIssued", "id": "back-dated", "effective": "1996-04-01", "class": "common",
              "holder": "Early Holder", "shares": 5000, "price_per_share": "20"}
INSTANTS = ["1996-02-06", "1996-03-31", "1996-04-01", "1997-10-01", "1998-03-15", "1998-07-02", "2003-12-16"]


def acme(ledger: Ledger) -> None:
    record_all(ledger, *COMPANY)
    for event in ISSUES:
        record_all(ledger, event)


def same_answers(ledger: Ledger) -> None:
    for as_of in INSTANTS:
        assert answered(ledger, "acme", as_of) == from_scratch(ledger, "acme", as_of), as_of


def checkpoint_keys(ledger: Ledger) -> list[tuple[int, int]]:
    return ledger.checkpoints.tables.read("SELECT effective, seq FROM {captable_checkpoints} ORDER BY effective, seq")


def test_a_back_dated_event_replaces_the_checkpoints_after_it_and_keeps_those_before(small):
    acme(small)
    before = checkpoint_keys(small)
    record_all(small, BACK_DATED)
    after = checkpoint_keys(small)
    kept = [k for k in before if k[0] < before[0][0] + 1]  # the first checkpoint lies before the back-dated event
    assert kept and set(kept) <= set(after)
    assert len(after) == (len(COMPANY) + len(ISSUES) + 1) // 2
    same_answers(small)


def test_a_retraction_invalidates_from_the_fact_it_retracts(small):
    acme(small)
    record_all(small, {"type": "EventRetracted", "id": "undo", "effective": "2001-01-01", "company": "acme",
                       "event": "issue-2", "reason": "entered in error"})
    same_answers(small)
    assert "issue-2" not in answered(small, "acme", "2003-12-16")


def test_a_later_conversion_ratio_adjustment_reaches_back_to_the_issuance_it_names(small):
    folder = JUNIPER.parent / "scenarios" / "conversion_ratio_adjustment_excludes_issuance"
    lines = list(read_lines(lines_of(folder)))
    adjustment = [i for i in lines if i.fact.type_name == "ConversionRatioAdjusted"]
    small.import_events([i for i in lines if i not in adjustment])
    small.import_events(adjustment)
    every_answer(small, folder)


def test_a_changed_fingerprint_rebuilds_every_checkpoint(small, db):
    acme(small)
    codec = small.checkpoints.codec

    class Upgraded:
        FINGERPRINT = codec.FINGERPRINT + "-upgraded"
        dumps, loads, SnapshotUnreadable = staticmethod(codec.dumps), staticmethod(codec.loads), \
            codec.SnapshotUnreadable

    upgraded = Ledger(db, checkpoints=None)
    try:
        upgraded._checkpoints = Checkpoints(upgraded.store, every=2, codec=Upgraded)
        same_answers(upgraded)
        fingerprints = upgraded.checkpoints.tables.read("SELECT fingerprint FROM {captable_derived}")
        assert fingerprints[0][0].startswith(Upgraded.FINGERPRINT + "/")
    finally:
        upgraded.close()


@pytest.mark.parametrize("edit", [
    "UPDATE {captable_checkpoints} SET state = ?",
    "UPDATE {captable_checkpoints} SET book = ?",
    "UPDATE {captable_checkpoints} SET covered = covered + 1",
    "UPDATE {captable_catalog} SET effective = effective + 86400000000 WHERE seq = 8",
    "DELETE FROM {captable_catalog} WHERE seq = 9",
    "UPDATE {captable_catalog} SET hash = 'x' WHERE seq = 10",
    "UPDATE {captable_derived} SET count = count - 1",
])
def test_an_edited_cache_is_rebuilt_never_read(small, edit):
    acme(small)
    expected = {as_of: (answered(small, "acme", as_of), queries.notices(small, "acme", as_of, None))
                for as_of in INSTANTS}
    sql(small, edit, (b'["x"]',) if "?" in edit else ())
    for as_of in INSTANTS:
        assert (answered(small, "acme", as_of), queries.notices(small, "acme", as_of, None)) == expected[as_of]
    head = small.checkpoints.current("acme")  # rebuilt: the cache now agrees with the events everywhere
    for as_of in INSTANTS:
        small.checkpoints.state_at("acme", head, end_of(parse_when(as_of), small.history("acme").zone))


def edit_event(ledger: Ledger, position: int, old: str, new: str) -> None:
    rows = Rows(ledger.store.db)
    try:
        before = rows.states()
        rows.edit(position, old, new)
        assert rows.states() != before
    finally:
        rows.close()


def test_an_edited_event_an_answer_reads_is_refused(small):
    acme(small)
    edit_event(small, 8, '"shares":"2000"', '"shares":"2001"')  # issue-2, effective 1998-02-01
    with pytest.raises(errors.StoreTampered) as refused:  # from the checkpoint at issue-0 (1997), through issue-2
        queries.state(small, "acme", "1998-01-15", None)
    assert refused.value.position == 8


def test_an_edited_event_after_the_checkpoints_head_is_refused(small):
    acme(small)
    edit_event(small, 13, '"shares":"7000"', '"shares":"7001"')  # the last event: the head's own row
    with pytest.raises(errors.StoreTampered) as refused:
        queries.state(small, "acme", "1997-01-01", None)
    assert refused.value.position == 13


def test_deleting_every_checkpoint_changes_no_answer(small):
    acme(small)
    record_all(small, BACK_DATED)
    expected = {as_of: answered(small, "acme", as_of) for as_of in INSTANTS}
    for table in ("captable_checkpoints", "captable_catalog", "captable_derived"):
        sql(small, f"DELETE FROM {{{table}}}")
    assert {as_of: answered(small, "acme", as_of) for as_of in INSTANTS} == expected
    assert count(small, "captable_checkpoints") > 0  # the reader rebuilt them


def test_checkpoints_lie_further_apart_as_the_state_grows(small, monkeypatch):
    monkeypatch.setattr(checkpoints, "SCALE_BYTES", 200)  # acme's states take some hundreds of bytes
    acme(small)
    record_all(small, BACK_DATED)
    found = small.checkpoints.tables.read("SELECT covered, length(state) FROM {captable_checkpoints} ORDER BY covered")
    covered, sizes = [c for c, _ in found], [0] + [s for _, s in found]
    assert [b - a for a, b in zip([0, *covered], covered)] == [small.checkpoints.gap(s) for s in sizes[:-1]]
    assert max(small.checkpoints.gap(s) for s in sizes) > 2  # they did spread out
    same_answers(small)
    owed = queries.notices(small, "acme", "2003-12-16", None)
    with without_cache(small):
        assert queries.notices(small, "acme", "2003-12-16", None) == owed


def test_a_read_only_store_without_checkpoints_answers_from_the_events(small, db):
    acme(small)
    expected = answered(small, "acme", "1998-07-02")
    sql(small, "DELETE FROM {captable_derived}")
    reader = Ledger(db, read_only=True)
    try:
        reader.checkpoints.tables.writable = False
        assert answered(reader, "acme", "1998-07-02") == expected
    finally:
        reader.close()
    assert count(small, "captable_derived") == 0


# Decisions -------------------------------------------------------------------------------------------------


def test_past_knowledge_folds_on_from_the_checkpoint_before_what_was_recorded_since(small, monkeypatch):
    """Known at an instant before a back-dated issuance and a later one were recorded: the checkpoints before
    the back-dated one answer, without the whole history; once a retraction was recorded since, the whole
    history does (it changes what the fold excludes from the start)."""
    acme(small)
    before = small.history("acme").records[-1].recorded.isoformat()
    record_all(small, BACK_DATED)
    record_all(small, {**ISSUES[0], "id": "issue-late", "effective": "1999-01-01"})
    spy = Spy(small, monkeypatch)

    def whole(company: str) -> None:
        raise AssertionError("the whole history was read")

    with monkeypatch.context() as patch:
        patch.setattr(small, "_history", whole)
        answers = [answered(small, "acme", as_of, before) for as_of in INSTANTS]
    assert spy.answers["state_known"] == len(INSTANTS)
    assert answers == [from_scratch(small, "acme", as_of, before) for as_of in INSTANTS]
    assert all('"Early Holder"' not in a for a in answers)
    record_all(small, {"type": "EventRetracted", "id": "undo-late", "company": "acme", "effective": "2001-01-01",
                       "event": "issue-late", "reason": "entered twice"})
    for as_of in INSTANTS:
        assert answered(small, "acme", as_of, before) == from_scratch(small, "acme", as_of, before), as_of
    assert spy.answers["state_known"] == len(INSTANTS)  # each of those came from the whole history


def test_recording_at_the_end_decides_from_the_last_checkpoint_without_reading_the_history(small, monkeypatch):
    acme(small)

    def whole(company: str) -> None:
        raise AssertionError("the whole history was read")

    monkeypatch.setattr(small, "_history", whole)
    record_all(small, {**ISSUES[0], "id": "issue-late", "effective": "1999-01-01"})
    record_all(small, BACK_DATED)
    record_all(small, ISSUES[0])  # the same fact again: already stored, found through the catalog
    with pytest.raises(errors.IdConflict):
        record_all(small, {**ISSUES[0], "shares": 1})
    monkeypatch.undo()
    same_answers(small)


def test_a_refusal_decided_from_a_checkpoint_is_the_refusal_from_the_start(small):
    acme(small)
    too_many = {"type": "SharesIssued", "id": "too-many", "effective": "1998-05-15", "class": "series_c",
                "holder": "Fund II", "shares": 900000, "price_per_share": "20"}
    with pytest.raises(errors.Refused) as cached:
        record_all(small, too_many)
    fresh = Ledger(small.store.db)
    try:
        fresh._checkpoints = Checkpoints(fresh.store, every=10**6)
        sql(fresh, "DELETE FROM {captable_derived}")
        fresh.checkpoints.tables.writable = False
        with pytest.raises(errors.Refused) as whole:
            record_all(fresh, too_many)
    finally:
        fresh.close()
    assert (cached.value.code, cached.value.message) == (whole.value.code, whole.value.message)


# Random histories -----------------------------------------------------------------------------------------

DAY_ZERO = date(1997, 10, 1)  # after acme's warrant: every issuance below is valid whenever it lands
STEPS = st.lists(st.one_of(
    st.tuples(st.just("issue"), st.integers(0, 2000), st.integers(1, 50)),  # a day after DAY_ZERO, shares
    st.tuples(st.just("retract"), st.integers(0, 100), st.just(0)),  # which earlier issuance (modulo)
), min_size=1, max_size=14)
ASKED = st.lists(st.tuples(st.integers(-400, 2400), st.integers(0, 14)), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS, asked=ASKED, every=st.sampled_from(["1", "2", "3", "5"]),
       scale=st.sampled_from([checkpoints.SCALE_BYTES, 300]))
def test_random_histories_answer_from_checkpoints_as_from_the_start(tmp_path_factory, steps, asked, every, scale):
    """Back-dated issuances and retractions recorded one by one, then random (as-of, known-at) pairs; with
    a small ``scale`` the checkpoints lie further apart as the state grows."""
    store = str(tmp_path_factory.mktemp("random") / "captable.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAPTABLE_CHECKPOINT_EVERY", every)
        patch.setattr(checkpoints, "SCALE_BYTES", scale)
        ledger = Ledger(store)
        try:
            record_all(ledger, *COMPANY)
            standing: list[str] = []
            recorded = [ledger.history("acme").records[-1].recorded]
            for n, (kind, value, shares) in enumerate(steps):
                if kind == "issue":
                    standing.append(f"random-{n}")
                    record_all(ledger, {"type": "SharesIssued", "id": standing[-1], "class": "common",
                                        "effective": (DAY_ZERO + timedelta(days=value)).isoformat(),
                                        "holder": f"Holder {n % 3}", "shares": shares, "price_per_share": "20"})
                elif standing:
                    record_all(ledger, {"type": "EventRetracted", "id": f"undo-{n}", "company": "acme",
                                        "effective": "2001-01-01", "event": standing.pop(value % len(standing)),
                                        "reason": "random"})
                recorded.append(ledger.history("acme").records[-1].recorded)
            for day, when in asked:
                as_of = (DAY_ZERO + timedelta(days=day)).isoformat()
                known = None if when >= len(recorded) else recorded[when].isoformat()
                assert answered(ledger, "acme", as_of, known) == from_scratch(ledger, "acme", as_of, known)
        finally:
            ledger.close()
