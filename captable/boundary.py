"""The one place where whatever went wrong becomes a coded refusal (DESIGN §7).

No input, option, store content or environment ends in a traceback. A
``Refused`` passes through as it is; a failure of the environment (a file, a
folder, the database server, the memory) becomes the refusal that says what
to do; anything else is an ``internal_error`` naming the exception, which is
a defect to report. ``CAPTABLE_TRACEBACK=1`` prints the traceback as well.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import traceback
from typing import Any

from captable import errors


def refusal(error: BaseException) -> errors.Refused:
    """``error`` as the coded refusal a user sees."""
    if isinstance(error, errors.Refused):
        return error
    unavailable, unreadable = _store_errors()
    if isinstance(error, unavailable):
        return errors.StoreUnavailable(f"the store failed: {_first_line(error)}; nothing was stored by this command")
    if isinstance(error, unreadable):
        return errors.NotAStore(f"the store cannot be read: {_first_line(error)}")
    if isinstance(error, OSError):
        place = f" ({error.filename})" if error.filename else ""
        return errors.FileFailed(f"{error.strerror or _first_line(error)}{place}", value=error.filename)
    if isinstance(error, RecursionError):
        return errors.MalformedJson("the input is nested too deeply to be an event")
    if isinstance(error, MemoryError):
        return errors.Internal("out of memory; nothing was stored by this command")
    return errors.Internal(f"unexpected {type(error).__name__}: {_first_line(error)}. This is a defect in captable; "
                           "please report it with the command that caused it (CAPTABLE_TRACEBACK=1 shows where)")


def explain(error: BaseException) -> errors.Refused:
    """The refusal, with the traceback on standard error when asked for."""
    if os.environ.get("CAPTABLE_TRACEBACK") and not isinstance(error, errors.Refused):
        traceback.print_exception(error)
    return refusal(error)


def _first_line(error: BaseException) -> str:
    text: Any = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__



def _store_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """The store's errors: (unavailable, unreadable). Its library is imported only by the commands that
    open a store, and none of its errors can arise without it."""
    persistence = sys.modules.get("eventsourcing.persistence")
    if persistence is None:
        return (sqlite3.OperationalError,), (sqlite3.DatabaseError,)
    return ((persistence.OperationalError, persistence.InterfaceError, sqlite3.OperationalError),
            (persistence.PersistenceError, sqlite3.DatabaseError))
