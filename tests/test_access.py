"""Who may ask the service what: hashed bearer tokens with roles reader, auditor and writer; the writer's
name is the actor sealed with what it records."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.testclient import TestClient

from captable import errors
from captable.access import load_tokens, parse_tokens
from captable.service import create_app
from tests.conftest import COMPANY
from tests.test_cli import acme, jsonl, run  # noqa: F401  (acme: a fixture)

SECRETS = {"reader": "r-secret", "auditor": "a-secret", "writer": "w-secret"}
NAMES = {"reader": "Pat Reader", "auditor": "Ernst Auditor", "writer": "Finance Desk"}
TOKENS = "\n".join(f"{NAMES[role]}:{role}:{hashlib.sha256(secret.encode()).hexdigest()}  # {role}"
                   for role, secret in SECRETS.items())
LISTED = {"type": "Listed", "id": "listed", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"}


@pytest.fixture
def service(acme):
    return TestClient(create_app(acme, parse_tokens(TOKENS, "test")))


def as_(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {SECRETS[role]}"}


QUESTIONS = ["/state", "/notices", "/audit", "/companies"]
AUDITING = ["/log", "/verify", "/head", "/events/formed"]
WRITES = [("/events", json.dumps(LISTED)), ("/import", json.dumps(LISTED) + "\n")]


@pytest.mark.parametrize("path", QUESTIONS + AUDITING)
def test_without_a_token_or_with_an_unknown_one_every_route_is_a_401(service, path):
    for headers in ({}, {"Authorization": "Bearer guessed"}, {"Authorization": "Basic r-secret"}):
        answered = service.get(path, headers=headers)
        assert (answered.status_code, answered.json()["error"]["code"]) == (401, "unauthenticated")
        assert answered.headers["www-authenticate"] == "Bearer"


def test_a_write_without_a_token_is_a_401_and_stores_nothing(service):
    for path, body in WRITES:
        assert service.post(path, content=body).status_code == 401
    assert len(service.get("/log", headers=as_("auditor")).json()["events"]) == len(COMPANY)


@pytest.mark.parametrize("role, allowed", [
    ("reader", QUESTIONS),
    ("auditor", QUESTIONS + AUDITING),
    ("writer", QUESTIONS),
])
def test_each_role_asks_what_it_may_and_is_refused_the_rest_with_403(service, role, allowed):
    for path in QUESTIONS + AUDITING:
        answered = service.get(path, headers=as_(role))
        if path in allowed:
            assert answered.status_code == 200, (role, path, answered.text)
        else:
            assert (answered.status_code, answered.json()["error"]["code"]) == (403, "forbidden"), (role, path)
            assert answered.json()["error"]["value"] == role


@pytest.mark.parametrize("role", ["reader", "auditor"])
def test_only_a_writer_records_and_a_refused_write_stores_nothing(service, role):
    for path, body in WRITES:
        answered = service.post(path, content=body, headers=as_(role))
        assert (answered.status_code, answered.json()["error"]["code"]) == (403, "forbidden")
    assert len(service.get("/log", headers=as_("auditor")).json()["events"]) == len(COMPANY)


def test_the_writers_token_name_is_the_actor_sealed_with_the_event(service):
    assert service.post("/events", json=LISTED, headers=as_("writer")).status_code == 201
    stored = service.get("/events/listed", headers=as_("auditor")).json()
    assert stored["actor"] == "Finance Desk"


def test_the_token_check_comes_before_the_parameters(service):
    answered = service.get("/state?as_of=1999-13-01")
    assert answered.status_code == 401


def test_the_openapi_document_names_the_bearer_scheme(service):
    document = service.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.mark.parametrize("text", ["alice:admin:" + "0" * 64, "alice:reader:abc", "alice reader " + "0" * 64])
def test_a_malformed_token_entry_is_refused_naming_it(text):
    with pytest.raises(errors.TokensInvalid) as refused:
        parse_tokens(text, "CAPTABLE_TOKENS")
    assert refused.value.code == "tokens_invalid" and refused.value.line == 1


def test_tokens_come_from_a_file_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPTABLE_TOKENS", ",".join(line.split("#")[0] for line in TOKENS.splitlines()))
    assert {c.role for c in load_tokens().by_digest.values()} == set(SECRETS)
    path = tmp_path / "tokens"
    path.write_text(TOKENS.splitlines()[0] + "\n", encoding="utf-8")
    monkeypatch.setenv("CAPTABLE_TOKENS_FILE", str(path))
    assert [c.name for c in load_tokens().by_digest.values()] == ["Pat Reader"]


def test_serve_refuses_an_unreadable_token_file_as_a_usage_error(acme, tmp_path):
    bad = tmp_path / "tokens"
    bad.write_text("nobody:root:" + "0" * 64 + "\n", encoding="utf-8")
    result = run(acme, "serve", "--tokens", str(bad), "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "tokens_invalid"
