"""The audit trail as one self-contained HTML page: a step chart of P and N, then every step.

No scripts, fonts or images from elsewhere: the charts are inline SVG drawn
from the exact values (rounded to whole pixels only for drawing), and the
page prints on paper as it reads on screen.
"""

from __future__ import annotations

import html
from datetime import date
from fractions import Fraction
from typing import Any

from captable.audit_report import covered, heading, step_lines
from captable.numbers import decimal_text, exact

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 190, 70, 20, 28, 28
e = html.escape

STYLE = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60em;margin:2em auto;color:#111;line-height:1.4}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-top:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}
td.n{white-space:nowrap}ul{margin:.2em 0 .2em 1.2em;padding:0}
.hash{font-family:monospace;font-size:.85em;word-break:break-all}
svg{display:block;margin:.5em 0 1em}svg text{font-family:sans-serif;font-size:11px}
@media print{body{margin:0;max-width:none}tr{break-inside:avoid}h2{break-after:avoid}}
"""


def _series(body: dict[str, Any], warrant: str) -> list[tuple[date, Fraction, Fraction]]:
    """(effective day, P, N) after each step that changed the warrant's terms."""
    points = []
    for step in body["steps"]:
        for change in step["changes"]:
            if change["warrant"] == warrant:
                after = change["after"]
                day = date.fromisoformat(step["event"]["effective"][:10])
                points.append((day, exact(after["stock_purchase_price"]), exact(after["shares_purchasable"])))
    return points


def _label(value: Fraction) -> str:
    return f"{value.numerator:,}" if value.denominator == 1 else decimal_text(value, 2)


def _chart(title: str, points: list[tuple[date, Fraction]], end: date) -> str:
    """A step line: each value holds until the next change."""
    if not points:
        return ""
    start = points[0][0]
    span = max((end - start).days, 1)
    top = max(v for _, v in points) or Fraction(1)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> int:
        return LEFT + round(Fraction((day - start).days * inner_w, span))

    def y(value: Fraction) -> int:
        return TOP + inner_h - round(value * inner_h / top)

    path, previous = [], None
    for day, value in points:
        if previous is not None:
            path.append(f"L{x(day)},{y(previous)}")
        path.append(f"{'M' if previous is None else 'L'}{x(day)},{y(value)}")
        previous = value
    path.append(f"L{x(end)},{y(previous)}")  # type: ignore[arg-type]
    ticks = "".join(
        f'<text x="{x(day)}" y="{HEIGHT - 8}" text-anchor="middle">{day.year}</text>'
        for day in sorted({date(year, 1, 1) for year in range(start.year + 1, end.year + 1)})
    )
    labels = "".join(f'<circle cx="{x(d)}" cy="{y(v)}" r="2.5"/>' for d, v in points)
    return (
        f'<svg role="img" aria-label="{e(title)}" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<title>{e(title)}</title>'
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" stroke="#999"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + inner_h}" stroke="#999"/>'
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{e(_label(top))}</text>'
        f'<text x="{LEFT - 6}" y="{TOP + inner_h}" text-anchor="end">0</text>'
        f'<text x="{LEFT}" y="{TOP - 12}" font-weight="bold">{e(title)}</text>'
        f'<path d="{" ".join(path)}" fill="none" stroke="#1f4e8c" stroke-width="2"/>'
        f'<g fill="#1f4e8c">{labels}</g>{ticks}</svg>'
    )


def page(body: dict[str, Any]) -> str:
    end = date.fromisoformat(body["as_of"][:10])
    charts = []
    for warrant in sorted({c["warrant"] for s in body["steps"] for c in s["changes"]}):
        points = _series(body, warrant)
        charts += [f"<h2>Warrant {e(warrant)}: the Stock Purchase Price and the shares purchasable</h2>",
                   _chart("Stock Purchase Price (P), rounded for drawing", [(d, p) for d, p, _ in points], end),
                   _chart("Shares purchasable (N), rounded for drawing", [(d, n) for d, _, n in points], end)]
    rows = []
    for step in body["steps"]:
        first, *rest = step_lines(step)
        items = "".join(f"<li>{e(line)}</li>" for line in rest)
        rows.append(f'<tr><td class="n">{step["step"]}</td><td>{e(first)}<ul>{items}</ul></td></tr>')
    final_rows = "".join(
        f"<tr><td>{e(t['holder'])}</td><td>{e(t['shares_purchasable'])}</td>"
        f"<td>{e(t['security']['class'])} of {e(t['security']['issuer'])}</td>"
        f"<td>{e(t['stock_purchase_price'])} (≈ {e(decimal_text(exact(t['stock_purchase_price']), 4))}, rounded)</td>"
        f"<td>{e(t['status'])}</td></tr>" for t in body["final"])
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(heading(body))}</title>'
        f"<style>{STYLE}</style></head><body><h1>{e(heading(body))}</h1>"
        f'<p class="hash">{e(covered(body))}</p>'
        "<p>Every step of the replay in effective order, with the clause of the warrant it applies, the "
        "convention used where the warrant leaves a reading open, and the exact numbers.</p>"
        + "".join(charts)
        + f'<h2>Steps</h2><table id="steps"><thead><tr><th>#</th><th>Event, clause and effect</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<h2>Final terms</h2><table><thead><tr><th>Holder</th><th>Units</th><th>Security</th><th>P</th>"
        f"<th>Status</th></tr></thead><tbody>{final_rows}</tbody></table></body></html>\n"
    )
