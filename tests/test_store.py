"""The event store: atomic batches, idempotent ids, optimistic concurrency, upcasting, the chain."""

from __future__ import annotations

import json
import uuid

import pytest

from captable import errors, queries
from captable import events as ev
from captable.instants import now
from captable.intake import parse_event
from captable.ledger import Ledger
from captable.store import GENESIS, canonical, seal_event
from tests.conftest import COMPANY, POSTGRES, _drop_schema, _postgres_url, import_juniper, record_all

LISTED = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}


def test_a_concurrent_writer_gets_a_conflict_and_nothing_is_lost_or_duplicated(db):
    first, second = Ledger(db), Ledger(db)
    try:
        record_all(first, *COMPANY)
        stale = first.history("acme")
        planned, _ = first._plan(stale, [parse_event(LISTED)], now())
        record_all(second, {**LISTED, "id": "listed-by-second"})
        with pytest.raises(errors.ConcurrentWrite):
            first.store.append(planned)
        ids = [r.fact.id for r in first.history("acme").records]
        assert ids == [e["id"] for e in COMPANY] + ["listed-by-second"]
    finally:
        first.close()
        second.close()


def test_a_refused_batch_stores_none_of_its_good_events(ledger):
    record_all(ledger, *COMPANY)
    bad = {"type": "WarrantExercised", "id": "x", "effective": "1998-01-02", "warrant": "W-1", "shares": 1,
           "payment": "1.00"}
    with pytest.raises(errors.PaymentMismatch):
        record_all(ledger, LISTED, bad)
    assert len(ledger.history("acme").records) == len(COMPANY)


def test_events_without_an_id_get_one_that_makes_reimport_idempotent(ledger):
    record_all(ledger, *COMPANY)
    anonymous = {k: v for k, v in LISTED.items() if k != "id"}
    record_all(ledger, anonymous, anonymous)  # two identical lines are two events
    report = ledger.import_events([parse_event(anonymous), parse_event(anonymous)])
    assert report.total == 0 and report.already_stored == 2
    assert len(ledger.history("acme").records) == len(COMPANY) + 2


def test_two_companies_keep_separate_streams(ledger):
    record_all(ledger, *COMPANY)
    other = [{**e, "company": "beta"} for e in COMPANY[:2]]
    other[0] = {**other[0], "name": "Beta, Inc."}
    record_all(ledger, *other)
    assert sorted(ledger.companies()) == ["acme", "beta"]
    assert len(ledger.history("beta").records) == 2
    with pytest.raises(errors.CompanyRequired):
        ledger.company(None)


def test_each_event_is_chained_to_the_previous_one_by_its_hash(ledger):
    record_all(ledger, *COMPANY)
    previous = GENESIS
    for record in ledger.history("acme").records:
        assert record.prev_hash == previous
        assert record.hash == seal_event("acme", record.originator_version, record.timestamp, record.fact,
                                         previous, "test-suite").hash
        previous = record.hash


def test_a_stored_event_of_an_older_class_version_is_upcast_on_reading(ledger, monkeypatch):
    record_all(ledger, *COMPANY, LISTED)

    def upcast_v1_v2(state: dict) -> None:
        state["exchange"] = state["exchange"].lower()

    monkeypatch.setattr(ev.Listed, "class_version", 2)
    monkeypatch.setattr(ev.Listed, "upcast_v1_v2", staticmethod(upcast_v1_v2), raising=False)
    assert ledger.history("acme").records[-1].fact.exchange == "nasdaq"


def test_the_seal_covers_the_topic_the_position_the_class_version_the_company_the_content_and_the_actor():
    import hashlib
    from datetime import datetime, timezone

    recorded = datetime(2020, 1, 1, tzinfo=timezone.utc)
    fact = parse_event(LISTED).fact
    sealed = seal_event("acme", 7, recorded, fact, GENESIS, "Pat Lee")
    head = sealed.stored[:sealed.stored.rindex(b',"hash":')]
    assert head == (f'{{"company":"acme","class_version":1,"fact":{canonical(fact.content())},'
                    f'"recorded":"2020-01-01T00:00:00+00:00","actor":"Pat Lee","prev_hash":"{GENESIS}"').encode()
    assert sealed.hash == hashlib.sha256(b"captable.events:Listed\n7\n" + head).hexdigest()
    assert json.loads(sealed.stored) == {"company": "acme", "class_version": 1, "fact": fact.content(),
                                         "recorded": recorded.isoformat(), "actor": "Pat Lee", "prev_hash": GENESIS,
                                         "hash": sealed.hash}
    assert seal_event("acme", 7, recorded, fact, GENESIS, "Someone Else").hash != sealed.hash


def test_topics_are_the_public_type_names(ledger):
    record_all(ledger, *COMPANY)
    stored = ledger.store.recorder.select_events(ledger.history("acme").records[0].originator_id)
    assert [s.topic for s in stored][:2] == ["captable.events:CompanyFormed", "captable.events:ShareClassCreated"]


@pytest.mark.postgres
def test_postgresql_and_sqlite_give_identical_answers(tmp_path):
    """DESIGN §7 shapes do not depend on the store: the Juniper state JSON is byte-identical."""
    if not POSTGRES:
        pytest.skip("PostgreSQL not configured: set CAPTABLE_TEST_POSTGRES=postgresql://user@host:port/db to run")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _drop_schema(schema)
    answers = []
    for url in (str(tmp_path / "juniper.db"), _postgres_url(schema)):
        ledger = Ledger(url)
        try:
            import_juniper(ledger)
            answers.append(json.dumps(queries.state(ledger, "juniper", "2000-07-01", None).to_json(), sort_keys=True))
        finally:
            ledger.close()
    _drop_schema(schema)
    assert answers[0] == answers[1]
    assert json.loads(answers[0])["warrants"][0]["shares_purchasable"] == "183429"
