"""Cheap repeats (issue 12, item 3): a kept answer served in front of the HTTP service's routing.

A question answered before at the same chain head is in the service's cache of answers (``captable.warm``),
under a tag that names the head, the path and every parameter as sent. Routing it through FastAPI (its
dependencies, parameter models and exception handlers) costs more than the head read that finds it, so this
ASGI layer in front of the application answers it first: a GET of a question that takes an instant, with that
instant written, from a caller whose token may ask (``captable.access``), at a head whose tag the cache holds.
It sends what the route would send (the kept body, or 304 when ``If-None-Match`` names the tag) with the same
headers. Anything else, a refusal of any kind included, goes on to the application, which answers it as it
would have without this layer: the parameters of a kept answer were accepted when it was computed, and the
tag changes with the head, so nothing is ever served stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response

from captable import errors
from captable.access import READ, Caller, Tokens
from captable.api import Books
from captable.instants import now
from captable.rate_limits import Buckets, spend
from captable.warm import Answers, Kept, etag, matches
from captable.warm_books import WarmBooks

# The questions a kept answer may exist for, with the parameter that would otherwise mean now.
INSTANT_OF = {"/state": "as_of", "/exercise-quote": "at", "/notices": "as_of", "/audit": "as_of",
              "/audit/diff": "as_of"}


def tag_of(books: Books, path: str, parameters: QueryParams, instants: Sequence[str]) -> str | None:
    """The answer's ETag, or None when it would depend on now: an instant left out, or a last commit ahead of
    this clock (then an omitted known_at might not yet cover it). A broken chain or an unreachable store is
    refused here, kept answer or not; any other refusal gives no tag, and the question itself then refuses
    with the same code and message as without tags."""
    if any(parameters.get(name) is None for name in instants):
        return None
    try:
        tip = books.tip(company=parameters.get("company"))
    except (errors.StoreTampered, errors.StoreUnavailable):
        raise
    except errors.Refused:
        return None
    if tip is None or tip.committed > now():
        return None
    return etag(tip, path, parameters.multi_items())


def fresh(tag: str) -> dict[str, str]:
    """The headers of an answer at ``tag``: its ETag, and to be revalidated before each reuse."""
    return {"ETag": tag, "Cache-Control": "no-cache"}


def from_memory(kept: Kept | None, tag: str, if_none_match: str | None) -> Response | None:
    """Without computing: 304 when ``If-None-Match`` names ``tag`` (``*`` only when an answer is ``kept``), else
    the kept answer, else None."""
    if matches(if_none_match, tag, kept is not None):
        return Response(status_code=304, headers=fresh(tag))
    if kept is not None:
        return Response(kept.body, media_type=kept.media_type, headers=fresh(tag))
    return None


class KeptAnswers:
    """The ASGI layer: ``app`` behind it, the service's ``answers``, ``books`` and ``tokens``."""

    def __init__(self, app: Any, *, answers: Answers, books: WarmBooks, tokens: Tokens, buckets: Buckets | None,
                 company: str | None) -> None:
        self.app, self.answers, self.books, self.tokens, self.company = app, answers, books, tokens, company
        self.buckets = buckets
        self.served = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        instant = INSTANT_OF.get(scope.get("path", "")) if scope["type"] == "http" else None
        if instant is not None and scope["method"] == "GET":
            parameters = QueryParams(scope["query_string"])
            if parameters.get(instant) is not None:
                headers = Headers(scope=scope)
                client = scope.get("client")
                kept = await run_in_threadpool(self._kept, scope["path"], parameters, instant,
                                               headers.get("authorization"), headers.get("if-none-match"),
                                               client[0] if client else None)
                if kept is not None:
                    self.served += 1
                    await kept(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _kept(self, path: str, parameters: QueryParams, instant: str, authorization: str | None,
              if_none_match: str | None, host: str | None) -> Response | None:
        try:
            who = self.tokens.caller(authorization)
            if not who.may(READ):
                return None
            kept = self.answers.get(tag) if (tag := self._tag(who, path, parameters, instant)) is not None else None
            if kept is None:
                return None
            # served here, so spent here (a refusal goes on to the application, whose bucket is then empty too)
            spend(self.buckets, self.tokens, authorization, host)
        except Exception:  # noqa: BLE001 - the application refuses it, with its code and status
            return None
        return from_memory(kept, tag, if_none_match)

    def _tag(self, who: Caller, path: str, parameters: QueryParams, instant: str) -> str | None:
        with self.books.books(who.name, self.company) as opened:
            return tag_of(opened, path, parameters, (instant,))
