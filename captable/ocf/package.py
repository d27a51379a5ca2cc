"""Reading an Open Cap Format package: a manifest, the folder that holds one, or a zip of either.

The files are read as JSON with the project's own reader (``intake.load_json``): exact numbers, a repeated
key refused. The package is read against the OCF v1.2.0 JSON schemas by hand rather than with ``pyocf``:
pyocf 1.2.0 refuses a manifest of any other ``ocf_version`` and a whole file for one object type it does not
know (an exporter on a newer OCF), and the import must upgrade an older package (``upgrade``) and report such
an object, not lose the file.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from captable import errors
from captable.intake import load_json

MANIFEST = "OCF_MANIFEST_FILE"
# The manifest's lists of files, by the file_type each listed file declares (OCF v1.2.0, OCFManifestFile).
LISTS = {
    "stakeholders_files": "OCF_STAKEHOLDERS_FILE",
    "stock_classes_files": "OCF_STOCK_CLASSES_FILE",
    "transactions_files": "OCF_TRANSACTIONS_FILE",
    "stock_plans_files": "OCF_STOCK_PLANS_FILE",
    "stock_legend_templates_files": "OCF_STOCK_LEGEND_TEMPLATES_FILE",
    "vesting_terms_files": "OCF_VESTING_TERMS_FILE",
    "valuations_files": "OCF_VALUATIONS_FILE",
    "financings_files": "OCF_FINANCINGS_FILE",
    "documents_files": "OCF_DOCUMENTS_FILE",
}
MAX_BYTES = 200 * 1024 * 1024  # a package file larger than this is not a cap table


@dataclass(frozen=True)
class Item:
    """One OCF object and the package file it came from (as the manifest names it)."""

    file: str
    index: int  # its place in the file: within a day, transactions apply in the file's order
    data: dict[str, Any]
    written: dict[str, Any] | None = None  # the object as the package wrote it, when an upgrade changed it

    @property
    def object_type(self) -> str:
        return str(self.data.get("object_type", "?"))

    @property
    def id(self) -> str:
        return str(self.data.get("id", f"{self.file}#{self.index}"))


@dataclass
class Package:
    """What a package holds: its manifest and every object of its listed files, in file order."""

    name: str
    manifest_file: str
    manifest: dict[str, Any]
    items: list[Item] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    upgraded: list[str] = field(default_factory=list)  # the version steps its objects were read through

    @property
    def version(self) -> str:
        return str(self.manifest.get("ocf_version", "?"))

    @property
    def issuer(self) -> dict[str, Any]:
        issuer = self.manifest.get("issuer")
        if not isinstance(issuer, dict):
            raise errors.InvalidEvent("the OCF manifest has no issuer object", field="issuer",
                                      value=self.manifest_file)
        return issuer


Reader = Callable[[str], bytes]


def read_package(path: Path) -> Package:
    """The package at ``path``: a manifest file, a folder holding one, or a zip holding one."""
    if not path.exists():
        raise errors.BadOption(f"no OCF package at {path}", field="path", value=str(path))
    if path.is_dir():
        names = sorted(str(p.relative_to(path).as_posix()) for p in path.rglob("*.json") if p.is_file())
        return _read(path.resolve().name, names, lambda name: _bounded((path / name).read_bytes(), name))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if n.endswith(".json") and not n.endswith("/"))
            sizes = {i.filename: i.file_size for i in archive.infolist()}

            def member(name: str) -> bytes:
                if name not in sizes:
                    raise KeyError(name)
                _bounded(b"", name, sizes[name])
                return archive.read(name)
            return _read(path.name, names, member)
    folder = path.parent
    return _read(folder.resolve().name, None, lambda name: _bounded((folder / name).read_bytes(), name),
                 first=path.name)


def _bounded(data: bytes, name: str, size: int | None = None) -> bytes:
    if (size if size is not None else len(data)) > MAX_BYTES:
        raise errors.InvalidEvent(f"{name} is larger than {MAX_BYTES // 2**20} MB; not an OCF file", value=name)
    return data


def _load(read: Reader, name: str) -> Any:
    try:
        raw = read(name)
    except (KeyError, FileNotFoundError, IsADirectoryError):
        raise errors.InvalidEvent(f"the manifest lists {name}, which the package does not hold", field="filepath",
                                  value=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.MalformedJson(f"{name} is not UTF-8 text", value=name) from None
    try:
        return load_json(text)
    except errors.Refused as refusal:
        refusal.message = f"{name}: {refusal.message}"
        raise


def _read(name: str, candidates: list[str] | None, read: Reader, first: str | None = None) -> Package:
    manifest_file = first if first is not None else _find_manifest(candidates or [], read)
    manifest = _load(read, manifest_file)
    if not isinstance(manifest, dict) or manifest.get("file_type") != MANIFEST:
        raise errors.InvalidEvent(f"{manifest_file} is not an OCF manifest (file_type {MANIFEST})",
                                  field="file_type", value=manifest_file)
    base = PurePosixPath(manifest_file).parent
    package = Package(name, manifest_file, manifest)
    for key, file_type in LISTS.items():
        for listed in _listed(manifest, key):
            relative = str(PurePosixPath(str(listed.get("filepath", ""))))
            actual = str(base / relative) if str(base) != "." else relative
            raw = _raw(read, actual)
            expected = listed.get("md5")
            digest = hashlib.md5(raw).hexdigest()  # noqa: S324 - the checksum OCF chose, not a security measure
            if isinstance(expected, str) and digest != expected.lower():
                package.warnings.append(f"{relative}: its md5 is not the manifest's {expected}; read anyway")
            body = _load(read, actual)
            if not isinstance(body, dict) or body.get("file_type") != file_type:
                raise errors.InvalidEvent(f"{relative} is listed under {key} but is not an {file_type}",
                                          field="file_type", value=relative)
            objects = body.get("items")
            if not isinstance(objects, list):
                raise errors.InvalidEvent(f"{relative} has no list of items", field="items", value=relative)
            for index, data in enumerate(objects):
                if not isinstance(data, dict):
                    raise errors.InvalidEvent(f"{relative}: item {index} is not an object", field="items",
                                              value=relative)
                package.items.append(Item(relative, index, data))
    from captable.ocf.upgrade import to_current  # it reads Package and Item: imported where they exist
    return to_current(package)


def _raw(read: Reader, name: str) -> bytes:
    try:
        return read(name)
    except (KeyError, FileNotFoundError, IsADirectoryError):
        raise errors.InvalidEvent(f"the manifest lists {name}, which the package does not hold", field="filepath",
                                  value=name) from None


def _listed(manifest: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
    listed = manifest.get(key) or []
    if not isinstance(listed, list):
        raise errors.InvalidEvent(f"the manifest's {key} is not a list", field=key)
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("filepath"), str):
            raise errors.InvalidEvent(f"the manifest's {key} has an entry without a filepath", field=key)
        yield entry


def _find_manifest(names: list[str], read: Reader) -> str:
    """The one file whose file_type is the manifest's; by name first (exporters call it Manifest.ocf.json)."""
    ordered = sorted(names, key=lambda n: (0 if "manifest" in n.lower() else 1, n))
    found = []
    for name in ordered:
        try:
            body = load_json(read(name).decode("utf-8"))
        except (errors.Refused, UnicodeDecodeError):
            continue
        if isinstance(body, dict) and body.get("file_type") == MANIFEST:
            found.append(name)
    if len(found) != 1:
        raise errors.InvalidEvent("an OCF package holds exactly one manifest (file_type OCF_MANIFEST_FILE); "
                                  f"found {len(found)}", field="manifest", value=found)
    return found[0]
