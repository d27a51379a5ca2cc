"""Browsable read models: the fold's answers as SQLite tables (sqlite-utils), apart from the event store.

One file holds, for every company in the store: ``events`` (what is stored,
with its chain hash), ``audit_steps`` (the audit trail, one row per step),
``warrant_terms`` (each change of a warrant's terms), ``cap_table`` (each
change of a holding), ``obligations`` (as ``notices --json`` lists them
today) and ``build_state`` (the stream position and chain head the rows
reflect, and the fingerprint of the fold that made them). Exact numbers are
TEXT, as in the JSON (DESIGN §4).

Read models are disposable (DESIGN §2): every row comes from the fold over
the stored events, as known now, so a rebuild gives the same tables. A
catch-up writes only the rows of the events stored since the last build,
and folds only from the store's checkpoint at or before the last entry
built (``views_checkpoints``): one new event costs about the same at any
length of history. A step's cap-table rows are the holdings it wrote
(``holding_changes``). A fresh build reads the events a batch at a time,
so it costs in proportion to the history and holds one batch, not the
history. That is right only when each new entry falls after every built one
in effective order and leaves what the fold reads from the whole history
alone (retractions; the §4.4 exclusions of ``fold.initial_state``), and
when the fold's code is the one that made the rows; otherwise the
company's rows are rebuilt, and the report says why. Without usable
checkpoints (a read-only store without them), the same is decided from the
whole history, folded from the first event. Each company's rows and its
position are written in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from operator import itemgetter
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from captable import errors
from captable.catalog import instant_of
from captable.checkpoints import Head, Stale
from captable.events import EventRetracted
from captable.instants import UTC, end_of, local_text, now, start_of, zone
from captable.numbers import exact
from captable.ledger import History, Ledger
from captable.rows import Recorded
from projections import snapshot, views_checkpoints
from projections.audit import walk_observed
from projections.fold import initial_state
from projections.holding_changes import Change, HoldingWatch
from projections.obligations import Obligation, Observer, obligations
from projections.timeline import Entry, known_at
from projections.views import obligation_json
from projections.views_checkpoints import Plan

# 2: the *_decimal columns; 3: who recorded each event; 4: the fold's fingerprint. An older views file is rebuilt
SCHEMA_VERSION = 4
_END_OF_TIME = datetime.max.replace(tzinfo=UTC)
_BATCH = 2000  # steps (or events) made and written at a time, so a long history's rows never sit in memory at once
_EVENT = (("company", "position"), "events", ("company", "position"))
_STEP = (("company", "step"), "audit_steps", ("company", "step"))

# name: (columns, primary key, foreign keys, indexes), parents before children.
TABLES: dict[str, tuple[dict[str, type], tuple[str, ...], list[Any], list[tuple[str, ...]]]] = {
    "events": (
        {"company": str, "position": int, "id": str, "type": str, "effective": str, "recorded": str, "actor": str,
         "hash": str, "fact": str},
        ("company", "position"), [], [("company", "id"), ("company", "effective")]),
    "audit_steps": (
        {"company": str, "step": int, "position": int, "event": str, "type": str, "phase": str, "effective": str,
         "recorded": str, "sections": str, "conventions": str, "obligations_created": str,
         "obligations_discharged": str, "step_json": str},
        ("company", "step"), [_EVENT], [("company", "position"), ("company", "effective")]),
    "warrant_terms": (
        {"company": str, "step": int, "warrant": str, "position": int, "event": str, "effective": str,
         "status": str, "holder": str, "certificate": str, "issuer": str, "class": str,
         "stock_purchase_price": str, "stock_purchase_price_decimal": float, "shares_purchasable": str,
         "shares_purchasable_decimal": float, "conversion_ratio": str, "conversion_ratio_decimal": float,
         "entitlements": str, "adjustments": str},
        ("company", "step", "warrant"), [_EVENT, _STEP],
        [("company", "warrant", "effective"), ("company", "position")]),
    "cap_table": (
        {"company": str, "step": int, "class": str, "holder": str, "position": int, "event": str, "effective": str,
         "shares": str, "shares_decimal": int, "change": str, "change_decimal": int},
        ("company", "step", "class", "holder"), [_EVENT, _STEP],
        [("company", "class", "holder", "effective"), ("company", "effective"), ("company", "position")]),
    "obligations": (
        {"company": str, "id": str, "section": str, "kind": str, "warrant": str, "trigger": str,
         "trigger_position": int, "description": str, "arose": str, "target": str, "deadline": str,
         "latest_mailing": str, "status": str, "given": str, "notices": str, "waived_by": str, "age_days": int,
         "flags": str, "as_of": str},
        ("company", "id"), [(("company", "trigger_position"), "events", ("company", "position"))],
        [("company", "status", "deadline"), ("company", "deadline"), ("company", "warrant"),
         ("company", "trigger_position")]),
    "build_state": (
        {"company": str, "position": int, "head": str, "steps": int, "obligations_as_of": str, "fingerprint": str},
        ("company",), [_EVENT], [("company", "position")]),
}


# Per table, the exact numbers that have a ``_decimal`` column beside them.
_EXACT = {name: [c for c in columns if f"{c}_decimal" in columns] for name, (columns, *_) in TABLES.items()}


@dataclass(frozen=True)
class BuildReport:
    """What a build did for one company: ``mode`` is "rebuild", "catch-up" or "up to date"."""

    company: str
    events_applied: int
    mode: str
    position: int
    reason: str | None = None  # why a company was rebuilt rather than caught up
    obligations_as_of: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build(ledger: Ledger, out: str, rebuild: bool = False, today: date | None = None) -> list[BuildReport]:
    """Bring the views in ``out`` up to the store, one report per company (obligations as of ``today``)."""
    if not ledger.store.db.startswith(("postgresql://", "postgres://")) and Path(out).resolve() == Path(
            ledger.store.db).resolve():
        raise errors.ViewsOverStore("the views go to a file of their own, not the event store's; name another --out",
                             field="out", value=out)
    db = _open_views(out)
    try:
        _prepare(db, rebuild)
        companies = ledger.companies()
        with db.atomic():  # a views file mirrors one store
            for gone in sorted({r["company"] for r in db.table("build_state").rows} - set(companies)):
                _delete(db, gone, TABLES)
        return [_build_company(db, ledger, c, today) for c in companies]
    finally:
        db.close()


def _open_views(out: str) -> Database:
    """The views file, or a refusal naming it: its folder must exist, and the file, if any, be SQLite."""
    if not Path(out).resolve().parent.is_dir():
        raise errors.FileFailed(f"the folder of {out} does not exist", field="out", value=out)
    db = Database(out)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA user_version")  # reads the header: a file that is not SQLite fails here
    except sqlite3.DatabaseError as error:
        db.close()
        raise errors.FileFailed(f"{out} is not a SQLite file of views ({error}); name another --out",
                                field="out", value=out) from None
    return db


def _prepare(db: Database, rebuild: bool) -> None:
    """The tables, created where missing; dropped first for a rebuild or a views file of an older schema."""
    current = db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    if current and not rebuild and set(TABLES) <= set(db.table_names()):
        return  # nothing to write: an up-to-date build leaves the file as it was
    with db.atomic():
        if rebuild or not current:
            for name in reversed(TABLES):
                db[name].drop(ignore=True)
        for name, (columns, pk, fks, indexes) in TABLES.items():
            db.table(name).create(columns, pk=pk, not_null=set(pk), foreign_keys=fks, if_not_exists=True)
            for index in indexes:
                db.table(name).create_index(index, if_not_exists=True)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _build_company(db: Database, ledger: Ledger, company: str, today: date | None) -> BuildReport:
    """From the store's checkpoints where they can serve, else from the whole history (``_from_history``)."""
    built = next(db.table("build_state").rows_where("company = ?", [company]), None)
    changed = built is not None and built.get("fingerprint") != snapshot.FINGERPRINT
    head = ledger.latest(company)
    chosen = None
    if head is not None and changed:
        chosen = (head, views_checkpoints.rebuild(_CHANGED))
    elif head is not None:
        last_step = _last_step(db, company, built)
        chosen = ledger.from_checkpoints(company, head, lambda cache, head: (
            head, views_checkpoints.plan(ledger, cache, head, built, last_step)))
    if chosen is None:
        return _from_history(db, ledger.history(company), built, today, changed)
    head, plan = chosen
    tz = zone(head.zone)
    day = today or now().astimezone(tz).date()
    state = {"company": company, "position": head.version, "head": head.head, "steps": plan.kept,
             "obligations_as_of": day.isoformat(), "fingerprint": snapshot.FINGERPRINT}
    if plan.mode == "up to date":
        if (built or {}).get("obligations_as_of") != state["obligations_as_of"]:
            with db.atomic():
                _replace_obligations(db, company, day, _obligations(ledger, head, day))
                db.table("build_state").upsert(state, pk="company")
        return BuildReport(company, 0, plan.mode, head.version, None, state["obligations_as_of"])
    if plan.mode == "catch-up":
        return _catch_up(db, ledger, head, plan, state, day)
    source = ledger.from_checkpoints(company, head, lambda cache, head: views_checkpoints.Fresh(ledger, cache, head))
    try:
        if source is not None:
            return _fresh(db, ledger, source, plan.reason, state, day)
    except Stale:  # the catalog said the events were in effective order, and they are not: nothing was written
        pass
    return _from_history(db, ledger.history(company), built, today, changed)


def _fresh(db: Database, ledger: Ledger, source: views_checkpoints.Fresh, reason: str | None,
           state: dict[str, Any], day: date) -> BuildReport:
    """Every row of the company again, the events read a batch at a time."""
    head = source.head
    company, tz = head.company, zone(head.zone)
    with db.atomic():
        _delete(db, company, TABLES)
        written = source.entries(lambda records: _insert(db, "events", _event_rows(company, tz, records)), _BATCH)
        for rows in _step_rows(company, written, 0, source.observer):
            for table in ("audit_steps", "warrant_terms", "cap_table"):
                _insert(db, table, rows[table])
        last = instant_of(source.last[0]) if source.last else None
        _replace_obligations(db, company, day, _obligations(ledger, head, day, source.observer, last))
        db.table("build_state").upsert({**state, "position": head.version, "head": head.head,
                                        "steps": source.given}, pk="company")
    return BuildReport(company, head.version, "rebuild", head.version, reason, state["obligations_as_of"])


_CHANGED = "the fold's code has changed since these rows were built"


def _catch_up(db: Database, ledger: Ledger, head: Head, plan: Plan, state: dict[str, Any], day: date) -> BuildReport:
    """The rows of the events after the views' position, folded on from the last entry they hold."""
    company, tz = head.company, zone(head.zone)
    assert plan.observer is not None
    with db.atomic():
        for start in range(0, len(plan.records), _BATCH):
            _insert(db, "events", _event_rows(company, tz, plan.records[start:start + _BATCH]))
        for rows in _step_rows(company, plan.entries, plan.kept, plan.observer):
            for table in ("audit_steps", "warrant_terms", "cap_table"):
                _insert(db, table, rows[table])
        _replace_obligations(db, company, day, _obligations(ledger, head, day, plan.observer,
                                                            plan.entries[-1].effective))
        db.table("build_state").upsert({**state, "steps": plan.kept + len(plan.entries)}, pk="company")
    return BuildReport(company, head.version - plan.position, plan.mode, head.version, None,
                       state["obligations_as_of"])


def _last_step(db: Database, company: str, built: dict[str, Any] | None) -> tuple[int, str] | None:
    """The stream position and phase of the views' last audit step."""
    if built is None:
        return None
    found = db.execute("SELECT position, phase FROM audit_steps WHERE company = ? AND step = ?",
                       [company, built["steps"]]).fetchone()
    return (found[0], "record" if found[1] else "") if found else None


def _obligations(ledger: Ledger, head: Head, day: date, folded: Observer | None = None,
                 last: datetime | None = None) -> list[Obligation]:
    """As ``notices --as-of day`` finds them: settled by ``folded`` when it has folded every entry and none
    (the last at ``last``) is later than the day; else from the nearest checkpoint, or the whole history."""
    until = end_of(day, zone(head.zone))
    if folded is not None and (last is None or last <= until):
        return folded.settle(until)
    found = ledger.from_checkpoints(head.company, head, lambda cache, head: cache.notices_at(head.company, head,
                                                                                              until))
    if found is not None:
        return found[1]
    return obligations(known_at(ledger.history(head.company).entries, _END_OF_TIME), until)[1]


def _from_history(db: Database, history: History, built: dict[str, Any] | None, today: date | None,
                  changed: bool) -> BuildReport:
    """The build when the checkpoints cannot serve: the whole history read and folded from its first event."""
    company = history.company
    known = known_at(history.entries, _END_OF_TIME)
    day = today or now().astimezone(history.zone).date()
    mode, reason, kept, position = ("rebuild", _CHANGED, 0, 0) if changed else _plan(history, known, built)
    state = {"company": company, "position": history.version, "head": history.head_hash, "steps": len(known),
             "obligations_as_of": day.isoformat(), "fingerprint": snapshot.FINGERPRINT}
    if mode == "up to date":
        if (built or {}).get("obligations_as_of") != state["obligations_as_of"]:
            with db.atomic():
                _replace_obligations(db, company, day, obligations(known, end_of(day, history.zone))[1])
                db.table("build_state").upsert(state, pk="company")
        return BuildReport(company, 0, mode, history.version, None, state["obligations_as_of"])
    folded = Observer(known)
    for entry in known[:kept]:  # the steps whose rows stand, folded once for every table
        folded.step(entry)
    with db.atomic():
        if mode == "rebuild":
            _delete(db, company, TABLES)
        for start in range(position, history.version, _BATCH):
            _insert(db, "events", _event_rows(company, history.zone, history.records[start:start + _BATCH]))
        for rows in _step_rows(company, known[kept:], kept, folded):
            for table in ("audit_steps", "warrant_terms", "cap_table"):
                _insert(db, table, rows[table])
        last = known[-1].effective if known else None
        _replace_obligations(db, company, day, _history_obligations(known, day, history.zone, folded, last))
        db.table("build_state").upsert(state, pk="company")
    return BuildReport(company, history.version - position, mode, history.version, reason, state["obligations_as_of"])


def _history_obligations(known: Sequence[Entry], day: date, tz: ZoneInfo, folded: Observer,
                         last: datetime | None) -> list[Obligation]:
    until = end_of(day, tz)
    if last is None or last <= until:
        return folded.settle(until)
    return obligations(known, until)[1]


def _plan(history: History, known: Sequence[Entry], built: dict[str, Any] | None) -> tuple[str, str | None, int, int]:
    """The mode, why a rebuild, and the steps and stream position of the rows that stand."""
    if built is None:
        return "rebuild", "no rows for this company yet", 0, 0
    k = built["position"]
    if k > history.version or history.records[k - 1].hash != built["head"]:
        return "rebuild", f"the store's event {k} is not the one these rows were built from", 0, 0
    new = history.records[k:]
    for record in new:
        if isinstance(record.fact, EventRetracted):
            return "rebuild", f"{record.fact.id} retracts {record.fact.event}, which earlier answers counted", 0, 0
    kept = sum(1 for e in known if e.seq <= k)
    if kept != built["steps"]:
        return "rebuild", f"the rows hold {built['steps']} steps; the first {k} events make {kept}", 0, 0
    if not new:
        return "up to date", None, kept, k
    early = next((e for e in known[:kept] if e.seq > k), None)
    if early is not None:
        return "rebuild", (f"{early.fact.id} is effective {local_text(early.effective, history.zone)}, "
                           "before events already built"), 0, 0
    issuance = _reread(known[:kept], known)
    if issuance is not None:
        return "rebuild", f"a new event changes how {issuance} is read under §4.4", 0, 0
    return "catch-up", None, kept, k


def _reread(built: Sequence[Entry], known: Sequence[Entry]) -> str | None:
    """A built event that the fold's whole-history inputs now read differently (§4.4(a), (b) exclusions)."""
    before, after = initial_state(built), initial_state(known)
    if replace(before, exclusions={}) != replace(after, exclusions={}):
        return "the history"
    ids = {e.fact.id for e in built}
    return next((i for i in sorted(before.exclusions.keys() | after.exclusions.keys())
                 if i in ids and before.exclusions.get(i) != after.exclusions.get(i)), None)


def _delete(db: Database, company: str, tables: Sequence[str] | dict[str, Any]) -> None:
    for name in reversed(list(tables)):  # children before parents
        db.execute(f"DELETE FROM [{name}] WHERE company = ?", [company])


def _insert(db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    """The rows, in order, by one prepared statement (their values are plain text and numbers already)."""
    if rows:
        columns = list(TABLES[table][0])
        names, marks = ", ".join(f"[{c}]" for c in columns), ", ".join("?" * len(columns))
        full = (_with_decimals(table, row) for row in rows) if _EXACT[table] else rows
        values = itemgetter(*columns)  # a row's values in the columns' order, picked in C
        db.conn.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({marks})", [values(row) for row in full])


def _with_decimals(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The row with a ``_decimal`` column beside each exact number its table declares one for, unless the row
    brings its own (the cap table's counts are whole numbers when its rows are made)."""
    columns = TABLES[table][0]
    missing = [name for name in _EXACT[table] if f"{name}_decimal" not in row]
    return {**row, **{f"{name}_decimal": _decimal(row[name], columns[f"{name}_decimal"]) for name in missing}} \
        if missing else row


def _decimal(text: str | None, kind: type) -> int | float | None:
    """The exact text as a number to sort and sum by: the one place a float is made, from the Fraction."""
    if text is None:
        return None
    value = exact(text)
    if kind is int:
        if value.denominator != 1:
            raise ValueError(f"{text} is not whole, but its column counts whole shares")
        return value.numerator
    return float(value)  # rounded to the nearest double; the TEXT beside it stays exact


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # what json.dumps would make per call


def _json(value: Any) -> str:
    if type(value) is list and not value:
        return "[]"  # most steps cite, create and discharge nothing: the encoder's call costs more than its text
    return _ENCODER.encode(value)


def _event_rows(company: str, tz: ZoneInfo, records: Sequence[Recorded]) -> list[dict[str, Any]]:
    """The stored events ``records``, one row each."""
    return [{"company": company, "position": r.originator_version, "id": r.fact.id, "type": r.fact.type_name,
             "effective": local_text(start_of(r.fact.effective, tz), tz),
             "recorded": r.recorded.isoformat(), "actor": r.actor, "hash": r.hash, "fact": _json(r.fact.content())}
            for r in records]


def _step_rows(company: str, entries: Iterable[Entry], kept: int,
               folded: Observer) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The rows of the steps of ``entries``, numbered on from ``kept``, a batch at a time: the audit trail, its
    changes of terms, and the cap table's changes. ``folded`` has folded every entry before them (the first
    ``kept`` steps); it folds on through every step."""
    watch = HoldingWatch(folded.state)
    current: list[Entry] = []

    def fed() -> Iterator[Entry]:  # the entry of the step being made: the trail asks for one per step
        for entry in entries:
            current[:] = [entry]
            yield entry

    rows: dict[str, list[dict[str, Any]]] = {"audit_steps": [], "warrant_terms": [], "cap_table": []}
    for step in walk_observed(folded, fed(), _END_OF_TIME):
        step["step"] += kept  # every entry is a step of the whole trail
        _add_step_rows(rows, company, current[0], step, watch.changes())  # the holdings it has just changed
        if len(rows["audit_steps"]) == _BATCH:
            yield rows
            rows = {"audit_steps": [], "warrant_terms": [], "cap_table": []}
    yield rows


def _add_step_rows(rows: dict[str, list[dict[str, Any]]], company: str, entry: Entry, step: dict[str, Any],
                   held: list[Change]) -> None:
    """A step's rows: its audit row, its changes of a warrant's terms, and the holdings ``held`` it changed."""
    base = {"company": company, "step": step["step"], "position": entry.seq, "event": entry.fact.id,
            "effective": step["event"]["effective"]}
    rows["audit_steps"].append({
        **base, "type": step["event"]["type"], "phase": step["event"]["phase"],
        "recorded": step["event"]["recorded"], "sections": step["sections"],
        "conventions": _json(step["conventions"]), "obligations_created": _json(step["obligations_created"]),
        "obligations_discharged": _json(step["obligations_discharged"]), "step_json": _json(step)})
    for change in step["changes"]:
        after = change["after"]
        rows["warrant_terms"].append({
            **base, "warrant": change["warrant"], "status": after["status"], "holder": after["holder"],
            "certificate": after["certificate"], "issuer": after["security"]["issuer"],
            "class": after["security"]["class"], "stock_purchase_price": after["stock_purchase_price"],
            "shares_purchasable": after["shares_purchasable"], "conversion_ratio": after["conversion_ratio"],
            "entitlements": _json(after["entitlements"]), "adjustments": _json(change["adjustments"])})
    # Per class and holder, the shares held after each step that changes them.
    rows["cap_table"].extend({**base, "class": class_id, "holder": holder, "shares": str(after),
                              "shares_decimal": after, "change": f"{after - before:+d}",
                              "change_decimal": after - before} for class_id, holder, before, after in held)


def _replace_obligations(db: Database, company: str, today: date, found: Sequence[Obligation]) -> None:
    """The company's obligations rows, made again as ``notices --as-of today --json`` gives them."""
    known = _mailing_days(db, company)
    _delete(db, company, ["obligations"])
    _insert(db, "obligations", _obligation_rows(db, company, today, found, known))


def _mailing_days(db: Database, company: str) -> dict[tuple[str, date], date]:
    """The latest mailing day of each warrant's deadline the rows already show (§12: a function of the deadline
    and the warrant's form alone)."""
    found = db.execute("SELECT DISTINCT warrant, deadline, latest_mailing FROM obligations WHERE company = ? AND "
                       "deadline IS NOT NULL AND latest_mailing IS NOT NULL", [company]).fetchall()
    return {(warrant, date.fromisoformat(deadline)): date.fromisoformat(mailing) for warrant, deadline, mailing in found}


class _Mailed:
    """An obligation whose latest mailing day is already known (``_mailing_days``): a catch-up that meets no new
    deadline then counts no business day, and does not load the holiday calendars to do it."""

    __slots__ = ("_obligation", "latest_mailing")

    def __init__(self, obligation: Obligation, latest_mailing: date) -> None:
        self._obligation, self.latest_mailing = obligation, latest_mailing

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obligation, name)


def _obligation_rows(db: Database, company: str, today: date, found: Sequence[Obligation],
                     mailing: dict[tuple[str, date], date] | None = None) -> list[dict[str, Any]]:
    """As ``notices --as-of today --json`` gives them, each with the stream position of the event that made it
    (read from the ``events`` rows, which hold every stored event)."""
    mailing = mailing or {}
    bodies = [obligation_json(_Mailed(o, mailing[o.warrant, o.deadline])  # type: ignore[arg-type, index]
                              if (o.warrant, o.deadline) in mailing else o, today) for o in found]
    triggers = sorted({b["trigger"] for b in bodies if b["trigger"] is not None})
    positions: dict[str, int] = {}
    for start in range(0, len(triggers), 500):
        part = triggers[start:start + 500]
        positions.update(db.execute(f"SELECT id, position FROM events WHERE company = ? AND id IN "
                                    f"({', '.join('?' * len(part))})", [company, *part]).fetchall())
    return [{"company": company, **body, "trigger_position": positions.get(body["trigger"]),
             "notices": _json(body["notices"]), "flags": _json(body["flags"]), "as_of": today.isoformat()}
            for body in bodies]
