"""A package captable exported, read back as the events it was made from (``export``'s manifest comments).

Each ``captable:event`` comment holds one stored event, its recorded instant and a SHA-256 of every object
it became. When every such object is in the package unchanged (comments aside) and every object but the
stakeholders (written from the holders the events name) belongs to one of them, the events are restored as
they were stored: the same ids, instants, sources and recorded instants, so the new store answers every
question as the old one did. Otherwise the package was changed since: its objects are translated like any
other package's and the report says why the comments were not used.
"""

from __future__ import annotations

import json
from typing import Any

from captable import errors
from captable.intake import parse_event
from captable.ocf.export import MARKER, digest
from captable.ocf.mapping import Mapping, Problem
from captable.ocf.package import Item, Package
from captable.ocf.zones import DEFAULT


def restored(package: Package, company: str | None) -> Mapping | None:
    """The package's own events when it carries them and nothing was changed since; else None."""
    comments = package.manifest.get("comments")
    texts = [c for c in comments if isinstance(c, str)] if isinstance(comments, list) else []
    markers = [c[len(MARKER):] for c in texts if c.startswith(MARKER)]
    if not markers:
        return None
    try:
        bodies = [json.loads(text) for text in markers]
    except ValueError:
        package.warnings.append("a captable:event comment is not JSON: the objects are translated instead")
        return None
    items = {item.id: item for item in package.items}
    issuer = package.issuer
    items[str(issuer.get("id"))] = Item(package.manifest_file, 0, issuer)
    changed = _changed(bodies, items)
    if changed:
        package.warnings.append(f"{changed}; the package was changed since captable exported it, so its objects "
                                "are translated and its captable:event comments are not used")
        return None
    return _mapping(package, bodies, items, company)


def _changed(bodies: list[Any], items: dict[str, Item]) -> str | None:
    """Why the comments cannot be used, or None: an object missing or edited, or one no event made."""
    named: set[str] = set()
    for body in bodies:
        if not isinstance(body, dict) or not isinstance(body.get("objects"), dict) \
                or not isinstance(body.get("event"), dict) or type(body.get("seq")) is not int:
            return "a captable:event comment is not an event with its place and objects"
        for object_id, expected in body["objects"].items():
            item = items.get(object_id)
            if item is None:
                return f"object {object_id} is not in the package"
            if digest(item.data) != expected:
                return f"object {object_id} is not as exported"
            named.add(object_id)
    extra = [i.id for i in items.values() if i.object_type not in ("STAKEHOLDER", "ISSUER") and i.id not in named]
    return f"object {extra[0]} was added" if extra else None


def _mapping(package: Package, bodies: list[Any], items: dict[str, Item], company: str | None) -> Mapping:
    formed = next((b["event"] for b in bodies if b["event"].get("type") == "CompanyFormed"), {})
    zone = formed.get("timezone") or DEFAULT
    out = Mapping(company or formed.get("company") or str(package.issuer.get("id")), zone,
                  "the exported CompanyFormed's" if formed.get("timezone") else "DESIGN §3's default")
    manifest = Item(package.manifest_file, 0, package.manifest)
    for body in sorted(bodies, key=lambda b: b["seq"]):
        data = dict(body["event"])
        if company is not None and "company" in data:
            data["company"] = company
        data["recorded"] = body.get("recorded")
        made = [items[o] for o in body["objects"]]
        origin = made[0] if made else manifest
        try:
            incoming = parse_event(data)
        except errors.Refused as refusal:
            out.refused.append(Problem(origin.file, origin.object_type, str(data.get("id")),
                                       f"{refusal.code}: {refusal.message}"))
            continue
        out.events.append(incoming)
        out.origins.append(origin)
        if incoming.fact.type_name == "RecordKept":
            fact = incoming.fact
            out.kept.append(Problem(origin.file, fact.record_type, fact.record_id,  # type: ignore[attr-defined]
                                    f"kept as a RecordKept fact: {fact.handling}"))  # type: ignore[attr-defined]
        for item in made:
            out.mapped.setdefault(item.object_type, []).append(item.id)
        if not made:
            out.mapped.setdefault("captable:event (manifest comments)", []).append(str(data.get("id")))
    stakeholders = [i.id for i in package.items if i.object_type == "STAKEHOLDER"]
    if stakeholders:
        out.mapped["STAKEHOLDER"] = stakeholders
    return out
