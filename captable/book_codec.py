"""The obligations found so far (``projections.obligations.Book``) as bytes and back, for a checkpoint.

Plain JSON: text, integers, booleans, null, and ISO dates written as text in the fields that hold
dates. A waiver is kept as its fact's canonical content and rebuilt through its own model, as an
event read from the store is; nothing named by the data is imported or called. Anything else is
``BookUnreadable``, and the checkpoint is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from captable.events import WaiverSigned
from projections import obligations
from projections.obligations import Book, Obligation

_DATES = ("arose", "target", "deadline", "given")
_FIELDS = [f.name for f in fields(Obligation)]
_OPTIONAL = 2  # form, form_terms: left out while None (a 1997 warrant's), so older books keep their bytes
# What the obligations' rules are: a checkpoint's book written under other rules is stale.
FINGERPRINT = hashlib.sha256(Path(obligations.__file__).read_bytes()).hexdigest()[:16]


class BookUnreadable(Exception):
    """The bytes are not a book this module wrote."""


def dumps(book: Book) -> bytes:
    items = [_trimmed([_day(v) if name in _DATES else v for name, v in ((n, getattr(o, n)) for n in _FIELDS)])
             for o in book.items.values()]
    return json.dumps({
        "items": items,
        "agreements": book.agreements,
        "adjustments_seen": book.adjustments_seen,
        "reports": [[kind, period, day.isoformat(), event] for kind, period, day, event in book.reports],
        "waivers": [w.content() for w in book.waivers],
    }, separators=(",", ":"), ensure_ascii=False).encode()


def loads(body: bytes) -> Book:
    try:
        data = json.loads(body)
        items = [Obligation(**{n: _date(v) if n in _DATES else v for n, v in _named(values)})
                 for values in data["items"]]
        book = Book(items={o.id: o for o in items}, agreements=_texts(data["agreements"]),
                    adjustments_seen={str(k): int(v) for k, v in data["adjustments_seen"].items()},
                    reports=[(str(k), str(p), date.fromisoformat(d), str(e)) for k, p, d, e in data["reports"]],
                    waivers=[WaiverSigned.model_validate(w) for w in data["waivers"]])
    except (ValueError, KeyError, TypeError, AttributeError, ValidationError) as error:
        raise BookUnreadable(str(error)) from None
    for item in items:
        if not all(isinstance(getattr(item, n), str) for n in ("id", "section", "kind", "warrant", "trigger")):
            raise BookUnreadable("an obligation's names are not text")
    return book


def _trimmed(values: list[Any]) -> list[Any]:
    for _ in range(_OPTIONAL):
        if values[-1] is not None:
            break
        values.pop()
    return values


def _named(values: list[Any]) -> zip[tuple[str, Any]]:
    if not len(_FIELDS) - _OPTIONAL <= len(values) <= len(_FIELDS):
        raise ValueError(f"an obligation has {len(_FIELDS)} fields, not {len(values)}")
    return zip(_FIELDS, values)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _texts(value: Any) -> dict[str, list[str]]:
    return {str(k): [str(i) for i in v] for k, v in value.items()}
