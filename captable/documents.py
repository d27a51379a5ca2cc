"""Documents for counsel: the §4.5 and §4.6 notice letters.

A letter is drafted from the same fold that answers ``state`` and ``notices``:
the adjustment's formula and inputs, the facts it rests on (the event and its
source), and the holder's address on the books at the letter's date.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import Any

from captable import errors
from captable.ledger import Ledger
from captable.numbers import decimal_text, exact, format_exact
from captable.queries import view
from projections.obligations import Obligation, obligations
from projections.state import CompanyState


@dataclass(frozen=True)
class Letter:
    dated: date
    sender: str
    sender_address: str
    to_name: str
    to_address: str
    subject: str
    paragraphs: list[str]
    figures: list[tuple[str, str]]
    signer: str
    signer_title: str


def _money(q: Any) -> str:
    value = exact(q) if isinstance(q, str) else q
    text = format_exact(value)
    return text if value.denominator == 1 else f"{text} (≈ {decimal_text(value, 4)}, rounded)"


def draft(ledger: Ledger, company: str | None, obligation_id: str, on: str | None) -> Letter:
    """The notice that discharges ``obligation_id``, dated ``on`` (default now), from the books as they are now."""
    asked = view(ledger, company, on, None)
    state, found = obligations(asked.entries, asked.as_of.at)
    obligation = next((o for o in found if o.id == obligation_id), None)
    if obligation is None:
        raise errors.InvalidEvent(f"no obligation {obligation_id!r} has arisen by then; see `captable notices`",
                                  field="obligation", value=obligation_id)
    if not obligation.section.startswith(("§4.5", "§4.6")):
        raise errors.InvalidEvent("letters are drafted for §4.5 and §4.6 notices", field="obligation",
                                  value=obligation_id)
    warrant = state.warrants[obligation.warrant]
    trigger = next((e.fact for e in asked.entries if e.fact.id == obligation.trigger), None)
    body = _adjustment(state, obligation, trigger) if obligation.section == "§4.5" else _prior(obligation, trigger)
    paragraphs, figures = body
    return Letter(
        dated=state.local_day(asked.as_of.at),
        sender=state.name or "", sender_address=state.address or "",
        to_name=warrant.holder.name, to_address=warrant.holder.address,
        subject=f"Warrant {warrant.id} (certificate {warrant.certificate}): "
                + ("notice of adjustment (Section 4.5)" if obligation.section == "§4.5"
                   else f"notice under Section {obligation.section.removeprefix('§')}"),
        paragraphs=paragraphs, figures=figures,
        signer=state.officers.get("cfo", ""), signer_title="Chief Financial Officer",
    )


# How a letter names the event behind an obligation.
EVENT_NAMES = {
    "PreferredConverted": "automatic conversion of the preferred stock", "StockSplit": "stock split",
    "SharesIssued": "issuance of shares", "OptionsIssued": "issuance of options or convertible securities",
    "BoardAdjustment": "adjustment by the Board of Directors", "MergerCompleted": "merger",
    "MergerAgreed": "merger agreement", "CashDividend": "cash dividend", "StockDividend": "stock dividend",
    "Distribution": "distribution", "SubscriptionOffered": "offer of subscription rights",
    "Reclassification": "reclassification", "DissolutionApproved": "dissolution",
    "ConversionRatioAdjusted": "adjustment of the conversion ratio",
}


def _named(trigger: Any) -> str:
    return EVENT_NAMES.get(trigger.type_name, trigger.type_name) if trigger is not None else "action"


def _source(trigger: Any) -> str:
    return f" (source: {trigger.source})" if trigger is not None and trigger.source else ""


def _adjustment(state: CompanyState, obligation: Obligation, trigger: Any) -> tuple[list[str], list[tuple[str, str]]]:
    warrant = state.warrants[obligation.warrant]
    change = next(a for a in warrant.adjustments if a.event == obligation.trigger)
    delta = change.shares_after - change.shares_before
    share_class = state.classes.get(warrant.security.class_)
    stock = share_class.name if share_class and warrant.security.issuer == state.name else warrant.security.class_
    direction = "an increase" if delta > 0 else "a decrease" if delta < 0 else "no change"
    kind = _named(trigger)
    paragraphs = [
        f"Under Section 4.5 of the Warrant, the Company gives notice that, as a result of the {kind} "
        f"effective {obligation.arose.isoformat()}{_source(trigger)}, the Stock Purchase Price has been adjusted "
        f"under {change.section} of the Warrant.",
        f"The Stock Purchase Price resulting from the adjustment is ${_money(change.price_after)} per share of "
        f"{stock} of {warrant.security.issuer}, and the number of shares purchasable at that price is "
        f"{_money(change.shares_after)}, {direction} of {_money(abs(delta))} shares.",
        f"Method of calculation: {change.formula}."
        + (f" The reading applied is the convention '{change.convention}'." if change.convention else ""),
    ]
    figures = [("Stock Purchase Price before", _money(change.price_before)),
               ("Stock Purchase Price after", _money(change.price_after)),
               ("Shares purchasable before", _money(change.shares_before)),
               ("Shares purchasable after", _money(change.shares_after))]
    figures += [(name, v if isinstance(v, str) else _money(v)) for name, v in change.inputs.items()]
    return paragraphs, figures


def _prior(obligation: Obligation, trigger: Any) -> tuple[list[str], list[tuple[str, str]]]:
    kind = _named(trigger)
    target = obligation.target.isoformat() if obligation.target else "to be fixed"
    if obligation.kind == "notice_of_record_date":
        paragraphs = [
            f"Under Section {obligation.section.removeprefix('§')} of the Warrant, the Company gives notice of the "
            f"{kind}{_source(trigger)}. The record date, on which the holders of the stock shall be entitled "
            f"thereto, is {target}."]
    else:
        paragraphs = [
            f"Under Section {obligation.section.removeprefix('§')} of the Warrant, the Company gives notice that the "
            f"{kind}{_source(trigger)} shall take place on {target}, the date on which the holders of the stock "
            "shall be entitled to exchange their shares for the securities or other property deliverable upon it."]
    figures = [("Date", target), ("Notice due by", obligation.deadline.isoformat() if obligation.deadline else "—")]
    return paragraphs, figures


def markdown(letter: Letter) -> str:
    lines = [f"**{letter.sender}**  ", f"{letter.sender_address}", "", letter.dated.strftime("%B %-d, %Y"), "",
             "By first class mail, postage prepaid", "", f"{letter.to_name}  ", letter.to_address, "",
             f"**Re: {letter.subject}**", ""]
    for paragraph in letter.paragraphs:
        lines += [paragraph, ""]
    lines += ["| | |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in letter.figures] + [""]
    lines += [f"{letter.sender}", "", "By: ______________________________  ", f"{letter.signer}  ",
              letter.signer_title, ""]
    return "\n".join(lines)


def html_page(letter: Letter) -> str:
    e = html.escape
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in letter.figures)
    paragraphs = "".join(f"<p>{e(p)}</p>" for p in letter.paragraphs)
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(letter.subject)}</title><style>body{{font-family:Georgia,serif;max-width:42em;margin:2em auto}}"
        "th{text-align:left;padding-right:1em;font-weight:normal}</style></head><body>"
        f"<p><strong>{e(letter.sender)}</strong><br>{e(letter.sender_address)}</p>"
        f"<p>{e(letter.dated.strftime('%B %-d, %Y'))}</p><p>By first class mail, postage prepaid</p>"
        f"<p>{e(letter.to_name)}<br>{e(letter.to_address)}</p><p><strong>Re: {e(letter.subject)}</strong></p>"
        f"{paragraphs}<table>{rows}</table>"
        f"<p>{e(letter.sender)}</p><p>By: ______________________________<br>{e(letter.signer)}<br>"
        f"{e(letter.signer_title)}</p></body></html>\n"
    )
