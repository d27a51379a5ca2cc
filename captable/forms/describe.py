"""The forms of warrant for people and programs: ``captable forms`` and ``captable forms NAME``.

JSON follows the command line's conventions (DESIGN §7): names and values as they are in the form file, no
floats (days are integers, choices are text).
"""

from __future__ import annotations

from typing import Any

from captable.forms import Form, by_name, names


def _value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def summary(form: Form) -> dict[str, Any]:
    return {"name": form.name, "title": form.title, "source": form.source.model_dump(exclude_none=True)}


def listing() -> dict[str, Any]:
    """Every form: its name, title and source."""
    return {"forms": [summary(by_name(name)) for name in names()]}


def detail(name: str) -> dict[str, Any]:
    """One form: its source and each parameter's value with the clause and words it encodes."""
    form = by_name(name)
    parameters = []
    for parameter in type(form.terms).model_fields:
        clause = form.clauses[parameter]
        parameters.append({"parameter": parameter, "value": _value(getattr(form.terms, parameter)),
                           "clause": clause.clause, "quote": clause.quote, "note": clause.note})
    return {**summary(form), "parameters": parameters}


def print_listing(console: Any) -> None:
    forms = listing()["forms"]
    width = max(len(f["name"]) for f in forms)
    for f in forms:
        console.print(f"{f['name']:<{width}}  {f['title']}", markup=False, highlight=False)
        console.print(f"{'':<{width}}  from: {f['source']['document']} ({f['source']['filer']}, "
                      f"{f['source']['date']})", markup=False, highlight=False)
    console.print("\n`captable forms NAME` shows a form's parameters with the clauses they encode; a WarrantIssued "
                  "names its form in `form` (absent: warrant_1997) and may override parameters in `terms`.",
                  markup=False, highlight=False)


def print_detail(console: Any, name: str) -> None:
    body = detail(name)
    say = lambda text: console.print(text, markup=False, highlight=False)  # noqa: E731
    say(f"{body['name']}: {body['title']}")
    for key, value in body["source"].items():
        say(f"  {key}: {value}")
    for p in body["parameters"]:
        value = ", ".join(p["value"]) if isinstance(p["value"], list) else str(p["value"]).lower() \
            if isinstance(p["value"], bool) else str(p["value"])
        say(f"\n{p['parameter']} = {value or '(none)'}")
        say(f"  clause: {p['clause']}")
        if p["quote"]:
            say(f"  quote: \u201c{p['quote']}\u201d")
        if p["note"]:
            say(f"  note: {p['note']}")
