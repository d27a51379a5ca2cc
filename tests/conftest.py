"""Shared fixtures: every store-backed test runs on SQLite and, where
``CAPTABLE_TEST_POSTGRES`` names a reachable server, on PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from captable.intake import parse_event, read_lines
from captable.ledger import Ledger

# Who records, sealed into every stored event: fixed, so that chain heads and golden files do not depend
# on the user running the tests.
os.environ["CAPTABLE_ACTOR"] = "test-suite"

ROOT = Path(__file__).resolve().parents[1]
JUNIPER = ROOT / "fixtures" / "juniper_1997"
POSTGRES = os.environ.get("CAPTABLE_TEST_POSTGRES")


def _postgres_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES else "?"  # type: ignore[operator]
    return f"{POSTGRES}{separator}schema={schema}"


def _drop_schema(schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield str(tmp_path / "captable.db")
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL not configured: set CAPTABLE_TEST_POSTGRES=postgresql://user@host:port/db to run")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield _postgres_url(schema)
    _drop_schema(schema)


@pytest.fixture
def ledger(db: str) -> Iterator[Ledger]:
    store = Ledger(db)
    yield store
    store.close()


def record_all(ledger: Ledger, *events: dict[str, Any]) -> None:
    """Store events given inline as dicts, as one atomic batch."""
    ledger.import_events([parse_event(e) for e in events])


def import_juniper(ledger: Ledger) -> None:
    with (JUNIPER / "events.jsonl").open(encoding="utf-8") as lines:
        ledger.import_events(read_lines(lines))


def juniper_checkpoints() -> dict[str, Any]:
    return json.loads((JUNIPER / "checkpoints.json").read_text(encoding="utf-8"))


# A small company most scenarios start from: common, a 3/2 preferred, and a warrant on it.
COMPANY = [
    {"type": "CompanyFormed", "id": "formed", "effective": "1996-02-06", "company": "acme", "name": "Acme, Inc.",
     "address": "1 Main Street, Palo Alto, California", "officers": {"cfo": "Pat Lee"}},
    {"type": "ShareClassCreated", "id": "common", "effective": "1996-02-06", "class": "common", "name": "Common Stock",
     "kind": "common", "authorized": 10000000},
    {"type": "ShareClassCreated", "id": "pref", "effective": "1996-02-06", "class": "series_c",
     "name": "Series C Preferred", "kind": "preferred", "authorized": 1000000, "converts_to": "common",
     "conversion_ratio": "3/2"},
    {"type": "SharesIssued", "id": "founders", "effective": "1996-03-01", "class": "common", "holder": "Founders",
     "shares": 1000000, "price_per_share": "0.01", "category": "option_plan"},
    {"type": "SharesIssued", "id": "series-c-round", "effective": "1996-08-05", "class": "series_c",
     "holder": "Fund I", "shares": 200000, "price_per_share": "8.93"},
    {"type": "WarrantIssued", "id": "warrant", "effective": "1997-09-30", "warrant": "W-1",
     "holder": {"name": "Lender, Inc.", "address": "2 Market Street, San Jose, California"},
     "class": "series_c", "shares": 20381, "price": "8.93", "expires": "2003-12-15T17:00:00-08:00",
     "certificate": "CS-1"},
]
