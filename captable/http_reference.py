"""docs/http.md, written from the service's own OpenAPI document so that it cannot drift from it.

    python -m captable.http_reference > docs/http.md

A test compares the file with what this writes now.
"""

from __future__ import annotations

import json
import sys
from typing import Any

INTRO = """# The HTTP service

`captable serve [--db PATH|URL] [--host 127.0.0.1] [--port 8000] [--tokens FILE] [--max-body BYTES]
[--rate-limit N] [--burst N] [--workers N] [--warm-companies N]` answers the command line's
questions over HTTP. Every JSON body is byte for byte what the same command prints with `--json`
(exact quantities as strings, DESIGN §4);
every refusal is the command line's `{"error": {...}}` with an HTTP status by its code: 400 a
malformed, unknown or missing parameter (`usage`; `company_required` when the store holds several
companies), 401 no or an unknown token, 403 a role that may not, 404 an unknown company, warrant,
event or obligation (or no store yet), 409 `concurrent_write` (nothing stored: send it again), 413
`too_large`, 422 refused input (a rule or validation error, with its section), 429 `rate_limited`
(with `Retry-After`), 5xx the store (`store_unavailable`, `store_tampered`) or a defect
(`internal_error`).

Limits: a request body over `--max-body` (64 MiB by default) is refused with 413 as soon as it passes
the limit, whether it declares its length or is sent in chunks, and nothing of it is stored. Each
caller (a token's name, else the client's address) may send `--rate-limit` requests a second,
sustained, and `--burst` at once (default 50 and twice that; `CAPTABLE_RATE_LIMIT` and
`CAPTABLE_RATE_BURST` in the environment; `--rate-limit 0` lifts the limit, for a load test): a
request beyond them is refused with 429 `rate_limited` and `Retry-After`, the whole seconds until the
caller's next request is answered. One caller's pace never slows another's. Each service process
keeps its own count: several processes in front of one store each allow the rate.

Access: with tokens configured (`--tokens FILE`, `CAPTABLE_TOKENS_FILE`, or `CAPTABLE_TOKENS` itself:
one `NAME:ROLE:SHA256` a line, the SHA-256 of the token in hex, e.g. from
`printf %s "$TOKEN" | sha256sum`), each request sends `Authorization: Bearer TOKEN`. A `reader` asks
the questions; an `auditor` also reads the log and events, verifies and takes anchors; a `writer`
also records and imports, and its token's name is sealed with each event as the actor. Without
tokens the service answers everyone and listens on this machine only.

Each service process keeps the books of the companies it was last asked about warm (at most
`--warm-companies`, default 8): the history folded in memory, with a state every few hundred events.
Before every answer it reads the company's head (the journal's last commit, and the stream's last row
beside it); if the head moved it reads only the events after the position it holds, their chain checked
from the hash it holds, and folds them on, or reads the whole history again when they change the past
(back-dated, a retraction, an adjustment). So `--workers N` processes, or several services on one
PostgreSQL store, never answer behind a write, and a tampered head is refused as a cold read refuses it.

The machine-readable description, with a schema and an example for each answer, is
`GET /openapi.json`; this page is written from it (`python -m captable.http_reference`).
"""


def markdown(document: dict[str, Any]) -> str:
    """Each route: method and path, what it does, who may, its parameters, body and responses."""
    lines = [INTRO]
    told = document.get("info", {}).get("description", "").split("\n\n")[1:]  # the first is the intro's
    if told:
        lines += ["## ETags and warm answers", "", *("\n\n".join(told).strip().splitlines()), ""]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            lines += _operation(method.upper(), path, operation)
    return "\n".join(lines).rstrip() + "\n"


def _operation(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    lines = [f"## `{method} {path}`", "", operation.get("description", "").strip(), ""]
    parameters = operation.get("parameters", [])
    if parameters:
        lines += ["| parameter | in | required | meaning | example |", "| --- | --- | --- | --- | --- |"]
        for p in parameters:
            example = next(iter(p.get("examples", p.get("schema", {}).get("examples", [])) or []), None)
            lines.append(f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else 'no'} | "
                         f"{p.get('description', '')} | {_code(example)} |")
        lines.append("")
    body = operation.get("requestBody")
    if body:
        for media, content in body["content"].items():
            lines += [f"Body: `{media}`.", "", "```", _text(content.get("example")).rstrip(), "```", ""]
    lines += ["| status | meaning |", "| --- | --- |"]
    for status, response in operation.get("responses", {}).items():
        lines.append(f"| {status} | {response.get('description', '').strip()} |")
    lines.append("")
    ok = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
    if "example" in ok:
        lines += ["Example:", "", "```json", _text(ok["example"]).rstrip(), "```", ""]
    return lines


def _code(value: Any) -> str:
    if value is None:
        return ""
    return f"`{value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}`"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)


def published() -> dict[str, Any]:
    """The service's OpenAPI document as a service with tokens and the default rate limit publishes it (no
    store is opened to write it)."""
    from captable.access import parse_tokens
    from captable.rate_limits import DEFAULT_PER_SECOND, rate
    from captable.service import create_app

    return create_app("captable.db", parse_tokens("example:reader:" + "0" * 64, "example"),
                      limits=rate(DEFAULT_PER_SECOND)).openapi()


if __name__ == "__main__":
    sys.stdout.write(markdown(published()))
