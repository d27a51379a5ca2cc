"""The cap table, the warrant ledger and the obligations as an XLSX workbook (openpyxl), for people.

Each sheet has one header row a person can read (bold, frozen, filtered) and
columns as wide as what they hold. A quantity is a number cell formatted for
reading: separators, dollars with cents (prices per share to four places),
percentages. A quantity that may be a fraction has its exact text in the
next column, "…, exact", which stays the source of truth (DESIGN §4). Days
are date cells; instants are date-time cells in the company's local time,
the zone in which ``state`` writes them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import time
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from captable.exports import Column, Table, day, local, number
from captable.numbers import decimal_text, exact

WHOLE, PART = 0, 1
FORMATS: dict[str, tuple[str, str]] = {  # (for a whole number, for a fraction)
    "count": ("#,##0", "#,##0.0###"),
    "price": ('"$"#,##0.00', '"$"#,##0.00##'),  # a price per share is not rounded to the cent until paid (§16)
    "money": ('"$"#,##0.00', '"$"#,##0.00'),
    "ratio": ("0", "0.0###"),
    "percent": ("0.00%", "0.00%"),
    "days": ("#,##0", "#,##0"),
}
NUMERIC = set(FORMATS)
HEADER_FILL = PatternFill("solid", fgColor="DCE3EC")
WIDEST, NARROWEST = 48, 8  # characters


def write(path: Path, tables: Sequence[Table], about: Sequence[tuple[str, str]]) -> None:
    """Write the workbook whole or not at all: a failed write leaves any earlier file as it was."""
    content = workbook(tables, about)
    folder = path.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def workbook(tables: Sequence[Table], about: Sequence[tuple[str, str]]) -> bytes:
    """An "About" sheet naming the company and instants, then one sheet per table."""
    book = Workbook()
    _about(book.active, tables, about)
    for table in tables:
        _sheet(book.create_sheet(table.name), table)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def headers(columns: Sequence[Column]) -> list[str]:
    """The header row: each column, and after a quantity that may be a fraction, its exact text."""
    out = []
    for column in columns:
        suffix = " (local time)" if column.kind == "instant" else ""
        out.append(column.header + suffix)
        if column.exact:
            out.append(f"{column.header}, exact")
    return out


def cells(columns: Sequence[Column], row: dict[str, Any]) -> list[tuple[Any, str | None, int]]:
    """(value, number format, characters shown) for each cell of a row, as ``headers`` lays them out."""
    out: list[tuple[Any, str | None, int]] = []
    for column in columns:
        value = row.get(column.key)
        out.append(_cell(column.kind, value))
        if column.exact:
            out.append((value, "@", len(value or "")))
    return out


def _cell(kind: str, value: Any) -> tuple[Any, str | None, int]:
    if value is None or value == "":
        return None, None, 0
    if kind in NUMERIC:
        quantity = exact(value)
        fmt = FORMATS[kind][WHOLE if quantity.denominator == 1 else PART]
        places = len(fmt.split(".")[1].rstrip("%")) if "." in fmt else 0
        shown = decimal_text(quantity * (100 if kind == "percent" else 1), places)
        return number(quantity), fmt, len(shown) + 1  # and a "$" or "%"
    if kind == "date":
        return day(value), "yyyy-mm-dd", 10
    if kind == "instant":
        moment = local(value)
        midnight = moment is not None and moment.time() == time(0)
        return moment, "yyyy-mm-dd" if midnight else "yyyy-mm-dd hh:mm", 10 if midnight else 16
    text = str(value)
    return text, None, max((len(line) for line in text.splitlines()), default=0)


def _sheet(sheet: Worksheet, table: Table) -> None:
    names = headers(table.columns)
    sheet.append(names)
    widths = [max(NARROWEST, min(len(n), 16), max(len(w) for w in n.split())) for n in names]
    for row in table.rows:
        laid_out = cells(table.columns, row)
        sheet.append([value for value, _, _ in laid_out])
        for index, (_, fmt, shown) in enumerate(laid_out):
            if fmt:
                sheet.cell(sheet.max_row, index + 1).number_format = fmt
            widths[index] = max(widths[index], shown)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width, WIDEST) + 2
        if width > WIDEST:  # long text wraps inside its column instead of running over the next
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{max(sheet.max_row, 1)}"


def _about(sheet: Worksheet, tables: Sequence[Table], about: Sequence[tuple[str, str]]) -> None:
    sheet.title = "About"
    for label, value in about:
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["Sheet", "What it holds"])
    for table in tables:
        sheet.append([table.name, f"{table.title} ({len(table.rows)} rows)"])
    sheet.append([])
    sheet.append(["Numbers", "Each quantity is a number cell, rounded only for display. Where it may be a "
                             "fraction (a price, a count of warrant units, a ratio), the column after it, "
                             "\"…, exact\", holds the exact value as the engine computed it: that text is "
                             "the source of truth."])
    for row in sheet.iter_rows():
        row[0].font = Font(bold=True)
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 90
