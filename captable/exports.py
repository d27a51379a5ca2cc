"""The cap table and the warrant ledger for spreadsheets: the tables, and the CSV of ``state --csv``.

Presentation only: every table is read from the JSON bodies that ``state``,
``audit`` and ``notices`` answer (DESIGN §7), never from the fold. Each exact
quantity keeps its text (``"893/900"``, DESIGN §4) and, where it may be a
fraction, gets a number beside it that a spreadsheet can sort and sum; that
number is rounded and is never read back. ``captable.workbook`` writes the
same tables as an XLSX file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from captable.numbers import decimal_text, exact, round_half_up

PLACES = 10  # decimal places of the CSV's rounded numbers: finer than any price or share count needs


@dataclass(frozen=True)
class Column:
    """One column of a table: ``kind`` says how a spreadsheet shows its values.

    Kinds: ``text``; ``count`` (shares or units); ``price`` (dollars per share);
    ``money`` (dollars); ``ratio``; ``percent``; ``days``; ``date``; ``instant``
    (an ISO date-time with its offset). ``exact`` marks a quantity that may be
    a fraction: its exact text is kept beside the rounded number.
    """

    key: str
    header: str
    kind: str = "text"
    exact: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]


def rounded(value: Fraction, places: int = PLACES) -> str:
    """A plain decimal for a spreadsheet cell: no separators, no trailing zeros, rounded half up."""
    text = decimal_text(round_half_up(value, Fraction(1, 10**places)), places).replace(",", "")
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: Fraction) -> int | Decimal:
    """The exact value as a number cell: an int when whole, else a Decimal of 20 significant digits."""
    if value.denominator == 1:
        return value.numerator
    with localcontext() as context:
        context.prec = 20
        return Decimal(value.numerator) / Decimal(value.denominator)


def local(instant: str | None) -> datetime | None:
    """An ISO instant as the wall-clock time it was written in (spreadsheets know no offsets)."""
    return None if instant is None else datetime.fromisoformat(instant).replace(tzinfo=None)


def day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text[:10])


# The cap table by class, by class and holder, and the warrants (``state --json``).
CLASSES = (
    Column("class", "Class"), Column("name", "Name"), Column("kind", "Kind"),
    Column("authorized", "Authorized", "count"), Column("outstanding", "Outstanding", "count"),
    Column("reserved", "Reserved for warrants (§3)", "count", True),
    Column("available", "Authorized, unissued and unreserved", "count", True),
    Column("conversion_ratio", "Conversion ratio", "ratio", True), Column("converts_to", "Converts to"),
    Column("converted", "Converted"),
)
HOLDERS = (
    Column("class", "Class"), Column("holder", "Holder"), Column("shares", "Shares", "count"),
    Column("of_class", "Of the class outstanding", "percent"),
)
WARRANTS = (
    Column("warrant", "Warrant"), Column("certificate", "Certificate"), Column("holder", "Holder"),
    Column("address", "Holder's address"), Column("status", "Status"), Column("issuer", "Issuer"),
    Column("class", "Class"),
    Column("stock_purchase_price", "Stock Purchase Price (P)", "price", True),
    Column("shares_purchasable", "Shares purchasable (N)", "count", True),
    Column("aggregate_purchase_price", "Aggregate purchase price (P × N)", "money", True),
    Column("conversion_ratio", "Conversion ratio", "ratio", True),
    Column("common_equivalent", "Common equivalent", "count", True),
    Column("exercised", "Units exercised", "count", True),
    Column("delivers", "Each unit delivers"), Column("entitlements", "Accrued entitlements (§4.2)"),
    Column("expires", "Expires", "instant"),
)
# Rights granted and convertibles outstanding (``state --json`` has them only when there are some).
OPTIONS = (
    Column("grant", "Grant"), Column("holder", "Holder"), Column("class", "Class"),
    Column("shares", "Shares it acquires", "count"), Column("kind", "Kind"), Column("category", "§4.4 category"),
)
CONVERTIBLES = (
    Column("convertible", "Convertible"), Column("holder", "Holder"), Column("kind", "Kind"),
    Column("investment", "Investment", "money", True), Column("valuation_cap", "Valuation cap", "money", True),
    Column("discount", "Discount", "percent", True), Column("interest_rate", "Interest rate", "percent", True),
    Column("maturity", "Maturity", "date"), Column("issued", "Issued", "date"), Column("status", "Status"),
    Column("terms", "Terms"),
)
# The warrant ledger's changes of terms (``audit``) and the obligations (``notices``).
ADJUSTMENTS = (
    Column("warrant", "Warrant"), Column("effective", "Effective", "instant"), Column("event", "Event"),
    Column("section", "Section"), Column("convention", "Convention"),
    Column("price_before", "P before", "price", True), Column("price_after", "P after", "price", True),
    Column("shares_before", "N before", "count", True), Column("shares_after", "N after", "count", True),
    Column("formula", "Calculation"),
)
OBLIGATIONS = (
    Column("id", "Obligation"), Column("section", "Section"), Column("kind", "Kind"), Column("warrant", "Warrant"),
    Column("description", "What is owed"), Column("trigger", "Arising from"), Column("arose", "Arose", "date"),
    Column("target", "Day it concerns", "date"), Column("deadline", "Deadline", "date"),
    Column("latest_mailing", "Latest day to mail (§12)", "date"), Column("status", "Status"),
    Column("given", "Given", "date"), Column("age_days", "Age (days)", "days"), Column("waived_by", "Waived by"),
    Column("flags", "Flags"),
)


def _quantity(text: str) -> str:
    """A quantity in words: a decimal when one says it exactly, else the fraction and a rounded decimal."""
    value = exact(text)
    if Fraction(rounded(value, 4)) == value:
        return decimal_text(value, 4).rstrip("0").rstrip(".") if value.denominator != 1 else f"{value.numerator:,}"
    return f"{text} (≈ {decimal_text(value, 4)})"


def basket_text(basket: dict[str, Any]) -> str:
    """What one unit delivers, in words."""
    parts = [f"{_quantity(s['quantity'])} {s['class']} of {s['issuer']}" for s in basket["securities"]]
    if exact(basket["cash"]):
        parts.append(f"${decimal_text(exact(basket['cash']), 2)} cash")
    return " + ".join(parts + list(basket["property"]))


def entitlements_text(entitlements: list[dict[str, Any]]) -> str:
    """The accrued §4.2 amounts, each with the event it came from."""
    def what(a: dict[str, Any]) -> str:
        if a["kind"] == "securities":
            return f"{_quantity(a['quantity'])} {a['class']} of {a['issuer']}"
        if a["kind"] == "cash":
            return f"${decimal_text(exact(a['quantity']), 2)} cash"
        return f"{a.get('description')} × {a['quantity']}"
    def source(a: dict[str, Any]) -> str:
        return " ".join(part for part in (a.get("section"), a.get("event")) if part)
    return "; ".join(f"{source(a)}: {what(a)}" if source(a) else what(a) for a in entitlements)


def cap_table(state: dict[str, Any]) -> list[Table]:
    """The classes, the holdings by class and holder, and the warrants of ``state --json``."""
    classes = [{**c, "converted": "yes" if c["converted"] else "no"} for c in state["classes"]]
    holders = []
    for c in state["classes"]:
        outstanding = exact(c["outstanding"])
        for h in c["holders"]:
            share = exact(h["shares"]) / outstanding if outstanding else None
            holders.append({"class": c["class"], "holder": h["holder"], "shares": h["shares"], "of_class": share})
    warrants = [{
        **w, "holder": w["holder"]["name"], "address": w["holder"]["address"], "issuer": w["security"]["issuer"],
        "class": w["security"]["class"], "delivers": basket_text(w["basket"]),
        "entitlements": entitlements_text(w["entitlements"]),
    } for w in state["warrants"]]
    found = [Table("Classes", "The cap table by class", CLASSES, classes),
             Table("Holders", "The cap table by class and holder", HOLDERS, holders),
             Table("Warrants", "Each warrant's terms", WARRANTS, warrants)]
    if state.get("options"):
        found.append(Table("Options", "Rights granted and still outstanding", OPTIONS, state["options"]))
    if state.get("convertibles"):
        found.append(Table("Convertibles", "SAFEs and notes outstanding, with their terms (their conversion is "
                                           "not modelled)", CONVERTIBLES, state["convertibles"]))
    return found


def adjustments(trail: dict[str, Any]) -> Table:
    """Every change of P or N, in effective order, with the clause it applied (the ``audit`` steps)."""
    rows = [{**a, "warrant": change["warrant"], "effective": step["event"]["effective"]}
            for step in trail["steps"] for change in step["changes"] for a in change["adjustments"]]
    return Table("Adjustments", "Every adjustment of the warrants' terms, with its section", ADJUSTMENTS, rows)


def obligations(notices: dict[str, Any]) -> Table:
    rows = [{**o, "flags": "; ".join(o["flags"])} for o in notices["obligations"]]
    return Table("Obligations", "What the company owes the holder, by when, and whether it was given",
                 OBLIGATIONS, rows)


# ``state --csv``: one table, a row per class, per holding and per warrant; ``row`` says which.
CSV_COLUMNS = (
    Column("row", "row"), Column("issuer", "issuer"), Column("class", "class"), Column("holder", "holder"),
    Column("warrant", "warrant"), Column("certificate", "certificate"), Column("status", "status"),
    Column("shares", "shares", "count", True), Column("authorized", "authorized", "count"),
    Column("outstanding", "outstanding", "count"), Column("reserved", "reserved", "count", True),
    Column("available", "available", "count", True), Column("conversion_ratio", "conversion_ratio", "ratio", True),
    Column("stock_purchase_price", "stock_purchase_price", "price", True),
    Column("aggregate_purchase_price", "aggregate_purchase_price", "money", True),
    Column("common_equivalent", "common_equivalent", "count", True), Column("expires", "expires", "instant"),
)
# Added after the columns above only when the state has options or convertibles, so other files keep their bytes.
CSV_RIGHTS_COLUMNS = (
    Column("grant", "grant"), Column("convertible", "convertible"), Column("kind", "kind"),
    Column("category", "category"), Column("investment", "investment", "money", True),
    Column("valuation_cap", "valuation_cap", "money", True), Column("discount", "discount", "percent", True),
    Column("interest_rate", "interest_rate", "percent", True), Column("maturity", "maturity", "date"),
    Column("issued", "issued", "date"), Column("terms", "terms"),
)


def state_csv(state: dict[str, Any]) -> str:
    """The cap table (by class, then by class and holder), the warrants, and any options and convertibles
    outstanding, as CSV.

    Every exact quantity is its reduced text; a quantity that may be a
    fraction has ``<column>_decimal`` beside it, rounded to ten places, for
    sorting and summing. The first column, ``as_of``, dates every row.
    """
    company = state["name"] or state["company"]
    rows = [{"row": "class", "issuer": company, **c} for c in state["classes"]]
    rows += [{"row": "holding", "issuer": company, "class": c["class"], **h}
             for c in state["classes"] for h in c["holders"]]
    rows += [{"row": "warrant", **w, "holder": w["holder"]["name"], "issuer": w["security"]["issuer"],
              "class": w["security"]["class"], "shares": w["shares_purchasable"]} for w in state["warrants"]]
    rows += [{"row": "option", "issuer": company, **g} for g in state.get("options", [])]
    rows += [{"row": "convertible", "issuer": company, **c} for c in state.get("convertibles", [])]
    columns = CSV_COLUMNS + (CSV_RIGHTS_COLUMNS if state.get("options") or state.get("convertibles") else ())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["as_of"]
    for column in columns:
        header += [column.key] + ([f"{column.key}_decimal"] if column.exact else [])
    writer.writerow(header)
    for row in rows:
        cells = [state["as_of"]]
        for column in columns:
            value = row.get(column.key)
            cells.append("" if value is None else value)
            if column.exact:
                cells.append("" if value is None else rounded(exact(value)))
        writer.writerow(cells)
    return buffer.getvalue()


def tables(state: dict[str, Any], trail: dict[str, Any], notices: dict[str, Any]) -> list[Table]:
    """The workbook's tables: the cap table, the warrant ledger (terms and adjustments), the obligations."""
    return [*cap_table(state), adjustments(trail), obligations(notices)]


def about(state: dict[str, Any], trail: dict[str, Any], made: datetime) -> list[tuple[str, str]]:
    """What the workbook answers: the company, the two instants (DESIGN §3) and the history it covers."""
    known = state["known_at"] or f"when this file was made, {made.isoformat(timespec='seconds')}"
    covered = (f"{trail['stored_events']} stored events; chain head {trail['head']}" if trail["head"]
               else "no events were stored by then")
    return [
        ("Company", f"{state['name'] or state['company']} ({state['company']})"),
        ("As of", f"{state['as_of']} (a date means the end of that day in the company's time zone)"),
        ("Known at", f"{known} (what the books said then)"),
        ("History", covered),
        ("Made", f"{made.isoformat(timespec='seconds')} by captable views export"),
    ]
