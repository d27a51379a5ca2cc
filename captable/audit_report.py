"""The audit trail as text and Markdown (the JSON is the query's own shape).

Exact values only, each step in the order the fold applied it, so that the
same history prints byte for byte the same report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

TERMS = (("stock_purchase_price", "P"), ("shares_purchasable", "N"), ("conversion_ratio", "ratio"),
         ("status", "status"), ("holder", "holder"), ("certificate", "certificate"))


def _security(terms: dict[str, Any]) -> str:
    return f"{terms['security']['class']} of {terms['security']['issuer']}"


def _entitlements(terms: dict[str, Any]) -> str:
    parts = [f"{a['quantity']} {a.get('class') or a['kind']}" for a in terms["entitlements"]]
    return ", ".join(parts) or "none"


def differences(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return [f"issued: {after['shares_purchasable']} units of {_security(after)} at {after['stock_purchase_price']}"]
    lines = [f"{label} {before[key] or 'none'} → {after[key] or 'none'}" for key, label in TERMS
             if before[key] != after[key]]
    if before["security"] != after["security"]:
        lines.append(f"security {_security(before)} → {_security(after)}")
    if before["entitlements"] != after["entitlements"]:
        lines.append(f"entitlements {_entitlements(before)} → {_entitlements(after)}")
    return lines


def heading(body: dict[str, Any]) -> str:
    scope = f", warrant {body['warrant']}" if body["warrant"] else ""
    return (f"Audit of {body['name'] or body['company']}{scope}: as of {body['as_of']}, known at "
            f"{body['known_at'] or 'the time of the report'}")


def covered(body: dict[str, Any]) -> str:
    return f"Covers {body['stored_events']} stored events; chain head {_head(body['head'])}."


def step_lines(step: dict[str, Any]) -> list[str]:
    event = step["event"]
    phase = f" ({event['phase']})" if event["phase"] else ""
    by = f" by {event['actor']}" if event.get("actor") else ""
    lines = [f"{event['type']}{phase} {event['id']}, effective {event['effective']}, recorded {event['recorded']}{by}"]
    if event["source"]:
        lines.append(f"source: {event['source']}")
    if step["sections"]:
        lines.append(f"applies {step['sections']}"
                     + (f"; conventions {', '.join(step['conventions'])}" if step["conventions"] else ""))
    lines += step["findings"]
    for change in step["changes"]:
        for adjustment in change["adjustments"]:
            lines.append(f"{change['warrant']}: {adjustment['section']}: {adjustment['formula']}")
        lines += [f"{change['warrant']}: {d}" for d in differences(change["before"], change["after"])]
    if step["obligations_created"]:
        lines.append("obligations created: " + ", ".join(step["obligations_created"]))
    if step["obligations_discharged"]:
        lines.append("obligations discharged: " + ", ".join(step["obligations_discharged"]))
    for breach in step["breaches"]:
        lines.append(f"covenant breach ({breach['section']}): " + (
            f"{breach['class']} requires {breach['required']}, {breach['authorized_unissued']} authorized "
            "and unissued" if breach["section"] == "§3" else breach["message"]))
    if step["cured"]:
        lines.append("§3 breach cured for " + ", ".join(step["cured"]))
    lines += [f"note {n['code']}: {n['message']}" for n in step["notes"]]
    return lines


def text(body: dict[str, Any]) -> str:
    return "".join(text_lines(body))


def text_lines(body: dict[str, Any]) -> Iterator[str]:
    """The text report line by line, each with its newline; ``body["steps"]`` may be an iterator folding as it
    goes, and ``body["final"]`` a function giving the final terms once the steps are done."""
    yield from _lines([heading(body), covered(body), ""])
    for step in body["steps"]:
        first, *rest = step_lines(step)
        yield from _lines([f"{step['step']:>4}. {first}", *(f"      {line}" for line in rest)])
    yield from _lines(["", "Final terms:"])
    yield from _lines(f"  {t['holder']}: {t['shares_purchasable']} units of {_security(t)} at "
                      f"{t['stock_purchase_price']} ({t['status']}); entitlements {_entitlements(t)}"
                      for t in _final(body))


def markdown(body: dict[str, Any]) -> str:
    return "".join(markdown_lines(body))


def markdown_lines(body: dict[str, Any]) -> Iterator[str]:
    """The Markdown report line by line, as ``text_lines`` writes the text."""
    yield from _lines([f"# {heading(body)}", "", covered(body), ""])
    for step in body["steps"]:
        first, *rest = step_lines(step)
        yield from _lines([f"## {step['step']}. {first}", "", *(f"- {line}" for line in rest), ""])
    yield from _lines(["## Final terms", "", "| holder | units | security | P | status |",
                       "| --- | --- | --- | --- | --- |"])
    yield from _lines(f"| {t['holder']} | {t['shares_purchasable']} | {_security(t)} | {t['stock_purchase_price']} | "
                      f"{t['status']} |" for t in _final(body))


def _lines(lines: Iterable[str]) -> Iterator[str]:
    return (f"{line}\n" for line in lines)


def _final(body: dict[str, Any]) -> list[dict[str, Any]]:
    final = body["final"]
    return final() if callable(final) else final  # type: ignore[no-any-return]


def diff_text(body: dict[str, Any]) -> str:
    """``audit --diff``: each effective instant whose answers changed between the two recorded instants."""
    out = [f"Restatements of {body['company']} between known at {body['from']} and known at {body['to']} "
           f"(as of {body['as_of']})",
           f"Chain heads: {_head(body['heads']['from'])} → {_head(body['heads']['to'])}", ""]
    if not body["changes"]:
        out.append("No answer changed.")
    for change in body["changes"]:
        out.append(f"{change['effective']}:")
        out += [f"  event added: {e}" for e in change["events_added"]]
        out += [f"  event no longer counted: {e}" for e in change["events_removed"]]
        for w in change["warrants"]:
            if w["before"] is None or w["after"] is None:
                out.append(f"  {w['warrant']}: {'appears' if w['before'] is None else 'disappears'}")
                continue
            out += [f"  {w['warrant']}: {d}" for d in differences(w["before"], w["after"])]
    for note in body["notes"]:
        out.append(f"flag {note['code']} on {note['event']}: {note['message']}")
    return "\n".join(out) + "\n"


def _head(head: str | None) -> str:
    return head or "none (no event recorded yet)"
