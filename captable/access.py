"""Who may ask the HTTP service what: bearer tokens, each with a name and a role (issue 12).

The service keeps no secret: it holds the SHA-256 of each token (a leaked
list opens nothing), from ``--tokens FILE``, ``CAPTABLE_TOKENS_FILE`` or
``CAPTABLE_TOKENS``, one ``NAME:ROLE:SHA256`` a line (or separated by commas;
``#`` starts a comment). ``printf %s "$TOKEN" | sha256sum`` gives the hash.
The token's name is the actor sealed with every event it writes, so the log
and the audit say who recorded what.

Roles, and what each may do (the table ``ROLES``): a ``reader`` asks the
point-in-time questions (state, quotes, notices, letters, the audit); an
``auditor`` may also read the log and the stored events, verify the chains
and take an anchor; a ``writer`` may read and record events. With no tokens
configured the service answers everyone, as the command line does its user,
and then listens on the loopback interface only (``serve`` refuses another
host).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from captable import errors

READ, AUDIT, WRITE = "read", "audit", "write"

ROLES: Mapping[str, frozenset[str]] = {
    "reader": frozenset({READ}),
    "auditor": frozenset({READ, AUDIT}),
    "writer": frozenset({READ, WRITE}),
}

_ENTRY = re.compile(r"(?P<name>[^:,#\s][^:,#]*?)\s*:\s*(?P<role>[a-z]+)\s*:\s*(?P<digest>[0-9a-fA-F]{64})")


@dataclass(frozen=True)
class Caller:
    """Who is asking: the token's name (the actor of what it writes) and its role; None for both when the
    service has no tokens."""

    name: str | None
    role: str | None

    def may(self, permission: str) -> bool:
        return self.role is None or permission in ROLES[self.role]


@dataclass(frozen=True)
class Tokens:
    """The hashed tokens the service accepts, by digest."""

    by_digest: Mapping[str, Caller]

    @property
    def configured(self) -> bool:
        return bool(self.by_digest)

    def caller(self, authorization: str | None) -> Caller:
        """The caller an ``Authorization`` header names; anyone when no tokens are configured."""
        if not self.configured:
            return Caller(None, None)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.Unauthenticated("this service needs a bearer token: send Authorization: Bearer TOKEN",
                                         field="authorization")
        digest = hashlib.sha256(token.strip().encode()).hexdigest()
        found = None
        for known, caller in self.by_digest.items():  # every entry compared, in constant time each
            if hmac.compare_digest(known, digest):
                found = caller
        if found is None:
            raise errors.Unauthenticated("the bearer token is not one this service accepts", field="authorization")
        return found


def parse_tokens(text: str, where: str) -> Tokens:
    """``NAME:ROLE:SHA256`` entries, one a line or separated by commas; a malformed one is refused, named."""
    found: dict[str, Caller] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for item in line.split("#", 1)[0].split(","):
            if not item.strip():
                continue
            entry = _ENTRY.fullmatch(item.strip())
            if entry is None or entry["role"] not in ROLES:
                raise errors.TokensInvalid(f"{where}, line {number}: each token is NAME:ROLE:SHA256 with a role "
                                           f"among {', '.join(ROLES)} and the token's SHA-256 in hex",
                                           field="tokens", value=item.strip()[:80], line=number)
            found[entry["digest"].lower()] = Caller(entry["name"], entry["role"])
    return Tokens(found)


def load_tokens(path: Path | None = None) -> Tokens:
    """From ``path``, else the file ``CAPTABLE_TOKENS_FILE`` names, else ``CAPTABLE_TOKENS`` itself; none: open."""
    named = path or (Path(os.environ["CAPTABLE_TOKENS_FILE"]) if os.environ.get("CAPTABLE_TOKENS_FILE") else None)
    if named is not None:
        try:
            return parse_tokens(named.read_text(encoding="utf-8"), str(named))
        except (OSError, UnicodeDecodeError) as error:
            raise errors.TokensInvalid(f"the token file cannot be read ({type(error).__name__})", field="tokens",
                                       value=str(named)) from None
    return parse_tokens(os.environ.get("CAPTABLE_TOKENS", ""), "CAPTABLE_TOKENS")
