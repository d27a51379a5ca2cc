"""What the OCF export tests check a package by: pyocf's models, the OCF v1.2.0 JSON schemas (vendored in
tests/ocf_schemas), and a comparison of two packages up to ids and order."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parent / "ocf_schemas" / "schema"
BASE = "https://schema.opencaptablecoalition.com/v/1.2.0/"
FILE_SCHEMAS = {
    "OCF_MANIFEST_FILE": ("OCFManifestFile", "ocfmanifestfile"),
    "OCF_STAKEHOLDERS_FILE": ("StakeholdersFile", "stakeholdersfile"),
    "OCF_STOCK_CLASSES_FILE": ("StockClassesFile", "stockclassesfile"),
    "OCF_STOCK_PLANS_FILE": ("StockPlansFile", "stockplansfile"),
    "OCF_VALUATIONS_FILE": ("ValuationsFile", "valuationsfile"),
    "OCF_TRANSACTIONS_FILE": ("TransactionsFile", "transactionsfile"),
    "OCF_VESTING_TERMS_FILE": ("VestingTermsFile", "vestingtermsfile"),
    "OCF_STOCK_LEGEND_TEMPLATES_FILE": ("StockLegendTemplatesFile", "stocklegendtemplatesfile"),
}


@cache
def registry() -> Registry:
    resources = []
    for path in SCHEMAS.rglob("*.schema.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        resources.append((body["$id"], Resource.from_contents(body)))
    return Registry().with_resources(resources)


def schema_errors(body: dict[str, Any]) -> list[str]:
    """Every error of one package file under the OCF v1.2.0 JSON schema of its file_type."""
    name = FILE_SCHEMAS[body["file_type"]][0]
    schema = registry().get_or_retrieve(f"{BASE}files/{name}.schema.json").value.contents
    validator = Draft7Validator(schema, registry=registry())
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in validator.iter_errors(body)]


def pyocf_check(body: dict[str, Any]) -> None:
    """The file read by pyocf's model of its file_type (pydantic 2): raises on anything OCF refuses."""
    import importlib

    name, module = FILE_SCHEMAS[body["file_type"]]
    model = getattr(importlib.import_module(f"pyocf.files.{module}"), name)
    model.model_validate_json(json.dumps(body))


def files(folder: Path) -> dict[str, dict[str, Any]]:
    bodies = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
    return {name: body for name, body in bodies.items() if isinstance(body, dict) and "file_type" in body}


# What the engine does not keep of an OCF object it maps (docs/ocf.md): these fields are compared only where
# the engine writes them from what it holds.
NOT_KEPT = {"comments", "custom_id", "security_law_exemptions", "stock_legend_ids", "consideration_text",
            "board_approval_date", "stockholder_approval_date", "share_price_paid"}
STAKEHOLDER_KEPT = {"object_type", "name", "addresses"}
CLASS_KEPT = {"object_type", "name", "class_type", "initial_shares_authorized", "conversion_rights"}


def normalised(folder: Path) -> list[str]:
    """A package as a sorted list of canonical objects: ids replaced by what they name (a stakeholder by its
    legal name, a security by its holder, class and quantity), the fields the engine does not keep left out."""
    items = [i for body in files(folder).values() for i in body.get("items", [])]
    names = {i["id"]: i["name"]["legal_name"] for i in items if i["object_type"] == "STAKEHOLDER"}
    securities = {i["security_id"]: f"{names.get(i['stakeholder_id'])}|{i.get('stock_class_id')}|{i.get('quantity')}"
                  for i in items if "security_id" in i and "stakeholder_id" in i}

    def canonical(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: canonical(v, k) for k, v in value.items() if k not in NOT_KEPT and k != "id"}
        if isinstance(value, list):
            return sorted((canonical(v, key) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        if key in ("security_id", "balance_security_id", "resulting_security_ids"):
            return securities.get(value, value)
        if key == "stakeholder_id":
            return names.get(value, value)
        if key in ("amount", "quantity", "new_shares_authorized", "initial_shares_authorized", "numerator",
                   "denominator", "quantity_converted", "converts_to_quantity", "conversion_discount", "rate"):
            from fractions import Fraction
            return str(Fraction(value))
        return value

    resulting = {r for i in items for r in [*i.get("resulting_security_ids", []), i.get("balance_security_id")]
                 if i["object_type"] in ("TX_STOCK_TRANSFER", "TX_STOCK_CANCELLATION", "TX_STOCK_REPURCHASE")}
    out = []
    for item in items:
        item = known_losses(item, resulting)
        kind = item["object_type"]
        if kind == "STAKEHOLDER":
            item = {k: v for k, v in item.items() if k in STAKEHOLDER_KEPT}
            item["name"] = {"legal_name": item["name"]["legal_name"]}
            item["addresses"] = [_one_line(a) for a in item.get("addresses", [])[:1]]
        elif kind == "STOCK_CLASS":
            item = {k: v for k, v in item.items() if k in CLASS_KEPT}
            for right in item.get("conversion_rights", []):
                right["conversion_mechanism"].pop("conversion_price", None)
        elif kind == "TX_STOCK_CLASS_CONVERSION_RATIO_ADJUSTMENT":
            item = {**item, "new_ratio_conversion_mechanism": {
                k: v for k, v in item["new_ratio_conversion_mechanism"].items() if k != "conversion_price"}}
        out.append(json.dumps(canonical(item), sort_keys=True, ensure_ascii=False))
    return sorted(out)


# Objects an OCF import keeps as RecordKept facts: written back as they were, so they name stakeholders and
# securities by the package's own ids, which the engine does not keep for the objects it maps.
KEPT_TYPES = ("TX_STOCK_ACCEPTANCE", "TX_WARRANT_ACCEPTANCE", "TX_EQUITY_COMPENSATION_ACCEPTANCE")
# What the engine keeps of an option grant: its holder, class, shares, exercise price, plan, compensation type,
# expiration date and termination windows (OptionsIssued); not the deprecated option_grant_type (compensation_type
# says the same), whether it may be exercised early, or its vesting.
GRANT_NOT_KEPT = ("option_grant_type", "early_exercisable", "vesting_terms_id", "vestings")


def known_losses(item: dict[str, Any], resulting: set[str]) -> dict[str, Any]:
    """What the engine does not keep of a package it imports (docs/ocf.md, "What a round trip loses"), made
    the same on both sides so that everything else is compared: a repurchase is a cancellation (its price is
    not kept), a security that results from a transfer or cancellation keeps no price of its own, a warrant's
    trigger is renamed, an issuance under a plan names the first plan kept, an option grant keeps no vesting
    and no deprecated option_grant_type, a convertible's trigger is kept as its terms, and a kept acceptance names
    the exported security of the same holding."""
    item = dict(item)
    if item["object_type"] == "TX_STOCK_REPURCHASE":
        item = {k: v for k, v in item.items() if k != "price"}
        item["object_type"] = "TX_STOCK_CANCELLATION"
    if item["object_type"] == "TX_STOCK_CANCELLATION":
        item.pop("reason_text", None)
    if item["object_type"] == "TX_STOCK_ISSUANCE" and item.get("security_id") in resulting:
        item.pop("share_price", None)
    if item["object_type"] == "TX_STOCK_ISSUANCE":
        item.pop("stock_plan_id", None)  # the engine keeps only that shares were issued under a plan
    if item["object_type"] == "TX_EQUITY_COMPENSATION_ISSUANCE":
        item = {k: v for k, v in item.items() if k not in GRANT_NOT_KEPT}
    if item["object_type"] == "TX_CONVERTIBLE_ISSUANCE":
        item = {k: v for k, v in item.items() if k != "pro_rata"}
        item["conversion_triggers"] = [convertible_trigger(t) for t in item.get("conversion_triggers", [])]
    item.pop("trigger_id", None)
    for trigger in item.get("exercise_triggers", []):
        trigger.pop("trigger_id", None)
    if item["object_type"].startswith(KEPT_TYPES):
        for key in ("stakeholder_id", "security_id", "resulting_security_ids"):
            item.pop(key, None)
    return item


def convertible_trigger(trigger: dict[str, Any]) -> dict[str, Any]:
    """What the engine keeps of a convertible's conversion trigger: its mechanism's cap, discount and interest
    rates, and a date trigger's date (a note's maturity); its kind, condition and timing only as the terms text."""
    right = dict(trigger["conversion_right"])
    right["conversion_mechanism"] = {k: v for k, v in right["conversion_mechanism"].items()
                                     if k != "conversion_timing"}
    kept = {"conversion_right": right}
    if trigger.get("type") == "AUTOMATIC_ON_DATE":
        kept["trigger_date"] = trigger["trigger_date"]
    return kept


def _one_line(address: dict[str, Any]) -> str:
    from captable.ocf.mapping import address_text
    return str(address_text({**address, "address_type": "CONTACT"}))
