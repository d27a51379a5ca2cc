"""Progress bars show on a terminal only, and never in JSON output or a pipe."""

from __future__ import annotations

import io

from rich.console import Console

from captable import progress


def test_a_pipe_or_json_output_gets_no_bar(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not progress.wanted(as_json=False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert progress.wanted(as_json=False) and not progress.wanted(as_json=True)


def test_a_bar_counts_its_ticks_on_a_terminal(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(progress, "Console", lambda **_: Console(file=screen, force_terminal=True, width=80))
    with progress.bar("Verifying", 3, True) as tick:
        for _ in range(3):
            tick()
    assert "Verifying" in screen.getvalue() and "3/3" in screen.getvalue()
    with progress.bar("Quiet", 3, False) as tick:
        tick()  # a no-op, and nothing is drawn
