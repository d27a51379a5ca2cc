"""How fast each caller may ask the HTTP service: a token bucket per caller (issue 12, item 4).

A caller is a token's name (``captable.access``), or the client's address where no token names it. Each
has a bucket of ``burst`` requests that refills at ``per_second`` requests a second; a request finding it
empty is refused (``rate_limited``, 429) with ``Retry-After``: the whole seconds until one request's worth
has refilled. One caller's bucket never touches another's.

The arithmetic is whole numbers (nanoseconds of a monotonic clock, and a bucket's level in
request-nanoseconds), so nothing drifts by rounding. A bucket that has refilled to the brim is the same as
no bucket, so it is forgotten once more than ``KEPT`` callers are held: memory stays bounded whatever
addresses ask.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from captable import errors
from captable.access import Caller, Tokens

SECOND = 1_000_000_000  # nanoseconds
KEPT = 10_000  # callers held before full buckets are forgotten

# `captable serve`'s default: well above what a person at the page or a script asking one question after
# another needs, well below what one caller could use to starve the others; a load test lifts it (0: none).
DEFAULT_PER_SECOND = 50  # and a burst of twice it


@dataclass(frozen=True)
class Rate:
    """``per_second`` requests a second, sustained, and up to ``burst`` at once."""

    per_second: int
    burst: int

    def __post_init__(self) -> None:
        if self.per_second < 1 or self.burst < 1:
            raise errors.BadOption("a rate limit is at least 1 request a second with a burst of at least 1",
                                   field="rate_limit", value=f"{self.per_second}/s, burst {self.burst}")


class Buckets:
    """Each caller's bucket; ``take`` spends one request or refuses it. Safe to share between threads."""

    def __init__(self, rate: Rate, clock: Callable[[], int] = time.monotonic_ns) -> None:
        self.rate = rate
        self._clock = clock
        self._full = rate.burst * SECOND
        self._levels: dict[str, tuple[int, int]] = {}  # caller: (level in request-nanoseconds, at)
        self._lock = threading.Lock()

    def take(self, caller: str) -> None:
        """Spend one of ``caller``'s requests, or refuse with how long to wait."""
        with self._lock:
            at = self._clock()
            level = self._level(caller, at)
            if level < SECOND:
                wait = -(-(SECOND - level) // (self.rate.per_second * SECOND))  # whole seconds, rounded up
                raise errors.RateLimited(
                    f"{caller} has sent more than {_requests(self.rate.burst)} at once or "
                    f"{_requests(self.rate.per_second)} a second; send the next request after {wait} "
                    f"second{'s' if wait != 1 else ''} (Retry-After)", retry_after=wait, field="caller", value=caller)
            if len(self._levels) >= KEPT and caller not in self._levels:
                self._forget_full(at)
            self._levels[caller] = (level - SECOND, at)

    def _level(self, caller: str, at: int) -> int:
        level, then = self._levels.get(caller, (self._full, at))
        return min(self._full, level + max(0, at - then) * self.rate.per_second)

    def _forget_full(self, at: int) -> None:
        for caller in [c for c in self._levels if self._level(c, at) == self._full]:
            del self._levels[caller]
        while len(self._levels) >= KEPT:  # more callers than KEPT all asking at once: the longest idle goes
            del self._levels[min(self._levels, key=lambda c: self._levels[c][1])]


def _requests(count: int) -> str:
    return f"{count} request{'s' if count != 1 else ''}"


def rate(per_second: int, burst: int | None = None) -> Rate | None:
    """The rate ``serve`` was given: None (no limit) for 0 requests a second; the burst defaults to twice it."""
    if per_second == 0:
        return None
    return Rate(per_second, burst if burst is not None else 2 * per_second)


def spend(buckets: Buckets | None, tokens: Tokens, authorization: str | None, host: str | None) -> Caller:
    """Who asks (by the ``Authorization`` header), after spending one of its requests: by its token's name, else
    by its address (an unknown token too, so that guessing tokens is limited like anything else)."""
    address = f"address {host or 'unknown'}"
    try:
        who = tokens.caller(authorization)
    except errors.Unauthenticated:
        if buckets is not None:
            buckets.take(address)
        raise
    if buckets is not None:
        buckets.take(f"token {who.name}" if who.name is not None else address)
    return who
