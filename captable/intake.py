"""Reading events from JSON Lines: exact numbers, one clear error per bad line (DESIGN §5, §7)."""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from captable.errors import DuplicateKey, InvalidEvent, MalformedJson, Refused
from captable import events
from captable.events import BY_TYPE, Event
from captable.events.rebuild import share_fields_set
from captable.instants import parse_aware
from captable.numbers import JsonFloat
from captable.textfiles import SURROGATE, printable


@dataclass(frozen=True, slots=True)
class Incoming:
    """A parsed input event, with its line and an explicit ``recorded`` if it had one."""

    fact: Event
    line: int | None
    recorded: datetime | None = None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


class _RepeatedKey(Exception):
    """Raised inside the decoder; ``load_json`` then finds where, to name it."""


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _RepeatedKey
    return obj


class _Repeated(dict):  # type: ignore[type-arg]
    """An object that named a key twice, with every value given for it."""

    key: str
    values: list[Any]


def _marked_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
    marked = _Repeated(obj)
    marked.key, marked.values = key, [v for k, v in pairs if k == key]
    return marked


_INT_DIGITS = 4300  # Python's own bound on reading an int from text, with a message a person can use


def _json_int(text: str) -> int:
    if len(text) > _INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits is too long")
    return int(text)

# One decoder, built once: a JSON number with a point is kept as text, and a repeated
# key is refused, because the last one silently winning would change "type" or "shares".
_DECODER = json.JSONDecoder(parse_float=JsonFloat, parse_int=_json_int, parse_constant=_refuse_constant,
                            object_pairs_hook=_unique_object)
_MARKING = json.JSONDecoder(parse_float=JsonFloat, parse_int=_json_int, parse_constant=_refuse_constant,
                            object_pairs_hook=_marked_object)


def load_json(text: str, line: int | None = None) -> Any:
    """The one place JSON from users is parsed (DESIGN §7): exact numbers, unique keys, bounded depth."""
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors and spreadsheets write one
    try:
        return _DECODER.decode(text)
    except _RepeatedKey:
        raise _duplicate_key(_MARKING.decode(text), line) from None
    except RecursionError:
        raise MalformedJson("not valid JSON: nested too deeply", line=line, value=printable(text[:200])) from None
    except ValueError as error:  # JSONDecodeError, a constant such as NaN, an integer of too many digits
        raise MalformedJson(f"not valid JSON: {error}", line=line, value=printable(text[:200])) from None


def _duplicate_key(data: Any, line: int | None) -> DuplicateKey:
    for value, path in _walk(data):
        if isinstance(value, _Repeated):
            field = ".".join([*path, value.key])
            return DuplicateKey(
                f"the key {value.key!r} appears {len(value.values)} times in one object; "
                "keep only the one you mean", field=printable(field),
                value=[printable(v) if isinstance(v, str) else v for v in value.values], line=line)
    raise AssertionError("a repeated key was reported but not found")  # pragma: no cover


def _walk(data: Any) -> Iterator[tuple[Any, list[str]]]:
    """Every object and list inside ``data``, outermost first, with its path; no recursion."""
    stack: list[tuple[Any, list[str]]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        yield value, path
        members = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend((v, [*path, str(k)]) for k, v in reversed(list(members)) if isinstance(v, (dict, list)))


MAX_DEPTH = 10  # the deepest event (a net exercise's quotes, a merger's securities) nests 5 levels
# What `record --template` puts where a value belongs ("<id: The warrant, …>"): left in, it would be stored as a name.
PLACEHOLDER = re.compile(r"<(?:id|text|date|exact number|whole number|true or false|one of|list of|object)\b[^\n]*>")


def _screen(data: Any, line: int | None) -> None:
    """Before pydantic sees an event: no unreasonable nesting, and no lone UTF-16 surrogate
    (``\\ud800`` escaped in JSON) in any key or string, which UTF-8 cannot store."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) >= MAX_DEPTH:
            raise InvalidEvent(f"the event nests deeper than {MAX_DEPTH} levels; no event needs that",
                               field=printable(".".join(path)), line=line)
        members = value.items() if isinstance(value, dict) else enumerate(value)
        for key, member in members:
            if isinstance(key, str) and not key.isascii() and SURROGATE.search(key):
                raise _surrogate(".".join([*path, printable(key)]), key, line)
            if isinstance(key, str) and key.startswith("<") and PLACEHOLDER.fullmatch(key):
                raise _unfilled(".".join(path), key, line)
            if isinstance(member, str):
                if not member.isascii() and SURROGATE.search(member):
                    raise _surrogate(".".join([*path, str(key)]), member, line)
                if member.startswith("<") and PLACEHOLDER.fullmatch(member):
                    raise _unfilled(".".join([*path, str(key)]), member, line)
            elif isinstance(member, (dict, list)):
                stack.append((member, (*path, str(key))))


def _surrogate(field: str, text: str, line: int | None) -> InvalidEvent:
    return InvalidEvent("the text holds a lone UTF-16 surrogate (such as \\ud800), which is not a character; "
                        "write the character itself or its full surrogate pair", field=printable(field),
                        value=printable(text), line=line)


def _unfilled(field: str, text: str, line: int | None) -> InvalidEvent:
    return InvalidEvent(f"{text!r} is a placeholder of `captable record --template`; write the value it describes "
                        "(or, for an optional field, null)", field=printable(field) or None, value=printable(text),
                        line=line)


def parse_line(text: str, line: int | None = None) -> Incoming:
    """One line of a JSON Lines history into its event (``load_json``, then ``parse_event``)."""
    return parse_event(load_json(text, line), line, screened=_plain(text))


def _plain(text: str) -> bool:
    """Whether ``_screen`` has nothing to find in the JSON ``text``: no surrogate, no escape that could make one
    or a ``<``, no ``<`` (a placeholder starts with one), and too few brackets to nest ``MAX_DEPTH`` deep. Most
    lines are plain: screening them walked every value (a sixth of parsing)."""
    return ("\\u" not in text and "<" not in text and text.count("{") + text.count("[") < MAX_DEPTH
            and (text.isascii() or not SURROGATE.search(text)))


def parse_event(data: Any, line: int | None = None, *, screened: bool = False) -> Incoming:
    """One event object into its model; ``recorded`` is taken aside (import only, DESIGN §3). ``screened``:
    the caller knows ``_screen`` would find nothing (``parse_line``)."""
    if isinstance(data, (dict, list)) and not screened:
        _screen(data, line)
    if not isinstance(data, dict):
        raise InvalidEvent("each line must be one JSON object", line=line, value=printable(str(data)[:200]))
    data = dict(data)
    recorded = None
    if "recorded" in data:
        written = data.pop("recorded")
        try:
            recorded = parse_aware(written)
        except ValueError as error:
            raise InvalidEvent(str(error), field="recorded", value=written, line=line) from None
    try:
        fact = events.EVENT.validate_python(data)
    except ValidationError as error:
        raise _invalid(error, data, line) from None
    return Incoming(share_fields_set(fact), line, recorded)


def _field_path(loc: tuple[Any, ...]) -> list[str]:
    """The field as the user wrote it: without pydantic's names for the members of a union."""
    return [str(part) for part in loc if not (isinstance(part, str) and ("[" in part or part.startswith("function-")))]


# Strict types (events/base.py) in words a person can act on.
_EXPECTED = {
    "bool_type": 'must be JSON true or false (not "yes", 1 or "on")',
    "string_type": "must be a JSON string",
    "list_type": "must be a JSON list",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
}


def _invalid(error: ValidationError, data: dict[str, Any], line: int | None) -> Refused:
    """The first problem, named as the user wrote it; a misspelt field before the one it misses."""
    problems = error.errors(include_url=False)
    kind = data.get("type")
    if problems[0]["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return _unknown_type(kind, line)
    first = next((p for p in problems if p["type"] == "extra_forbidden"), problems[0])
    loc = _without_type(_field_path(first["loc"]), kind)
    field = ".".join(loc) or None
    message = _EXPECTED.get(first["type"]) or first["msg"].removeprefix("Value error, ")
    shown = {tuple(loc)}
    if first["type"] == "extra_forbidden":
        near = _nearest(loc[-1], _valid_names(BY_TYPE[kind], loc[:-1]))
        message = f"{kind} has no field {field!r}"
        if near:
            # The field it misspells is reported missing too: one problem, not two.
            shown.add((*loc[:-1], near))
            message += f"; did you mean {'.'.join([*loc[:-1], near])!r}?"
    elif first["type"] == "missing":
        message = f"{kind} needs the field {field!r}"
    more = len({tuple(_without_type(_field_path(p["loc"]), kind)) for p in problems} - shown)
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''} in this event)"
    value = None if first["type"] == "missing" else first.get("input")
    return InvalidEvent(message, field=field, value=value, line=line)


def _without_type(loc: list[str], kind: Any) -> list[str]:
    """pydantic starts a location with the event's type (the union's tag)."""
    return loc[1:] if loc and loc[0] == kind else loc


def _unknown_type(kind: Any, line: int | None) -> InvalidEvent:
    """Name the nearest event type, or list them all when none is near."""
    if kind is None:
        message = "the event has no \"type\"; it is one of " + ", ".join(BY_TYPE)
    else:
        near = _nearest(kind, BY_TYPE) if isinstance(kind, str) else None
        message = f"unknown event type {kind!r}; " + (
            f"did you mean {near!r}?" if near else "the types are " + ", ".join(BY_TYPE))
    return InvalidEvent(message, field="type", value=kind, line=line)


def _nearest(written: str, names: Iterable[str]) -> str | None:
    """The valid name nearest to ``written``, ignoring case ("listed" is Listed, not Delisted)."""
    by_lower = {name.lower(): name for name in names}
    near = difflib.get_close_matches(written.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[near[0]] if near else None


def _valid_names(annotation: Any, path: list[str]) -> list[str]:
    """The field names (as written in JSON) of the model found at ``path`` inside ``annotation``."""
    models = _models(annotation)
    if not path:
        return [info.alias or name for model in models for name, info in model.model_fields.items()]
    head, rest = path[0], path[1:]
    for model in models:
        for name, info in model.model_fields.items():
            if head in (name, info.alias):
                return _valid_names(info.annotation, rest)
    for container in _containers(annotation):
        return _valid_names(get_args(container)[-1], rest)  # a list's item, a dict's value
    return []


def _members(annotation: Any) -> tuple[Any, ...]:
    return get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)


def _models(annotation: Any) -> list[type[BaseModel]]:
    return [t for t in _members(annotation) if isinstance(t, type) and issubclass(t, BaseModel)]


def _containers(annotation: Any) -> list[Any]:
    return [t for t in _members(annotation) if get_origin(t) in (list, dict)]


def read_lines(lines: Iterable[str]) -> Iterator[Incoming]:
    """Parse a JSON Lines history; blank lines are skipped, line numbers start at 1."""
    for number, text in enumerate(lines, start=1):
        if text.strip():
            yield parse_line(text, number)


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
