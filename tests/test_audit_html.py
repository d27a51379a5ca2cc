"""The HTML audit report, rendered by a real headless browser.

Runs where ``CAPTABLE_TEST_BROWSER`` names a Chromium binary or one is on the
PATH; ``.ci/run`` installs Debian's chromium and sets the variable, and then
a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from datetime import date
from fractions import Fraction
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


LABEL = re.compile(r'<text class="step-label"[^>]*font-weight="bold"[^>]*>([^<]*)</text>'
                   r'<text class="step-label"[^>]*>([^<]*)</text>')


def labels(svg: str) -> list[tuple[str, str]]:
    return [(html.unescape(value), html.unescape(day)) for value, day in LABEL.findall(svg)]


def charts_of(text: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", text, re.S)


def test_every_step_of_p_and_n_is_labelled_with_its_value_and_day(report):
    page, _ = report
    prices, counts = charts_of(page.read_text(encoding="utf-8"))
    assert labels(prices) == [("$8.93", "30 Sep 1997"), ("≈ $5.95", "30 Jun 1999"), ("≈ $1.98", "18 Jan 2000"),
                              ("≈ $0.99", "16 Jun 2000"), ("expired", "15 Dec 2003")]
    assert labels(counts) == [("20,381", "30 Sep 1997"), ("30,571.5", "30 Jun 1999"), ("91,714.5", "18 Jan 2000"),
                              ("183,429", "16 Jun 2000"), ("0", "expired 15 Dec 2003")]


def _last_point(svg: str) -> tuple[int, int]:
    path = re.search(r'<path d="([^"]*)"', svg).group(1)  # type: ignore[union-attr]
    x, y = path.split()[-1][1:].split(",")
    return int(x), int(y)


def _baseline(svg: str) -> int:
    return int(re.search(r'<line x1="70" y1="(\d+)" x2="700"', svg).group(1))  # type: ignore[union-attr]


def test_n_drops_to_zero_at_expiry_as_state_says(report, tmp_path):
    page, body = report
    text = page.read_text(encoding="utf-8")
    prices, counts = charts_of(text)
    assert _last_point(counts) == (audit_html.WIDTH - audit_html.RIGHT, _baseline(counts))  # N is 0 at the end
    assert _last_point(prices)[1] < _baseline(prices)  # P stays what it was
    assert 'stroke-dasharray="4,3"' in counts  # the expiry, a dashed line across the plot
    assert "expired at 5:00 p.m. on 15 Dec 2003" in text
    ledger = Ledger(str(tmp_path / "juniper.db"), read_only=True)
    try:
        [warrant] = queries.state(ledger, "juniper", "2003-12-31", None).to_json()["warrants"]
    finally:
        ledger.close()
    assert (warrant["status"], warrant["shares_purchasable"]) == ("expired", "0")
    [final] = body["final"]
    assert (final["warrant"], final["expires"]) == ("VLL2-C-1", "2003-12-15T17:00:00-08:00")
    assert "<td>183429</td><td>0</td><td>expired</td>" in text  # the units on the books; none purchasable


def test_before_expiry_the_chart_ends_on_the_as_of_day_with_n_unchanged(tmp_path):
    ledger = Ledger(str(tmp_path / "juniper.db"))
    try:
        import_with_recorded(ledger, JUNIPER / "events.jsonl")
        body = queries.audit(ledger, "juniper", "2001-01-01", None)
    finally:
        ledger.close()
    text = audit_html.page(body)
    _, counts = charts_of(text)
    assert labels(counts)[-1] == ("183,429", "16 Jun 2000")
    assert _last_point(counts)[0] == audit_html.WIDTH - audit_html.RIGHT
    assert "expired" not in counts and "stroke-dasharray=\"4,3\"" not in counts


def _overlap(a: audit_html.Placed, b: audit_html.Placed) -> bool:
    """Two boxes in one lane that touch, or a leader that runs through a lower box."""
    if a.lane == b.lane:
        return not (a.left + a.width <= b.left or b.left + b.width <= a.left)
    high, low = (a, b) if a.lane > b.lane else (b, a)
    return low.left <= high.x <= low.left + low.width


@pytest.mark.parametrize("xs", [
    [70, 246, 302, 343, 700],  # Juniper: three steps within eight months
    list(range(70, 700, 10)),  # a step every few weeks
    [300] * 3 + [305, 310],  # on one day
])
def test_labels_are_stacked_in_lanes_and_thinned_out_only_where_no_lane_has_room(xs):
    wanted = [(x, (f"≈ {x},000.00", "30 Sep 1997")) for x in xs]
    placed, left_out = audit_html.place(wanted, 4, audit_html.WIDTH - 4)
    assert sorted([p.index for p in placed] + left_out) == list(range(len(xs)))
    ends = {0, len(xs) - 1} if xs[-1] - xs[0] > 200 else {0}
    assert ends <= {p.index for p in placed}  # the ends stay named where they are apart
    for a in placed:
        assert 4 <= a.left and a.left + a.width <= audit_html.WIDTH - 4 and a.left <= a.x <= a.left + a.width
        assert a.lane < audit_html.LANES
        assert not any(_overlap(a, b) for b in placed if b is not a)
    if len(xs) == 5 and xs[0] == 70:
        assert not left_out
    for i in left_out:  # nothing left out could have gone anywhere
        x, lines = wanted[i]
        width = round(max(len(line) for line in lines) * audit_html.CHAR) + 6
        assert all(any(_overlap(audit_html.Placed(i, x, left, width, lane, lines), p) for p in placed)
                   for lane in range(audit_html.LANES) for left in range(max(4, x - width), x + 1))


def _dense_body() -> dict:
    """A warrant adjusted every month of 2001, expiring in 2003."""
    steps = []
    price, units = Fraction(10), Fraction(1000)
    for i, day in enumerate([date(2000, 1, 1)] + [date(2001, m, 1) for m in range(1, 13)]):
        terms = {"status": "outstanding", "holder": "H", "certificate": "C", "security": {"issuer": "I", "class": "c"},
                 "stock_purchase_price": f"{price.numerator}/{price.denominator}",
                 "shares_purchasable": f"{units.numerator}/{units.denominator}", "conversion_ratio": None,
                 "entitlements": []}
        steps.append({"step": i + 1, "event": {"id": f"split-{i}", "type": "StockSplit", "phase": None,
                                               "effective": f"{day}T00:00:00-08:00", "recorded": "2020-01-01T00:00:00+00:00",
                                               "source": None, "hash": None},
                      "sections": "§4.1", "conventions": [], "findings": [],
                      "changes": [{"warrant": "W", "before": None, "after": terms, "adjustments": []}],
                      "obligations_created": [], "obligations_discharged": [], "breaches": [], "cured": [], "notes": []})
        price, units = price * Fraction(9, 10), units * Fraction(10, 9)
    final = {**steps[-1]["changes"][0]["after"], "warrant": "W", "status": "expired",
             "expires": "2003-12-15T17:00:00-08:00"}
    return {"company": "acme", "name": "Acme", "as_of": "2004-01-31", "known_at": None, "warrant": None,
            "stored_events": 13, "head": "0" * 64, "steps": steps, "final": [final]}


def test_a_crowded_chart_names_the_days_whose_labels_it_left_out():
    text = audit_html.page(_dense_body())
    prices, _ = charts_of(text)
    shown = [day for _, day in labels(prices)]
    assert shown[0] == "1 Jan 2000" and shown[-1] == "15 Dec 2003" and len(shown) < 14
    note = re.search(r'<p class="chart-note">([^<]*)</p>', text).group(1)  # type: ignore[union-attr]
    left_out = re.search(r"Labels of P left out where they would overlap \(the points are drawn\): ([^.]*)\.",
                         note).group(1).split(", ")  # type: ignore[union-attr]
    assert not set(left_out) & set(shown)
    assert set(left_out) | set(shown[1:-1]) == {audit_html.day_text(date(2001, m, 1)) for m in range(1, 13)}
    assert text.count('<circle') == 2 * 14  # every step is drawn, labelled or not; and the expiry


# Measures every text of each chart as the browser lays it out, and lists pairs whose boxes intersect.
MEASURE = """<script>
const found = [];
document.querySelectorAll('svg').forEach((svg, chart) => {
  const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()]);
  const width = svg.viewBox.baseVal.width;
  boxes.forEach(([text, b], i) => {
    if (b.x < 0 || b.x + b.width > width) found.push([chart, text, 'outside']);
    boxes.slice(i + 1).forEach(([other, c]) => {
      if (b.x < c.x + c.width && c.x < b.x + b.width && b.y < c.y + c.height && c.y < b.y + b.height)
        found.push([chart, text, other]);
    });
  });
});
const out = document.createElement('pre'); out.id = 'overlaps'; out.textContent = JSON.stringify(found);
document.body.appendChild(out);
</script>"""


@pytest.mark.parametrize("kind", ["juniper", "crowded"])
def test_chromium_draws_no_two_labels_over_each_other(report, tmp_path, kind):
    page = report[0] if kind == "juniper" else tmp_path / "crowded.html"
    if kind == "crowded":
        page.write_text(audit_html.page(_dense_body()), encoding="utf-8")
    measured = tmp_path / f"{kind}-measured.html"
    measured.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = _chromium("--dump-dom", measured.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    overlaps = json.loads(html.unescape(re.search(r'<pre id="overlaps">(.*?)</pre>', dom.stdout).group(1)))  # type: ignore[union-attr]
    assert overlaps == []
    shot = tmp_path / f"{kind}.png"
    picture = _chromium(f"--screenshot={shot}", "--window-size=1000,900", page.as_uri())
    assert picture.returncode == 0 and shot.stat().st_size > 10_000
