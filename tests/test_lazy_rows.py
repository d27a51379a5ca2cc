"""A stream read a batch at a time: the same events as the whole read, a suffix from a known head, the chain
checked across batches, and no more rows read than the reader asks for."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from benchmarks.synthetic import history
from captable.chain import GENESIS, Links, company_prefix
from captable.errors import StoreTampered
from captable.intake import read_lines
from captable.ledger import Ledger
from captable.rows import iter_events, row_batches, stream_id

COMPANY = "synthco"


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("lazy") / "s.db")
    ledger = Ledger(db)
    ledger.import_events(read_lines(history(2500, seed=3)))
    yield ledger
    ledger.close()


class Counting:
    """A recorder that counts the selects it is asked for."""

    def __init__(self, recorder: Any) -> None:
        self.recorder, self.selects = recorder, 0

    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        self.selects += 1
        return self.recorder.select_events(*args, **kwargs)


def lazily(ledger: Ledger, gt: int = 0, head: str = GENESIS, size: int = 300, recorder: Any = None):
    links = Links.after(gt, head, company_prefix(COMPANY))
    return iter_events(COMPANY, row_batches(recorder or ledger.store.recorder, stream_id(COMPANY), gt, size=size),
                       links)


def test_a_stream_read_in_batches_is_the_stream_read_whole(stored):
    whole = stored.store.stream(COMPANY)
    assert len(whole) == 2500
    assert list(lazily(stored)) == whole
    assert list(lazily(stored, size=2500)) == whole and list(lazily(stored, size=7)) == whole


def test_a_suffix_is_read_from_the_head_it_follows(stored):
    whole = stored.store.stream(COMPANY)
    assert list(lazily(stored, gt=1234, head=whole[1233].hash)) == whole[1234:]
    assert list(lazily(stored, gt=2500, head=whole[-1].hash)) == []


def test_a_suffix_from_a_head_that_is_not_the_stream_s_is_refused(stored):
    whole = stored.store.stream(COMPANY)
    with pytest.raises(StoreTampered) as refused:
        list(lazily(stored, gt=1234, head=whole[1232].hash))
    assert refused.value.position == 1235


def test_only_the_batches_a_reader_asks_for_are_read(stored):
    recorder = Counting(stored.store.recorder)
    events = lazily(stored, recorder=recorder)
    first = [next(events) for _ in range(10)]
    assert recorder.selects == 1 and [r.originator_version for r in first] == list(range(1, 11))


def test_a_row_edited_in_a_later_batch_is_refused_before_any_fact_of_its_batch(tmp_path):
    db = tmp_path / "s.db"
    ledger = Ledger(str(db))
    ledger.import_events(read_lines(history(1000, seed=3)))
    with sqlite3.connect(db) as con:
        (table,) = con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                               "AND name LIKE '%events%'").fetchone()
        con.execute(f'UPDATE "{table}" SET state = replace(state, \'"shares":\', \'"shares": \') '
                    "WHERE originator_version = 777 AND topic != 'captable.journal:Committed' "
                    "AND topic != 'captable.index:CompanyAdded'")
    given = []
    with pytest.raises(StoreTampered) as refused:
        for record in lazily(ledger, size=300):
            given.append(record.originator_version)
    assert refused.value.position == 777 and given == list(range(1, 601))
    ledger.close()
