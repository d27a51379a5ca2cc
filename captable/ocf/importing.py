"""``captable ocf import``: the package's events stored all or none (``Ledger.import_events``), and the
import report: what was mapped (by OCF object type), kept without being modelled, and refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from captable import errors
from captable.ocf import load
from captable.ocf.mapping import Mapping, Problem
from captable.ocf.package import Package

if TYPE_CHECKING:
    from captable.ledger import ImportReport, Ledger


def prepare(path: Path, company: str | None = None, timezone: str | None = None) -> tuple[Package, Mapping]:
    """Read and map the package, before any store is opened: a refused package creates no store."""
    package, out = load(path, company, timezone)
    if out.refused:
        raise refusal(out.refused)
    return package, out


def store(ledger: Ledger, package: Package, out: Mapping) -> dict[str, Any]:
    """Store every mapped event or none; a refusal by the engine's rules names the OCF object it came from."""
    numbered = [replace(event, line=n) for n, event in enumerate(out.events, start=1)]
    try:
        stored = ledger.import_events(numbered)
    except errors.Refused as refused:
        if not refused.line or refused.line > len(out.origins):
            raise
        origin = out.origins[refused.line - 1]
        raise refusal([Problem(origin.file, origin.object_type, origin.id, f"{refused.code}: {refused.message}"
                               + (f" (field {refused.field})" if refused.field else ""))]) from None
    return report(package, out, stored)


def import_package(ledger: Ledger, path: Path, company: str | None = None,
                   timezone: str | None = None) -> dict[str, Any]:
    """Import the package at ``path``: a refused object refuses the whole package, and nothing is stored."""
    package, out = prepare(path, company, timezone)
    return store(ledger, package, out)


def refusal(problems: list[Problem]) -> errors.OcfPackageRefused:
    """One refusal per refused object, reported together (the first carries the others), nothing stored."""
    each = [errors.OcfPackageRefused(f"{p.text}; nothing of the package is stored", field=p.object_type,
                                     value=f"{p.file}: {p.id}", event=p.id) for p in problems]
    each[0].others = each[1:]  # type: ignore[attr-defined]
    return each[0]


def report(package: Package, out: Mapping, stored: ImportReport | None) -> dict[str, Any]:
    return {
        "package": package.name,
        "ocf_version": package.version,
        "company": out.company,
        "timezone": out.timezone,
        "timezone_reason": out.zone_reason,
        "mapped": {kind: ids for kind, ids in sorted(out.mapped.items())},
        "kept": [p.to_json("handling") for p in out.kept],
        "refused": [p.to_json("reason") for p in out.refused],
        "reordered": out.reordered,
        "upgraded": package.upgraded,
        "warnings": package.warnings,
        "events": len(out.events),
        "stored": sum(stored.stored.values()) if stored else 0,
        "already_stored": stored.already_stored if stored else 0,
    }


def report_text(body: dict[str, Any]) -> list[str]:
    """The report for a person: one line per object type mapped, per object kept or refused."""
    lines = [f"OCF {body['ocf_version']} package {body['package']} as company {body['company']} "
             f"(time zone {body['timezone']}: {body['timezone_reason']})", "Mapped:"]
    lines += [f"  {kind}: {len(ids)}" for kind, ids in body["mapped"].items()]
    if body["kept"]:
        lines.append("Kept, not modelled:")
        lines += [f"  {k['object_type']} {k['id']} ({k['file']}): {k['handling']}" for k in body["kept"]]
    if body["upgraded"]:
        lines.append(f"Upgraded from OCF {body['ocf_version']}:")
        lines += [f"  {step}" for step in body["upgraded"]]
    if body["reordered"]:
        lines.append("Reordered (applied by date, not in the order listed):")
        lines += [f"  {r['object_type']} {r['id']} ({r['file']}, {r['date']}) before {r['applied_before']} "
                  f"({r['its_date']}), which is listed first" for r in body["reordered"]]
    lines += [f"Warning: {w}" for w in body["warnings"]]
    lines.append(f"Stored {body['stored']} of {body['events']} events; {body['already_stored']} already stored.")
    return lines
