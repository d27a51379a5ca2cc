"""Facts read back from the store, rebuilt without validating them again.

A stored fact was validated when it was written, and the chain check guards it
since: rebuilding it through pydantic again was most of the time a history took
to load. Each model gets a constructor derived from its own fields (their
types, aliases and defaults), so the objects are the very ones validation makes:
the same types, ``Fraction``s, dates and date-times with their offsets, nested
models, and defaults. Anything a constructor does not expect (a missing or
unknown key, a value of another shape) raises, and ``rebuild`` then hands the
row to validation, whose refusal names what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from fractions import Fraction
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

Convert = Callable[[Any], Any]
_set = object.__setattr__
_MISSING = object()


class Unsupported(Exception):
    """A field whose type has no rebuilder: its model is always validated instead."""


def _fraction(value: Any) -> Fraction:
    # Stored as format_exact wrote it: "20381" or "2679/450", already reduced.
    if type(value) is str:
        numerator, slash, denominator = value.partition("/")
        return Fraction(int(numerator), int(denominator)) if slash else Fraction(int(numerator))
    if type(value) is int:
        return Fraction(value)
    raise TypeError("not an exact number")


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("not a string")
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise TypeError("not true or false")
    return value


def _whole(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("not a whole number")
    return value


def _day(value: Any) -> date:
    if type(value) is not str or len(value) != 10:
        raise ValueError("not a date")
    return date.fromisoformat(value)


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(_text(value))
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("a date-time without its offset")
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES[offset] = moment.tzinfo  # type: ignore[assignment]
    return moment if moment.tzinfo is zone else moment.replace(tzinfo=zone)


# One tzinfo per offset: each date-time read from text gets a fixed-offset zone of its own (about 100 bytes
# a fact), and a history's date-times have a handful of offsets.
_ZONES: dict[Any, Any] = {}


def _when(value: Any) -> date | datetime:
    return _day(value) if type(value) is str and len(value) == 10 else _moment(value)


_SCALARS: dict[Any, Convert] = {Fraction: _fraction, str: _text, bool: _flag, int: _whole, date: _day,
                                datetime: _moment}


def _plain(value: Any) -> Any:
    """A value kept as JSON gave it (a form parameter's): text, a whole number, true or false, a list of text."""
    if type(value) in (str, int, bool) or (type(value) is list and all(type(v) is str for v in value)):
        return value
    raise TypeError("not a parameter's value")


def _bare(annotation: Any) -> Any:
    """The type inside ``Annotated[...]`` (the validators it carries were run when the fact was stored)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def converter(annotation: Any) -> Convert:
    """How a stored JSON value of ``annotation`` becomes the value validation would have made."""
    annotation = _bare(annotation)
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if annotation is Any:
        return _plain
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return _union([_bare(a) for a in get_args(annotation)])
    if origin is Literal:
        allowed = frozenset(get_args(annotation))
        return lambda value: value if type(value) is str and value in allowed else _refuse(value)
    if origin is list:
        item = converter(get_args(annotation)[0])
        return lambda value: [item(v) for v in value] if type(value) is list else _refuse(value)
    if origin is dict:
        key, member = (converter(a) for a in get_args(annotation))
        return lambda value: ({key(k): member(v) for k, v in value.items()} if type(value) is dict
                              else _refuse(value))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return constructor(annotation)
    raise Unsupported(repr(annotation))


def _union(members: list[Any]) -> Convert:
    optional = NoneType in members
    literals = frozenset(v for m in members if get_origin(m) is Literal for v in get_args(m))
    rest = [m for m in members if m is not NoneType and get_origin(m) is not Literal]
    if set(rest) == {date, datetime}:
        inner = _when
    elif len(rest) == 1:
        inner = converter(rest[0])
    elif not rest:
        inner = _refuse
    else:
        raise Unsupported(repr(members))

    def convert(value: Any) -> Any:
        if value is None and optional:
            return None
        if type(value) is str and value in literals:
            return value
        return inner(value)
    return convert


def _refuse(value: Any) -> Any:
    raise TypeError(f"unexpected {type(value).__name__}")


def constructor(cls: type[BaseModel]) -> Convert:
    """A function from a model's stored JSON object to the model, built as validation builds it."""
    if cls in _CONSTRUCTORS:
        return _CONSTRUCTORS[cls]
    names: dict[str, str] = {}  # a stored key (the alias, where there is one) → the field's name
    converts: dict[str, Convert] = {}
    start: dict[str, Any] = {}  # every field in its order: its default, or a mark for a required one
    mutable: list[tuple[str, Any]] = []  # defaults each model gets its own copy of, as validation gives
    for name, info in cls.model_fields.items():
        key = info.alias or name
        names[key], converts[key] = name, converter(info.annotation)
        start[name] = _MISSING if info.is_required() else info.get_default(call_default_factory=True)
        if isinstance(start[name], (list, dict, set)):
            mutable.append((name, start[name]))
    required = frozenset(name for name, default in start.items() if default is _MISSING)
    shapes: dict[tuple[str, ...], set[str]] = {}  # the stored keys of a row → the fields it set
    new = cls.__new__

    def build(data: Any) -> Any:
        if type(data) is not dict:
            raise TypeError("not an object")
        values = start.copy()
        for key, value in data.items():
            values[names[key]] = converts[key](value)  # an unknown key is a KeyError
        shape = tuple(data)
        given = shapes.get(shape)
        if given is None:
            given = shared_fields_set({names[key] for key in data})
            if not given >= required:
                raise KeyError("a required field is missing")
            shapes[shape] = given
        for name, default in mutable:
            if name not in given:
                values[name] = default.copy()
        model = new(cls)
        _set(model, "__dict__", values)
        _set(model, "__pydantic_fields_set__", given)
        _set(model, "__pydantic_extra__", None)
        _set(model, "__pydantic_private__", None)
        return model

    _CONSTRUCTORS[cls] = build
    return build


_CONSTRUCTORS: dict[type[BaseModel], Convert] = {}
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


def shared_fields_set(names: set[str]) -> set[str]:
    """One set for every model that set the same fields: pydantic gives each model its own, which took more
    memory than the rest of a fact (a million facts held 700 MB of them). A frozen model never changes
    its set in place; a copy (``model_copy``) copies it first."""
    return _FIELDS_SETS.setdefault(frozenset(names), names)


def share_fields_set(model: BaseModel) -> BaseModel:
    """The validated ``model`` holding the shared set of the fields it set."""
    _set(model, "__pydantic_fields_set__", shared_fields_set(model.__pydantic_fields_set__))
    return model


def rebuild(cls: type[BaseModel], data: Any) -> Any:
    """The stored fact ``data`` of model ``cls``, without validating it again; a row that does not have the
    stored shape is validated, so that what is wrong with it is named (a ``ValidationError``)."""
    try:
        build = constructor(cls)
    except Unsupported:
        return cls.model_validate(data)
    try:
        return build(data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return cls.model_validate(data)  # names the problem; a row of another valid shape is read exactly


__all__ = ["ValidationError", "constructor", "converter", "rebuild", "share_fields_set", "shared_fields_set"]
