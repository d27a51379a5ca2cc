"""The fold's state as bytes and back, exactly: what a persisted checkpoint holds.

``dumps`` writes compact JSON (stdlib: C-encoded, no dependency) in which
every value that JSON cannot say exactly carries a tag from a closed set:

    ["F", numerator, denominator]      Fraction (ints of any size; never a float)
    ["t", iso text, zone key | null]   datetime, with its offset; a ZoneInfo keeps its key
    ["d", iso text]                    date
    ["Z", key]                         ZoneInfo
    ["L", item, …] / ["T", item, …]    list / tuple
    ["D", key, value, …]               dict (any keys, insertion order kept)
    {"key": value, …}                  dict of text keys to ints, text or null (the
                                       holdings: the bulk of a state, read by C)
    ["ShareClass", field, …]           a dataclass of this module's closed set, fields
                                       in declaration order, rebuilt by its constructor

``None``, booleans, ints and text are themselves. ``loads`` maps each tag to a
constructor written here and checks every dataclass field against the kinds of
value its annotation admits; nothing named by the data is imported or called,
so a checkpoint cannot execute code. Anything else raises ``SnapshotUnreadable``
and the caller folds from the start instead.

What the state holds: only the dataclasses below, Fractions, ints, text,
dates, UTC or fixed-offset datetimes; no pydantic fact is referenced (the
handlers copy what they need out of each fact), so no event needs rebuilding.

Shared references: within one state no mutable object is reachable twice.
The same frozen ``Breach`` sits in ``breaches`` and ``breach_log``, and
``covenant.check`` finds it again with ``list.index``, which compares by value,
so two equal copies behave as one. ``CompanyState.copy()`` lets successive
states share the inner dicts of ``quotes`` (``market_quotes`` replaces them,
never mutates them) and every frozen value; nothing else. A state read back
therefore folds on exactly as the original would, and the dataclasses compare
by value: ``loads(dumps(s)) == s``.

For the caller: ``exclusions`` is not made by folding. ``fold.initial_state``
computes it from every entry of the view, so a snapshot carries the §4.4(a)/(b)
exclusions known when it was written. A later ``ConversionRatioAdjusted`` may
name an issuance effective before its own instant: it makes stale every
checkpoint from the issuance's instant on, and one naming an issuance after a
checkpoint must reach the state read back (``initial_state(entries).exclusions``
of the current view) before the rest is folded.

``FINGERPRINT`` hashes the source of every project module the fold imports
(from ``projections/fold.py``, transitively), every file of ``captable/rules/``
and ``captable/events/``, this module, and ``FORMAT``: a checkpoint written
under another fingerprint is stale and its caller rebuilds it.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import typing
from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime, timezone
from fractions import Fraction
from pathlib import Path
from types import NoneType, UnionType
from typing import Any
from zoneinfo import ZoneInfo

from captable.rules.adjustment import Adjustment
from captable.rules.amounts import Amount, Security
from projections import state as st

FORMAT = 1
_HEADER = "captable-snapshot"


class SnapshotUnreadable(ValueError):
    """The bytes are not a snapshot this code wrote: fold from the start instead."""


# The closed set of dataclasses a state holds, by tag (the class name).
CLASSES: tuple[type, ...] = (
    st.CompanyState, st.ShareClass, st.Warrant, st.Holder, st.RatioChange, st.Note, st.Exercise,
    st.OptionGrant, st.Convertible, st.Agreement, st.Breach, st.ClosingQuote, st.Offering, st.Valuation, st.ClosedBooks,
    st.BooksClosedBreach, Adjustment, Amount, Security,
)


# Writing ---------------------------------------------------------------------


def dumps(state: st.CompanyState) -> bytes:
    """The state as compact JSON bytes; a value outside the closed set is a ``TypeError``."""
    if type(state) is not st.CompanyState:
        raise TypeError(f"a snapshot is of a CompanyState, not {type(state).__name__}")
    text = json.dumps([_HEADER, FORMAT, _encode(state)], separators=(",", ":"), ensure_ascii=False,
                      check_circular=False, allow_nan=False)
    return text.encode()


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PRIMITIVES:
        return value
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        raise TypeError(f"a state holds no {kind.__name__}: {value!r}")
    return encoder(value)


def _encode_dict(value: dict[Any, Any]) -> Any:
    if all(type(k) is str for k in value) and all(type(v) in _PLAIN_VALUES for v in value.values()):
        return value
    out: list[Any] = ["D"]
    for k, v in value.items():
        out.append(_encode(k))
        out.append(_encode(v))
    return out


def _encode_datetime(value: datetime) -> list[Any]:
    tz = value.tzinfo
    if tz is None or type(tz) is timezone:
        return ["t", value.isoformat(), None]
    if type(tz) is ZoneInfo and tz.key:
        return ["t", value.isoformat(), tz.key]
    raise TypeError(f"a state's instants are in UTC, a fixed offset or a named zone, not {tz!r}")


# Fields added after snapshots were first written, left out while at their default (None, or an empty mapping),
# last first, so that older states keep their bytes; a decoded state takes the default back.
TRAILING_OPTIONAL: dict[type, int] = {
    st.Warrant: 2,  # form, terms (a warrant on the 1997 form has neither)
    st.CompanyState: 1,  # convertibles (a history without SAFEs or notes has none outstanding)
}


def _same(value: Any, default: Any) -> bool:
    """Whether a trailing field holds its default (``{}`` is not ``None``: only what decodes back the same)."""
    return type(value) is type(default) and value == default


def _dataclass_encoder(cls: type) -> Callable[[Any], list[Any]]:
    tag, names = cls.__name__, tuple(f.name for f in fields(cls))
    optional = TRAILING_OPTIONAL.get(cls, 0)
    if not optional:
        return lambda value: [tag, *[_encode(getattr(value, name)) for name in names]]

    trailing = [(f.name, f.default if f.default is not MISSING else f.default_factory())  # type: ignore[misc]
                for f in fields(cls)[-optional:]]

    def encode(value: Any) -> list[Any]:
        kept = len(names)
        for name, default in reversed(trailing):
            if not _same(getattr(value, name), default):
                break
            kept -= 1
        return [tag, *[_encode(getattr(value, name)) for name in names[:kept]]]

    return encode


_PRIMITIVES = frozenset({str, int, bool, NoneType})
_PLAIN_VALUES = frozenset({str, int, NoneType})
_ENCODERS: dict[type, Callable[[Any], Any]] = {
    Fraction: lambda f: ["F", f.numerator, f.denominator],
    datetime: _encode_datetime,
    date: lambda d: ["d", d.isoformat()],
    ZoneInfo: lambda z: ["Z", z.key],
    list: lambda items: ["L", *[_encode(i) for i in items]],
    tuple: lambda items: ["T", *[_encode(i) for i in items]],
    dict: _encode_dict,
    **{cls: _dataclass_encoder(cls) for cls in CLASSES},
}


# Reading ---------------------------------------------------------------------


def loads(data: bytes) -> st.CompanyState:
    """The state ``dumps`` wrote; anything else raises ``SnapshotUnreadable``."""
    _add_dataclass_decoders()
    try:
        document = json.loads(data, parse_float=_no_float, parse_constant=_no_float)
        if not (type(document) is list and len(document) == 3 and document[0] == _HEADER):
            raise SnapshotUnreadable("not a captable snapshot")
        if document[1] != FORMAT:
            raise SnapshotUnreadable(f"snapshot format {document[1]!r}, this code reads {FORMAT}")
        state = _decode(document[2])
    except SnapshotUnreadable:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as error:
        raise SnapshotUnreadable(f"unreadable snapshot: {error}") from None
    if type(state) is not st.CompanyState:
        raise SnapshotUnreadable("a snapshot holds a CompanyState")
    return state


def _no_float(text: str) -> Any:
    raise SnapshotUnreadable(f"a snapshot holds no float ({text})")


def _decode(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        tag = value[0]
        if type(tag) is not str or tag not in _DECODERS:
            raise SnapshotUnreadable(f"unknown tag {tag!r}")
        return _DECODERS[tag](value)
    if kind is dict:
        for v in value.values():
            if type(v) not in _PLAIN_VALUES:
                raise SnapshotUnreadable("a plain mapping holds only ints, text or null")
        return value
    return value  # str, int, bool, None: json.loads makes nothing else


def _fraction(value: list[Any]) -> Fraction:
    _, numerator, denominator = value
    if type(numerator) is not int or type(denominator) is not int or denominator <= 0:
        raise SnapshotUnreadable(f"not a fraction: {value!r}")
    return Fraction(numerator, denominator)


def _datetime(value: list[Any]) -> datetime:
    _, text, key = value
    instant = datetime.fromisoformat(text)
    if key is None:
        return instant
    if type(key) is not str or instant.tzinfo is None:
        raise SnapshotUnreadable(f"not an instant: {value!r}")
    return instant.astimezone(_zone(key))


def _date(value: list[Any]) -> date:
    _, text = value
    day = date.fromisoformat(text)
    if type(day) is not date:
        raise SnapshotUnreadable(f"not a date: {value!r}")
    return day


def _zone(key: Any) -> ZoneInfo:
    if type(key) is not str:
        raise SnapshotUnreadable(f"not a zone: {key!r}")
    try:
        return ZoneInfo(key)
    except Exception as error:  # zoneinfo raises several kinds for a bad key
        raise SnapshotUnreadable(f"unknown zone {key!r}") from error


def _dict(value: list[Any]) -> dict[Any, Any]:
    if len(value) % 2 != 1:
        raise SnapshotUnreadable("a mapping has a key without a value")
    items = [_decode(v) for v in value[1:]]
    return dict(zip(items[0::2], items[1::2]))


def _runtime_kinds(annotation: Any) -> tuple[type, ...]:
    """The types of value a field's annotation admits at run time (a Fraction field may hold an int)."""
    if annotation is Any or annotation is object:
        return (object,)
    if isinstance(annotation, UnionType) or typing.get_origin(annotation) is typing.Union:
        return tuple(k for arg in typing.get_args(annotation) for k in _runtime_kinds(arg))
    origin = typing.get_origin(annotation)
    if origin is not None:
        return (origin,)
    if annotation is Fraction:
        return (Fraction, int)
    if annotation is float:
        return ()
    return (annotation,)


def _dataclass_decoder(cls: type) -> Callable[[list[Any]], Any]:
    hints = typing.get_type_hints(cls)
    kinds = tuple(_runtime_kinds(hints[f.name]) for f in fields(cls))
    arity = len(kinds) + 1
    shortest = arity - TRAILING_OPTIONAL.get(cls, 0)

    def build(value: list[Any]) -> Any:
        if not shortest <= len(value) <= arity:
            raise SnapshotUnreadable(f"{cls.__name__} has {arity - 1} fields, not {len(value) - 1}")
        args = [_decode(v) for v in value[1:]]
        for arg, allowed, f in zip(args, kinds, fields(cls)):
            if not isinstance(arg, allowed) or (type(arg) is bool and bool not in allowed):
                raise SnapshotUnreadable(f"{cls.__name__}.{f.name} cannot be {type(arg).__name__}")
        return cls(*args)

    return build


_DECODERS: dict[str, Callable[[list[Any]], Any]] = {
    "F": _fraction,
    "t": _datetime,
    "d": _date,
    "Z": lambda value: _zone(value[1]),
    "L": lambda value: [_decode(v) for v in value[1:]],
    "T": lambda value: tuple(_decode(v) for v in value[1:]),
    "D": _dict,
}


def _add_dataclass_decoders() -> None:
    """On the first ``loads``: resolving the annotations costs some 20 ms, which a process that never
    reads a snapshot should not pay at import."""
    if CLASSES[0].__name__ not in _DECODERS:
        _DECODERS.update({cls.__name__: _dataclass_decoder(cls) for cls in CLASSES})
assert all(is_dataclass(cls) for cls in CLASSES) and len({cls.__name__ for cls in CLASSES}) == len(CLASSES)


# The fingerprint of the fold's code ------------------------------------------

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGES = ("captable", "projections")
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+(\([^)]*\)|[^\n#]+)|import\s+([\w., ]+))", re.M)


def _module_file(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] not in _PACKAGES:
        return None
    base = os.path.join(_ROOT, *parts)
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _imports(text: str) -> set[str]:
    names: set[str] = set()
    for package, imported, plain in _IMPORT.findall(text):
        if plain:
            names.update(part.split(" as ")[0].strip() for part in plain.split(","))
            continue
        names.add(package)
        for part in imported.strip("()").split(","):
            name = part.split(" as ")[0].strip()
            if name:
                names.add(f"{package}.{name}")  # a submodule, if it is one
    return names


def fold_sources(read: Callable[[Path], bytes] = Path.read_bytes) -> dict[Path, bytes]:
    """Every file whose text defines the fold: the fold's imports, transitively, the rules, events and forms."""
    found: dict[str, bytes] = {}
    seen: set[str] = set()
    pending = [os.path.join(_ROOT, "projections", "fold.py"), os.path.abspath(__file__)]
    for folder in ("rules", "events", "forms"):
        pending += sorted(glob.glob(os.path.join(_ROOT, "captable", folder, "*.py")))
    pending += sorted(glob.glob(os.path.join(_ROOT, "captable", "forms", "*.toml")))  # the forms' numbers
    while pending:
        path = pending.pop()
        if path in found:
            continue
        found[path] = read(Path(path))
        for name in _imports(found[path].decode("utf-8", "replace")) - seen:
            seen.add(name)
            module = _module_file(name)
            if module is not None and module not in found:
                pending.append(module)
    return {Path(path): text for path, text in found.items()}


def fingerprint(read: Callable[[Path], bytes] = Path.read_bytes) -> str:
    digest = hashlib.sha256(f"{_HEADER}/{FORMAT}".encode())
    for path, text in sorted(fold_sources(read).items()):
        digest.update(b"\0" + path.relative_to(_ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(text).digest())
    return digest.hexdigest()


_cached: list[str] = []


def __getattr__(name: str) -> str:
    """``FINGERPRINT``, computed on first use and kept for the process (it reads some forty files)."""
    if name != "FINGERPRINT":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _cached:
        _cached.append(fingerprint())
    return _cached[0]
