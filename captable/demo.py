"""``captable demo``: the Juniper warrant of 1997, end to end, in a temporary store.

Imports ``fixtures/juniper_1997/events.jsonl`` into a fresh SQLite file,
prints the warrant at every dated checkpoint beside the expected answer,
shows what a cash exercise of the whole warrant would have delivered the day
after the preferred converted (when "all" ends in a fractional unit), and
ends with a net exercise of the whole warrant in conjunction with the IPO, at
the price to the public, checked against the answer worked by hand.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from captable import queries, render
from captable.intake import read_lines
from captable.ledger import Ledger

# The day after the automatic conversion: "all" ends in half a unit, paid in cash under §16.
QUOTE_AT = "1999-07-01"
FIXTURE = Path(os.environ.get("CAPTABLE_FIXTURES", Path(__file__).resolve().parents[1] / "fixtures")) / "juniper_1997"


def checkpoints() -> dict[str, Any]:
    return json.loads((FIXTURE / "checkpoints.json").read_text(encoding="utf-8"))


def mismatches(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    return [f"{key}: expected {value!r}, got {actual.get(key)!r}" for key, value in expected.items() if actual.get(key) != value]


def run(console: Console, as_json: bool = False) -> bool:
    """Run the demo; True when every checkpoint gives its expected answer."""
    plan = checkpoints()
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(str(Path(folder) / "juniper.db"))
        try:
            with (FIXTURE / "events.jsonl").open(encoding="utf-8") as lines:
                report = ledger.import_events(read_lines(lines))
            results = []
            for point in plan["checkpoints"]:
                body = queries.state(ledger, plan["company"], point["as_of"], None).to_json(plan["warrant"])
                warrant = body["warrants"][0]
                results.append((point, warrant, mismatches(point["expect"], warrant)))
            quote = queries.exercise_quote(ledger, plan["company"], plan["warrant"], "all", QUOTE_AT)
            worked = plan["net_exercise_quote"]
            net = queries.exercise_quote(ledger, plan["company"], plan["warrant"], worked["shares"], worked["at"],
                                         worked["method"], worked.get("offering"))
        finally:
            ledger.close()

    net_problems = mismatches(worked["expect"], net)
    ok = all(not problems for _, _, problems in results) and not net_problems
    if as_json:
        console.print_json(data={
            "stored": report.total,
            "checkpoints": [{"as_of": p["as_of"], "label": p["label"], "warrant": w, "matches": not m, "mismatches": m}
                            for p, w, m in results],
            "exercise_quote": quote,
            "net_exercise_quote": {"label": worked["label"], "quote": net, "matches": not net_problems,
                                   "mismatches": net_problems},
            "ok": ok,
        })
        return ok

    console.print(f"[bold]Juniper Networks, Inc. — warrant {plan['warrant']}[/bold] "
                  f"({report.total} events from fixtures/juniper_1997, in a temporary SQLite store)")
    console.print("Exact values; ≈ marks a rounded decimal.\n")
    for point, warrant, problems in results:
        check = "[green]as expected[/green]" if not problems else "[red]" + "; ".join(problems) + "[/red]"
        console.print(f"[bold]{point['as_of']}[/bold]  {point['label']}")
        console.print(f"    {warrant['status']}: {render.approx(warrant['shares_purchasable'])} "
                      f"{warrant['security']['class']} at {render.approx(warrant['stock_purchase_price'])} a share; "
                      f"aggregate {render.approx(warrant['aggregate_purchase_price'], 2)} — {check}")
    console.print()
    render.quote_table(console, quote)
    console.print()
    console.print(worked["label"])
    render.quote_table(console, net)
    console.print("Net exercise quote as worked by hand." if not net_problems
                  else "[red]" + "; ".join(net_problems) + "[/red]")
    console.print("All checkpoints as expected." if ok else "[red]Some checkpoints differ from the expected answers.[/red]")
    return ok
