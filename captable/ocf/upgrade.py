"""Older OCF packages read as OCF v1.2.0, and an exporter's placeholders for omitted fields read as omitted.

Why JSON and not ``pyocf``: pyocf 1.2.0's models accept only ``ocf_version`` "1.2.0" in a manifest and refuse a
whole file at one object type they do not know, so a 1.0 or 1.1 package, or a newer exporter's, would be lost
whole; reading JSON lets each older object be upgraded by the small steps below, and each unknown one be kept
and reported. What changed between the versions (the OCF schemas at tags v1.0.0, v1.1.0 and v1.2.0):

- 1.0 → 1.1: option grants, exercises, cancellations, releases, retractions, transfers and acceptances were
  renamed from ``TX_PLAN_SECURITY_*`` to ``TX_EQUITY_COMPENSATION_*`` (the old names stayed as aliases, so a
  later package may still use them: they are renamed whatever the version).
- 1.1 → 1.2: a stock plan's ``stock_class_id`` was deprecated for a list, ``stock_class_ids``; a warrant's
  ``quantity`` and ``exercise_price`` became optional; the issuer's authorized shares adjustment, financings and
  documents were added (new objects: nothing to upgrade).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from captable.ocf.package import Item, Package

CURRENT = "1.2.0"
Step = Callable[[dict[str, Any]], dict[str, Any]]


def plan_security_as_equity_compensation(data: dict[str, Any]) -> dict[str, Any]:
    """1.0 → 1.1 (and an alias after): TX_PLAN_SECURITY_X is TX_EQUITY_COMPENSATION_X."""
    kind = data.get("object_type")
    if isinstance(kind, str) and kind.startswith("TX_PLAN_SECURITY_"):
        return {**data, "object_type": "TX_EQUITY_COMPENSATION_" + kind.removeprefix("TX_PLAN_SECURITY_")}
    return data


def plan_class_as_list(data: dict[str, Any]) -> dict[str, Any]:
    """1.1 → 1.2: a stock plan's one ``stock_class_id`` is the list ``stock_class_ids``."""
    if data.get("object_type") == "STOCK_PLAN" and "stock_class_id" in data and "stock_class_ids" not in data:
        body = {k: v for k, v in data.items() if k != "stock_class_id"}
        return {**body, "stock_class_ids": [data["stock_class_id"]]}
    return data


# Each version's steps to the next, in order: a package is read through every step from its own version on.
STEPS: list[tuple[str, str, Step]] = [
    ("1.0.0", "1.1.0", plan_security_as_equity_compensation),
    ("1.1.0", "1.2.0", plan_class_as_list),
]
# Quantities OCF lets an exporter omit, which some write as "0" instead: a warrant for nothing, or a release of
# nothing, is not a fact, so "0" there is read as omitted (the warrant's quantity from its exercise trigger, the
# release's from the shares it results in).
ZERO_MEANS_OMITTED = {"TX_WARRANT_ISSUANCE": "quantity", "TX_EQUITY_COMPENSATION_RELEASE": "quantity"}


def to_current(package: Package) -> Package:
    """The package's objects as v1.2.0 objects, each keeping what it was as written; the report's notes say
    which steps ran and which placeholders were read as omitted."""
    version = package.version
    known = [step[0] for step in STEPS] + [CURRENT]
    if version not in known:
        package.warnings.append(f"OCF version {version!r} is not one this import knows ({', '.join(known)}); "
                                f"read as {CURRENT}")
        start = len(STEPS)
    else:
        start = known.index(version)
    steps = [plan_security_as_equity_compensation, *(step for _, _, step in STEPS[start:])]
    if start < len(STEPS):
        package.upgraded = [f"{a} → {b}: {step.__doc__.splitlines()[0]}" for a, b, step in STEPS[start:]]
    items = []
    for item in package.items:
        data = item.data
        for step in steps:
            data = step(data)
        data = _placeholders_omitted(item, data, package.warnings)
        items.append(item if data is item.data else replace(item, data=data, written=item.data))
    package.items = items
    return package


def _placeholders_omitted(item: Item, data: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    blank = [key for key, value in data.items() if isinstance(value, str) and not value.strip()]
    zero_key = ZERO_MEANS_OMITTED.get(str(data.get("object_type")))
    zero = [zero_key] if zero_key and data.get(zero_key) in ("0", "0.0", "0.00") else []
    if not blank and not zero:
        return data
    named = ", ".join([f"blank {k}" for k in blank] + [f'{k} "0"' for k in zero])
    warnings.append(f"{item.file}: {data.get('object_type')} {data.get('id')}: {named} read as omitted")
    return {k: v for k, v in data.items() if k not in blank and k not in zero}
