"""A letter laid out: Markdown to paste into a word processor, and one print-ready HTML page.

The HTML loads nothing from elsewhere (no fonts, scripts or images), prints on
US Letter paper with one-inch margins, and puts the Calculation on a page of
its own; on screen each page shows as a sheet.
"""

from __future__ import annotations

import html

from captable import prose
from captable.letter_parts import Calculation, Item, Letter, address_lines

SALUTATION = "Ladies and Gentlemen:"
VALEDICTION = "Very truly yours,"
SIGNATURE_LINE = "By: ______________________________"
MIDDOT = " \u00b7 "

_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|"})


def _md(text: str) -> str:
    """Recorded text (a name, a reason) printed as it is, not read as Markdown."""
    return text.translate(_MARKDOWN_SPECIAL)


def _lines(lines: list[str]) -> list[str]:
    """Lines of one block, kept apart by Markdown hard breaks."""
    return [f"{_md(line)}  " for line in lines[:-1]] + [_md(lines[-1])] if lines else []


RUN_IN = ("Method of calculation.",)  # a paragraph's lead-in, set in italics


def _lead(text: str) -> tuple[str, str]:
    """A paragraph split into its run-in heading (or "") and the rest."""
    lead = next((r for r in RUN_IN if text.startswith(r + " ")), "")
    return lead, text[len(lead):]


def markdown(letter: Letter) -> str:
    out = [f"**{_md(letter.company)}**  ", *_lines(address_lines(letter.company_address)), "",
           prose.day(letter.dated), "", f"*{letter.delivery}*", "",
           *_lines([letter.to_name, *address_lines(letter.to_address)]), "",
           f"**Re: {_md(letter.regarding)}**  ", f"**{_md(letter.subject)}**", "", SALUTATION, ""]
    for block in letter.blocks:
        if isinstance(block, str):
            lead, rest = _lead(block)
            out += [f"*{_md(lead)}*{_md(rest)}" if lead else _md(block), ""]
        else:
            out += [f"- {_md(item)}" for item in block] + [""]
    out += [VALEDICTION, "", f"**{_md(letter.company.upper())}**", "", f"{SIGNATURE_LINE}  ",
            *_lines([letter.signer or "Name:", letter.signer_title]), ""]
    if letter.calculation is not None:
        out += [f"Attachment: {letter.calculation.title}", "", "---", "", *_calculation_markdown(letter.calculation)]
    return "\n".join(out)


def _items_markdown(items: list[Item]) -> list[str]:
    out = []
    for number, item in enumerate(items, 1):
        line, parts = (item, ()) if isinstance(item, str) else item
        out.append(f"{number}. {_md(line)}")
        out += [f"    - {_md(part)}" for part in parts]
    return out


def _calculation_markdown(calc: Calculation) -> list[str]:
    out = [f"## {_md(calc.title)}", "", _md(calc.basis), "", "| | Before | After |", "| --- | --- | --- |"]
    out += [f"| {_md(what)} | {_md(before)} | {_md(after)} |" for what, before, after in calc.rows]
    out += ["", "**Facts on which the calculation is based**", "", *_items_markdown(calc.facts), "",
            "**Working**", "", *_items_markdown(calc.working), ""]
    out += [f"*{_md(note)}*\n" for note in calc.notes]
    return out


STYLE = """
@page{size:letter;margin:1in 1in .9in}
@page{@bottom-center{content:"Page " counter(page) " of " counter(pages);font:9pt Georgia,'Times New Roman',serif}}
html{background:#e8e8e8}
body{margin:0;color:#000;font:11pt/1.42 Georgia,'Times New Roman',Times,serif}
.sheet{box-sizing:content-box;width:6.5in;min-height:9in;margin:.4in auto;padding:1in;background:#fff;
 box-shadow:0 1px 6px rgba(0,0,0,.25)}
.letterhead{text-align:center;border-bottom:1px solid #000;padding-bottom:.5em;margin-bottom:2em}
.letterhead .name{font-size:15pt;font-weight:bold;letter-spacing:.04em}
.letterhead .where{font-size:9.5pt}
p{margin:0 0 .85em;orphans:2;widows:2}
.delivery{font-style:italic}
.to{margin:1.3em 0}
.re{font-weight:bold;margin:1.3em 0;padding-left:2.2em;text-indent:-2.2em;break-after:avoid}
.re span{display:block;text-indent:0}
ul.result{margin:0 0 .85em 1.6em;padding:0}ul.result li{margin-bottom:.3em;break-inside:avoid}
.signature{margin-top:1.4em;break-inside:avoid}
.signature .company{font-weight:bold;margin-bottom:2.4em}
.attachment{margin-top:1.8em;font-size:10pt}
h2{font-size:13pt;margin:0 0 .8em;text-align:center;letter-spacing:.04em}
h3{font-size:11pt;margin:1.3em 0 .5em;break-after:avoid}
table{border-collapse:collapse;width:100%;font-size:10pt;margin:.8em 0}
th,td{border:1px solid #888;padding:.3em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
thead th{background:#f0f0f0}tr{break-inside:avoid}
ol{margin:0;padding-left:1.6em}ol li{margin-bottom:.45em;overflow-wrap:anywhere;break-inside:avoid}
ol ul{margin:.3em 0 0 1.2em;padding:0}
.notes{font-size:9.5pt;font-style:italic;margin-top:1.4em}
@media print{html{background:none}.sheet{width:auto;min-height:0;margin:0;padding:0;box-shadow:none}
 .calculation{break-before:page}}
"""


def _css_string(text: str) -> str:
    """Text as a CSS string that cannot end the string or the style element."""
    escaped = text.replace("\\", "\\5c ").replace('"', "\\22 ").replace("<", "\\3c ").replace("\n", " ")
    return f'"{escaped}"'


def _continuation(letter: Letter) -> str:
    """Each page after the first is headed with the addressee and the date, as a letter's second sheet is."""
    head = _css_string(f"{letter.to_name} \u2014 {prose.day(letter.dated)}")
    return ("@page{@top-left{content:" + head + ";font:9pt Georgia,'Times New Roman',serif;vertical-align:bottom;"
            "padding-bottom:.25in}}@page:first{@top-left{content:none}}\n")


def html_page(letter: Letter) -> str:
    e = html.escape
    lines = "<br>".join
    blocks = "".join(_paragraph_html(b) if isinstance(b, str)
                     else "<ul class=\"result\">" + "".join(f"<li>{e(i)}</li>" for i in b) + "</ul>"
                     for b in letter.blocks)
    to = lines(e(line) for line in [letter.to_name, *address_lines(letter.to_address)])
    page = (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(letter.subject)} \u2014 {e(letter.company)}</title>"
        f"<style>{STYLE}{_continuation(letter)}</style></head><body>\n"
        "<main class=\"sheet letter\">"
        f"<header class=\"letterhead\"><div class=\"name\">{e(letter.company)}</div>"
        f"<div class=\"where\">{e(MIDDOT.join(address_lines(letter.company_address)))}</div></header>\n"
        f"<p class=\"dated\">{e(prose.day(letter.dated))}</p><p class=\"delivery\">{e(letter.delivery)}</p>\n"
        f"<p class=\"to\">{to}</p>\n"
        f"<p class=\"re\">Re: {e(letter.regarding)}<span>{e(letter.subject)}</span></p>\n"
        f"<p>{SALUTATION}</p>\n{blocks}\n"
        f"<div class=\"signature\"><p>{VALEDICTION}</p><p class=\"company\">{e(letter.company.upper())}</p>"
        f"<p>{SIGNATURE_LINE}<br>{e(letter.signer or 'Name:')}<br>{e(letter.signer_title)}</p></div>\n"
    )
    if letter.calculation is not None:
        page += f"<p class=\"attachment\">Attachment: {e(letter.calculation.title)}</p></main>\n"
        page += _calculation_html(letter.calculation)
    else:
        page += "</main>\n"
    return page + "</body></html>\n"


def _paragraph_html(text: str) -> str:
    lead, rest = _lead(text)
    return f"<p><em>{html.escape(lead)}</em>{html.escape(rest)}</p>" if lead else f"<p>{html.escape(text)}</p>"


def _items_html(items: list[Item]) -> str:
    e = html.escape
    out = []
    for item in items:
        line, parts = (item, ()) if isinstance(item, str) else item
        inner = "".join(f"<li>{e(p)}</li>" for p in parts)
        out.append(f"<li>{e(line)}" + (f"<ul>{inner}</ul>" if inner else "") + "</li>")
    return "<ol>" + "".join(out) + "</ol>"


def _calculation_html(calc: Calculation) -> str:
    e = html.escape
    rows = "".join(f"<tr><th scope=\"row\">{e(w)}</th><td>{e(b)}</td><td>{e(a)}</td></tr>" for w, b, a in calc.rows)
    notes = "".join(f"<p class=\"notes\">{e(n)}</p>" for n in calc.notes)
    return (
        f"<section class=\"sheet calculation\"><h2>{e(calc.title)}</h2><p>{e(calc.basis)}</p>\n"
        "<table><thead><tr><th></th><th scope=\"col\">Before</th><th scope=\"col\">After</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>\n"
        f"<h3>Facts on which the calculation is based</h3>{_items_html(calc.facts)}\n"
        f"<h3>Working</h3>{_items_html(calc.working)}\n{notes}</section>\n"
    )
