"""``captable ocf export``: a company's history up to an instant as an OCF v1.2.0 package.

The package holds what OCF can say (``export_objects`` writes each event as its objects) and, in the
manifest's ``comments``, every exported event of the engine as it is stored, one comment each
(``captable:event {...}``: its place in the stream, its recorded instant, the event, and a SHA-256 of each
object it became). ``captable ocf import`` restores those events exactly when every object is as exported
(``restore``), so notices sent, reports delivered, quotes and the exact instants travel too; any other
reader sees an ordinary package.

The package is built in memory, written to a temporary sibling of OUT and renamed onto it: a refusal, or a
failure half-way, leaves nothing at OUT. Its bytes depend only on the stored events and the instants asked
(``as_of`` is the last effective day exported when no instant is given, ``generated_at`` the last recorded
instant exported), so two exports of the same store are the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from captable import errors
from captable.events import EventRetracted
from captable.instants import start_of
from captable.ocf.export_objects import Objects, Writer, without_comments
from captable.ocf.mapping import original
from captable.ocf.package import LISTS
from projections.fold import initial_state
from projections.timeline import in_effective_order, known_at
from projections.views import state_json

if TYPE_CHECKING:
    from captable.ledger import Ledger

MARKER = "captable:event "
# The package's files, by the manifest list that names them, in the order the manifest lists them.
FILES = {
    "stakeholders": ("stakeholders_files", "Stakeholders.ocf.json"),
    "stock_classes": ("stock_classes_files", "StockClasses.ocf.json"),
    "stock_plans": ("stock_plans_files", "StockPlans.ocf.json"),
    "stock_legend_templates": ("stock_legend_templates_files", "StockLegendTemplates.ocf.json"),
    "vesting_terms": ("vesting_terms_files", "VestingTerms.ocf.json"),
    "valuations": ("valuations_files", "Valuations.ocf.json"),
    "transactions": ("transactions_files", "Transactions.ocf.json"),
    "financings": ("financings_files", "Financings.ocf.json"),
    "documents": ("documents_files", "Documents.ocf.json"),
}
REQUIRED_LISTS = ("stock_plans_files", "stock_legend_templates_files", "stock_classes_files", "vesting_terms_files",
                  "valuations_files", "transactions_files", "stakeholders_files")  # OCFManifestFile's required


def digest(item: dict[str, Any]) -> str:
    """What a marker checks an object by: its canonical JSON without its comments."""
    return hashlib.sha256(original(without_comments(item)).encode("utf-8")).hexdigest()


def file_bytes(body: dict[str, Any]) -> bytes:
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class Built:
    """A package in memory: its files' bytes by name (the manifest first) and the report."""

    files: dict[str, bytes] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)


def build(ledger: Ledger, company: str | None, as_of: str | None, known: str | None) -> Built:
    """The package of ``company``'s history effective up to ``as_of``, as known at ``known``."""
    from captable.queries import view  # refuses an unknown company and a malformed instant

    asked = view(ledger, company, as_of, known)
    history, until, knowing = asked.history, asked.as_of.at, asked.known_at.at
    zone = history.zone
    entries = [e for e in in_effective_order(known_at(history.entries, knowing)) if e.effective <= until]
    writer = Writer(zone, initial_state(entries))
    for entry in entries:
        writer.write(entry)
    objects = writer.out
    if objects.issuer is None:
        raise errors.BadOption(f"{history.company!r} has no CompanyFormed effective by then: an OCF package needs "
                               "its issuer", field="as_of", value=as_of)
    state = writer.state
    for warrant in state.warrants.values():  # the address notices go to now (§12)
        objects.holders[warrant.holder.name] = warrant.holder.address
    writer.conversion_results()
    writer.stakeholders()
    _adjustment_comments(objects, state_json(state, until, asked.as_of_text, None))

    records = _records(history.records, zone, until, knowing)
    digests = {item["id"]: digest(item) for items in objects.files.values() for item in items}
    digests[objects.issuer["id"]] = digest(objects.issuer)
    markers = [MARKER + json.dumps({
        "seq": n, "recorded": r.timestamp.astimezone(UTC).isoformat(), "event": r.fact.content(),
        "objects": {oid: digests[oid] for oid in objects.made.get(str(r.fact.id), [])},
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for n, r in enumerate(records, start=1)]
    last_day = max((e.effective for e in entries), default=until).astimezone(zone).date()
    generated = max((r.timestamp for r in records), default=until).astimezone(UTC).isoformat()

    built = Built()
    manifest: dict[str, Any] = {
        "ocf_version": "1.2.0", "file_type": "OCF_MANIFEST_FILE", "issuer": objects.issuer,
        "as_of": (until.astimezone(zone).date() if as_of is not None else last_day).isoformat(),
        "generated_at": generated,
        "comments": [f"Exported by captable from company {history.company!r}'s events"
                     f"{' effective up to ' + as_of if as_of else ''}{' as known at ' + known if known else ''}. "
                     f"Each '{MARKER.strip()}' comment below is one stored event, in stream order; captable's "
                     "import restores them exactly while the objects they name are unchanged.", *markers],
    }
    listed: dict[str, list[dict[str, str]]] = {key: [] for key in REQUIRED_LISTS}
    for kind, (key, name) in FILES.items():
        items = objects.files.get(kind)
        if not items:
            continue
        content = file_bytes({"file_type": LISTS[key], "items": items})
        built.files[name] = content
        listed.setdefault(key, []).append({"filepath": f"./{name}", "md5": hashlib.md5(content).hexdigest()})  # noqa: S324
    manifest.update(listed)
    built.files = {"Manifest.ocf.json": file_bytes(manifest), **built.files}
    built.report = {
        "company": history.company, "as_of": as_of, "known_at": known, "ocf_version": "1.2.0",
        "files": [{"path": name, "bytes": len(content), "md5": hashlib.md5(content).hexdigest()}  # noqa: S324
                  for name, content in built.files.items()],
        "objects": objects.count(), "events": len(records),
        "events_in_comments_only": [str(r.fact.id) for r in records if str(r.fact.id) not in objects.made],
        "not_written": objects.not_written,
    }
    return built


def _records(records: Any, zone: Any, until: datetime, knowing: datetime) -> list[Any]:
    """The stored events the package carries: recorded by ``knowing`` and effective by ``until``, and the
    retractions (which count from when they are recorded) of any of those."""
    kept = [r for r in records if r.timestamp <= knowing and start_of(r.fact.effective, zone) <= until
            and not isinstance(r.fact, EventRetracted)]
    ids = {str(r.fact.id) for r in kept}
    return [r for r in records if r.timestamp <= knowing and (
        str(r.fact.id) in ids or (isinstance(r.fact, EventRetracted) and r.fact.event in ids))]


def _adjustment_comments(objects: Objects, state: dict[str, Any]) -> None:
    """Each warrant's adjustments on its issuance: carried by the OCF transaction named, or, where OCF has no
    transaction that changes a warrant's price or shares, stated by the comment itself."""
    issuances = {item["security_id"]: item for item in objects.files.get("transactions", [])
                 if item["object_type"] == "TX_WARRANT_ISSUANCE"}
    for warrant in state["warrants"]:
        item = issuances.get(warrant["warrant"])
        if item is None:
            continue
        for change in warrant["adjustments"]:
            made = [oid for oid in objects.made.get(change["event"], [])
                    if objects.types.get(oid, "").startswith("TX_STOCK_CLASS_")]
            carried = (f"carried by the OCF {objects.types[made[0]]} {made[0]}" if made else
                       "OCF v1.2.0 has no transaction that adjusts a warrant's price or shares: this comment "
                       "records it")
            item.setdefault("comments", []).append(
                f"{change['section']} adjustment by event {change['event']}: Stock Purchase Price "
                f"{change['price_before']} → {change['price_after']}, shares purchasable {change['shares_before']} "
                f"→ {change['shares_after']} ({change['formula']}); {carried}")
        item.setdefault("comments", []).append(
            f"as of the package: Stock Purchase Price {warrant['stock_purchase_price']}, shares purchasable "
            f"{warrant['shares_purchasable']} of {warrant['security']['class']}, status {warrant['status']}")


def write(built: Built, out: Path) -> None:
    """The package at ``out``: a folder, or a zip when the name ends in .zip; nothing there on a refusal."""
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        raise errors.FileFailed(f"{out} exists and is not an empty folder: the export writes only a new package",
                                field="out", value=str(out))
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise errors.FileFailed(f"no folder {parent} to write the package in", field="out", value=str(out))
    if out.suffix.lower() == ".zip":
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=parent)
        try:
            with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, content in built.files.items():
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # the same bytes each time
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, content)
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return
    folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        for name, content in built.files.items():
            (folder / name).write_bytes(content)
        folder.chmod(0o755)
        if out.exists():
            out.rmdir()
        folder.rename(out)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def export_package(ledger: Ledger, out: Path, company: str | None = None, as_of: str | None = None,
                   known: str | None = None) -> dict[str, Any]:
    """Build and write the package; the report (files, object counts, what OCF could not hold)."""
    built = build(ledger, company, as_of, known)
    write(built, out)
    return {**built.report, "out": str(out)}


def report_text(body: dict[str, Any]) -> list[str]:
    lines = [f"OCF {body['ocf_version']} package of {body['company']} at {body['out']}: {body['events']} events"]
    lines += [f"  {f['path']} ({f['bytes']} bytes, md5 {f['md5']})" for f in body["files"]]
    lines.append("Objects:")
    lines += [f"  {kind}: {count}" for kind, count in body["objects"].items()]
    if body["events_in_comments_only"]:
        lines.append(f"In the manifest's comments only (OCF has no object): {len(body['events_in_comments_only'])}"
                     " events")
    lines += [f"Not written as OCF holdings: {n['type']} {n['event']}: {n['reason']}" for n in body["not_written"]]
    return lines
