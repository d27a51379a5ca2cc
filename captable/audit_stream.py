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

from collections.abc import Callable, Iterator
from typing import Any, TextIO

from captable import audit_report, progress, queries
from captable.json_text import json_chunks
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
