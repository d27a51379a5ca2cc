"""The answers every face gives the same way: the command line, the library and the HTTP service.

``queries`` computes the point-in-time answers; what is left here is what
the command line used to compute for itself and the other faces need too:
the JSON text of an answer (DESIGN §7: byte for byte what ``--json``
prints), the event log, the parse of a JSON Lines history that reports every
malformed line at once, and a ``verify`` with its anchor. One function each,
so that the faces cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from captable import errors
from captable.textfiles import printable

if TYPE_CHECKING:
    from captable.intake import Incoming
    from captable.ledger import ImportReport, Ledger
    from captable.verify import Report


def json_text(body: Any) -> str:
    """An answer as the command line prints it with ``--json``: ``json.dumps(indent=2, ensure_ascii=False)``'s
    text (``json_writer``), one final newline; a lone surrogate (which UTF-8 cannot hold) written escaped."""
    from captable.json_writer import json_chunks

    return printable("".join(json_chunks(body))) + "\n"


def error_body(refusal: errors.Refused) -> dict[str, Any]:
    """A refusal as ``--json`` prints it: ``{"error": …}``, and ``errors`` when it was reported with others
    (every malformed line of an import, every break of a store)."""
    others = getattr(refusal, "others", [])
    body: dict[str, Any] = {"error": refusal.to_json()}
    if others:
        body["errors"] = [refusal.to_json()] + [o.to_json() for o in others]
    return body


def log_json(ledger: Ledger, company: str | None) -> dict[str, Any]:
    """The stored events of a company in stream order, each with its effective and recorded instants, who
    recorded it and its place in the hash chain (DESIGN §7 ``log``)."""
    history = ledger.history(ledger.company(company))
    return {"company": history.company, "events": [{
        "seq": r.originator_version,
        "id": r.fact.id,
        "type": r.fact.type_name,
        "effective": r.fact.content()["effective"],
        "recorded": r.timestamp.isoformat(),
        "actor": r.actor,
        "source": r.fact.source,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
        "event": r.fact.content(),
    } for r in history.records]}


def stored_json(report: ImportReport, ids: bool = False) -> dict[str, Any]:
    """What a write stored, by company; with ``ids`` (``record``), the ids given, so that a recorded fact can
    be cited or retracted."""
    return {"stored": report.stored, "already_stored": report.already_stored, **({"ids": report.ids} if ids else {})}


def event_json(ledger: Ledger, company: str | None, event_id: str) -> dict[str, Any]:
    """One stored event as ``log`` lists it, found by its id; an unknown id is refused naming the nearest."""
    from captable.suggest import valid_ones

    body = log_json(ledger, company)
    for row in body["events"]:
        if row["id"] == event_id:
            return {"company": body["company"], **row}
    raise errors.UnknownEvent(f"{body['company']!r} has no event {event_id!r}"
                              + valid_ones(event_id, [r["id"] for r in body["events"]], "events stored"),
                              field="event", value=event_id)


def parse_lines(lines: Iterable[str | Mapping[str, Any]], tick: Callable[[], None] = lambda: None) -> list[Incoming]:
    """A JSON Lines history (or, from the library, objects already parsed) read whole before anything is
    decided, so that one run reports every malformed line (the first refusal carries the others); blank lines
    are skipped, lines count from 1."""
    from captable.intake import load_json, parse_event

    incoming: list[Incoming] = []
    problems: list[errors.Refused] = []
    for number, text in enumerate(lines, start=1):
        tick()
        if isinstance(text, str) and not text.strip():
            continue
        try:
            data = load_json(text, number) if isinstance(text, str) else dict(text)
            incoming.append(parse_event(data, number))
        except errors.Refused as refusal:
            problems.append(refusal)
    if problems:
        problems[0].others = problems[1:]  # type: ignore[attr-defined]  # reported together, one document
        raise problems[0]
    return incoming


def ocf_export(ledger: Ledger, company: str | None, out: Path, as_of: str | None = None,
               known_at: str | None = None) -> dict[str, Any]:
    """The company's history effective up to ``as_of``, as known at ``known_at``, written at ``out`` as an OCF
    v1.2.0 package (a folder, or a zip); the report: its files, object counts and what OCF could not hold."""
    from captable.ocf.export import export_package

    return export_package(ledger, out, company, as_of, known_at)


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found; ``prove`` then checks the anchor given (None without one). It is a step of its
    own so that the command line says what it checked before an anchor that no longer holds is refused."""

    report: Report
    prove: Callable[[], str | None]

    def to_json(self) -> dict[str, Any]:
        """The JSON of an intact store; a broken one is refused (``store_tampered``), never answered."""
        if not self.report.intact:
            raise self.report.refusal()
        return {**self.report.to_json(), "anchor": self.prove()}


def verification(ledger: Ledger, company: str | None, anchor: Path | None = None,
                 tick: Callable[[], None] = lambda: None, *, derived: bool = False) -> Verification:
    """Walk every chain of the store (or one company's); with ``derived``, fold each stored checkpoint again
    from the events. An anchor for another company than the one asked about is refused before anything is
    read."""
    from captable import verify as integrity

    kept = integrity.read_anchor(anchor) if anchor else None
    if kept and company and kept["company"] != company:
        raise errors.AnchorInvalid(f"the anchor is for {kept['company']!r}, not for {company!r}",
                                   field="company", value=kept["company"])
    report = integrity.verify_store(ledger.store, company, tick, derived=derived)
    return Verification(report, lambda: integrity.check_anchor(ledger.store, kept) if kept else None)
