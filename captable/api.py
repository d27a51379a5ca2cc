"""The Python library: ``captable.open(db)`` and the same answers as the command line, typed.

    import captable

    with captable.open("captable.db") as books:
        terms = books.state(as_of="2000-07-01").warrant("VLL2-C-1")
        terms.stock_purchase_price                     # Fraction(893, 900)

Every method asks the application layer the command line asks (``queries``,
``answers``, ``Ledger``), so an answer's ``to_json()`` is byte for byte what
``captable … --json`` prints. Instants are what the command line takes (a
date means the end of that day in the company's zone) or ``date`` and aware
``datetime`` objects; a naive datetime is refused, as on the command line.
Every refusal, including a failure of the store or the disk, is raised as a
``captable.errors.Refused`` subclass with its ``code``: never another exception.

A ``Books`` holds the store open until ``close()`` (or the end of a ``with``
block); it is not shared between threads (open one per thread: opening costs
about a millisecond). Reads never create a store; the first write does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ParamSpec, TypeVar

from captable import boundary, errors
from captable.numbers import format_exact
from captable.results import Audit, Log, LogEntry, Notices, Quote, State, Stored, Verified

if TYPE_CHECKING:
    from captable.ledger import Ledger
    from captable.warm import Tip
    from captable.letter_parts import Letter

__all__ = ["Books", "open", "Instant"]

P = ParamSpec("P")
T = TypeVar("T")
Instant = str | date | datetime | None


def _refusing(method: Callable[P, T]) -> Callable[P, T]:
    """Whatever goes wrong leaves as the coded refusal the command line would print (``boundary``)."""
    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except errors.Refused:
            raise
        except Exception as error:  # the library's edge: a refusal with a code, the cause chained
            raise boundary.explain(error) from error  # the traceback too, with CAPTABLE_TRACEBACK=1
    return guarded


def instant_text(value: Instant, field: str) -> str | None:
    """An instant as the command line takes it: text as written, a date, or a datetime with its offset."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise errors.BadOption("a date-time needs its UTC offset (DESIGN §3); give an aware datetime",
                                   field=field, value=value.isoformat())
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise errors.BadOption("an instant is a date, an aware datetime or their ISO text", field=field, value=value)


def _units(shares: int | Fraction | str) -> str:
    if isinstance(shares, bool):
        raise errors.BadOption("shares is a whole number of units or 'all'", field="shares", value=shares)
    if isinstance(shares, (int, Fraction)):
        return format_exact(Fraction(shares))
    return shares


class Books:
    """A store's books, opened by ``captable.open``."""

    def __init__(self, db: str | Path, *, actor: str | None = None, company: str | None = None) -> None:
        from captable.ledger import actor_name

        self.db = str(db)
        self.actor = actor_name(actor)  # checked now: a bad name is refused before anything is written
        self.company = company
        self._reader: Ledger | None = None
        self._writer: Ledger | None = None

    def __enter__(self) -> Books:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the store."""
        for ledger in (self._reader, self._writer):
            if ledger is not None:
                ledger.close()
        self._reader = self._writer = None

    def _read(self) -> Ledger:
        """The ledger to answer from: the writer once there is one, else a read-only one (it creates nothing)."""
        from captable.ledger import Ledger

        if self._writer is not None:
            return self._writer
        if self._reader is None:
            self._reader = Ledger(self.db, read_only=True, actor=self.actor)
        return self._reader

    def _write(self) -> Ledger:
        from captable.ledger import Ledger

        if self._writer is None:
            self._writer = Ledger(self.db, actor=self.actor)
        return self._writer

    def _company(self, company: str | None) -> str | None:
        return company if company is not None else self.company

    # Questions ------------------------------------------------------------

    @_refusing
    def companies(self) -> list[str]:
        """The companies the store holds, in the order they were added."""
        return self._read().companies()

    @_refusing
    def forms(self, name: str | None = None) -> dict[str, Any]:
        """The forms of warrant (``captable forms --json``); with ``name``, its parameters and clauses (an
        unknown name is refused, ``unknown_form``)."""
        from captable.forms import describe

        return describe.listing() if name is None else describe.detail(name)

    @_refusing
    def state(self, as_of: Instant = None, known_at: Instant = None, *, warrant: str | None = None,
              company: str | None = None) -> State:
        """The warrant terms and the cap table as of ``as_of`` (default now), as the books stood at ``known_at``
        (default now); ``warrant`` keeps one warrant (an unknown one is refused, ``unknown_warrant``)."""
        from captable import queries

        answer = queries.state(self._read(), self._company(company), instant_text(as_of, "as_of"),
                               instant_text(known_at, "known_at"))
        return State.of(answer.to_json(warrant))

    @_refusing
    def exercise_quote(self, warrant: str, shares: int | Fraction | str, at: Instant = None, *,
                       net: str | None = None, offering: str | None = None, deliver_to: str | None = None,
                       company: str | None = None) -> Quote:
        """What exercising ``shares`` units (or ``"all"``) of ``warrant`` at ``at`` would deliver and cost: for
        cash (§1(a)) or, with ``net`` = market, public_offering or board, net (§1(b), §1(c)). Records nothing."""
        from captable import queries

        return Quote.of(queries.exercise_quote(self._read(), self._company(company), warrant, _units(shares),
                                               instant_text(at, "at"), net, offering, deliver_to))

    @_refusing
    def notices(self, as_of: Instant = None, known_at: Instant = None, *, status: Sequence[str] = (),
                company: str | None = None) -> Notices:
        """What the company owes the holder (§4.3, §4.5, §4.6, §18.7) by ``as_of``, by when, and whether it was
        given on time (§12); ``status`` keeps only those statuses (open, met, late, overdue, waived, lapsed)."""
        from captable import queries

        return Notices.of(queries.notices(self._read(), self._company(company), instant_text(as_of, "as_of"),
                                          instant_text(known_at, "known_at"), list(status)))

    @_refusing
    def audit(self, as_of: Instant = None, known_at: Instant = None, *, warrant: str | None = None,
              company: str | None = None) -> Audit:
        """The history replayed step by step up to ``as_of``, each step citing the clause it applied; the answer
        also writes itself as text, Markdown or the HTML page."""
        from captable import queries

        return Audit.of(queries.audit(self._read(), self._company(company), instant_text(as_of, "as_of"),
                                      instant_text(known_at, "known_at"), warrant))

    @_refusing
    def audit_diff(self, first: Instant, second: Instant, as_of: Instant = None, *,
                   company: str | None = None) -> dict[str, Any]:
        """What changed between two recorded instants in the answers for every effective instant (the JSON of
        ``audit --diff``)."""
        from captable import queries

        first_text, second_text = instant_text(first, "known_at"), instant_text(second, "known_at")
        if first_text is None or second_text is None:
            raise errors.BadOption("an audit diff compares two recorded instants; give both", field="known_at")
        return queries.audit_diff(self._read(), self._company(company), first_text, second_text,
                                  instant_text(as_of, "as_of"))

    @_refusing
    def letter(self, obligation: str, date: Instant = None, *, company: str | None = None) -> Letter:
        """Draft the §4.5 notice of adjustment or the §4.6 notice that discharges ``obligation`` (an id from
        ``notices``), dated ``date`` (default today); ``markdown(letter)`` and ``html_page(letter)`` in
        ``captable.documents`` lay it out, ``to_json()`` gives its parts."""
        from captable import documents

        return documents.draft(self._read(), self._company(company), obligation, instant_text(date, "as_of"))

    @_refusing
    def log(self, *, company: str | None = None) -> Log:
        """The stored events in stream order: instants, actor, source and chain hashes."""
        from captable.answers import log_json

        return Log.of(log_json(self._read(), self._company(company)))

    @_refusing
    def event(self, event_id: str, *, company: str | None = None) -> LogEntry:
        """One stored event by its id (``unknown_event`` names the nearest ids when there is none)."""
        from captable.answers import event_json

        return LogEntry.of(event_json(self._read(), self._company(company), event_id))

    @_refusing
    def verify(self, anchor: str | Path | None = None, *, company: str | None = None,
               derived: bool = False) -> Verified:
        """Walk every chain of the store and, with ``anchor`` (a file ``head`` wrote), prove the store still
        extends it; with ``derived``, fold each stored checkpoint again from the events. A break is raised
        (``store_tampered``, every break beside the first), never returned."""
        from captable.answers import verification

        found = verification(self._read(), self._company(company), Path(anchor) if anchor is not None else None,
                             derived=derived)
        return Verified.of(found.to_json())

    @_refusing
    def head(self, *, company: str | None = None) -> dict[str, Any]:
        """An anchor to keep away from the store (company, event count, head hash, journal head, time)."""
        from captable import verify as integrity

        ledger = self._read()
        return integrity.anchor(ledger.store, ledger.company(self._company(company)))

    @_refusing
    def tip(self, *, company: str | None = None) -> Tip | None:
        """The company's chain head as the journal's last commit names it (its seal and link checked, as every
        read checks them), without reading the events: what the service's ETags name. None when the index
        lists the company but its journal holds no commit (a read of the events then refuses it)."""
        from captable.warm import Tip

        ledger = self._read()
        name = ledger.company(self._company(company))
        entry = next((e for e in ledger.store.index() if e.company == name), None)
        commit = ledger.store.last_commit(name, entry) if entry is not None else None
        if commit is None:
            return None
        return Tip(name, commit.last, commit.head, commit.originator_version, commit.timestamp)

    @_refusing
    def ocf_export(self, out: str | Path, as_of: Instant = None, known_at: Instant = None, *,
                   company: str | None = None) -> dict[str, Any]:
        """Write the history effective up to ``as_of`` (as known at ``known_at``) as an OCF v1.2.0 package at
        ``out`` (a new or empty folder, or a ``.zip``); the report ``captable ocf export --json`` prints."""
        from captable.answers import ocf_export

        return ocf_export(self._read(), self._company(company), Path(out), instant_text(as_of, "as_of"),
                          instant_text(known_at, "known_at"))

    # Writes ---------------------------------------------------------------

    @_refusing
    def record(self, event: Mapping[str, Any] | str) -> Stored:
        """Record one event (a dict, or its JSON text): without an ``id`` a new fact each time, whose id the
        answer gives; with one, the same content again stores nothing. Refused input stores nothing."""
        from captable.answers import stored_json
        from captable.intake import load_json, parse_event

        incoming = parse_event(load_json(event) if isinstance(event, str) else dict(event))
        return Stored.of(stored_json(self._write().record(incoming), ids=True))

    @_refusing
    def import_events(self, events: Iterable[str | Mapping[str, Any]]) -> Stored:
        """Import a history: JSON Lines text lines, or dicts, or both. Every event is stored or none is; every
        malformed line is reported in one refusal (its ``others``)."""
        from captable.answers import parse_lines, stored_json

        incoming = parse_lines(events)  # before the store is opened: a malformed history creates none
        return Stored.of(stored_json(self._write().import_events(incoming)))

    @_refusing
    def import_file(self, file: str | Path | BinaryIO, *, name: str | None = None,
                    progress: Callable[[], None] = lambda: None) -> Stored:
        """Import a JSON Lines history from a file (a path, or a seekable binary file read from where it
        stands), read as it goes rather than held whole (``captable.streamed_import``): its first lines are
        parsed before the store is opened, and a new company's history in effective order is decided and
        written in chunks (``captable.bulk``). Every event is stored or none is (one transaction); every
        malformed line is reported in one refusal (its ``others``), ``name`` (default the path) naming the
        file. ``progress`` is called once a line read."""
        from captable.answers import stored_json
        from captable.streamed_import import from_the_start

        if isinstance(file, (str, Path)):
            with Path(file).open("rb") as raw:
                return self.import_file(raw, name=name or str(file), progress=progress)
        source = from_the_start(file, name or str(getattr(file, "name", "the input")), progress)
        return Stored.of(stored_json(self._write().import_stream(source)))


def open(db: str | Path = "captable.db", *, actor: str | None = None,  # noqa: A001  (captable.open, as io.open)
         company: str | None = None) -> Books:
    """Open a store's books: a SQLite path or a ``postgresql://`` URL, as ``--db`` takes. ``actor`` is sealed
    with each event written (default ``CAPTABLE_ACTOR``, else the operating system's user); ``company`` is the
    default company for a store that holds several."""
    return _opened(db, actor, company)


@_refusing
def _opened(db: str | Path, actor: str | None, company: str | None) -> Books:
    return Books(db, actor=actor, company=company)
