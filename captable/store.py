"""The event store: the ``eventsourcing`` library, one stream per company, each row sealed in a hash chain.

A SQLite file by default; a ``postgresql://`` URL selects the library's
PostgreSQL module. The store holds three kinds of row (``captable.rows``):
each company's events, the index of companies, and each company's journal
of commits; together they cover everything that changes an answer.

A batch (its events, any new index entries and one commit per company) is
written with one ``insert_events`` call, which is one transaction: it lands
whole or not at all, and a writer that lost a race for a stream position gets
an ``IntegrityError`` (an optimistic-concurrency conflict), never a lost or
duplicated event. Reading a company's history checks its chain as it parses
the rows and refuses a broken one (``StoreTampered``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent

from captable import backends
from captable.chain import GENESIS, Break, Links, company_prefix, content_matches, link
from captable.errors import ConcurrentWrite, StoreReadOnly, StoreTampered
from captable.instants import now
from captable.rows import (INDEX_STREAM, INDEX_TOPIC, JOURNAL_TOPIC, UNREADABLE, CompanyAdded, Committed, Recorded,
                           canonical, journal_id, parse_commit, parse_company, parse_event, read_events,
                           rewritten, seal_commit, seal_company, seal_event, stream_end, stream_id, tampered,
                           unlisted, walk_index, as_uuid)

__all__ = ["GENESIS", "INDEX_STREAM", "CompanyAdded", "Recorded", "Store", "canonical", "journal_id", "read_events",
           "seal_event", "stream_id", "FactMapper"]


class FactMapper(Mapper[UUID]):
    """Writes the sealed rows as they are; selected with ``MAPPER_TOPIC``.

    Upcasting follows the library's convention: ``class_version`` in the
    stored state, ``upcast_vN_vN+1`` static methods on the event class.
    """

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if not domain_event.stored:
            raise ValueError("only sealed rows are written: seal it first")
        topic = (domain_event.fact.TOPIC if isinstance(domain_event, Recorded)
                 else INDEX_TOPIC if isinstance(domain_event, CompanyAdded) else JOURNAL_TOPIC)
        return StoredEvent(domain_event.originator_id, domain_event.originator_version, topic, domain_event.stored)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        if stored_event.topic == INDEX_TOPIC:
            return parse_company(stored_event)
        if stored_event.topic == JOURNAL_TOPIC:
            return parse_commit(stored_event)
        return parse_event(stored_event)


class Store(Application[UUID]):
    """The company streams and the index of companies."""

    name = backends.APPLICATION

    def __init__(self, db: str, *, read_only: bool = False) -> None:
        """Open the store ``db`` names; a read-only store is never created (see ``backends``)."""
        self.db = db
        self.read_only = read_only
        super().__init__({"MAPPER_TOPIC": f"{__name__}:FactMapper", **backends.persistence_env(db, read_only=read_only)})

    def index(self) -> list[CompanyAdded]:
        """The index of companies, its chain checked (one small row per company)."""
        entries, broken = walk_index(self.recorder.select_events(INDEX_STREAM))
        if broken is not None:
            raise tampered(None, "index", broken)
        return entries

    def companies(self) -> list[str]:
        return [entry.company for entry in self.index()]

    def stream(self, company: str) -> list[Recorded]:
        """The company's events, each row's chain checked as it is parsed, and the stream's end checked
        against the journal's last commit; a broken chain is refused (``StoreTampered``).

        The rows are read first, then the index and the journal: a writer's index entry and commit land
        with its rows, so whatever the rows show, the later reads show too.
        """
        rows = self.recorder.select_events(stream_id(company))
        journaled = bool(rows) or bool(self.recorder.select_events(journal_id(company), limit=1))
        entry = next((e for e in self.index() if e.company == company), None)
        if entry is None:
            if journaled:
                raise unlisted(company)
            return []
        commit = self.last_commit(company, entry)
        if commit is None:
            raise tampered(company, "events", Break(1, "the index lists the company but its journal records no "
                                                       "commit: its history was deleted", None, None))
        links = Links(GENESIS, company_prefix(company))
        return self._to_commit(company, rows, links, commit)

    def since(self, company: str, version: int, head: str) -> list[Recorded] | None:
        """The events after position ``version``, checked as a chain from ``head`` (the hash a reader trusted at
        ``version``) to the journal's last commit, which must end where they do (``StoreTampered`` if not); None
        when the stream no longer holds ``head`` at ``version``: then only a read from genesis can say why.

        This is the chain check from a checkpoint's head (issue 11): the rows up to ``version`` were checked
        when the checkpoint was built; ``captable verify`` checks every row. Rows are read before the journal,
        as in ``stream``.
        """
        prefix = company_prefix(company)
        rows = self.recorder.select_events(stream_id(company), gt=version - 1 if version else None)
        entry = next((e for e in self.index() if e.company == company), None)
        commit = self.last_commit(company, entry) if entry is not None else None
        if commit is None or commit.last < version:
            return None
        if version:
            first = rows[0] if rows else None
            if (first is None or first.originator_version != version or link(first.state) is None
                    or link(first.state)[1] != head or not first.state.startswith(prefix)  # type: ignore[index]
                    or not content_matches(first.topic, version, first.state, head)):
                return None
            rows = rows[1:]
        links = Links(head, prefix)
        links.count = version
        return self._to_commit(company, rows, links, commit)

    def _to_commit(self, company: str, rows: Sequence[StoredEvent], links: Links, commit: Committed) -> list[Recorded]:
        """``rows`` parsed along ``links``, then any a writer committed after they were read, and the stream's end
        checked against the journal's last commit (``StoreTampered`` if it does not end there)."""
        records = read_events(company, rows, links)
        if commit.last > links.count:  # a writer committed after the rows were read; rows are only appended
            records += read_events(company, self.recorder.select_events(
                stream_id(company), gt=links.count, lte=commit.last), links)
        broken = stream_end(links.count, links.head, commit.last, commit.head)
        if broken is None and links.head != commit.head:
            broken = rewritten(commit, None)
        if broken is not None:
            raise tampered(company, "events", broken)
        return records

    def rows_at(self, company: str, positions: Iterable[int]) -> dict[int, StoredEvent]:
        """The company's stored rows at ``positions``, unchecked: the caller checks each against what it expects.
        Nearby positions are read as one range (a history is mostly recorded in effective order)."""
        found: dict[int, StoredEvent] = {}
        stream = stream_id(company)
        for first, last in _spans(sorted(set(positions))):
            for row in self.recorder.select_events(stream, gt=first - 1, lte=last):
                found[row.originator_version] = row
        return found

    def raw_rows(self, stream: UUID, after: int = 0, until: int | None = None,
                 batch: int = 20_000) -> Iterator[tuple[int, str, bytes]]:
        """A stream's rows as ``(position, topic, state)`` tuples, past the library's mapper, a batch at a time:
        to walk a long chain (``verify``) without an object per row or the whole stream in memory. Rows are only
        ever appended, so reading batch after batch misses nothing before ``until``."""
        datastore, table = self.recorder.datastore, self.recorder.events_table_name  # type: ignore[attr-defined]
        postgres = hasattr(datastore, "schema")
        if postgres:
            from psycopg import sql
            from psycopg.rows import tuple_row

            text: Any = sql.SQL("SELECT originator_version, topic, state FROM {T} WHERE originator_id = %s AND "
                                "originator_version > %s AND originator_version <= %s ORDER BY originator_version "
                                "LIMIT %s").format(T=sql.Identifier(datastore.schema, table))
            key: Any = stream
        else:
            text, key = (f'SELECT originator_version, topic, state FROM "{table}" WHERE originator_id = ? AND '
                         "originator_version > ? AND originator_version <= ? ORDER BY originator_version LIMIT ?",
                         stream.hex)
        last = until if until is not None else 2 ** 62
        while after < last:
            with datastore.transaction(commit=False) as cursor:
                if postgres:
                    cursor.row_factory = tuple_row
                else:
                    cursor.row_factory = None
                cursor.execute(text, (key, after, last, batch))
                rows = cursor.fetchall()
            for position, topic, state in rows:
                yield position, topic, bytes(state)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def last_commit(self, company: str, entry: CompanyAdded) -> Committed | None:
        """The journal's last commit, read without reading the journal: its seal, and its link to the commit
        before it (or, for the first, to the company's index entry), are checked."""
        rows = self.recorder.select_events(journal_id(company), desc=True, limit=2)
        if not rows:
            return None
        last = rows[0]
        sealed = link(last.state)
        number = last.originator_version
        if len(rows) == 2:
            before = link(rows[1].state)
            expected = before[1] if before is not None and rows[1].originator_version == number - 1 else None
        else:
            expected = entry.hash if number == 1 else None
        problem = ("its link to the commit before it is broken: a commit was deleted, inserted or reordered"
                   if sealed is None or sealed[0] != expected else None)
        if sealed is not None and not (last.topic == JOURNAL_TOPIC and last.state.startswith(company_prefix(company))
                                       and content_matches(last.topic, number, last.state, sealed[1])):
            problem = "its content no longer matches its hash: edited"
        if problem is None:
            try:
                return parse_commit(last)
            except UNREADABLE:
                problem = "its content is not a readable commit: forged"
        raise tampered(company, "journal", Break(number, problem, None, None))

    def ends_at(self, company: str, commit: Committed) -> bool:
        """Whether the company's stream ends at ``commit``: its last row is at the commit's last position, of
        this company, and sealed with the commit's head hash (one row read; ``stream`` checks the rest)."""
        rows = self.recorder.select_events(stream_id(company), desc=True, limit=1)
        if not rows:
            return commit.last == 0
        last = rows[0]
        sealed = link(last.state)
        return (last.originator_version == commit.last and sealed is not None and sealed[1] == commit.head
                and last.state.startswith(company_prefix(company))
                and content_matches(last.topic, last.originator_version, last.state, sealed[1]))

    def unlisted(self, company: str | None) -> None:
        """Refuse rows stored for a company the index does not list (for ``None``: any row, when the index
        lists none). The rows are read before the index, so a company being added is not mistaken."""
        if company is None:
            stored = bool(self._query("SELECT 1 AS one FROM {T} LIMIT 1"))
            if stored and not self.index():
                raise StoreTampered("the store holds rows but its index of companies lists no company: the index "
                                    "was deleted. Restore the store from a copy you trust and run `captable "
                                    "verify`", company=None, part="index", position=1)
            return
        stored = bool(self.recorder.select_events(stream_id(company), limit=1)
                      or self.recorder.select_events(journal_id(company), limit=1))
        if stored and company not in self.companies():
            raise unlisted(company)

    def stream_ids(self) -> set[UUID]:
        """Every stream that holds a row: to find rows that belong to no listed company."""
        return {as_uuid(row["originator_id"]) for row in self._query("SELECT DISTINCT originator_id FROM {T}")}

    def _query(self, text: str) -> list[Any]:
        """A read of the events table itself, past the library's per-stream API."""
        datastore, table = self.recorder.datastore, self.recorder.events_table_name  # type: ignore[attr-defined]
        with datastore.transaction(commit=False) as cursor:
            if hasattr(datastore, "schema"):
                from psycopg import sql

                cursor.execute(sql.SQL(text).format(T=sql.Identifier(datastore.schema, table)))
            else:
                cursor.execute(text.format(T=f'"{table}"'))
            return list(cursor.fetchall())

    def append(self, records: Sequence[Recorded], new_companies: Sequence[CompanyAdded] = ()) -> None:
        """Write a batch in one transaction; a lost race is a ``ConcurrentWrite``."""
        if self.read_only:
            raise StoreReadOnly("this store was opened for reading", field="db", value=self.db)
        events = self._batch(records, new_companies)
        try:
            if backends.is_postgres(self.db):
                backends.insert_in_one_transaction(self.recorder, [self.mapper.to_stored_event(e) for e in events])
            else:  # each row made as it is inserted: the library's put would keep every row and a notification
                self.recorder.insert_events(map(self.mapper.to_stored_event, events))  # type: ignore[arg-type]
        except IntegrityError as error:
            raise _lost_race(error) from error

    @contextmanager
    def writing(self, new_companies: Sequence[CompanyAdded] = ()) -> Iterator[Writer]:
        """One transaction that a streamed import writes in chunks (``Writer``): the new index entries first,
        then the events as they are sealed, then each company's commit (``Writer.commit``), the rows in the
        order ``append`` writes them. It commits when the block ends and ``commit`` was called; on any
        exception nothing is stored. The checks ``_batch`` makes are made here before the transaction opens;
        a writer that raced this one since is refused by the positions it takes (``ConcurrentWrite``)."""
        if self.read_only:
            raise StoreReadOnly("this store was opened for reading", field="db", value=self.db)
        first_rows = self._batch([], new_companies)
        postgres = backends.is_postgres(self.db)
        writer = Writer(self, first_rows, postgres)
        try:
            with self.recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
                writer.begin(cursor)
                yield writer
                if not writer.committed:
                    raise RuntimeError("a streamed write ended without its commit")
        except IntegrityError as error:
            raise _lost_race(error) from error

    def _batch(self, records: Sequence[Recorded], new_companies: Sequence[CompanyAdded]) -> list[Any]:
        """The rows of one write: new index entries sealed onto the index, the events, and one commit per
        company onto its journal (the commit's position keeps a conflicting writer out, with the events')."""
        index = self.index() if new_companies or records else []
        hashes = {e.originator_version: e.hash for e in index}
        added = []
        listed = {e.company for e in index}
        for entry in new_companies:
            prev = hashes.get(entry.originator_version - 1, GENESIS if entry.originator_version == 1 else None)
            if prev is None or entry.company in listed:  # another writer added it since this one read the index
                raise _stale()
            added.append(seal_company(entry, prev))
            hashes[entry.originator_version] = added[-1].hash
        entries = {e.company: e for e in [*index, *added]}
        new = {e.company for e in added}
        commits = []
        moment = now()
        for company, first, last in _runs(records):
            entry = entries.get(company)
            if entry is None:
                raise _stale()
            if company in new:  # a commit for it means another writer added it since the index was read
                if self.recorder.select_events(journal_id(company), limit=1):
                    raise _stale()
                before = None
            else:
                before = self.last_commit(company, entry)
            if first.originator_version != (before.last if before else 0) + 1:
                raise _stale()
            commits.append(seal_commit(company, before.originator_version + 1 if before else 1,
                                       first.originator_version, last.originator_version, last.hash, moment,
                                       before.hash if before else entry.hash))
        return [*added, *records, *commits]

    def index_version(self) -> int:
        entries = self.recorder.select_events(INDEX_STREAM, desc=True, limit=1)
        return entries[0].originator_version if entries else 0


def _runs(records: Sequence[Recorded]) -> list[tuple[str, Recorded, Recorded]]:
    """Each company's first and last record in a batch (a batch holds each company's records together)."""
    runs: list[tuple[str, Recorded, Recorded]] = []
    for record in records:
        if runs and runs[-1][0] == record.company:
            runs[-1] = (record.company, runs[-1][1], record)
        else:
            runs.append((record.company, record, record))
    return runs


def _spans(positions: Sequence[int], gap: int = 64) -> list[tuple[int, int]]:
    """Sorted positions as ranges to read, a range bridging gaps of up to ``gap`` rows not asked for."""
    spans: list[tuple[int, int]] = []
    for position in positions:
        if spans and position - spans[-1][1] <= gap:
            spans[-1] = (spans[-1][0], position)
        else:
            spans.append((position, position))
    return spans


def _lost_race(error: IntegrityError) -> ConcurrentWrite:
    return ConcurrentWrite("another writer appended to this company's history first; nothing was stored. Read the "
                           "history again and retry.", value=str(error).splitlines()[0] if str(error) else None)


def _stale() -> ConcurrentWrite:
    return ConcurrentWrite("another writer changed the store since this batch was decided; nothing was stored. "
                           "Read the history again and retry.")


class Writer:
    """The rows of a streamed import, written inside ``Store.writing``'s one transaction: straight to the
    events table (the library's SQLite recorder inserts a row per statement, its PostgreSQL one adapts each
    row to a composite type), the same bytes in the same order as ``Store.append``."""

    def __init__(self, store: Store, added: Sequence[CompanyAdded], postgres: bool) -> None:
        self.store, self.added, self.postgres = store, added, postgres
        self.committed = False
        self._cursor: Any = None

    def begin(self, cursor: Any) -> None:
        self._cursor = cursor
        if self.postgres:
            for statement in self.store.recorder.lock_table_statements:  # type: ignore[attr-defined]
                cursor.execute(statement)
        self._insert([self.store.mapper.to_stored_event(e) for e in self.added])

    def events(self, records: Iterable[Recorded]) -> None:
        """Sealed events, in stream order."""
        self._insert([StoredEvent(r.originator_id, r.originator_version, r.fact.TOPIC, r.stored) for r in records])

    def commit(self, company: str, first: int, last: Recorded) -> None:
        """The company's journal commit for the events from ``first`` to ``last`` (a new company's first)."""
        entry = next(e for e in self.added if e.company == company)
        moment = now()
        self._insert([self.store.mapper.to_stored_event(
            seal_commit(company, 1, first, last.originator_version, last.hash, moment, entry.hash))])
        self.committed = True

    def _insert(self, rows: Sequence[StoredEvent]) -> None:
        if not rows:
            return
        if self.postgres:
            backends.copy_rows(self.store.recorder, self._cursor, rows)
        else:
            self._cursor.executemany(self.store.recorder.insert_events_statement,  # type: ignore[attr-defined]
                                     [(r.originator_id.hex, r.originator_version, r.topic, r.state) for r in rows])
