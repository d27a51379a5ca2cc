"""OCF objects as the engine's events (DESIGN §5): what each object type becomes, and what it cannot yet.

Every event's id is made from the OCF object's id (``ocf:<id>``), so importing the same package again
stores nothing new; its ``source`` names the package file and the object. Dates are days in the issuer's
zone (DESIGN §3). Transactions apply by date, and within a day in the order of their files.

An object the engine does not model is kept as a ``RecordKept`` fact (the object as written, and what the
engine does with it) and reported as kept. A transaction that does not fit the package's own holdings is
refused, and with it the package: importing the rest without it would misstate the cap table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from captable import errors
from captable.instants import parse_date
from captable.intake import Incoming, parse_event
from captable.numbers import JsonFloat, exact, format_exact
from captable.ocf.package import Item, Package
from captable.ocf.securities import Inconsistent, Securities, Security

# What happens to the objects the engine does not model yet, by OCF object type (or its prefix).
KEPT: dict[str, str] = {
    "TX_ISSUER_AUTHORIZED_SHARES_ADJUSTMENT": "the engine keeps authorized shares by class (the charter's limit "
                                              "per class is what §3 reads); the issuer's total is not checked",
    "TX_EQUITY_COMPENSATION_REPRICING": "the grant keeps the exercise price §4.4 read when it was granted",
    "TX_STOCK_PLAN_": "a plan's reserve pool is not modelled: §4.4 deems the options granted under it "
                      "outstanding, not the pool",
    "TX_CONVERTIBLE_": "a convertible's transfer or acceptance is not modelled: the convertible stays shown as "
                       "its issuance left it",
    "TX_VESTING_": "vesting is not modelled",
    "CE_STAKEHOLDER_": "stakeholder relationships are not modelled",
    "STOCK_PLAN": "a plan's reserve pool is not modelled: its grants are (OptionsIssued, option_plan)",
    "STOCK_LEGEND_TEMPLATE": "legends are not modelled",
    "VESTING_TERMS": "vesting is not modelled",
    "VALUATION": "valuations are not modelled yet",
    "FINANCING": "financings are not modelled",
    "DOCUMENT": "documents are not modelled",
}
WARRANT_EXPIRY = time(23, 59, 59)  # OCF gives the expiration day only: the warrant is void after that day ends


@dataclass(frozen=True)
class Problem:
    """An object that is kept without being modelled, or refused: its file, type, id and what or why."""

    file: str
    object_type: str
    id: str
    text: str

    def to_json(self, key: str) -> dict[str, str]:
        return {"file": self.file, "object_type": self.object_type, "id": self.id, key: self.text}


@dataclass
class Mapping:
    """The events a package becomes, and the import report's parts."""

    company: str
    timezone: str
    zone_reason: str
    events: list[Incoming] = field(default_factory=list)
    origins: list[Item] = field(default_factory=list)  # the OCF object of each event
    mapped: dict[str, list[str]] = field(default_factory=dict)  # OCF object type -> object ids
    kept: list[Problem] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)
    reordered: list[dict[str, str]] = field(default_factory=list)  # transactions applied before earlier lines


def event_id(object_id: str, part: int | str | None = None) -> str:
    return f"ocf:{object_id}" if part is None else f"ocf:{object_id}#{part}"


def amount(value: Any) -> Fraction:
    """An OCF Numeric (a decimal string) or Monetary (``{amount, currency}``) as an exact number."""
    if isinstance(value, dict):
        value = value.get("amount")
    try:
        return exact(value)
    except ValueError as error:
        raise Inconsistent(str(error)) from None


def ratio(value: Any) -> Fraction:
    """An OCF Ratio: ``{numerator, denominator}``."""
    if not isinstance(value, dict):
        raise Inconsistent("a ratio needs a numerator and a denominator")
    denominator = amount(value.get("denominator"))
    if denominator == 0:
        raise Inconsistent("a ratio's denominator is zero")
    return amount(value.get("numerator")) / denominator


def given(value: Any) -> bool:
    """Whether an optional field is written: an exporter's placeholder (absent, null, blank) is not."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def listed(data: dict[str, Any], key: str) -> list[Any]:
    """A list field of an OCF object; absent is empty."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Inconsistent(f"{key} must be a list")
    return value


def member(data: dict[str, Any], key: str) -> dict[str, Any]:
    """An object field of an OCF object; absent is empty."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Inconsistent(f"{key} must be an object")
    return value


def day(value: Any) -> date:
    try:
        return parse_date(value)
    except ValueError as error:
        raise Inconsistent(f"date {value!r}: {error}") from None


def holder_names(stakeholders: Iterable[Item]) -> dict[str, str]:
    """Each stakeholder's legal name, as the engine names holders; a name two stakeholders share gets the
    stakeholder's id beside it, so their holdings stay apart."""
    names = {s.id: _legal_name(s) for s in stakeholders}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {i: (n if counts[n] == 1 else f"{n} ({i})") for i, n in names.items()}


def _legal_name(stakeholder: Item) -> str:
    """The stakeholder's legal name; one the package leaves without a name is named by its id."""
    name = stakeholder.data.get("name")
    legal = name.get("legal_name") if isinstance(name, dict) else None
    return legal if isinstance(legal, str) and legal.strip() else stakeholder.id


def address_text(address: Any) -> str | None:
    """An OCF Address on one line, as a notice is addressed."""
    if not isinstance(address, dict):
        return None
    street = str(address.get("street_suite") or "").replace("\n", ", ")
    city_line = " ".join(str(address[k]) for k in ("country_subdivision", "postal_code") if address.get(k))
    parts = [street, str(address.get("city") or ""), city_line, str(address.get("country") or "")]
    text = ", ".join(p for p in parts if p.strip())
    return text or None


def stakeholder_address(stakeholder: Item) -> str | None:
    """The contact address if there is one, else the legal one: where notices go (§12)."""
    written = stakeholder.data.get("addresses")
    addresses = [a for a in written if isinstance(a, dict)] if isinstance(written, list) else []
    chosen = sorted(addresses, key=lambda a: 0 if a.get("address_type") == "CONTACT" else 1)
    return address_text(chosen[0]) if chosen else None


def kept_text(object_type: str) -> str | None:
    for key, text in KEPT.items():
        if object_type == key or (key.endswith("_") and object_type.startswith(key)):
            return text
    return None


def source(item: Item) -> str:
    return f"OCF {item.file}: {item.object_type} {item.id}"


def original(data: dict[str, Any]) -> str:
    """The object as canonical JSON: keys sorted; a number written with a point (not OCF's way) as its text."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=lambda value: value.text if isinstance(value, JsonFloat) else str(value))


def kept_on(item: Item, formed: str) -> str:
    """A kept object's day: its own date, else the day its board approved it, else the issuer's formation."""
    for key in ("date", "effective_date", "board_approval_date"):
        value = item.data.get(key)
        try:
            return parse_date(value).isoformat()
        except ValueError:
            continue
    return formed


def expiry_instant(on: date, zone: ZoneInfo) -> str:
    return datetime.combine(on, WARRANT_EXPIRY, zone).isoformat()


def parsed(item: Item, event: dict[str, Any]) -> Incoming:
    """The event, validated by the catalogue's model; a refusal names the OCF object."""
    try:
        return parse_event({**event, "source": source(item)})
    except errors.Refused as refusal:
        raise Inconsistent(f"{refusal.field or 'event'}: {refusal.message}") from None


def security_of(item: Item, kind: str, holder: str, class_: str, quantity: Fraction) -> Security:
    return Security(str(item.data.get("security_id")), kind, holder, class_, quantity, day(item.data.get("date")))


__all__ = ["Mapping", "Package", "Problem", "Securities", "address_text", "amount", "day", "event_id",
           "expiry_instant", "format_exact", "holder_names", "kept_on", "kept_text", "listed", "member", "original",
           "parsed", "ratio", "security_of",
           "source", "stakeholder_address"]
