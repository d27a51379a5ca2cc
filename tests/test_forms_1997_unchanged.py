"""A warrant on the 1997 form answers as it did before forms were data, on every fixture and scenario.

Each history is imported twice: as it is, and with every WarrantIssued naming ``form: warrant_1997`` and
carrying ``terms`` that restate some of that form's own values (drawn at random). The second is stored
differently (class_version 2, the terms kept) and read through the terms path, yet every answer at every
checkpoint must be the same: the state, the obligations, and each audit step (but for the stored event's
own instant and hash).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captable import forms, queries
from captable.intake import read_lines
from captable.ledger import Ledger

ROOT = Path(__file__).resolve().parents[1]
HISTORIES = [ROOT / "fixtures" / "juniper_1997",
             *sorted(p for p in (ROOT / "fixtures" / "scenarios").iterdir() if p.is_dir())]
TERMS_1997 = forms.by_name("warrant_1997").terms.model_dump(mode="json")


def _lines(folder: Path, terms: dict[str, Any] | None) -> list[str]:
    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    if terms is None:
        return lines
    out = []
    for line in lines:
        event = json.loads(line)
        if event.get("type") == "WarrantIssued" and "form" not in event:
            event = {**event, "form": "warrant_1997", **({"terms": terms} if terms else {})}
        out.append(json.dumps(event))
    return out


def _instants(folder: Path) -> list[str]:
    plan = json.loads((folder / "checkpoints.json").read_text(encoding="utf-8"))
    points = plan.get("checkpoints", plan) if isinstance(plan, dict) else plan
    found = {p["as_of"] for p in points if isinstance(p, dict) and "as_of" in p}
    return sorted(found) or ["2099-12-31"]


def _answers(db: Path, folder: Path, terms: dict[str, Any] | None) -> list[Any]:
    ledger = Ledger(str(db))
    try:
        ledger.import_events(read_lines(_lines(folder, terms)))
        out = []
        for as_of in _instants(folder):
            out.append(queries.state(ledger, None, as_of, None).to_json())
            out.append(queries.notices(ledger, None, as_of, None))
        audit = queries.audit(ledger, None, _instants(folder)[-1], None)
        for step in audit["steps"]:
            step["event"] = {k: v for k, v in step["event"].items() if k not in ("recorded", "hash")}
        out.append([audit["steps"], audit["final"]])
        return out
    finally:
        ledger.close()


def _uses_form(folder: Path) -> bool:
    return any('"form"' in line for line in _lines(folder, None) if '"WarrantIssued"' in line)


@pytest.mark.parametrize("folder", [h for h in HISTORIES if not _uses_form(h)], ids=lambda p: p.name)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(named=st.lists(st.sampled_from(sorted(TERMS_1997)), unique=True, max_size=6))
def test_naming_the_1997_form_and_restating_its_terms_changes_no_answer(tmp_path_factory, folder, named):
    terms = {name: TERMS_1997[name] for name in named}
    base = tmp_path_factory.mktemp("forms")
    plain = _answers(base / "plain.db", folder, None)
    explicit = _answers(base / "explicit.db", folder, terms)
    assert explicit == plain
