"""A JSON Lines history read as it comes, never held whole: from a file (``captable import``,
``Books.import_file``) or from an HTTP request's body (``POST /import``; issue 12, item 4).

A file is parsed line by line as the import reads it (``ParsedLines``); ``Ledger.import_stream`` decides
and writes it in chunks where the history allows (``captable.bulk``), in one transaction, and reads it a
second time from the start when it must be decided whole.

A request's body is received in chunks (``received``): each chunk is written to a spooled temporary file
(in memory up to ``SPOOL`` bytes, then on disk) and each line it completes is decoded and parsed at once.
The first malformed line is refused with its number as soon as its chunk arrives, together with any other
malformed line of the chunks already received, and nothing more of the body is read; a body passing the
size limit is refused (413) as soon as it does, whether or not it declared its length. Only a body read
whole and found well-formed is imported, from the spool. Why a spool rather than handing the lines to the
writing thread through a bounded queue as they arrive:

- the store's write transaction is not held open while a client is still sending: a slow or stalled
  client would otherwise keep every other writer of the store waiting (SQLite's write lock, or a
  PostgreSQL transaction) for as long as it liked;
- a history that must be decided whole (an existing company's, or lines out of effective order) is read
  twice, which the spool allows and a queue does not;
- a malformed body is refused before the store is opened, so it creates no store and takes no lock.

Receiving holds ``SPOOL`` bytes, plus one chunk and the line it is completing (at most
``textfiles.MAX_LINE``), whatever the size of the body. The import from the spool then holds what
``Ledger.import_stream`` holds for the same file given to ``captable import``: a chunk of a new company's
history in effective order, or the parsed history whole when it must be decided whole.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from itertools import islice
from typing import IO, BinaryIO

from captable import errors, textfiles
from captable.intake import Incoming, parse_line

SPOOL = 1024 * 1024  # bytes of a received body held in memory before the spool moves to disk
BODY = "the request body"


class ParsedLines:
    """The events of a JSON Lines file, parsed as they are read (a million lines are 250 MB of text); every
    malformed line is reported together, once the whole file has been read, as one refusal. ``raw`` is read
    from where it stands; ``tick`` is called once a line (a progress bar)."""

    HEAD = 5000  # lines parsed before the store is opened

    def __init__(self, raw: BinaryIO | IO[bytes], name: str, tick: Callable[[], None] = lambda: None) -> None:
        self.raw, self.name, self.tick = raw, name, tick
        self.problems: list[errors.Refused] = []
        self._lines = self._read()

    def head(self) -> list[Incoming]:
        """The first ``HEAD`` events; a malformed line among them is refused now, after the rest is read
        to report every malformed line (and before the store is opened)."""
        found = list(islice(self._lines, self.HEAD))
        if self.problems:
            for _ in self._lines:
                pass
        return found

    def __iter__(self) -> Iterator[Incoming]:
        return self._lines

    def _read(self) -> Iterator[Incoming]:
        for number, text in enumerate(textfiles.decoded_lines(self.raw, self.name), start=1):  # type: ignore[arg-type]
            self.tick()
            if not text.strip():
                continue
            try:
                incoming = parse_line(text, number)
            except errors.Refused as refusal:
                self.problems.append(refusal)
                continue
            if not self.problems:
                yield incoming
        if self.problems:
            self.problems[0].others = self.problems[1:]  # type: ignore[attr-defined]  # reported together
            raise self.problems[0]


def from_the_start(raw: BinaryIO | IO[bytes], name: str,
                   tick: Callable[[], None] = lambda: None) -> Callable[[], Iterator[Incoming]]:
    """``Ledger.import_stream``'s source for a seekable file: its first ``HEAD`` events parsed now (a problem
    there is refused before the store is opened), the rest as the import reads them; when the import asks
    again (to decide the history whole), the file read again from the start."""
    start = raw.tell()
    first = ParsedLines(raw, name, tick)
    head = first.head()
    unread = [first]

    def source() -> Iterator[Incoming]:
        if unread:
            return _chain(head, unread.pop())
        raw.seek(start)
        return iter(ParsedLines(raw, name, tick))
    return source


def _chain(head: list[Incoming], rest: ParsedLines) -> Iterator[Incoming]:
    yield from head
    yield from rest


async def received(chunks: AsyncIterator[bytes], limit: int, declared: str | None = None) -> IO[bytes]:
    """A JSON Lines body, line-checked as its ``chunks`` arrive, in a spooled temporary file at its start (the
    caller closes it). Refused as soon as it passes ``limit`` bytes (``declared``: its Content-Length, checked
    first) or a chunk completes a malformed line: nothing more is read."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise errors.TooLarge(f"the request body is over {limit} bytes", field="body", value=int(declared))
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115  (handed to the caller, who closes it)
    try:
        checked = _LineCheck()
        size = 0
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise errors.TooLarge(f"the request body is over {limit} bytes", field="body", value=size)
            spool.write(chunk)
            checked.feed(chunk)
        checked.end()
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


class _LineCheck:
    """Each line of a body as its chunks complete it: decoded and parsed as ``captable import`` would."""

    def __init__(self) -> None:
        self.pending = bytearray()
        self.number = 0

    def feed(self, chunk: bytes) -> None:
        self.pending += chunk
        if b"\n" in chunk:
            *complete, rest = bytes(self.pending).split(b"\n")
            self.pending = bytearray(rest)
            self._check([line + b"\n" for line in complete])
        if len(self.pending) > textfiles.MAX_LINE:  # a line that never ends (a body of zeros) is not kept
            textfiles.refuse_long_line(self.number + 1, BODY)

    def end(self) -> None:
        if self.pending:
            self._check([bytes(self.pending)])

    def _check(self, lines: list[bytes]) -> None:
        problems: list[errors.Refused] = []
        for line in lines:
            self.number += 1
            try:
                text = textfiles.decoded_line(line, self.number, BODY)
                if text.strip():
                    parse_line(text, self.number)
            except errors.Refused as refusal:
                problems.append(refusal)
        if problems:
            problems[0].others = problems[1:]  # type: ignore[attr-defined]  # the malformed lines received so far
            raise problems[0]
