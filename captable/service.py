"""The HTTP service (``captable serve``): the command line's questions and writes over HTTP (issue 12).

A thin face of the library (``captable.api``): each request borrows one of
a few read-only ledgers the process keeps open, asks the same function the
command line asks and gives it back, so the JSON is byte for byte what
``--json`` prints (``answers.json_text``). Each process keeps its companies'
books warm (``captable.warm_books``: the folded history in memory, caught up
from the journal's head before every answer, read whole again when what was
added changes the past), so several service processes on one store, or
``captable serve --workers N``, never serve stale answers. An answer that
depends only on the stored events and the parameters sent carries an ETag
naming the chain head and the question, and is kept in memory at that head
(``captable.warm``); a repeat is answered in front of the routing
(``captable.kept_answers``) after one head read. A refusal is the command
line's ``{"error": …}`` with an HTTP status by its code (``status_of``);
nothing ends in a traceback. Who may do what is ``captable.access``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from captable import boundary, errors
from captable.access import AUDIT, READ, WRITE, Caller, Tokens
from captable.answers import error_body, json_text
from captable.api import Books
from captable.results import Answer, LogEntry
from captable.rate_limits import Buckets, Rate, spend
from captable.warm import Answers
from captable.kept_answers import KeptAnswers, fresh, from_memory, tag_of
from captable.warm_books import WarmBooks
from captable.http_schema import (ANCHOR_EXAMPLE, AUDIT_EXAMPLE, EVENT_EXAMPLE, LOG_ENTRY_EXAMPLE, NOTICES_EXAMPLE,
                                  QUOTE_EXAMPLE, STATE_EXAMPLE, answer, error_responses, publish, request_body)

MAX_BODY = 64 * 1024 * 1024  # bytes: a history of about 250,000 events in one import

NOT_FOUND = ("unknown_company", "unknown_warrant", "unknown_event", "unknown_obligation", "store_not_found",
             "store_empty", "no_letter")
STATUS = {"usage": 400, "unauthenticated": 401, "forbidden": 403, "concurrent_write": 409, "too_large": 413,
          "rate_limited": 429, "store_unavailable": 503, "store_read_only": 503, "store_tampered": 500,
          "internal_error": 500}


def status_of(refusal: errors.Refused, writing: bool = False) -> int:
    """400 a malformed or missing parameter, 401/403 access, 404 an unknown name in a question (in a posted event
    it is refused input: 422), 409 a lost race, 413 too large, 422 refused input, 5xx the store or a defect."""
    if isinstance(refusal, errors.Usage) or (refusal.code == "company_required" and not writing):
        return 400  # a question about a store of several companies must name one: a missing parameter
    if refusal.code in NOT_FOUND and not (writing and refusal.code != "store_not_found"):
        return 404
    return STATUS.get(refusal.code, 422)


def refused(refusal: errors.Refused, writing: bool = False, status: int | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
    """The command line's ``{"error": …}``, with its status (and ``Allow`` for a 405, a challenge for a 401)."""
    status = status or status_of(refusal, writing)
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    if isinstance(refusal, errors.RateLimited):
        headers["Retry-After"] = str(refusal.retry_after)
    return Response(json_text(error_body(refusal)), status_code=status, media_type="application/json",
                    headers=headers)


NOT_MODIFIED = {304: {"description": "Not modified: `If-None-Match` named this answer's `ETag`, and the company's "
                                     "chain head has not moved since (nothing is computed)."}}
TAGGED = """

Answers that depend only on the stored events and the parameters sent carry an `ETag` naming the
company's chain head (the journal's last commit: position and hash, its seal checked) and the question
with every parameter as sent; `If-None-Match` with that tag is answered `304` without computing the
answer, and a repeated question at the same head is answered from memory. A tag is given only when every
instant the answer depends on is written in the request: `as_of` on /state, /notices, /audit and
/audit/diff, `at` on /exercise-quote (the log and an event by id depend on nothing else). An omitted
`known_at` means the latest knowledge, which is every stored event (a recorded instant never lies in the
future), so it does not prevent a tag. Without `as_of` (or `at`) the answer names "now" and gets no tag;
/notices.ics (its DTSTAMP), /notice-letter (its date and the obligations after it), /head, /verify and
/companies never do. Any new event, from this process or another writing the same store, moves the head,
so a stale answer is never served."""


def _json(body: Any, status: int = 200) -> Response:
    return Response(json_text(body), status_code=status, media_type="application/json")


def _text(answer: Answer | LogEntry) -> Response:
    """An answer of the library as the command line's ``--json`` prints it."""
    return Response(answer.json_text(), media_type="application/json")


MEDIA = {"json": "application/json", "text": "text/plain; charset=utf-8", "markdown": "text/markdown; charset=utf-8",
         "html": "text/html; charset=utf-8"}

PAGE_EXAMPLE = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                "<title>Juniper Networks, Inc. as of July 1, 1999</title>…")

Company = Annotated[str | None, Query(description="The company, when the store holds several.",
                                      examples=["juniper"])]
AsOf = Annotated[str | None, Query(description="Effective instant: a date (the end of that day in the company's "
                                               "zone) or a date-time with its offset; default now.",
                                   examples=["2000-07-01"])]
KnownAt = Annotated[str | None, Query(description="Recorded instant: what the books said then; default now.",
                                      examples=["2020-01-01"])]
Status = Annotated[list[str], Query(description="Only obligations with these statuses (open, met, late, overdue, "
                                                "waived, lapsed).", examples=[["open", "overdue"]])]
OnlyWarrant = Annotated[str | None, Query(description="Only this warrant.", examples=["VLL2-C-1"])]

DESCRIPTION = """The command line's questions and writes over HTTP: the same JSON (DESIGN §7, exact
quantities as strings), the same refusal codes as 4xx bodies. With tokens configured every request carries
`Authorization: Bearer TOKEN`; a `reader` asks, an `auditor` also reads the log and verifies, a `writer`
also records (its token's name is sealed with each event as the actor).""" + TAGGED


def create_app(db: str, tokens: Tokens | None = None, *, company: str | None = None,
               max_body: int = MAX_BODY, limits: Rate | None = None, warm_companies: int | None = None) -> FastAPI:
    """The service over the store ``db`` (a SQLite path or a postgresql:// URL); ``limits``: how fast each
    caller may ask (``captable.rate_limits``; None: as fast as it likes); at most ``warm_companies`` companies'
    books kept warm (``captable.warm_books``; default ``CAPTABLE_WARM_COMPANIES``, else 8; 0 answers every
    question from the store)."""
    tokens = tokens or Tokens({})
    buckets = Buckets(limits) if limits is not None else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        books.close()

    app = FastAPI(title="captable", version="1", description=DESCRIPTION, docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    bearer = HTTPBearer(auto_error=False, description="A token from the service's list (NAME:ROLE:SHA256).")

    def caller(permission: str) -> Callable[..., Caller]:
        def check(request: Request, _: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Caller:
            who = spend(buckets, tokens, request.headers.get("authorization"),
                        request.client.host if request.client else None)
            if not who.may(permission):
                raise errors.Forbidden(f"a {who.role} token may not {_WHAT[permission]}; "
                                       f"{' or '.join(r for r in _ROLES_FOR[permission])} tokens may",
                                       field="authorization", value=who.role)
            _known_parameters(request)
            return who
        return check

    books = WarmBooks(db, companies=warm_companies)
    app.state.books = books

    def ask(who: Caller, question: Callable[[Books], Response], writing: bool = False) -> Response:
        try:
            with books.books(who.name, company) as opened:
                return question(opened)
        except Exception as error:  # the service's edge: every failure is a coded refusal (boundary)
            return refused(boundary.explain(error), writing)

    @app.exception_handler(errors.Refused)
    async def _refused(request: Request, refusal: errors.Refused) -> Response:
        return refused(refusal, request.method == "POST")

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, error: RequestValidationError) -> Response:
        problem = error.errors()[0]
        where = [str(p) for p in problem.get("loc", ()) if p not in ("query", "path", "header", "body")]
        return refused(errors.BadOption(str(problem.get("msg", "malformed request")),
                                        field=".".join(where) or None, value=problem.get("input")))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        return refused(errors.Usage(f"{request.method} {request.url.path}: {error.detail}"), status=error.status_code,
                       headers=error.headers)

    warm = Answers()

    def ask_tagged(request: Request, who: Caller, question: Callable[[Books], Response],
                   instants: tuple[str, ...] = ()) -> Response:
        """``ask``, with an ETag when the answer depends only on the stored events and the parameters sent
        (``instants``: the parameters that would otherwise mean now): a matching ``If-None-Match`` is 304 and a
        kept answer at the same head is sent again, both after reading only the head."""
        try:
            with books.books(who.name, company) as opened:
                tag = _tag(opened, request, instants)
                if tag is not None:
                    remembered = from_memory(warm.get(tag), tag, request.headers.get("if-none-match"))
                    if remembered is not None:
                        return remembered
                answered = question(opened)
                if tag is not None and answered.status_code == 200 and _tag(opened, request, instants) == tag:
                    # kept only when the head did not move while it was computed: it is the answer at ``tag``
                    warm.put(tag, bytes(answered.body), answered.media_type or "application/json")
                    answered.headers.update(fresh(tag))
                return answered
        except Exception as error:  # the service's edge: every failure is a coded refusal (boundary)
            return refused(boundary.explain(error))

    app.state.answers = warm
    app.add_middleware(KeptAnswers, answers=warm, books=books, tokens=tokens, buckets=buckets, company=company)
    reader, auditor, writer = (Depends(caller(p)) for p in (READ, AUDIT, WRITE))

    @app.get("/", tags=["questions"], responses={
        200: {"description": "The page for people: warrant terms, cap table, open obligations, steps by event.",
              "content": {MEDIA["html"]: {"schema": {"type": "string"}, "example": PAGE_EXAMPLE}}},
        **error_responses(400, 401, 403, 404)})
    def page(company: Company = None, as_of: AsOf = None, known_at: KnownAt = None,
             who: Caller = reader) -> Response:
        """A server-rendered HTML page: pick a company, a date and what the books knew (an empty `known_at`:
        everything recorded), see the warrant terms, the cap table and the open obligations, step the date
        event by event, open the audit report."""
        from captable import front_page

        return ask(who, lambda b: Response(front_page.render(b, company, as_of, known_at),
                                           media_type=MEDIA["html"]))

    @app.get("/companies", tags=["questions"], responses={**answer("Companies", {"companies": ["juniper"]},
                                                                   "The companies the store holds."),
                                                          **error_responses(400, 401, 403, 404)})
    def companies(who: Caller = reader) -> Response:
        """The companies the store holds, in the order they were added."""
        return ask(who, lambda b: _json({"companies": b.companies()}))

    @app.get("/state", tags=["questions"], responses={**answer("State", STATE_EXAMPLE, "`state --json`."),
                                                      **NOT_MODIFIED, **error_responses(400, 401, 403, 404)})
    def state(request: Request, company: Company = None, as_of: AsOf = None, known_at: KnownAt = None,
              warrant: OnlyWarrant = None, who: Caller = reader) -> Response:
        """The warrant terms and the cap table at an instant."""
        return ask_tagged(request, who, lambda b: _text(b.state(as_of, known_at, warrant=warrant, company=company)),
                          ("as_of",))

    @app.get("/exercise-quote", tags=["questions"], responses={
        **answer("ExerciseQuote", QUOTE_EXAMPLE, "`exercise-quote --json`."), **NOT_MODIFIED,
        **error_responses(400, 401, 403, 404, 422)})
    def exercise_quote(request: Request,
                       warrant: Annotated[str, Query(description="The warrant to exercise.", examples=["VLL2-C-1"])],
                       shares: Annotated[str, Query(description="A whole number of units, or all.",
                                                    examples=["all"])],
                       at: AsOf = None, company: Company = None,
                       net: Annotated[str | None, Query(description="Net exercise (§1(b)) priced by market, "
                                                        "public_offering or board (§1(c)); without it, cash.",
                                                        examples=["public_offering"])] = None,
                       offering: Annotated[str | None, Query(description="The PublicOfferingPriced id, for net "
                                                             "public_offering.", examples=["ipo-priced"])] = None,
                       deliver_to: Annotated[str | None, Query(description="Deliver the shares to another name "
                                                               "(§5).")] = None,
                       who: Caller = reader) -> Response:
        """What an exercise on an instant would deliver and cost, without recording it."""
        return ask_tagged(request, who, lambda b: _text(b.exercise_quote(
            warrant, shares, at, net=net, offering=offering, deliver_to=deliver_to, company=company)), ("at",))

    @app.get("/notices", tags=["questions"], responses={**answer("Notices", NOTICES_EXAMPLE, "`notices --json`."),
                                                        **NOT_MODIFIED, **error_responses(400, 401, 403, 404)})
    def notices(request: Request, company: Company = None, as_of: AsOf = None, known_at: KnownAt = None,
                status: Status = [],  # noqa: B006  (FastAPI copies a default)
                who: Caller = reader) -> Response:
        """What the company owes the holder (§4.3, §4.5, §4.6, §18.7), by when, and whether it delivered (§12)."""
        return ask_tagged(request, who, lambda b: _text(b.notices(as_of, known_at, status=status, company=company)),
                          ("as_of",))

    @app.get("/notices.ics", tags=["questions"], responses={
        200: {"description": "The iCalendar file `notices --ics` writes.", "content": {"text/calendar": {}}},
        **error_responses(400, 401, 403, 404)})
    def notices_ics(company: Company = None, as_of: AsOf = None, known_at: KnownAt = None,
                    status: Status = [],  # noqa: B006  (FastAPI copies a default)
                    remind_days: Annotated[int, Query(ge=0, le=3650, description="A reminder this many days "
                                                      "before each latest mailing day (0: none).")] = 7,
                    who: Caller = reader) -> Response:
        """Each open or overdue deadline and latest mailing day as an all-day event, each notice owed promptly
        as a to-do, with reminders."""
        return ask(who, lambda b: Response(b.notices(as_of, known_at, status=status, company=company).ics(
            remind_days=remind_days), media_type="text/calendar; charset=utf-8"))

    @app.get("/notice-letter", tags=["questions"], responses={
        **answer("Letter", {"dated": "1999-07-01", "subject": "Notice of adjustment", "paragraphs": []},
                 "`notice-letter --json`; markdown or html with `format`.", MEDIA["markdown"], MEDIA["html"]),
        **error_responses(400, 401, 403, 404, 422)})
    def notice_letter(obligation: Annotated[str, Query(description="An obligation id from /notices.",
                                                       examples=["VLL2-C-1/4.5/preferred-converted"])],
                      date: AsOf = None, company: Company = None,
                      format: Annotated[str, Query(pattern="^(json|markdown|html)$")] = "json",  # noqa: A002
                      who: Caller = reader) -> Response:
        """Draft the §4.5 notice of adjustment or the §4.6 notice for an obligation."""
        from captable import documents

        def draft(b: Books) -> Response:
            letter = b.letter(obligation, date, company=company)
            if format == "json":
                return _json(letter.to_json())
            page = documents.markdown(letter) if format == "markdown" else documents.html_page(letter)
            return Response(page, media_type=MEDIA[format])
        return ask(who, draft)

    @app.get("/audit", tags=["questions"], responses={
        **answer("Audit", AUDIT_EXAMPLE, "`audit --format json`; text, markdown or html with `format`.",
                 MEDIA["text"], MEDIA["markdown"], MEDIA["html"]), **NOT_MODIFIED,
        **error_responses(400, 401, 403, 404)})
    def audit(request: Request, company: Company = None, as_of: AsOf = None, known_at: KnownAt = None,
              warrant: OnlyWarrant = None,
              format: Annotated[str, Query(pattern="^(json|text|markdown|html)$",  # noqa: A002
                                           description="json (the default), text, markdown or html.")] = "json",
              who: Caller = reader) -> Response:
        """Replay the history step by step, each step citing the clause it applied."""
        def report(b: Books) -> Response:
            trail = b.audit(as_of, known_at, warrant=warrant, company=company)
            if format == "json":
                return _text(trail)
            return Response({"text": trail.text, "markdown": trail.markdown, "html": trail.html}[format](),
                            media_type=MEDIA[format])
        return ask_tagged(request, who, report, ("as_of",))

    @app.get("/audit/diff", tags=["questions"], responses={
        **answer("AuditDiff", {"company": "juniper", "from": "2020-06-01", "to": "2022-01-01", "changes": [],
                               "notes": []}, "`audit --diff --json`."), **NOT_MODIFIED,
        **error_responses(400, 401, 403, 404)})
    def audit_diff(request: Request,
                   from_: Annotated[str, Query(alias="from", description="The first recorded instant.",
                                               examples=["2020-06-01"])],
                   to: Annotated[str, Query(description="The second recorded instant.", examples=["2022-01-01"])],
                   as_of: AsOf = None, company: Company = None, who: Caller = reader) -> Response:
        """What changed, between two recorded instants, in the answers for every effective instant."""
        return ask_tagged(request, who, lambda b: _json(b.audit_diff(from_, to, as_of, company=company)), ("as_of",))

    @app.get("/log", tags=["auditing"], responses={**answer("Log", {"company": "juniper", "events": []},
                                                            "`log --json`."), **NOT_MODIFIED,
                                                   **error_responses(400, 401, 403, 404)})
    def log(request: Request, company: Company = None, who: Caller = auditor) -> Response:
        """The stored events with their effective and recorded instants, actors and chain hashes."""
        return ask_tagged(request, who, lambda b: _text(b.log(company=company)))

    @app.get("/events/{event_id}", tags=["auditing"], responses={
        **answer("LogEntry", LOG_ENTRY_EXAMPLE, "The event as `log --json` lists it, with its company."),
        **NOT_MODIFIED, **error_responses(400, 401, 403, 404)})
    def event(request: Request, event_id: str, company: Company = None, who: Caller = auditor) -> Response:
        """One stored event, by its id."""
        return ask_tagged(request, who, lambda b: _text(b.event(event_id, company=company)))

    @app.get("/verify", tags=["auditing"], responses={
        **answer("Verified", {"intact": True, "index": {"companies": 1}, "companies": [], "every_row_checked": True,
                              "anchor": None}, "`verify --json`: every chain intact."),
        **error_responses(400, 401, 403, 404)})
    def verify(company: Company = None,
               derived: Annotated[bool, Query(description="Also fold each stored checkpoint again from the "
                                                          "events (a replay of the whole history).")] = False,
               who: Caller = auditor) -> Response:
        """Walk every chain of the store; a break is refused (`store_tampered`, 500: the store needs restoring)."""
        return ask(who, lambda b: _text(b.verify(company=company, derived=derived)))

    @app.get("/head", tags=["auditing"], responses={**answer("Anchor", ANCHOR_EXAMPLE, "`head`: an anchor to keep "
                                                             "away from the store."),
                                                    **error_responses(400, 401, 403, 404)})
    def head(company: Company = None, who: Caller = auditor) -> Response:
        """An anchor (company, event count, head hash, journal head, time) to keep elsewhere."""
        return ask(who, lambda b: _json(b.head(company=company)))

    @app.post("/events", tags=["writing"], status_code=201,
              openapi_extra=request_body("application/json", EVENT_EXAMPLE),
              responses={**answer("Stored", {"stored": {}, "already_stored": 1, "ids": []},
                                  "Already stored (the same id and content): nothing new."),
                         201: {"description": "Stored (`record --json`): the id it was given.",
                               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stored"},
                                                                "example": {"stored": {"juniper": 1},
                                                                            "already_stored": 0,
                                                                            "ids": ["listed-nasdaq"]}}}},
                         **error_responses(400, 401, 403, 409, 413, 422)})
    async def record(request: Request, who: Caller = writer) -> Response:
        """Record one event (a JSON object, DESIGN §5); without an `id`, a new fact each time."""
        body = await _read(request, max_body)

        def write(b: Books) -> Response:
            text = _decoded(body)
            stored = b.record(text)
            return _json(stored.body, 201 if stored.stored else 200)
        return await run_in_threadpool(ask, who, write, True)

    @app.post("/import", tags=["writing"], openapi_extra=request_body("application/x-ndjson", None),
              responses={**answer("Stored", {"stored": {"juniper": 10}, "already_stored": 0}, "`import --json`."),
                         **error_responses(400, 401, 403, 409, 413, 422)})
    async def import_(request: Request, who: Caller = writer) -> Response:
        """Import a JSON Lines history (one event a line): every line is stored, or none is. The body is
        checked line by line as it arrives: the first malformed line is refused at once, with its number."""
        from captable import streamed_import

        with await streamed_import.received(request.stream(), max_body, request.headers.get("content-length")) \
                as body:
            return await run_in_threadpool(
                ask, who, lambda b: _text(b.import_file(body, name=streamed_import.BODY)), True)

    original = app.openapi
    secured = tokens.configured
    app.openapi = lambda: app.openapi_schema or publish(app, original(), secured,  # type: ignore[method-assign]
                                                        limited=buckets is not None)
    return app


def serve_environment(db: str, tokens: Path | None, company: str | None, max_body: int,
                      limits: Rate | None) -> dict[str, str]:
    """What ``from_environment`` reads in each worker process of ``captable serve --workers N``."""
    found = {"CAPTABLE_SERVE_DB": db, "CAPTABLE_SERVE_COMPANY": company or "",
             "CAPTABLE_SERVE_MAX_BODY": str(max_body),
             "CAPTABLE_SERVE_RATE": f"{limits.per_second}:{limits.burst}" if limits is not None else ""}
    if tokens is not None:
        found["CAPTABLE_TOKENS_FILE"] = str(tokens.resolve())
    return found


def from_environment() -> FastAPI:
    """The service as ``serve_environment`` describes it, its tokens loaded as the command line loads them."""
    from captable.access import load_tokens

    per_second, _, burst = os.environ.get("CAPTABLE_SERVE_RATE", "").partition(":")
    return create_app(os.environ["CAPTABLE_SERVE_DB"], load_tokens(),
                      company=os.environ["CAPTABLE_SERVE_COMPANY"] or None,
                      max_body=int(os.environ["CAPTABLE_SERVE_MAX_BODY"]),
                      limits=Rate(int(per_second), int(burst)) if per_second else None)


_WHAT = {READ: "ask questions", AUDIT: "read the log or verify the store", WRITE: "record events"}
_ROLES_FOR = {READ: ("reader", "auditor", "writer"), AUDIT: ("auditor",), WRITE: ("writer",)}


def _known_parameters(request: Request) -> None:
    """A parameter the route does not take is refused, naming the nearest it does (as the command line refuses
    an unknown option): ``?asof=`` must not quietly answer for now."""
    from fastapi.routing import APIRoute

    from captable.suggest import valid_ones

    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    taken = [p.alias for p in route.dependant.query_params]
    for name in request.query_params:
        if name not in taken:
            raise errors.Usage(f"{request.url.path} takes no parameter {name!r}"
                               + valid_ones(name, taken, "parameters it takes"), field=name,
                               value=request.query_params[name])


async def _read(request: Request, limit: int) -> bytes:
    """The body, refused (413, nothing stored) as soon as it passes ``limit`` bytes: a declared length first,
    then as it streams in."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise errors.TooLarge(f"the request body is over {limit} bytes", field="body", value=int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.TooLarge(f"the request body is over {limit} bytes", field="body", value=size)
        chunks.append(chunk)
    return b"".join(chunks)


def _tag(books: Books, request: Request, instants: tuple[str, ...]) -> str | None:
    return tag_of(books, request.url.path, request.query_params, instants)


def _decoded(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise errors.UnreadableInput(f"the request body is not UTF-8 text (byte {error.start})",
                                     field="body") from None
