"""Reading a user's text file: UTF-8 lines of a sane length, or a refusal naming the line.

An import reads whatever path it is given, and some paths never end
(``/dev/zero``) or hold no text: reading stops at the first line longer than
``MAX_LINE`` bytes, and a byte sequence that is not UTF-8 is refused with its
line, instead of a decoding error from deep inside Python. A UTF-8 byte-order
mark at the start of the file, which some spreadsheet exports write, is
skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from captable.errors import UnreadableInput

MAX_LINE = 16 * 1024 * 1024  # bytes; far above any event (a MarketQuotes of decades of days is under 1 MB)
_BOM = b"\xef\xbb\xbf"
SURROGATE = re.compile("[\ud800-\udfff]")  # a lone UTF-16 half: JSON can escape it, UTF-8 cannot hold it


def read_lines(path: Path) -> list[str]:
    """Every line of a text file, decoded, with its line ending."""
    with path.open("rb") as raw:
        return list(decoded_lines(raw, str(path)))


def read_text(raw: BinaryIO, name: str) -> str:
    """A whole small text (one event on standard input), decoded."""
    return "".join(decoded_lines(raw, name))


def decoded_lines(raw: BinaryIO, name: str) -> Iterator[str]:
    for number, line in enumerate(iter(lambda: raw.readline(MAX_LINE + 1), b""), start=1):
        yield decoded_line(line, number, name)


def decoded_line(line: bytes, number: int, name: str) -> str:
    """Line ``number`` (from 1) of ``name``, decoded; refused when it is too long or not UTF-8."""
    if len(line) > MAX_LINE:
        refuse_long_line(number, name)
    if number == 1 and line.startswith(_BOM):
        line = line[len(_BOM):]
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableInput(f"{name} is not UTF-8 text: byte {error.start + 1} of line {number} "
                              f"is {line[error.start:error.start + 1]!r}; save the file as UTF-8",
                              line=number, value=name) from None


def refuse_long_line(number: int, name: str) -> None:
    raise UnreadableInput(f"line {number} of {name} is longer than {MAX_LINE // (1024 * 1024)} MB; "
                          "is this a JSON Lines file?", line=number, value=name)


def printable(text: str) -> str:
    """``text`` with any lone surrogate written as an escape, so that a refusal can be printed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if SURROGATE.search(text) else text
