"""Scenario fixtures: each folder of ``fixtures/scenarios`` is a history with dated checkpoints.

``events.jsonl`` is imported in one batch; ``checkpoints.json`` holds
``checkpoints`` (each an ``as_of``, optional ``known_at`` and ``warrant``, and
subsets of the expected warrant, classes, covenant and an exercise quote: cash,
or net with ``net`` naming the §1(c) method and ``offering`` where it needs one;
``obligations`` by id and ``absent`` obligation ids, from ``captable notices``)
and ``refusals`` (events that must be refused with a code, storing nothing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from captable import errors, queries
from captable.intake import parse_event, read_lines

SCENARIOS = sorted(p for p in (Path(__file__).resolve().parents[1] / "fixtures" / "scenarios").iterdir() if p.is_dir())


def test_the_scenario_fixtures_are_there():
    assert len(SCENARIOS) >= 1, "fixtures/scenarios holds no scenario"


def subset(actual: Any, expected: Any) -> Any:
    """The part of ``actual`` that ``expected`` speaks about (dicts by key, lists item by item)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: subset(actual.get(k), v) for k, v in expected.items()}
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [subset(a, e) for a, e in zip(actual, expected)]
    return actual


def load(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "checkpoints.json").read_text(encoding="utf-8"))


def cases() -> list[Any]:
    out = []
    for folder in SCENARIOS:
        plan = load(folder)
        for n, point in enumerate(plan.get("checkpoints", [])):
            out.append(pytest.param(folder, n, id=f"{folder.name}@{point['as_of']}#{n}"))
    return out


def refusal_cases() -> list[Any]:
    return [pytest.param(folder, n, id=f"{folder.name}:{r['code']}#{n}")
            for folder in SCENARIOS for n, r in enumerate(load(folder).get("refusals", []))]


@pytest.fixture
def imported(ledger):
    def run(folder: Path):
        with (folder / "events.jsonl").open(encoding="utf-8") as lines:
            ledger.import_events(read_lines(lines))
        return ledger
    return run


@pytest.mark.parametrize("folder, n", cases())
def test_scenario_checkpoint(imported, folder, n):
    plan = load(folder)
    point = plan["checkpoints"][n]
    ledger = imported(folder)
    body = queries.state(ledger, plan.get("company"), point["as_of"], point.get("known_at")).to_json()
    warrant_id = point.get("warrant", plan.get("warrant"))
    if "expect" in point:
        warrant = next(w for w in body["warrants"] if w["warrant"] == warrant_id)
        assert subset(warrant, point["expect"]) == point["expect"], point["label"]
    for class_id, expected in point.get("classes", {}).items():
        share_class = next(c for c in body["classes"] if c["class"] == class_id)
        assert subset(share_class, expected) == expected, point["label"]
    if "covenant" in point:
        assert subset(body["covenant"], point["covenant"]) == point["covenant"], point["label"]
    if "obligations" in point or "absent" in point:
        found = {o["id"]: o for o in queries.notices(ledger, plan.get("company"), point["as_of"],
                                                     point.get("known_at"))["obligations"]}
        for obligation_id, expected in point.get("obligations", {}).items():
            assert obligation_id in found, f"{point['label']}: {obligation_id} not among {sorted(found)}"
            assert subset(found[obligation_id], expected) == expected, point["label"]
        for obligation_id in point.get("absent", []):
            assert obligation_id not in found, point["label"]
    if "quote" in point:
        asked = point["quote"]
        quote = queries.exercise_quote(ledger, plan.get("company"), warrant_id, asked["shares"],
                                       asked.get("at", point["as_of"]), asked.get("net"), asked.get("offering"))
        assert subset(quote, point["quote"]["expect"]) == point["quote"]["expect"], point["label"]


@pytest.mark.parametrize("folder, n", refusal_cases())
def test_scenario_refusal(imported, folder, n):
    refusal = load(folder)["refusals"][n]
    ledger = imported(folder)
    company = ledger.company(None)
    before = [r.hash for r in ledger.history(company).records]
    with pytest.raises(errors.Refused) as refused:
        ledger.import_events([parse_event(refusal["event"])])
    assert refused.value.code == refusal["code"], refused.value.message
    if "section" in refusal:
        assert refused.value.section == refusal["section"]
    assert [r.hash for r in ledger.history(company).records] == before
