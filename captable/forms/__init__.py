"""Forms of warrant as data: one TOML file per form, each parameter with the clause it encodes.

A warrant's rules (how its price moves on a cheap issuance, how many days of notice, which reports, what a
fraction is worth) are the parameters of its form, with the warrant's own ``terms`` applied over them
(``WarrantIssued.form`` and ``.terms``). The numbers of a form live only in its file: the rule modules take
them from the ``Form`` a warrant is on.

A file is read with ``tomllib`` and checked by ``Terms`` (exact types, no floats, unknown names refused);
a malformed file is refused with ``FormInvalid`` naming the file, the parameter and what is wrong.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from captable.errors import FormInvalid, UnknownForm
from captable.forms.terms import Terms
from captable.suggest import valid_ones

FORM_NOTE = " (under "  # how a description of a duty under another form names that form's clause (``Form.under``)
DEFAULT = "warrant_1997"  # the form a WarrantIssued without ``form`` is on (DESIGN §5: old events mean what they meant)
UNSOURCED = "no clause read"  # a parameter whose value no public source read states (its note says so)

__all__ = ["DEFAULT", "FORM_NOTE", "Clause", "Form", "Source", "Terms", "by_name", "default_terms", "names", "resolve",
           "terms_error"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Clause(_Strict):
    """Where a parameter comes from: the clause, its words, and a note where the form says nothing."""

    clause: str
    quote: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _quoted_or_explained(self) -> Clause:
        if not self.quote and not self.note:
            raise ValueError("give the clause's words (quote) or say why there are none (note)")
        return self


class Source(_Strict):
    """The public document a form is drawn from."""

    document: str
    filer: str
    exhibit: str | None = None
    date: str
    url: str | None = None
    path: str | None = None  # a copy kept beside the project


class Form(_Strict):
    """A form of warrant: its name, where it comes from, and each parameter's value and clause."""

    name: str
    title: str
    source: Source
    terms: Terms
    clauses: dict[str, Clause]
    overridden: tuple[str, ...] = ()  # the parameters a warrant's own terms set

    @field_validator("clauses")
    @classmethod
    def _every_parameter_cited(cls, clauses: dict[str, Clause]) -> dict[str, Clause]:
        missing = sorted(set(Terms.model_fields) - set(clauses))
        unknown = sorted(set(clauses) - set(Terms.model_fields))
        if missing or unknown:
            raise ValueError("every parameter needs its clause, and only parameters have one: "
                             + "; ".join(filter(None, [f"missing {', '.join(missing)}" if missing else "",
                                                       f"unknown {', '.join(unknown)}" if unknown else ""])))
        return clauses

    def cite(self, parameter: str) -> str:
        """``§4.4 of warrant_1997``: the clause a parameter encodes, naming the form."""
        if parameter in self.overridden:
            return f"the warrant's terms ({parameter}) over {self.name}"
        clause = self.clauses[parameter].clause
        if clause == UNSOURCED:
            return f"{self.name}'s {parameter}, for which no public clause was read"
        return f"{clause} of {self.name}"

    def speaks_as_1997(self, parameter: str) -> bool:
        """True while ``parameter`` is the 1997 form's own: answers then read exactly as they always did."""
        return self.name == DEFAULT and parameter not in self.overridden

    def section_for(self, parameter: str, usual: str) -> str:
        """The section an answer cites for ``parameter``: ``usual`` (the 1997 form's numbering) while the
        warrant is on that form's own value, else the clause of its form, naming the form."""
        return usual if self.speaks_as_1997(parameter) else self.cite(parameter)

    def under(self, parameter: str) -> str:
        """`` (under CLAUSE of FORM)`` to end a description, or nothing for the 1997 form's own value."""
        return "" if self.speaks_as_1997(parameter) else f"{FORM_NOTE}{self.cite(parameter)})"

    def with_terms(self, overrides: Mapping[str, Any] | None) -> Form:
        """This form with a warrant's own terms applied; a bad name or value raises ``ValueError``."""
        if not overrides:
            return self
        problem = terms_error(overrides, self)
        if problem:
            raise ValueError(problem)
        merged = Terms.model_validate({**self.terms.model_dump(), **_tuples(dict(overrides))})
        # A term that restates the form's own value changes nothing, and is not cited as the warrant's own.
        changed = tuple(sorted(k for k in overrides if getattr(merged, k) != getattr(self.terms, k)))
        return self.model_copy(update={"terms": merged, "overridden": changed})


def _tuples(value: Any) -> Any:
    """TOML and JSON give lists; the frozen parameters hold tuples."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def terms_error(overrides: Mapping[str, Any], form: Form) -> str | None:
    """Why ``overrides`` cannot apply to ``form`` (an unknown parameter, a bad value), or None."""
    for name in overrides:
        if name not in Terms.model_fields:
            return f"{name!r} is not a parameter of a form" + valid_ones(name, Terms.model_fields, "parameters")
    try:
        Terms.model_validate({**form.terms.model_dump(), **_tuples(dict(overrides))})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"terms.{where}: {first['msg']} (value {first.get('input')!r}; see `captable forms {form.name}`)"
    return None


def _read(name: str, text: str) -> Form:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FormInvalid(f"form file {name}.toml is not TOML: {error}", field=name) from None
    parameters = document.pop("parameters", None)
    if not isinstance(parameters, dict):
        raise FormInvalid(f"form file {name}.toml has no [parameters.NAME] tables", field=name)
    values, clauses = {}, {}
    for key, table in parameters.items():
        if not isinstance(table, dict) or "value" not in table:
            raise FormInvalid(f"form file {name}.toml: parameters.{key} needs a value, a clause and its quote",
                              field=f"{name}.{key}")
        table = dict(table)
        values[key] = _tuples(table.pop("value"))
        clauses[key] = table
    if document.get("name") != name:
        raise FormInvalid(f"form file {name}.toml names itself {document.get('name')!r}", field=f"{name}.name")
    try:
        return Form.model_validate({**document, "terms": values, "clauses": clauses})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FormInvalid(f"form file {name}.toml: {where}: {first['msg']} (value {first.get('input')!r})",
                          field=f"{name}.{where}") from None


def _files() -> dict[str, str]:
    folder = resources.files(__package__)
    return {entry.name[:-5]: entry.read_text(encoding="utf-8")
            for entry in folder.iterdir() if entry.name.endswith(".toml")}


@lru_cache(maxsize=1)
def _all() -> dict[str, Form]:
    return {name: _read(name, text) for name, text in sorted(_files().items())}


def names() -> list[str]:
    return list(_all())


def by_name(name: str) -> Form:
    """The form called ``name``; an unknown name is refused with the names there are."""
    found = _all().get(name)
    if found is None:
        raise UnknownForm(f"no form of warrant is called {name!r}" + valid_ones(name, _all(), "forms"),
                          field="form", value=name)
    return found


def default_terms() -> Terms:
    """The parameters of the form a warrant is on when it names none (the 1997 form)."""
    return resolve(None).terms


@lru_cache(maxsize=256)
def _resolved(name: str, overrides: tuple[tuple[str, Any], ...]) -> Form:
    return by_name(name).with_terms(dict(overrides))


def resolve(name: str | None, overrides: Mapping[str, Any] | None = None) -> Form:
    """The form a warrant is on (the 1997 form when it names none), with its terms applied."""
    key = tuple(sorted((k, _tuples(v)) for k, v in (overrides or {}).items()))
    return _resolved(name or DEFAULT, key)
