"""Schemathesis against the service's own OpenAPI document, on a copy of the Juniper store: whatever it sends
(valid or not), no answer is a 5xx and every answer matches the document: its status, media type, headers
and schema. In process (ASGI): no network."""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance,
                                               unsupported_method)

from captable.access import parse_tokens
from captable.rate_limits import Rate
from captable.service import create_app
from tests.conftest import JUNIPER
from tests.test_cli import run

# An import's body is JSON Lines: text, sent as written.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, unsupported_method]


# The store is filled before the first case runs (reading the document opens no store).
STORE = Path(tempfile.mkdtemp(prefix="captable-schema-")) / "juniper.db"
atexit.register(shutil.rmtree, STORE.parent, ignore_errors=True)
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(str(STORE)))
# The same store behind tokens: a writer may not read the log (403), and the document says so.
WRITER = "schema-writer-token"
secured = schemathesis.openapi.from_asgi("/openapi.json", create_app(str(STORE), parse_tokens(
    f"schema writer:writer:{hashlib.sha256(WRITER.encode()).hexdigest()}", "test")))

# The same store behind a rate limit that most cases pass: a 429 with Retry-After, and the document says so.
limited = schemathesis.openapi.from_asgi("/openapi.json", create_app(str(STORE), limits=Rate(per_second=1, burst=3)))


@pytest.fixture(scope="module", autouse=True)
def juniper_store() -> None:
    if not STORE.exists():
        assert run(str(STORE), "import", str(JUNIPER / "events.jsonl")).exit_code == 0


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_answer_is_a_server_error_and_every_answer_matches_the_document(case):
    case.call_and_validate(checks=CHECKS)


@secured.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_behind_tokens_every_answer_still_matches_the_document(case):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {WRITER}"})


@limited.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_past_the_rate_limit_every_answer_still_matches_the_document(case):
    case.call_and_validate(checks=CHECKS)
