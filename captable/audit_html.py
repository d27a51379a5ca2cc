"""The audit trail as one self-contained HTML page: a step chart of P and N, then every step.

No scripts, fonts or images from elsewhere: the charts are inline SVG drawn
from the exact values (rounded to whole pixels only for drawing), and the
page prints on paper as it reads on screen. Every step of a chart is
labelled with its value and day, in lanes above the plot so that no label
covers the line or another label; a label is left out only where no lane has
room, and the note under the chart names its day. A chart ends at the
warrant's expiry, where N drops to 0 as ``state`` says (DESIGN §6 item 13).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from captable.audit_report import covered, heading, step_lines
from captable.numbers import decimal_text, exact

WIDTH, LEFT, RIGHT, PLOT, BOTTOM = 720, 70, 20, 134, 28  # the plot area is PLOT pixels high
TITLE, LANE, LANES = 26, 30, 3  # a label is two lines in a lane; at most LANES lanes above the plot
CHAR = 6.6  # pixels per character of an 11px sans-serif label: wider than Arial's digits (6.1), so boxes err wide
GAP = 8  # pixels kept clear between two labels
e = html.escape

STYLE = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60em;margin:2em auto;color:#111;line-height:1.4}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-top:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}
td.n{white-space:nowrap}ul{margin:.2em 0 .2em 1.2em;padding:0}
.hash{font-family:monospace;font-size:.85em;word-break:break-all}
svg{display:block;margin:.5em 0 .3em}svg text{font-family:Arial,'Liberation Sans',Helvetica,sans-serif;font-size:11px}
p.chart-note{font-size:.85em;color:#444;margin:.2em 0 1em}
@media print{body{margin:0;max-width:none}tr{break-inside:avoid}h2{break-after:avoid}svg{break-inside:avoid}}
"""


@dataclass(frozen=True)
class Step:
    """A value taking effect on a day, and how its label reads: the value, then the day."""

    day: date
    value: Fraction
    text: str
    when: str


@dataclass(frozen=True)
class Placed:
    """A label's box above the plot: ``x`` is its point's, ``left`` and ``width`` the box's, lane 0 lowest."""

    index: int
    x: int
    left: int
    width: int
    lane: int
    lines: tuple[str, str]


def _series(body: dict[str, Any], warrant: str) -> list[tuple[datetime, Fraction, Fraction]]:
    """(effective instant, P, N) after each step that changed the warrant's terms."""
    points = []
    for step in body["steps"]:
        for change in step["changes"]:
            if change["warrant"] == warrant:
                after = change["after"]
                points.append((datetime.fromisoformat(step["event"]["effective"]),
                               exact(after["stock_purchase_price"]), exact(after["shares_purchasable"])))
    return points


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def clock(moment: datetime) -> str:
    """"5:00 p.m.", as the warrant writes its expiry."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'a.m.' if moment.hour < 12 else 'p.m.'}"


def price_text(value: Fraction) -> str:
    """Dollars and cents; "≈" when the cents round the exact price."""
    return ("" if (value * 100).denominator == 1 else "≈ ") + f"${decimal_text(value, 2)}"


def count_text(value: Fraction) -> str:
    """A share count with separators: exact to four places, else "≈" and two."""
    if value.denominator == 1:
        return f"{value.numerator:,}"
    if (value * 10**4).denominator == 1:
        return decimal_text(value, 4).rstrip("0")
    return f"≈ {decimal_text(value, 2)}"


def steps(points: list[tuple[date, Fraction]], words: Callable[[Fraction], str],
          last: Step | None = None) -> list[Step]:
    """One step per day on which the value changed, none where a change of other terms left it as it was.

    Changes on one day share one label ("4,999, then 0"), since they are drawn on one vertical line; so does
    ``last`` (the expiry) when it falls on the day of the last change.
    """
    out: list[Step] = []
    value = None
    for day, new in points:
        if new == value:
            continue
        value = new
        if out and out[-1].day == day:
            out[-1] = Step(day, new, f"{out[-1].text}, then {words(new)}", out[-1].when)
        else:
            out.append(Step(day, new, words(new), day_text(day)))
    if last is not None and out and out[-1].day == last.day:
        out[-1] = Step(last.day, last.value, f"{out[-1].text}, then {last.text}", last.when)
    elif last is not None:
        out.append(last)
    return out


def place(labels: list[tuple[int, tuple[str, str]]], low: int, high: int, lanes: int = LANES,
          budget: int = 2_000) -> tuple[list[Placed], list[int]]:
    """Put every label above the plot, clear of every other label and of the leader lines that run down from
    the lanes above to their points; return the placed, and the indexes of those left out.

    A label is centred over its point, or else starts or ends just beside it, within [low, high]. Of all
    layouts the one chosen leaves out fewest labels, sparing the first and last (the ends stay named), then
    keeps labels in the lowest lanes and centred. Labels are thinned out only where no lane has room. The
    search gives up after ``budget`` tries and keeps the best layout found, the first being the greedy one.
    """
    n = len(labels)
    best: list[Any] = [None, []]
    tries = 0

    def search(i: int, chosen: list[Placed], score: tuple[int, int, int, int]) -> None:
        nonlocal tries
        if best[0] is not None and (score >= best[0] or tries > budget):
            return
        if i == n:
            best[:] = [score, list(chosen)]
            return
        tries += 1
        x, lines = labels[i]
        width = round(max(len(line) for line in lines) * CHAR) + 6
        lefts = [x - width // 2, x - 6, x + 6 - width]  # centred, starting at the point, ending at it
        for lane in range(lanes):
            for shifted, left in enumerate(min(max(left, low), high - width) for left in lefts):
                if all(_clear(left, width, x, lane, p) for p in chosen):
                    chosen.append(Placed(i, x, left, width, lane, lines))
                    search(i + 1, chosen, (score[0], score[1], score[2] + lane, score[3] + (shifted > 0)))
                    chosen.pop()
        search(i + 1, chosen, (score[0] + (i in (0, n - 1)), score[1] + 1, score[2], score[3]))

    search(0, [], (0, 0, 0, 0))
    placed: list[Placed] = best[1]
    kept = {p.index for p in placed}
    return placed, [i for i in range(n) if i not in kept]


def _clear(left: int, width: int, x: int, lane: int, other: Placed) -> bool:
    """No overlap with ``other``'s box in the same lane, nor with a leader line crossing either lane."""
    if other.lane == lane:
        return left + width + GAP <= other.left or other.left + other.width + GAP <= left
    if other.lane > lane:  # other's leader runs down through this lane
        return not left - GAP <= other.x <= left + width + GAP
    return not other.left - GAP <= x <= other.left + other.width + GAP  # this leader runs down through other


def _chart(title: str, marks: list[Step], end: date, expiry: date | None,
           words: Callable[[Fraction], str]) -> tuple[str, list[Step]]:
    """A step line, each step labelled with its value and day above the plot; the steps left unlabelled."""
    if not marks:
        return "", []
    start = marks[0].day
    span = max((end - start).days, 1)
    top = max(m.value for m in marks) or Fraction(1)
    width = WIDTH - LEFT - RIGHT

    def x(day: date) -> int:
        return LEFT + round(Fraction((day - start).days * width, span))

    labels = [(x(m.day), (m.text, m.when)) for m in marks]
    placed, left_out = place(labels, 4, WIDTH - 4)
    lanes = max((p.lane for p in placed), default=0) + 1
    plot_top = TITLE + lanes * LANE + 12
    base = plot_top + PLOT
    height = base + BOTTOM

    def y(value: Fraction) -> int:
        return base - round(value * PLOT / top)

    corners: list[tuple[int, int]] = []  # each value holds until the next change, then steps to it
    for mark in marks:
        if corners:
            corners.append((x(mark.day), corners[-1][1]))
        corners.append((x(mark.day), y(mark.value)))
    corners.append((x(end), corners[-1][1]))
    drawn = [c for i, c in enumerate(corners) if i == 0 or c != corners[i - 1]]
    path = [f"{'M' if i == 0 else 'L'}{cx},{cy}" for i, (cx, cy) in enumerate(drawn)]
    ticks = "".join(f'<text x="{x(d)}" y="{height - 8}" text-anchor="middle">{d.year}</text>'
                    for d in (date(year, 1, 1) for year in range(start.year + 1, end.year + 1)))
    dots = "".join(f'<circle cx="{x(m.day)}" cy="{y(m.value)}" r="2.5"/>' for m in marks)
    rule = "" if expiry is None else (
        f'<line x1="{x(expiry)}" y1="{plot_top}" x2="{x(expiry)}" y2="{base}" stroke="#999" stroke-dasharray="4,3"/>')
    named = []
    for p in placed:
        mark = marks[p.index]
        bottom = TITLE + (lanes - p.lane) * LANE
        centre = p.left + p.width // 2
        named.append(
            f'<line class="leader" x1="{p.x}" y1="{bottom + 3}" x2="{p.x}" y2="{y(mark.value) - 4}" '
            'stroke="#8a9bb5" stroke-dasharray="1,2"/>'
            f'<text class="step-label" x="{centre}" y="{bottom - 14}" text-anchor="middle" font-weight="bold" '
            f'fill="#1f4e8c">{e(p.lines[0])}</text>'
            f'<text class="step-label" x="{centre}" y="{bottom - 2}" text-anchor="middle" fill="#444">'
            f"{e(p.lines[1])}</text>")
    svg = (
        f'<svg role="img" aria-label="{e(title)}" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">'
        f'<title>{e(title)}</title>'
        f'<text x="{LEFT}" y="16" font-weight="bold">{e(title)}</text>'
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#999"/>'
        f'<line x1="{LEFT}" y1="{plot_top}" x2="{LEFT}" y2="{base}" stroke="#999"/>'
        f'<g fill="#777"><text x="{LEFT - 6}" y="{plot_top + 4}" text-anchor="end">{e(words(top))}</text>'
        f'<text x="{LEFT - 6}" y="{base}" text-anchor="end">0</text></g>{rule}'
        f'<path d="{" ".join(path)}" fill="none" stroke="#1f4e8c" stroke-width="2"/>'
        f'<g fill="#1f4e8c">{dots}</g>{"".join(named)}{ticks}</svg>'
    )
    return svg, [marks[i] for i in left_out]


def charts(body: dict[str, Any], warrant: str) -> str:
    """P and N of one warrant from its first terms to the as-of day, or to its expiry, after which N is 0
    (DESIGN §6 item 13, as ``state`` says); a note names any step whose label was left out."""
    final = next((t for t in body["final"] if t["warrant"] == warrant), None)
    end = date.fromisoformat(body["as_of"][:10])
    expires = datetime.fromisoformat(final["expires"]) if final else None
    expired = final is not None and final["status"] == "expired" and expires is not None
    points = [p for p in _series(body, warrant) if not expired or p[0] <= expires]  # type: ignore[operator]
    rule = expires.date() if expired else None  # type: ignore[union-attr]
    end = rule or end
    last_price = points[-1][1] if points else Fraction(0)
    prices = steps([(when.date(), price) for when, price, _ in points], price_text,
                   Step(end, last_price, "expired", day_text(end)) if expired and points else None)
    counts = steps([(when.date(), units) for when, _, units in points], count_text,
                   Step(end, Fraction(0), "0", f"expired {day_text(end)}") if expired and points else None)
    p_chart, p_out = _chart("Stock Purchase Price (P), dollars per share", prices, end, rule, price_text)
    n_chart, n_out = _chart("Shares purchasable (N)", counts, end, rule, count_text)
    note = ("Each step is labelled with its value and the day it took effect; ≈ marks a value rounded for "
            "the chart, and the steps below give every value exactly.")
    if expired:
        note += (f" The warrant expired at {clock(expires)} on {day_text(end)} (the dashed line); from then on "  # type: ignore[arg-type]
                 "no shares are purchasable.")
    for name, left_out in (("P", p_out), ("N", n_out)):
        if left_out:
            note += f" Labels of {name} left out where they would overlap (the points are drawn): {_days(left_out)}."
    return p_chart + n_chart + f'<p class="chart-note">{e(note)}</p>'


def _days(marks: list[Step], listed: int = 8) -> str:
    """The days of unlabelled steps: each one, or how many and from when to when."""
    if len(marks) <= listed:
        return ", ".join(m.when for m in marks)
    return f"{len(marks)} steps from {marks[0].when} to {marks[-1].when}"


def _final_row(terms: dict[str, Any]) -> str:
    """The terms at the as-of instant: after expiry the units remain on the books, but none are purchasable."""
    price = exact(terms["stock_purchase_price"])
    exact_price = terms["stock_purchase_price"]
    shown = exact_price if price.denominator == 1 else f"{exact_price} (≈ {decimal_text(price, 4)}, rounded)"
    purchasable = terms["shares_purchasable"] if terms["status"] == "outstanding" else "0"
    expires = datetime.fromisoformat(terms["expires"])
    return (f"<tr><td>{e(terms['holder'])}</td><td>{e(terms['security']['class'])} of "
            f"{e(terms['security']['issuer'])}</td><td>{e(shown)}</td><td>{e(terms['shares_purchasable'])}</td>"
            f"<td>{e(purchasable)}</td><td>{e(terms['status'])}</td>"
            f"<td>{e(day_text(expires.date()))}, {e(clock(expires))}</td></tr>")


def page(body: dict[str, Any]) -> str:
    drawn = []
    for warrant in sorted({c["warrant"] for s in body["steps"] for c in s["changes"]}):
        drawn += [f"<h2>Warrant {e(warrant)}: the Stock Purchase Price and the shares purchasable</h2>",
                  charts(body, warrant)]
    rows = []
    for step in body["steps"]:
        first, *rest = step_lines(step)
        items = "".join(f"<li>{e(line)}</li>" for line in rest)
        rows.append(f'<tr><td class="n">{step["step"]}</td><td>{e(first)}<ul>{items}</ul></td></tr>')
    final_rows = "".join(_final_row(t) for t in body["final"])
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(heading(body))}</title>'
        f"<style>{STYLE}</style></head><body><h1>{e(heading(body))}</h1>"
        f'<p class="hash">{e(covered(body))}</p>'
        "<p>Every step of the replay in effective order, with the clause of the warrant it applies, the "
        "convention used where the warrant leaves a reading open, and the exact numbers.</p>"
        + "".join(drawn)
        + f'<h2>Steps</h2><table id="steps"><thead><tr><th>#</th><th>Event, clause and effect</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<h2>Final terms</h2><table><thead><tr><th>Holder</th><th>Security</th><th>P</th><th>Units on the books</th>"
        "<th>Shares purchasable</th><th>Status</th><th>Expires</th></tr></thead>"
        f"<tbody>{final_rows}</tbody></table></body></html>\n"
    )
