"""Human output: rich tables; exact values first, rounded decimals labelled as such."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from captable.numbers import decimal_text, exact


def approx(text: str | None, places: int = 4) -> str:
    """An exact string with its rounded decimal beside it, when they differ."""
    if text is None:
        return "—"
    value = exact(text)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    return f"{text} (≈ {decimal_text(value, places)})"


def money(text: str) -> str:
    return f"${decimal_text(exact(text), 2)}"


def basket_text(basket: dict[str, Any]) -> str:
    parts = [f"{approx(s['quantity'])} {s['class']} of {s['issuer']}" for s in basket["securities"]]
    if exact(basket["cash"]):
        parts.append(money(basket["cash"]) + " cash")
    parts += basket["property"]
    return " + ".join(parts)


def state_tables(console: Console, body: dict[str, Any]) -> None:
    console.print(f"[bold]{body['name'] or body['company']}[/bold]  as of {body['as_of']}, known at {body['known_at'] or 'now'}")
    for warrant in body["warrants"]:
        table = Table(title=f"Warrant {warrant['warrant']} (certificate {warrant['certificate']})", show_header=False)
        table.add_column(style="bold")
        table.add_column()
        security = warrant["security"]
        rows = [
            ("Holder", f"{warrant['holder']['name']}, {warrant['holder']['address']}"),
            ("Status", warrant["status"]),
            ("Security", f"{security['class']} of {security['issuer']}"),
            ("Stock Purchase Price", approx(warrant["stock_purchase_price"])),
            ("Shares purchasable", approx(warrant["shares_purchasable"])),
            ("Aggregate price", approx(warrant["aggregate_purchase_price"], 2)),
            ("Conversion ratio", approx(warrant["conversion_ratio"])),
            ("Common equivalent", approx(warrant["common_equivalent"])),
            ("Each unit delivers", basket_text(warrant["basket"])),
            ("Units exercised", approx(warrant["exercised"])),
            ("Expires", warrant["expires"]),
        ]
        if "form" in warrant:  # a warrant on another form than the 1997 one, or with terms of its own
            terms = ", ".join(f"{k} = {v}" for k, v in warrant.get("terms", {}).items())
            rows.append(("Form", warrant["form"] + (f" ({terms})" if terms else "")))
        for label, value in rows:
            table.add_row(label, value)
        console.print(table)
        if warrant["entitlements"]:
            console.print("[bold]Accrued entitlements[/bold] (§4.2; an exercise of Y of N units takes Y/N of each)")
            for a in warrant["entitlements"]:
                what = (f"{approx(a['quantity'])} {a['class']} of {a['issuer']}" if a["kind"] == "securities"
                        else money(a["quantity"]) if a["kind"] == "cash" else f"{a.get('description')} × {a['quantity']}")
                console.print(f"  {a['section']} {a['event']}: {what}", highlight=False)
        if warrant["adjustments"]:
            console.print("[bold]Adjustments[/bold]")
            for a in warrant["adjustments"]:
                convention = f" ({a['convention']})" if a["convention"] else ""
                console.print(f"  {a['section']} {a['event']}{convention}: P {a['price_before']} → {a['price_after']}, "
                              f"N {a['shares_before']} → {a['shares_after']}", highlight=False)
                console.print(f"      {a['formula']}", highlight=False)
    classes = Table(title="Cap table")
    for column in ("class", "authorized", "outstanding", "reserved", "available", "ratio"):
        classes.add_column(column, justify="left" if column == "class" else "right")
    for c in body["classes"]:
        name = c["class"] + (" (converted)" if c["converted"] else "")
        classes.add_row(name, approx(c["authorized"]), approx(c["outstanding"]), approx(c["reserved"]),
                        approx(c["available"]), c["conversion_ratio"] or "—")
    console.print(classes)
    holders = Table(title="Holders")
    for column in ("class", "holder", "shares"):
        holders.add_column(column)
    for c in body["classes"]:
        for h in c["holders"]:
            holders.add_row(c["class"], h["holder"], approx(h["shares"]))
    if holders.row_count:
        console.print(holders)
    _rights_tables(console, body)
    covenant = body["covenant"]
    if covenant["breaches"] or not covenant["holds"]:
        console.print("[bold]§3 reservation covenant[/bold]: " + ("holds now" if covenant["holds"] else "[red]in breach[/red]"))
        for b in covenant["breaches"]:
            cured = f", cured by {b['cured_by']} at {b['cured_at']}" if b["cured_by"] else ""
            console.print(f"  {b['class']}: {b['required']} required, {b['authorized_unissued']} authorized and unissued; "
                          f"caused by {b['event']} at {b['since']}{cured}", highlight=False)
    for note in body["notes"]:
        console.print(f"[yellow]note[/yellow] {note['event']}: {note['message']}")


def _rights_tables(console: Console, body: dict[str, Any]) -> None:
    """Options and convertibles outstanding, when the state lists any."""
    if body.get("options"):
        options = Table(title="Options outstanding (§4.4 reads them at grant)")
        for column in ("grant", "class", "holder", "shares", "category"):
            options.add_column(column, justify="right" if column == "shares" else "left")
        for o in body["options"]:
            options.add_row(o["grant"], o["class"], o["holder"], approx(o["shares"]), o["category"] or "—")
        console.print(options)
    if body.get("convertibles"):
        convertibles = Table(title="Convertibles outstanding (conversion not modelled)")
        for column in ("convertible", "holder", "kind", "investment", "cap", "discount", "interest", "maturity"):
            convertibles.add_column(column)
        for c in body["convertibles"]:
            convertibles.add_row(c["convertible"], c["holder"], c["kind"], money(c["investment"]),
                                 money(c["valuation_cap"]) if c["valuation_cap"] else "—", c["discount"] or "—",
                                 c["interest_rate"] or "—", c["maturity"] or "—")
        console.print(convertibles)


def quote_table(console: Console, quote: dict[str, Any]) -> None:
    net = quote["method"] != "cash"
    kind = f"Net exercise (§1(b), Per Share Price by {quote['method']})" if net else "Cash exercise"
    table = Table(title=f"{kind} of {quote['units']} units of {quote['warrant']} at {quote['at']}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Stock Purchase Price", approx(quote["stock_purchase_price"]))
    if net:
        _per_share_price_rows(table, quote["per_share_price"])
        table.add_row("Units surrendered (Y)", approx(quote["units"]))
        table.add_row("Units received (X)", quote["formula"] + f" (≈ {decimal_text(exact(quote['units_received']), 4)})")
    else:
        table.add_row("Payment due (§1(a))", money(quote["payment_due"]))
    table.add_row("Whole shares issued", approx(quote["shares_issued"]))
    table.add_row("Fraction (§16)", approx(quote["fraction"]))
    table.add_row("Cash in lieu (§16)", money(quote["cash_in_lieu"]))
    table.add_row("Balance after", approx(quote["balance_after"]))
    table.add_row("Certificate cancelled", quote["certificate_cancelled"])
    if quote.get("new_certificate"):
        table.add_row("New certificate for the balance", quote["new_certificate"])
    for d in quote["deliveries"]:
        if "shares" in d:
            what = f"{approx(d['shares'])} {d['class']} of {d['issuer']} — "
        elif "cash" in d:
            what = f"{money(d['cash'])} — "
        else:
            what = ""
        table.add_row(f"Deliver to {d['name']}", what + d["reason"])
    console.print(table)


def _per_share_price_rows(table: Table, price: dict[str, Any]) -> None:
    """§1(c): the method's inputs, each day's quotes included, then the price used."""
    for day in price.get("quotes", []):
        table.add_row(f"  {day['date']} close", f"bid {approx(day['bid'])}, asked {approx(day['ask'])}, "
                                                f"mean {approx(day['mean'])}")
    source = {"market": f"10-trading-day average on {price.get('exchange')}",
              "public_offering": f"price to the public, offering {price.get('offering')}",
              "board": f"Board determination {price.get('valuation')}"}[price["method"]]
    table.add_row("Common price (§1(c))", f"{approx(price['common_price'])} — {source}")
    if price.get("conversion_ratio"):
        table.add_row("As converted", f"× conversion ratio {price['conversion_ratio']}")
    table.add_row("Per Share Price (PSP)", approx(price["price"]))


def log_table(console: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(title="Stored events (stream order)")
    for column in ("#", "recorded", "by", "effective", "type", "id", "hash"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["seq"]), row["recorded"], row["actor"], row["effective"], row["type"], row["id"],
                      row["hash"][:12])
    console.print(table)




def obligations_table(console: Console, body: dict[str, Any]) -> None:
    title = f"Obligations of {body['name'] or body['company']} as of {body['as_of']}, known at {body['known_at'] or 'now'}"
    table = Table(title=title)
    table.add_column("obligation", overflow="fold")
    for column in ("deadline", "mail by", "status", "given / age"):
        table.add_column(column, no_wrap=True)
    for o in body["obligations"]:
        when = o["given"] or ("" if o["age_days"] is None else f"{o['age_days']} days")
        what = f"{o['id']}\n[dim]{o['section']} {o['description']}[/dim]"
        what += "".join(f"\n[yellow]flag: {f}[/yellow]" for f in o["flags"])
        table.add_row(what, o["deadline"] or "none", o["latest_mailing"] or "", o["status"], when)
    console.print(table)
