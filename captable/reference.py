"""The event reference for people, generated from the models so that it cannot drift: docs/events.md and
what ``captable events [TYPE]`` prints.

``python -m captable.reference > docs/events.md`` writes the reference (a test fails when the file is
stale); ``python -m captable.reference --examples`` writes the examples as one JSON Lines history.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from pydantic import BaseModel

from captable.events.describe import (FieldDoc, TYPE_MEANING, TypeDoc, catalogue, common_fields, fields, purpose,
                                      shapes)
from captable.events.examples import HISTORY


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# Markdown: docs/events.md -----------------------------------------------------------------------------

GENERATED_BY = "python -m captable.reference > docs/events.md"


def _anchor(name: str) -> str:
    return "#" + re.sub(r"[^a-z0-9 _-]", "", name.lower()).replace(" ", "-")


def _linked(model: type[BaseModel]) -> str:
    return f"[{model.__name__}]({_anchor(model.__name__)})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[FieldDoc]) -> list[str]:
    lines = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{f.name}` | {_cell(f.kind)} | {_cell(f.need)} | {_cell(f.meaning)} |" for f in rows]
    return lines


_INTRO = f"""\
# Event reference

*Generated from the models in `captable/events/` by `{GENERATED_BY}`. Do not edit it by hand:
`tests/test_reference.py` fails when it differs from what the models give.*

Everything the engine knows is an event: one JSON object. A history is a JSON Lines file, one event a
line, stored with `captable import FILE` (every line or none); one event is stored with
`captable record '{{"type": …}}'` (or `-` to read it from standard input). The command line shows this
reference too: `captable events` lists the types, `captable events TYPE` shows one with its example,
`captable schema [TYPE]` prints JSON Schema, and `captable record --template TYPE` prints an event to
fill in.

## How values are written

- **Exact numbers** are JSON strings: a decimal such as `"8.93"` or a ratio such as `"3/2"`; a whole
  number may also be a JSON integer (`20381`). A JSON number with a decimal point or an exponent is
  refused, because a binary float cannot hold 8.93 exactly. At most 40 digits.
- **Whole numbers of shares** are written the same way, without a fraction.
- **Dates** are `YYYY-MM-DD`. An `effective` date means the start of that day in the company's time
  zone (`timezone` of `CompanyFormed`, `America/Los_Angeles` unless it says otherwise).
- **Date-times** carry their offset from UTC: `2003-12-15T17:00:00-08:00`, or `Z` for UTC; one
  without an offset is refused. Every instant lies within the years 1900–2200.
- **Ids** and **text** are not blank; ids hold no control characters. An id names an event, a class,
  a warrant or an obligation and is matched exactly.
- **true or false** are JSON `true` and `false` only, never `"yes"` or `1`.
- A field the type does not have is refused, naming the nearest field it has; so is a key written twice.
"""


def _common_section() -> list[str]:
    return ["## Fields every event has", "", *_table(common_fields(_linked)), ""]


def _index(docs: list[TypeDoc]) -> list[str]:
    lines = ["## The types", "", "| type | what it records |", "| --- | --- |"]
    lines += [f"| [{d.name}]({_anchor(d.name)}) | {_cell(d.purpose)} |" for d in docs]
    return [*lines, ""]


def _type_section(doc: TypeDoc) -> list[str]:
    lines = [f"## {doc.name}", "", doc.purpose, ""]
    lines += [*_table(doc.fields), ""] if doc.fields else []
    lines += ["Besides the [fields every event has](#fields-every-event-has).", ""]
    label = "Example" if len(doc.examples) == 1 else "Examples"
    lines += [f"{label}:", "", "```json", *(_json(e) for e in doc.examples), "```", ""]
    return lines


def _shapes_section() -> list[str]:
    lines = ["## Shapes inside events", "", "Objects that some fields hold.", ""]
    for model in shapes():
        lines += [f"### {model.__name__}", "", purpose(model), "", *_table(fields(model, _linked)), ""]
    return lines


_HISTORY = f"""\
## The examples as one history

The examples above belong to one history of Example Networks, Inc.: its Series C Preferred, a warrant
for it, the conversion at the IPO, splits and dividends of the common, and a merger. Written one a line
in the order shown, they are one file that `captable import` accepts whole (`tests/test_reference.py`
imports it). The engine applies a file's events in order of `effective`, and those of the same instant
in the order of their lines, so the lines need not be in time order; a retraction comes after the event
it retracts.

```sh
python -m captable.reference --examples > examples.jsonl
captable --db example.db import examples.jsonl
captable --db example.db state --as-of 2000-01-18
```
"""


def markdown() -> str:
    docs = catalogue(_linked)
    parts = [_INTRO, *_common_section(), *_index(docs)]
    for doc in docs:
        parts += _type_section(doc)
    parts += [*_shapes_section(), _HISTORY]
    return "\n".join(parts).rstrip("\n") + "\n"


def jsonl() -> str:
    """The examples, one a line: a history ``captable import`` accepts."""
    return "".join(_json(line) + "\n" for line in HISTORY)


# The terminal: captable events [TYPE] -----------------------------------------------------------------

def first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (not the one of "e.g.")."""
    return re.split(r"(?<!e\.g)(?<=[a-z)\"])\. ", text + " ", maxsplit=1)[0].rstrip(". ") + "."


def index_json() -> dict[str, Any]:
    return {"events": [{"type": d.name, "purpose": d.purpose} for d in catalogue()]}


def print_index(console: Any) -> None:
    """One line a type, with the first sentence of its purpose."""
    docs = catalogue()
    width = max(len(d.name) for d in docs)
    for doc in docs:
        console.print(f"{doc.name:<{width}}  {first_sentence(doc.purpose)}", markup=False, highlight=False)
    console.print(f"\n`captable events TYPE` shows a type's fields and an example; docs/events.md has them all.",
                  markup=False, highlight=False)


def print_type(console: Any, doc: TypeDoc) -> None:
    """The purpose, the fields (its own, then those every event has) and the example."""
    from rich.table import Table

    console.print(f"{doc.name}: {doc.purpose}", markup=False, highlight=False)
    table = Table("field", "type", "required", "meaning")
    own = doc.fields
    common = [FieldDoc("type", f'"{doc.name}"', True, None, TYPE_MEANING), *common_fields()[1:]]
    for n, f in enumerate(own + common):
        table.add_row(f.name, f.kind, f.need, f.meaning, end_section=n == len(own) - 1)
    console.print(table)
    console.print("Example:" if len(doc.examples) == 1 else "Examples:", markup=False, highlight=False)
    for line in doc.examples:
        console.print(_json(line), markup=False, highlight=False)
    console.print(f"\n`captable record --template {doc.name}` prints every field to fill in.", markup=False,
                  highlight=False)


def main(argv: list[str]) -> int:
    sys.stdout.write(jsonl() if argv == ["--examples"] else markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
