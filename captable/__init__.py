"""captable: an event-sourced cap-table engine for warrants.

``captable.open(db)`` opens a store's books for Python (``captable.api``);
the command line (``captable.cli``) and the HTTP service (``captable.service``)
give the same answers. The library loads on first use, so that importing
the package (which every command does) stays cheap.
"""

from __future__ import annotations

from typing import Any

_LAZY = {"open": "captable.api", "Books": "captable.api", "Refused": "captable.errors"}

__all__ = ["open", "Books", "Refused"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'captable' has no attribute {name!r}")
