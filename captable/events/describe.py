"""The catalogue described from its models: each type's purpose and fields in words, JSON Schema, templates.

The docstrings and the fields' descriptions are the only source, so the reference (``docs/events.md``,
``captable/reference.py``), ``captable events``, ``schema`` and ``record --template`` cannot drift from
what intake accepts.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from captable import errors
from captable import events
from captable.events import BY_TYPE, CATALOGUE, Event
from captable.events.base import Id, Text
from captable.events.capital import Period
from captable.events.examples import examples
from captable.events.warrants import TermValue
from captable.instants import Day, Moment, When
from captable.numbers import Exact, NonNegative, Positive, WholeShares, format_exact
from captable.suggest import nearest_first

# The checks live in the validators; these are their names for people, most specific first.
_NAMED: list[tuple[Any, str]] = [
    (WholeShares, "whole number > 0"),
    (Positive, "exact number > 0"),
    (NonNegative, "exact number ≥ 0"),
    (Exact, "exact number"),
    (When, "date, or date-time with offset"),
    (Day, "date"),
    (Moment, "date-time with offset"),
    (Id, "id"),
    (Text, "text"),
    (str, "text"),
    (bool, "true or false"),
    (Period, "whole number ≥ 0"),
    (TermValue, "text, whole number, true or false, or list of text (the parameter's own type)"),
]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


RECORDED = ("Import only: when the ledger this history migrates from recorded the fact; not before the "
            "company's last recorded instant, nor in the future. Without it, the instant the store accepts it.")
TYPE_MEANING = "The event type: one of the names in this reference."


@dataclass(frozen=True)
class FieldDoc:
    """One field as a person writes it: the JSON name, the type in words, whether it is needed, what it means."""

    name: str
    kind: str
    required: bool
    default: Any
    meaning: str
    engine: bool = False

    @property
    def need(self) -> str:
        if self.engine:
            return "filled in by the engine"
        if self.required:
            return "required"
        return "optional" if self.default is None else f"optional (default {_json(self.default)})"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.kind, "required": self.required, "default": self.default,
                "engine": self.engine, "meaning": self.meaning}


@dataclass(frozen=True)
class TypeDoc:
    """An event type: its purpose (the class docstring), its own fields, and its example lines."""

    name: str
    purpose: str
    fields: list[FieldDoc]
    examples: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"type": self.name, "purpose": self.purpose, "fields": [f.to_json() for f in self.fields],
                "common_fields": [f.to_json() for f in common_fields()], "examples": self.examples}


# Reading the models ------------------------------------------------------------------------------

def model_of(name: str) -> type[Event]:
    """The model of an event type, written in any case; an unknown one is refused naming the nearest."""
    by_lower = {known.lower(): model for known, model in BY_TYPE.items()}
    model = BY_TYPE.get(name) or by_lower.get(name.lower())
    if model is None:
        raise errors.BadOption(f"no event type {name!r}; the nearest is {nearest_first(name, BY_TYPE)[0]!r} "
                               "(`captable events` lists them all)", field="TYPE", value=name)
    return model


def purpose(model: type[BaseModel]) -> str:
    """The docstring's first paragraph, on one line."""
    first = inspect.cleandoc(model.__doc__ or "").split("\n\n", 1)[0]
    return " ".join(first.split())


def words(hint: Any, shape: Callable[[type[BaseModel]], str]) -> str:
    """A field's type as a person reads it; ``shape`` names a model inside an event."""
    for alias, text in _NAMED:
        if hint == alias:
            return text
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        return " or ".join(words(member, shape) for member in args if member is not type(None))
    if origin is Literal:
        return ("one of " if len(args) > 1 else "") + ", ".join(f'"{value}"' for value in args)
    if origin is list:
        return f"list of {words(args[0], shape)}"
    if origin is dict:
        return f"object: {words(args[0], shape)} → {words(args[1], shape)}"
    if origin is Annotated:
        return words(args[0], shape)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return shape(hint)
    raise TypeError(f"the reference has no words for {hint!r}: add them to describe._NAMED")


def _hints(model: type[BaseModel]) -> dict[str, Any]:
    return get_type_hints(model, include_extras=True)


def _is_engine(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("readOnly"))


def _default(info: FieldInfo) -> Any:
    if info.is_required() or info.default is None:
        return None
    value = info.default
    return format_exact(value) if isinstance(value, Fraction) else value


def field_doc(model: type[BaseModel], name: str, info: FieldInfo, shape: Callable[[type[BaseModel]], str]) -> FieldDoc:
    engine = _is_engine(info)
    return FieldDoc(info.alias or name, "object" if engine else words(_hints(model)[name], shape),
                    info.is_required(), _default(info), info.description or "", engine)


def _own(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """A type's own fields: all but ``type`` and the common ones, unless it redefines one (CompanyFormed's company)."""
    common = Event.model_fields
    return [(name, info) for name, info in model.model_fields.items() if name != "type" and (
        name not in common or (info.is_required(), info.description) != (common[name].is_required(),
                                                                          common[name].description))]


def _plain(model: type[BaseModel]) -> str:
    return model.__name__


def type_name(model: type[Event]) -> str:
    """The public name, as JSON writes it in ``type``."""
    return model.TOPIC.split(":", 1)[1]


def fields(model: type[BaseModel], shape: Callable[[type[BaseModel]], str] = _plain) -> list[FieldDoc]:
    """An event type's own fields, or every field of a shape inside events."""
    chosen = _own(model) if issubclass(model, Event) else list(model.model_fields.items())
    return [field_doc(model, name, info, shape) for name, info in chosen]


def common_fields(shape: Callable[[type[BaseModel]], str] = _plain) -> list[FieldDoc]:
    """``type``, the fields every event model has, and ``recorded``, which intake takes aside."""
    base = [field_doc(Event, name, info, shape) for name, info in Event.model_fields.items()]
    return [FieldDoc("type", "text", True, None, TYPE_MEANING), *base,
            FieldDoc("recorded", words(Moment, shape), False, None, RECORDED)]


def describe(name: str, shape: Callable[[type[BaseModel]], str] = _plain) -> TypeDoc:
    model = model_of(name)
    return TypeDoc(type_name(model), purpose(model), fields(model, shape), examples(type_name(model)))


def catalogue(shape: Callable[[type[BaseModel]], str] = _plain) -> list[TypeDoc]:
    return [describe(type_name(model), shape) for model in CATALOGUE]


def shapes() -> list[type[BaseModel]]:
    """The models inside events that a person writes (Party, Quote, …), in the order they first appear."""
    found: list[type[BaseModel]] = []

    def visit(hint: Any) -> None:
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            if hint not in found:
                found.append(hint)
                for name, info in hint.model_fields.items():
                    visit(_hints(hint)[name])
            return
        for arg in get_args(hint):
            visit(arg)

    for model in CATALOGUE:
        for name, info in _own(model):
            if not _is_engine(info):
                visit(_hints(model)[name])
    return found


# JSON Schema and the template ----------------------------------------------------------------------

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _complete(schema: dict[str, Any], type_name: str) -> dict[str, Any]:
    """What pydantic leaves out: ``type`` is required (it selects the model), ``recorded`` is accepted on
    import, and the reference's example."""
    schema["required"] = ["type", *[r for r in schema.get("required", []) if r != "type"]]
    schema["properties"]["recorded"] = {"type": "string", "format": "date-time", "description": RECORDED}
    schema["examples"] = examples(type_name)
    return schema


def _paragraphs(schema: dict[str, Any]) -> dict[str, Any]:
    """Docstrings' line breaks out of every model's description: a schema is read by tools, not in 80 columns."""
    for body in [schema, *schema.get("$defs", {}).values()]:
        if "description" in body:
            body["description"] = "\n\n".join(" ".join(p.split()) for p in body["description"].split("\n\n"))
    return schema


def schema(name: str | None = None) -> dict[str, Any]:
    """JSON Schema of one event type, or of any event (the union, selected by ``type``)."""
    if name is not None:
        model = model_of(name)
        body = _complete(model.model_json_schema(), type_name(model))
        return {"$schema": SCHEMA_DIALECT, **_paragraphs(body)}
    body = events.EVENT.json_schema()
    for model in CATALOGUE:
        _complete(body["$defs"][model.__name__], type_name(model))
    return {"$schema": SCHEMA_DIALECT, "title": "An event of the captable catalogue", **_paragraphs(body)}


def _first_clause(text: str) -> str:
    """Up to the first stop, colon or semicolon that ends a clause (not the one of "e.g.")."""
    return re.split(r"(?<!e\.g)(?<=[a-z)\"])[.;:] ", text + " ", maxsplit=1)[0].rstrip(". ")


def placeholder(hint: Any, meaning: str) -> Any:
    """A value that says what to put: ``"<whole number > 0: The shares purchasable>"``, or the shape filled in.

    Intake refuses such a value left in place, so an unfilled template is never stored."""
    origin, args = get_origin(hint), get_args(hint)
    members = [m for m in args if m is not type(None)] if origin in (Union, UnionType) else [hint]
    single = members[0] if len(members) == 1 else None
    if isinstance(single, type) and issubclass(single, BaseModel):
        return _filled(single)
    if get_origin(single) is list:
        return [placeholder(get_args(single)[0], meaning)]
    if get_origin(single) is dict:
        key, value = get_args(single)
        return {f"<{words(key, _plain)}>": placeholder(value, "")}
    said = words(hint, _plain)
    # A choice says its values; the meaning would only repeat them.
    return f"<{said}: {_first_clause(meaning)}>" if meaning and not said.startswith("one of") else f"<{said}>"


def _filled(model: type[BaseModel], own: list[tuple[str, FieldInfo]] | None = None) -> dict[str, Any]:
    """Required fields with placeholders, optional ones with their defaults; in a shape that requires none of its
    fields but needs some (a Consideration: securities or cash), placeholders for all, to fill or delete."""
    chosen = [(n, i) for n, i in (own if own is not None else model.model_fields.items()) if not _is_engine(i)]
    choose = own is None and not any(info.is_required() for _, info in chosen)
    return {info.alias or name: placeholder(_hints(model)[name], info.description or "")
            if info.is_required() or choose else _default(info) for name, info in chosen}


def template(name: str) -> dict[str, Any]:
    """Every field of a type: required ones with a placeholder, optional ones with their default (or null)."""
    model = model_of(name)
    common = Event.model_fields
    own = dict(_own(model))
    body: dict[str, Any] = {"type": type_name(model)}
    body |= _filled(Event, [("id", common["id"]), ("effective", common["effective"])])
    body |= _filled(model, list(own.items()))
    body |= _filled(Event, [(n, common[n]) for n in ("company", "source") if n not in own])
    return body
