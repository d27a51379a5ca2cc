"""The hash chain (DESIGN §7): how a row is sealed into its stored form, and how a chain of rows is followed.

Every row the store writes (an event of a company's stream, an entry of the index of companies, a commit
of a company's journal) is a JSON object whose last two members are its link and its seal::

    {"company":"acme", …members…,"prev_hash":"<64 hex>","hash":"<64 hex>"}

``hash`` is the SHA-256 of the row's topic, its stream position and every byte before ``,"hash"``: the
members (for an event: the company, the ``class_version``, the fact with its effective instant, the
recorded instant) and the previous row's hash. An edit of any byte, of the topic column or of the
position therefore changes it, and a row deleted, inserted or moved breaks the next row's link. The
link and the seal sit at fixed offsets from the end, so following a chain parses no JSON.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

GENESIS = "0" * 64  # the link of a chain's first row

_SEAL = b',"hash":"'
_LINK = b',"prev_hash":"'
_SEAL_LEN = len(_SEAL) + 64 + len(b'"}')  # ,"hash":"…"}
_LINK_START = _SEAL_LEN + 1 + 64 + len(_LINK)  # from the end: where ,"prev_hash":" begins
_SHORTEST = _LINK_START + len(b'{"c":0')
_PREV = len(_LINK)  # where the previous hash begins in the tail
_QUOTE_SEAL = b'"' + _SEAL
_HASH = _PREV + 64 + len(_QUOTE_SEAL)  # where the hash begins in the tail


@lru_cache(maxsize=64)
def json_text(text: str) -> str:
    """A string as JSON; company ids repeat on every row, so it is worth remembering."""
    return json.dumps(text, ensure_ascii=False)


def company_prefix(company: str) -> bytes:
    """How every row of a company begins: the company is the first member, so a moved row is seen at once."""
    return b'{"company":' + json_text(company).encode() + b","


def digest(topic: str, position: int, head: bytes) -> str:
    """SHA-256 of a row's topic, its position and its content up to and including its link."""
    return hashlib.sha256(b"%b\n%d\n%b" % (topic.encode(), position, head)).hexdigest()


def seal(topic: str, position: int, members: str, prev: str) -> tuple[str, bytes]:
    """A row's hash and stored state; ``members`` is the JSON object's text without its braces."""
    head = f'{{{members},"prev_hash":"{prev}"'.encode()
    sealed = digest(topic, position, head)
    return sealed, b"%b%b%b\"}" % (head, _SEAL, sealed.encode())


def link(state: bytes) -> tuple[str, str] | None:
    """A sealed row's ``(prev_hash, hash)`` as stored, or None when its end is not a seal's."""
    tail = state[-_LINK_START:]  # ,"prev_hash":"<64>","hash":"<64>"}
    if len(state) < _SHORTEST or tail[:_PREV] != _LINK or tail[_PREV + 64:_HASH] != _QUOTE_SEAL \
            or tail[-2:] != b'"}':
        return None
    return tail[_PREV:_PREV + 64].decode("latin-1"), tail[_HASH:_HASH + 64].decode("latin-1")


def content_matches(topic: str, position: int, state: bytes, stored_hash: str) -> bool:
    return digest(topic, position, state[:-_SEAL_LEN]) == stored_hash


@dataclass(frozen=True)
class Break:
    """The first row at which a chain no longer holds, and the intact chain before it."""

    position: int
    problem: str
    intact: int | None  # rows intact before it, where known
    head: str | None  # the hash of the last intact row, where known


class Links:
    """Follows one chain row by row from its genesis; ``follow`` returns the first break it meets.

    ``prefix`` is how each row must begin (its company). A row whose own link and seal hold but
    which the next row skips, linking to the row before it, was inserted: it is named, not its
    successor.
    """

    def __init__(self, genesis: str = GENESIS, prefix: bytes = b"") -> None:
        self.count = 0
        self.prefix = prefix
        self._head: str | None = None
        self._advance(genesis)

    @classmethod
    def after(cls, position: int, head: str, prefix: bytes = b"") -> Links:
        """A chain followed from a known point on: its row at ``position`` hashed to ``head`` (a checkpoint's
        record of the history it covers), so only the rows after it are read and checked."""
        links = cls(head, prefix)
        links.count = position
        return links

    @property
    def head(self) -> str:
        return self._head  # type: ignore[return-value]

    def follow(self, position: int, topic: str, state: bytes) -> Break | None:
        # The common case in one comparison: the next position, linked to the head, ending in a seal.
        tail = state[-_LINK_START:]
        if (position == self.count + 1 and tail[:_HASH] == self._link and tail[-2:] == b'"}'
                and state.startswith(self.prefix) and len(state) >= _SHORTEST):
            stored = tail[_HASH:_HASH + 64].decode("latin-1")
            if digest(topic, position, state[:-_SEAL_LEN]) == stored:
                self.count = position
                self._advance(stored)
                return None
        return self._diagnose(position, topic, state)

    def _advance(self, head: str) -> None:
        self._before, self._head = self._head, head  # the hash before the head: to name an inserted row
        self._link = _LINK + head.encode("latin-1") + _QUOTE_SEAL  # how the next row's tail must begin

    def _diagnose(self, position: int, topic: str, state: bytes) -> Break | None:
        """Where and how a row fails, in words (or None: it holds after all)."""
        expected = self.count + 1
        if position != expected:
            if position > expected:
                return self._break(expected, f"stream position {expected} is missing (the next stored row is at "
                                             f"{position}): deleted")
            return self._break(position, f"stream position {position} is out of sequence")
        sealed = link(state)
        if sealed is None:
            return self._break(expected, "the stored row is not a sealed entry: edited")
        if not state.startswith(self.prefix):
            return self._break(expected, f"it is a row of {_owner(state)}, not of this stream: moved here "
                                         "from another company's")
        prev, stored = sealed
        if prev != self._head:
            if prev == self._before:
                return Break(expected - 1, "it is not in the chain (the row after it links to the row before it): "
                                           "inserted", expected - 2, prev)
            return self._break(expected, "its previous hash is not the hash of the row before it: a row was "
                                         "deleted, inserted or reordered")
        if not content_matches(topic, position, state, stored):
            return self._break(expected, f"its content no longer matches its hash: edited{_why(topic, state)}")
        self.count = expected
        self._advance(stored)
        return None

    def _break(self, position: int, problem: str) -> Break:
        return Break(position, problem, self.count, self._head)


def _owner(state: bytes) -> str:
    try:
        return f"company {json.loads(state)['company']!r}"
    except (ValueError, KeyError, TypeError):
        return "no company"


def _why(topic: str, state: bytes) -> str:
    """For an event, say when the topic column no longer names the fact's type (the fact itself is intact)."""
    try:
        kind = json.loads(state)["fact"]["type"]
    except (ValueError, KeyError, TypeError):
        return ""
    stated = f"captable.events:{kind}"
    return f" (its topic column says {topic!r}, its fact is a {kind})" if stated != topic else ""
