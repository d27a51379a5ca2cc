"""How fast each caller may ask: a token bucket per caller (its token's name, else its address); beyond it a
429 ``rate_limited`` with ``Retry-After``, the project's refusal body, and nothing done."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
from fastapi.testclient import TestClient

from captable import errors
from captable.access import parse_tokens
from captable.rate_limits import KEPT, SECOND, Buckets, Rate, rate
from captable.kept_answers import KeptAnswers
from captable.service import create_app
from tests.conftest import COMPANY
from tests.test_cli import acme, run  # noqa: F401  (acme: a fixture)

SECRETS = {"finance": "f-secret", "counsel": "c-secret"}
TOKENS = "\n".join(f"{name}:writer:{hashlib.sha256(secret.encode()).hexdigest()}" for name, secret in SECRETS.items())


def as_(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {SECRETS[name]}"}


class Clock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


# The bucket, on a clock the test moves ----------------------------------------------------------------

def test_a_burst_is_answered_then_one_request_per_refill():
    clock = Clock()
    buckets = Buckets(Rate(per_second=2, burst=3), clock)
    for _ in range(3):
        buckets.take("token finance")
    with pytest.raises(errors.RateLimited) as refused:
        buckets.take("token finance")
    assert (refused.value.retry_after, refused.value.field, refused.value.value) == (1, "caller", "token finance")
    clock.now += SECOND // 2  # half a second: one request's worth at 2 a second
    buckets.take("token finance")
    with pytest.raises(errors.RateLimited):
        buckets.take("token finance")
    clock.now += 10 * SECOND  # a long pause refills to the burst, no further
    for _ in range(3):
        buckets.take("token finance")
    with pytest.raises(errors.RateLimited):
        buckets.take("token finance")


def test_retry_after_is_the_whole_seconds_until_a_request_has_refilled():
    clock = Clock()
    buckets = Buckets(Rate(per_second=1, burst=1), clock)
    buckets.take("a")
    clock.now += SECOND // 10
    with pytest.raises(errors.RateLimited) as refused:
        buckets.take("a")
    assert refused.value.retry_after == 1  # 0.9 s rounded up
    assert "after 1 second (Retry-After)" in refused.value.message
    clock.now += SECOND * 9 // 10
    buckets.take("a")


def test_one_callers_pace_never_slows_another():
    buckets = Buckets(Rate(per_second=1, burst=1), Clock())
    buckets.take("token finance")
    with pytest.raises(errors.RateLimited):
        buckets.take("token finance")
    buckets.take("token counsel")
    buckets.take("address 10.0.0.7")


def test_full_buckets_are_forgotten_so_memory_stays_bounded():
    clock = Clock()
    buckets = Buckets(Rate(per_second=1000, burst=1), clock)
    for n in range(KEPT + 50):
        buckets.take(f"address 10.0.{n // 256}.{n % 256}")
        clock.now += SECOND // 1000
    assert len(buckets._levels) <= KEPT


@pytest.mark.parametrize("per_second, burst, expected", [(0, None, None), (5, None, Rate(5, 10)), (5, 1, Rate(5, 1))])
def test_serves_options_give_the_rate(per_second, burst, expected):
    assert rate(per_second, burst) == expected


# Through the service ---------------------------------------------------------------------------------------

@pytest.fixture
def limited(acme):
    return TestClient(create_app(acme, parse_tokens(TOKENS, "test"), limits=Rate(per_second=1, burst=2)))


def test_past_the_limit_a_429_with_retry_after_and_the_refusal_body(limited):
    assert [limited.get("/companies", headers=as_("finance")).status_code for _ in range(2)] == [200, 200]
    answered = limited.get("/companies", headers=as_("finance"))
    assert answered.status_code == 429
    assert answered.headers["retry-after"] == "1"
    error = answered.json()["error"]
    assert (error["code"], error["field"], error["value"]) == ("rate_limited", "caller", "token finance")
    assert set(error) == {"code", "section", "field", "value", "line", "event", "message"}


def test_the_bucket_refills_and_another_caller_is_not_affected(limited):
    for _ in range(2):
        limited.get("/companies", headers=as_("finance"))
    assert limited.get("/companies", headers=as_("finance")).status_code == 429
    assert limited.get("/companies", headers=as_("counsel")).status_code == 200
    time.sleep(1.05)  # a request's worth at 1 a second
    assert limited.get("/companies", headers=as_("finance")).status_code == 200


def test_a_refused_write_stores_nothing(limited, acme):
    listed = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}
    for _ in range(2):
        limited.get("/companies", headers=as_("finance"))
    answered = limited.post("/events", json=listed, headers=as_("finance"))
    assert (answered.status_code, answered.json()["error"]["code"]) == (429, "rate_limited")
    assert "listed" not in run(acme, "log", "--json").stdout


def test_a_kept_answer_is_counted_too(acme):
    """A repeat served from memory in front of the routing spends the caller's request as a computed one does."""
    service = TestClient(create_app(acme, parse_tokens(TOKENS, "test"), limits=Rate(per_second=1, burst=3)))
    question = "/state?as_of=2000-01-01"
    first = service.get(question, headers=as_("finance"))
    assert first.status_code == 200 and first.headers["etag"]
    layer = service.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(layer, KeptAnswers):
        layer = layer.app
    revalidated = service.get(question, headers={**as_("finance"), "If-None-Match": first.headers["etag"]})
    kept = service.get(question, headers=as_("finance"))
    assert (revalidated.status_code, kept.status_code, kept.content) == (304, 200, first.content)
    assert layer.served == 2
    refused = service.get(question, headers=as_("finance"))
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")
    assert layer.served == 2


def test_guessing_tokens_is_limited_by_address(limited):
    wrong = {"Authorization": "Bearer guess"}
    assert [limited.get("/companies", headers=wrong).status_code for _ in range(3)] == [401, 401, 429]
    refused = limited.get("/companies", headers=wrong).json()["error"]
    assert refused["value"] == "address testclient"


def test_without_a_limit_nothing_is_refused_and_the_document_names_no_429(acme):
    service = TestClient(create_app(acme))
    assert {service.get("/companies").status_code for _ in range(30)} == {200}
    assert all("429" not in op["responses"] for m in service.get("/openapi.json").json()["paths"].values()
               for op in m.values())


def test_with_a_limit_every_route_documents_the_429_and_its_header(limited):
    for methods in limited.get("/openapi.json").json()["paths"].values():
        for operation in methods.values():
            assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_serve_takes_the_limit_from_its_options_or_the_environment(acme):
    from typer.testing import CliRunner

    from captable.cli import app
    shown = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).stdout
    assert "--rate-limit" in shown and "CAPTABLE_RATE_LIMIT" in shown and "--burst" in shown
    assert json.loads(run(acme, "serve", "--burst", "0", "--json").stdout)["error"]["code"] == "usage"
