"""Progress bars for long commands, on a terminal only.

Quiet when standard error is not a terminal or the output is JSON, so that
scripts and pipes see exactly what they asked for.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Tick = Callable[[], None]


def wanted(as_json: bool) -> bool:
    return not as_json and sys.stderr.isatty()


@contextmanager
def bar(description: str, total: int | None, enabled: bool) -> Iterator[Tick]:
    """A bar that ``tick()`` advances by one; a no-op when not ``enabled``."""
    if not enabled:
        yield lambda: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)
