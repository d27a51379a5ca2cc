"""Reading events from JSON Lines: exact numbers, one clear error per bad line."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from captable.errors import InvalidEvent, MalformedJson, Refused
from captable.events import EVENT, Event
from captable.instants import parse_aware
from captable.numbers import JsonFloat


@dataclass(frozen=True, slots=True)
class Incoming:
    """A parsed input event, with its line and an explicit ``recorded`` if it had one."""

    fact: Event
    line: int | None
    recorded: datetime | None = None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def load_json(text: str, line: int | None = None) -> Any:
    try:
        return json.loads(text, parse_float=JsonFloat, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, ValueError) as error:
        raise MalformedJson(f"not valid JSON: {error}", line=line, value=text[:200]) from None


def parse_event(data: Any, line: int | None = None) -> Incoming:
    """One event object into its model; ``recorded`` is taken aside (import only, DESIGN §3)."""
    if not isinstance(data, dict):
        raise InvalidEvent("each line must be one JSON object", line=line, value=str(data)[:200])
    data = dict(data)
    recorded = None
    if "recorded" in data:
        written = data.pop("recorded")
        try:
            recorded = parse_aware(written)
        except ValueError as error:
            raise InvalidEvent(str(error), field="recorded", value=written, line=line) from None
    try:
        fact = EVENT.validate_python(data)
    except ValidationError as error:
        raise _invalid(error, data, line) from None
    return Incoming(fact, line, recorded)


def _field_path(loc: tuple[Any, ...]) -> list[str]:
    """The field as the user wrote it: without pydantic's names for the members of a union."""
    return [str(part) for part in loc if not (isinstance(part, str) and ("[" in part or part.startswith("function-")))]


def _invalid(error: ValidationError, data: dict[str, Any], line: int | None) -> Refused:
    problems = error.errors(include_url=False)
    first = problems[0]
    loc = _field_path(first["loc"])
    if first["type"] == "union_tag_invalid" or first["type"] == "union_tag_not_found":
        return InvalidEvent(
            f"unknown or missing event type {data.get('type')!r}", field="type", value=data.get("type"), line=line,
        )
    if loc and loc[0] == data.get("type"):
        loc = loc[1:]
    field = ".".join(loc) or None
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"{data.get('type')} has no field {field!r}"
    elif first["type"] == "missing":
        message = f"{data.get('type')} needs the field {field!r}"
    more = len({tuple(_field_path(p["loc"])) for p in problems}) - 1  # a union's members count once
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''} in this event)"
    value = first.get("input")
    if first["type"] == "missing":
        value = None
    return InvalidEvent(message, field=field, value=value, line=line)


def read_lines(lines: Iterable[str]) -> Iterator[Incoming]:
    """Parse a JSON Lines history; blank lines are skipped, line numbers start at 1."""
    for number, text in enumerate(lines, start=1):
        if text.strip():
            yield parse_event(load_json(text, number), number)


def quotes_from_csv(lines: Iterable[str], class_id: str, source: str,
                    effective: str | None = None, event_id: str | None = None) -> Incoming:
    """A CSV of closing quotes (columns ``date``, ``bid``, ``ask``) as one ``MarketQuotes`` event.

    Effective on the last quoted day unless told otherwise; the default id
    names the class and the days, so importing the same file again is a no-op.
    """
    rows = list(csv.DictReader(lines))
    if not rows:
        raise InvalidEvent("the CSV holds no quotes; it needs a header row date,bid,ask and one row per day",
                           field="quotes", value=source)
    columns = {name.strip().lower() for name in rows[0] if name}
    if not {"date", "bid", "ask"} <= columns:
        raise InvalidEvent("the CSV needs the columns date, bid and ask", field="quotes", value=sorted(columns))
    quotes = [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k and k.strip().lower() in
               ("date", "bid", "ask")} for row in rows]
    days = sorted(q["date"] for q in quotes)
    event = {"type": "MarketQuotes", "id": event_id or f"quotes-{class_id}-{days[0]}-{days[-1]}",
             "effective": effective or days[-1], "class": class_id, "quotes": quotes, "source": source}
    try:
        return parse_event(event)
    except InvalidEvent as refusal:
        # quotes.N.field → the CSV line (the header is line 1).
        parts = (refusal.field or "").split(".")
        if len(parts) >= 2 and parts[0] == "quotes" and parts[1].isdigit():
            refusal.line = int(parts[1]) + 2
        raise
