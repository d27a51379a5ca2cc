"""Open Cap Format (OCF v1.2.0, the Open Cap Table Coalition's interchange standard) into the engine's events.

``load`` reads a package (``package``), maps its objects in order (``translate``), prices its warrant
exercises with the engine's rules (``payments``) and returns the events with the import report's parts
(``mapping.Mapping``); ``Ledger.import_events`` then stores all of them or none.
"""

from __future__ import annotations

from pathlib import Path

from captable.instants import parse_date
from captable.ocf import mapping as m
from captable.ocf.mapping import Mapping
from captable.ocf.package import Item, Package, read_package
from captable.ocf.payments import price_exercises
from captable.ocf.translate import Translator
from captable.ocf.zones import issuer_zone

ISSUANCES = ("TX_STOCK_ISSUANCE", "TX_WARRANT_ISSUANCE", "TX_EQUITY_COMPENSATION_ISSUANCE")
# Transactions whose resulting securities the transaction itself maps (the transferee's shares, a balance, the
# shares an exercise or conversion issues): their issuances are not new issues.
RESULTING = ("TX_STOCK_TRANSFER", "TX_STOCK_CANCELLATION", "TX_STOCK_REPURCHASE", "TX_STOCK_CONVERSION",
             "TX_STOCK_REISSUANCE", "TX_STOCK_CONSOLIDATION", "TX_WARRANT_EXERCISE", "TX_WARRANT_CANCELLATION",
             "TX_WARRANT_TRANSFER", "TX_EQUITY_COMPENSATION_EXERCISE", "TX_EQUITY_COMPENSATION_RELEASE",
             "TX_EQUITY_COMPENSATION_CANCELLATION", "TX_EQUITY_COMPENSATION_TRANSFER")


def load(path: Path, company: str | None = None, timezone: str | None = None) -> tuple[Package, Mapping]:
    package = read_package(path)
    return package, translate(package, company, timezone)


def translate(package: Package, company: str | None = None, timezone: str | None = None) -> Mapping:
    from captable.ocf.restore import restored  # a package captable exported: its own events, exactly

    again = restored(package, company)
    if again is not None:
        return again
    issuer = package.issuer
    zone, why = (timezone, "given with --timezone") if timezone else issuer_zone(issuer)
    out = Mapping(company or str(issuer.get("id")), zone, why)
    formed = _company_formed(package, out)
    if formed is None:
        return out
    stakeholders = {i.id: i for i in package.items if i.object_type == "STAKEHOLDER"}
    issuances = {str(i.data.get("security_id")): i for i in package.items if i.object_type in ISSUANCES}
    translator = Translator(out, formed, issuances, stakeholders, f"OCF {package.version}")
    for item in package.items:
        results = item.data.get("resulting_security_ids")
        results = results if isinstance(results, list) else []  # another shape is refused when the object is mapped
        if item.object_type in RESULTING:
            for result in [*results, item.data.get("balance_security_id"), item.data.get("resulting_security_id")]:
                if result is not None:
                    translator.consumed[str(result)] = item.id
    if stakeholders:
        out.mapped["STAKEHOLDER"] = list(stakeholders)
    out.reordered = reordered(package.items)
    for item in ordered(package.items):
        if item.object_type != "STAKEHOLDER":
            translator.map(item)
    if not out.refused:
        price_exercises(out)
    return out


def ordered(items: list[Item]) -> list[Item]:
    """Stock classes first (common before preferred, which converts into it), then the other objects that
    carry no date, then the transactions by date, within a day in the order of their files."""
    def key(item: Item) -> tuple[int, str, int, str, int]:
        if item.object_type == "STOCK_CLASS":
            return (0, "", 0 if item.data.get("class_type") == "COMMON" else 1, item.file, item.index)
        when = item.data.get("date")
        if not item.object_type.startswith(("TX_", "CE_")) or not isinstance(when, str):
            return (1, "", 0, item.file, item.index)
        return (2, when, 0, item.file, item.index)
    return sorted(items, key=key)


def reordered(items: list[Item]) -> list[dict[str, str]]:
    """The transactions a package lists after one of a later date: applied by their dates, and reported."""
    moved, latest = [], None
    for item in items:
        when = item.data.get("date")
        if not item.object_type.startswith(("TX_", "CE_")) or not isinstance(when, str):
            continue
        if latest is not None and when < str(latest.data["date"]):
            moved.append({"file": item.file, "object_type": item.object_type, "id": item.id, "date": when,
                          "applied_before": latest.id, "its_date": str(latest.data["date"])})
        elif latest is None or when > str(latest.data["date"]):
            latest = item
    return moved


def _company_formed(package: Package, out: Mapping) -> str | None:
    """The issuer as CompanyFormed; its formation day, or None when the issuer is refused."""
    issuer = package.issuer
    item = Item(package.manifest_file, 0, issuer)
    formed = issuer.get("formation_date")
    try:
        if not isinstance(formed, str):
            raise m.Inconsistent("the issuer needs a formation_date: the company's history begins on it")
        parse_date(formed)
        event = m.parsed(item, {
            "type": "CompanyFormed", "id": m.event_id(str(issuer.get("id"))), "effective": formed,
            "company": out.company, "name": issuer.get("legal_name"), "timezone": out.timezone,
            "address": m.address_text(issuer.get("address")) or "not stated in the OCF package"})
    except (m.Inconsistent, ValueError) as problem:
        out.refused.append(m.Problem(item.file, "ISSUER", item.id, str(problem)))
        return None
    out.events.append(event)
    out.origins.append(item)
    out.mapped["ISSUER"] = [item.id]
    return formed


__all__ = ["Mapping", "Package", "load", "read_package", "translate"]
