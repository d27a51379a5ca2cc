"""The shapes the HTTP service publishes in its OpenAPI document, with examples (issue 12).

The answers are the command line's JSON (DESIGN §7), so these schemas name
their keys and types and allow what DESIGN §7 leaves open (more keys). The
event a client posts is ``captable schema``'s own: its definitions are
moved into the document's components, and the request body refers to them.
Exact quantities are strings everywhere (DESIGN §4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

EXACT: dict[str, Any] = {"type": "string", "pattern": r"^-?\d+(/\d+)?$", "description": "An exact rational, "
                         "reduced, e.g. \"893/900\" (DESIGN §4)."}
TEXT_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}


def _object(required: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "required": list(required), "properties": required}


REFUSAL: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "description": "A refusal (DESIGN §7): the same object `--json` prints, with a stable code.",
    "properties": {
        "error": _object({"code": {"type": "string"}, "section": TEXT_OR_NULL, "field": TEXT_OR_NULL,
                          "value": {}, "line": {"type": ["integer", "null"]}, "event": TEXT_OR_NULL,
                          "message": {"type": "string"}}, "The first problem."),
        "errors": {"type": "array", "items": {"type": "object"},
                   "description": "Every problem, when there were several (each malformed line of an import)."},
    },
}

ADJUSTMENT = _object({"event": {"type": "string"}, "section": {"type": "string"}, "price_before": EXACT,
                      "price_after": EXACT, "shares_before": EXACT, "shares_after": EXACT},
                     "A change of P or N and the clause that made it.")
WARRANT = _object({"warrant": {"type": "string"}, "holder": {"type": "object"}, "certificate": {"type": "string"},
                   "status": {"enum": ["outstanding", "exercised", "expired", "cancelled"]},
                   "security": {"type": "object"},
                   "stock_purchase_price": EXACT, "shares_purchasable": EXACT, "aggregate_purchase_price": EXACT,
                   "conversion_ratio": {"anyOf": [EXACT, {"type": "null"}]}, "common_equivalent": EXACT,
                   "basket": {"type": "object"}, "entitlements": {"type": "array"}, "exercised": EXACT,
                   "expires": {"type": "string"}, "adjustments": {"type": "array", "items": ADJUSTMENT}},
                  "A warrant's terms at the instant; `form` (and `terms`, the parameters it overrides) only for a "
                  "warrant not on the 1997 form's own terms.")
WARRANT["properties"].update(form={"type": "string"}, terms={"type": "object"})
SHARE_CLASS = _object({"class": {"type": "string"}, "authorized": EXACT, "outstanding": EXACT, "reserved": EXACT,
                       "conversion_ratio": {"anyOf": [EXACT, {"type": "null"}]}}, "A class of the cap table.")
EXACT_OR_NULL: dict[str, Any] = {"anyOf": [EXACT, {"type": "null"}]}
OPTION_GRANT = _object({"grant": {"type": "string"}, "class": {"type": "string"}, "holder": {"type": "string"},
                        "shares": EXACT, "kind": {"enum": ["option", "warrant", "convertible"]},
                        "category": TEXT_OR_NULL},
                       "Rights granted by an OptionsIssued (or moved by an OptionsTransferred), still outstanding.")
CONVERTIBLE = _object({"convertible": {"type": "string"}, "holder": {"type": "string"},
                       "kind": {"enum": ["safe", "note", "other"]}, "investment": EXACT, "valuation_cap": EXACT_OR_NULL,
                       "discount": EXACT_OR_NULL, "interest_rate": EXACT_OR_NULL, "maturity": TEXT_OR_NULL,
                       "terms": TEXT_OR_NULL, "issued": {"type": "string"}, "status": {"enum": ["outstanding"]}},
                      "A SAFE or note outstanding, with its terms (its conversion is not modelled).")


def _state() -> dict[str, Any]:
    """`state --json`: "options" and "convertibles" appear only when there are some outstanding."""
    schema = _object({"company": {"type": "string"}, "as_of": {"type": "string"}, "known_at": TEXT_OR_NULL,
                      "warrants": {"type": "array", "items": WARRANT},
                      "classes": {"type": "array", "items": SHARE_CLASS}},
                     "The warrant terms and the cap table (`state --json`); `options` and `convertibles` only "
                     "when some are outstanding.")
    schema["properties"] |= {"options": {"type": "array", "items": OPTION_GRANT},
                             "convertibles": {"type": "array", "items": CONVERTIBLE}}
    return schema


SCHEMAS: dict[str, dict[str, Any]] = {
    "Refusal": REFUSAL,
    "State": _state(),
    "ExerciseQuote": _object({"warrant": {"type": "string"}, "at": {"type": "string"}, "method": {"type": "string"},
                      "units": EXACT, "stock_purchase_price": EXACT, "balance_after": EXACT},
                     "What an exercise would deliver and cost (`exercise-quote --json`)."),
    "Notices": _object({"company": {"type": "string"}, "as_of": {"type": "string"}, "known_at": TEXT_OR_NULL,
                        "obligations": {"type": "array", "items": _object(
                            {"id": {"type": "string"}, "section": {"type": "string"}, "kind": {"type": "string"},
                             "trigger": TEXT_OR_NULL, "deadline": TEXT_OR_NULL, "latest_mailing": TEXT_OR_NULL,
                             "status": {"enum": ["open", "met", "late", "overdue", "waived", "lapsed"]},
                             "given": TEXT_OR_NULL}, "An obligation and its status.")}},
                       "What the company owes the holder (`notices --json`)."),
    "Audit": _object({"company": {"type": "string"}, "as_of": {"type": "string"}, "known_at": TEXT_OR_NULL,
                      "stored_events": {"type": "integer"}, "head": TEXT_OR_NULL,
                      "steps": {"type": "array", "items": {"type": "object"}},
                      "final": {"type": "array", "items": {"type": "object"}}},
                     "The replay, step by step (`audit --format json`)."),
    "AuditDiff": _object({"company": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
                          "changes": {"type": "array"}, "notes": {"type": "array"}},
                         "What changed between two recorded instants (`audit --diff --json`)."),
    "LogEntry": _object({"seq": {"type": "integer"}, "id": {"type": "string"}, "type": {"type": "string"},
                         "effective": {"type": "string"}, "recorded": {"type": "string"}, "actor": TEXT_OR_NULL,
                         "prev_hash": {"type": "string"}, "hash": {"type": "string"}, "event": {"type": "object"}},
                        "A stored event with its instants and chain hashes."),
    "Log": _object({"company": {"type": "string"}, "events": {"type": "array",
                                                              "items": {"$ref": "#/components/schemas/LogEntry"}}},
                   "The stored events in stream order (`log --json`)."),
    "Verified": _object({"intact": {"const": True}, "index": {"type": "object"}, "companies": {"type": "array"},
                         "every_row_checked": {"type": "boolean"}, "anchor": TEXT_OR_NULL},
                        "Every chain intact (`verify --json`); a break is a refusal."),
    "Anchor": _object({"company": {"type": "string"}, "events": {"type": "integer"}, "head": {"type": "string"},
                       "journal": {"type": "object"}, "index": {"type": "object"}, "written_at": {"type": "string"}},
                      "A head to keep elsewhere (`head`)."),
    "Stored": _object({"stored": {"type": "object", "additionalProperties": {"type": "integer"}},
                       "already_stored": {"type": "integer"}},
                      "What a write stored, by company (`import --json`; `record --json` adds the ids)."),
    "Companies": _object({"companies": {"type": "array", "items": {"type": "string"}}},
                         "The companies the store holds."),
    "Letter": _object({"dated": {"type": "string"}, "subject": {"type": "string"},
                       "paragraphs": {"type": "array"}}, "A drafted notice's parts (`notice-letter --json`)."),
}

ERROR_EXAMPLES: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("A malformed parameter (a usage error on the command line).",
          {"code": "usage", "section": None, "field": "as_of", "value": "1999-13-01", "line": None, "event": None,
           "message": "1999-13-01 is not a valid date"}),
    401: ("No token, or an unknown one, where tokens are configured.",
          {"code": "unauthenticated", "section": None, "field": "authorization", "value": None, "line": None,
           "event": None, "message": "this service needs a bearer token: send Authorization: Bearer TOKEN"}),
    403: ("The token's role may not do this.",
          {"code": "forbidden", "section": None, "field": "authorization", "value": "reader", "line": None,
           "event": None, "message": "a reader token may not record events; a writer token may"}),
    404: ("An unknown company, warrant, event or obligation, or no store yet.",
          {"code": "unknown_warrant", "section": None, "field": "warrant", "value": "W-9", "line": None,
           "event": None, "message": "no warrant 'W-9' exists at this instant; the warrants at this instant are "
                                     "'VLL2-C-1'"}),
    409: ("Another writer stored events since this batch was decided; nothing was stored: send it again.",
          {"code": "concurrent_write", "section": None, "field": None, "value": None, "line": None,
           "event": None, "message": "another writer changed the store since this batch was decided; nothing "
                                     "was stored"}),
    413: ("The body is over the service's limit; nothing was stored.",
          {"code": "too_large", "section": None, "field": "body", "value": 67108865, "line": None, "event": None,
           "message": "the request body is over 67108864 bytes"}),
    429: ("This caller (its token's name, or its address without one) asked faster than the service's rate "
          "limit; nothing was done: send the request again after `Retry-After` seconds.",
          {"code": "rate_limited", "section": None, "field": "caller", "value": "token finance", "line": None,
           "event": None, "message": "token finance has sent more than 100 requests at once or 50 requests a "
                                     "second; send the next request after 1 second (Retry-After)"}),
    422: ("Refused input: a rule or a validation error, with its section; nothing was stored.",
          {"code": "warrant_expired", "section": "§1(a)", "field": "effective", "value": "2004-01-05T00:00:00-08:00",
           "line": None, "event": "x1", "message": "the election is after the warrant expired"}),
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for these refusal statuses, each with its example."""
    return {status: {"description": ERROR_EXAMPLES[status][0], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Refusal"}, "example": {"error": ERROR_EXAMPLES[status][1]}}}}
        for status in statuses}


RATE_LIMITED: dict[str, Any] = {**error_responses(429)[429], "headers": {"Retry-After": {
    "description": "Whole seconds until this caller's next request is answered.", "required": True,
    "schema": {"type": "integer", "minimum": 1}}}}


def answer(schema: str, example: Any, description: str, *pages: str) -> dict[int | str, dict[str, Any]]:
    """A 200 whose JSON has this schema and example; ``pages``: the other media types it may be written in."""
    return {200: {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}, "example": example},
        **{media: {"schema": {"type": "string"}} for media in pages}}}}


def request_body(media: str, example: Any) -> dict[str, Any]:
    """A request body of ``media``: an event (its schema from ``captable schema``), or JSON Lines of them."""
    schema = {"$ref": "#/components/schemas/Event"} if media == "application/json" else {
        "type": "string", "description": "JSON Lines: one event a line (each an Event)."}
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    else:
        content["example"] = ('{"type": "Listed", "id": "listed-nasdaq", "effective": "1999-06-25", '
                              '"class": "common", "exchange": "NASDAQ"}\n')
    # An empty JSON Lines body is an empty history, as an empty file is to `captable import`: nothing to store.
    return {"requestBody": {"required": media == "application/json", "content": {media: content}}}


def with_components(document: dict[str, Any]) -> dict[str, Any]:
    """The document with these schemas and the event schema's definitions in its components."""
    from captable.events import describe

    event = describe.schema()
    definitions = event.pop("$defs")
    event.pop("$schema", None)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(SCHEMAS)
    for name, body in definitions.items():
        if name in components:
            raise ValueError(f"the event schema's {name!r} would replace an answer's schema of that name")
        components[name] = _rewritten(body)
    components["Event"] = _rewritten(event)
    return document


def _rewritten(value: Any) -> Any:
    """The event schema's ``#/$defs/X`` references, pointed at the document's components."""
    if isinstance(value, dict):
        return {k: _rewritten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewritten(v) for v in value]
    if isinstance(value, str) and value.startswith("#/$defs/"):  # a $ref, or a discriminator's mapping
        return "#/components/schemas/" + value.removeprefix("#/$defs/")
    return value


def publish(app: FastAPI, document: dict[str, Any], secured: bool, limited: bool = False) -> dict[str, Any]:
    """FastAPI's document with each route's own responses as declared (FastAPI drops every null from the
    examples, and adds a 422 for its validation errors, which this service answers with 400 ``usage``); the
    bearer scheme only when tokens are configured (without them no request needs one); a 429 on every route
    when a rate limit is set."""
    from fastapi.routing import APIRoute

    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods:
            operation = document["paths"][route.path_format][method.lower()]
            declared = {str(status): response for status, response in route.responses.items()}
            generated = operation["responses"]
            if not secured:
                operation.pop("security", None)
                for status in ("401", "403"):
                    declared.pop(status, None)
                    generated.pop(status, None)
            if "422" not in declared:
                generated.pop("422", None)
            if limited:  # every route names its caller (its token, else its address) and spends its request
                declared["429"] = RATE_LIMITED
            for status, response in declared.items():
                generated[status] = {**generated.get(status, {}), **response}
            operation["responses"] = dict(sorted(generated.items()))
    if not secured:
        document.get("components", {}).pop("securitySchemes", None)
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = with_components(document)
    return app.openapi_schema


# Examples of the answers, from the Juniper history (DESIGN §7 shapes, trimmed).
EVENT_EXAMPLE = {"type": "Listed", "id": "listed-nasdaq", "effective": "1999-06-25", "class": "common",
                 "exchange": "NASDAQ"}
STATE_EXAMPLE = {"company": "juniper", "name": "Juniper Networks, Inc.", "as_of": "2000-07-01", "known_at": None,
                 "warrants": [{"warrant": "VLL2-C-1", "status": "outstanding", "stock_purchase_price": "893/900",
                               "shares_purchasable": "183429", "aggregate_purchase_price": "18200233/100"}],
                 "classes": [{"class": "common", "authorized": "71000000", "outstanding": "12000000",
                              "reserved": "183429", "conversion_ratio": None}]}
QUOTE_EXAMPLE = {"warrant": "VLL2-C-1", "at": "1999-06-29", "method": "public_offering", "units": "20381",
                 "stock_purchase_price": "893/100", "balance_after": "0", "payment_due": "0",
                 "shares_issued": "16812", "fraction": "1667/5100", "cash_in_lieu": "73/25"}
NOTICES_EXAMPLE = {"company": "juniper", "as_of": "2003-12-31", "known_at": None, "obligations": [
    {"id": "VLL2-C-1/18.7/annual/1997", "section": "§18.7(i)", "kind": "annual_report", "trigger": "warrant-issued",
     "deadline": "1998-04-30", "latest_mailing": "1998-04-27", "status": "overdue", "given": None}]}
AUDIT_EXAMPLE = {"company": "juniper", "as_of": "2003-12-31", "known_at": None, "stored_events": 10,
                 "head": "37f7f189d48d39a92edc621e57f557904706780aa15c532fdfd808d6d886e176", "steps": [], "final": []}
LOG_ENTRY_EXAMPLE = {"company": "juniper", "seq": 10, "id": "split-2000-06", "type": "StockSplit",
                     "effective": "2000-06-02", "recorded": "2026-11-29T16:42:24.791150+00:00", "actor": "finance",
                     "source": None, "prev_hash": "…", "hash": "…", "event": {}}
ANCHOR_EXAMPLE = {"company": "juniper", "events": 10,
                  "head": "37f7f189d48d39a92edc621e57f557904706780aa15c532fdfd808d6d886e176",
                  "journal": {"commits": 1, "head": "…"}, "index": {"position": 1, "hash": "…"},
                  "written_at": "2026-11-29T16:50:00+00:00"}
