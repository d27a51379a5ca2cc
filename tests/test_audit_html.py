"""The HTML audit report, rendered by a real headless browser.

Runs where ``CAPTABLE_TEST_BROWSER`` names a Chromium binary or one is on the
PATH; ``.ci/run`` installs Debian's chromium and sets the variable, and then
a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from captable import audit_html, queries
from captable.ledger import Ledger
from tests.conftest import JUNIPER
from tests.test_audit import import_with_recorded
from tests.test_obligations import golden

REQUIRED = os.environ.get("CAPTABLE_TEST_BROWSER")
BROWSER = shutil.which(REQUIRED or "chromium") or shutil.which("chromium-browser")


@pytest.fixture
def report(tmp_path: Path) -> tuple[Path, dict]:
    ledger = Ledger(str(tmp_path / "juniper.db"))
    try:
        import_with_recorded(ledger, JUNIPER / "events.jsonl")
        body = queries.audit(ledger, "juniper", "2003-12-31", None)
    finally:
        ledger.close()
    page = tmp_path / "audit.html"
    page.write_text(audit_html.page(body), encoding="utf-8")
    return page, body


def test_the_page_is_self_contained_and_golden(report):
    page, _ = report
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "the report must not load anything"
    assert "<script" not in text
    golden("juniper_audit.html", text)


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    if BROWSER is None:
        if REQUIRED:
            pytest.fail(f"CAPTABLE_TEST_BROWSER={REQUIRED} but no such browser is installed")
        pytest.skip("no headless Chromium: install Debian's chromium or set CAPTABLE_TEST_BROWSER to run")
    return subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", *args], capture_output=True, text=True, timeout=120)


def test_chromium_renders_the_chart_and_every_step(report, tmp_path):
    page, body = report
    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Uncaught" not in dom.stderr and "Failed to load" not in dom.stderr
    assert dom.stdout.count("<svg") == 2 and 'd="M' in dom.stdout  # P and N, each a drawn path
    rows = re.findall(r"<tr><td class=\"n\">(\d+)</td>", dom.stdout)
    assert [int(n) for n in rows] == list(range(1, len(body["steps"]) + 1))
    shot = tmp_path / "audit.png"
    picture = _chromium(f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri())
    assert picture.returncode == 0 and shot.stat().st_size > 10_000
