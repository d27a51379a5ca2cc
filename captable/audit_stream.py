"""``audit`` written step by step as the replay goes, byte for byte what the whole report would print.

The JSON is the query's own shape as ``json.dumps(indent=2)`` writes it, composed member by member: a
list given as an iterator is written one item at a time, and a member given as a function is asked for
when its turn comes (the final terms, once the steps are done). The text and Markdown reports come line
by line from ``audit_report``. Nothing is written before the replay has passed the point where the first
lines are known, so a refusal (an unknown warrant) still leaves standard output empty.

With the latest knowledge the entries are read a batch at a time (``queries.audit_parts``), each event
checked in its chain as it comes: an event found edited part way ends the report there, refused
(``store_tampered``, exit 1), after the steps before it, and nothing after it is written.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C, as json.dumps uses
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from captable import audit_report, progress, queries
from captable.textfiles import printable
from captable.ledger import Ledger

LINES: dict[str, Callable[[dict[str, Any]], Iterator[str]]] = {"text": audit_report.text_lines,
                                                               "markdown": audit_report.markdown_lines}
FORMATS = ("json", *LINES)


def write(out: TextIO, ledger: Ledger, company: str | None, as_of: str | None, known: str | None,
          warrant: str | None, fmt: str) -> None:
    """The audit in ``fmt`` (json, text or markdown) to ``out``, flushed once its first step is out."""
    # A bar on a terminal only while the report goes elsewhere: on the terminal itself, it is its own progress.
    shown = progress.wanted(fmt == "json") and not out.isatty()
    with progress.bar("Replaying", None, shown) as tick:
        head, steps, final = queries.audit_parts(ledger, company, as_of, known, warrant, tick)
        body = {**head, "steps": _flushing(steps, out), "final": final}
        if fmt == "json":
            for chunk in json_chunks(body):
                out.write(printable(chunk))
            out.write("\n")
        else:
            out.writelines(LINES[fmt](body))
        out.flush()


def _flushing(steps: Iterator[dict[str, Any]], out: TextIO) -> Iterator[dict[str, Any]]:
    """The steps, with standard output flushed after the first, so that a reader sees it at once."""
    first = next(steps, None)
    if first is None:
        return
    yield first
    out.flush()
    yield from steps


def json_chunks(value: Any, level: int = 0) -> Iterator[str]:
    """``json.dumps(value, indent=2, ensure_ascii=False)`` in pieces; an iterator is written as a list, item
    by item, and a function as the value it returns when its turn comes."""
    if callable(value):
        value = value()
    if isinstance(value, dict) and value:
        yield "{"
        for n, (key, member) in enumerate(value.items()):
            yield f"{',' if n else ''}\n{'  ' * (level + 1)}{json.dumps(key, ensure_ascii=False)}: "
            yield from json_chunks(member, level + 1)
        yield f"\n{'  ' * level}}}"
    elif isinstance(value, Iterator):
        first = next(value, _END)
        if first is _END:
            yield "[]"
            return
        indent = "\n" + "  " * (level + 1)
        yield f"[{indent}{_whole(first, level + 1)}"
        for item in value:
            yield f",{indent}{_whole(item, level + 1)}"
        yield f"\n{'  ' * level}]"
    else:
        yield _whole(value, level)


def _whole(value: Any, level: int) -> str:
    """One value as ``json.dumps(indent=2, ensure_ascii=False)`` writes it at ``level``. Python's own encoder
    writes indented JSON in pure Python, a token at a time (it was a third of an audit's time); this writes
    the same text a container at a time, with the C string encoder."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)  # type: ignore[no-any-return]
    if kind is dict and value and all(type(key) is str for key in value):
        inner = "\n" + "  " * (level + 1)
        return "{" + inner + f",{inner}".join([f"{encode_basestring(key)}: {_whole(member, level + 1)}"
                                               for key, member in value.items()]) + "\n" + "  " * level + "}"
    if kind is list and value:
        inner = "\n" + "  " * (level + 1)
        return "[" + inner + f",{inner}".join([_whole(item, level + 1) for item in value]) + "\n" + "  " * level + "]"
    if not value and (kind is list or kind is dict):
        return "[]" if kind is list else "{}"
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)


_END = object()
