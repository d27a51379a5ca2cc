"""§1(c) Per Share Price, for a net exercise under §1(b).

"(i) if the Company's Common Stock is then listed … the average of the
closing bid and asked prices … for the ten (10) consecutive trading days prior
to the date of the Holder's election …; (ii) if this Warrant is being
converted in conjunction with a public offering of stock, the price to the
public per share pursuant to the offering; or (iii) if no shares of the
Company's Common Stock are listed …, the price per share … determined in good
faith by the Company's Board of Directors."
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from fractions import Fraction
from typing import Protocol

from captable.calendars import trading_days_before
from captable.errors import MethodNotAvailable, MissingQuote, NoBoardValuation, NotListed, UnknownOffering
from captable.events import PerSharePrice, QuoteUsed
from captable.forms import Terms, default_terms
from captable.rules import conventions


class Closing(Protocol):
    bid: Fraction
    ask: Fraction
    event: str


def market_average(election_day: date, quotes: Mapping[date, Closing],
                   terms: Terms | None = None) -> tuple[Fraction, list[QuoteUsed]]:
    """§1(c)(i): the mean of each day's (bid + asked) / 2 over the N trading days before the election date (N
    and the day's price, the midpoint or the closing bid, are the warrant's form's)."""
    terms = terms or default_terms()
    count, midpoints = terms.per_share_price_trading_days, terms.per_share_price_market == "mean_of_bid_ask_midpoints"
    reading = conventions.MARKET_PRICE_MEAN_OF_MIDPOINTS.name if midpoints else "per_share_price_market"
    used = []
    for day in trading_days_before(election_day, count):
        quote = quotes.get(day)
        if quote is None:
            raise MissingQuote(
                f"no closing bid and asked for {day.isoformat()}, one of the {count} trading days before "
                f"the election on {election_day.isoformat()} (convention {reading}); record MarketQuotes for it",
                field="quotes", value=day.isoformat(),
            )
        mean = (quote.bid + quote.ask) / 2 if midpoints else quote.bid
        used.append(QuoteUsed(date=day, bid=quote.bid, ask=quote.ask, mean=mean, event=quote.event))
    return sum((q.mean for q in used), Fraction(0)) / len(used), used


def market(election_day: date, exchange: str | None, quotes: Mapping[date, Closing],
           ratio: Fraction | None, terms: Terms | None = None) -> PerSharePrice:
    if exchange is None:
        raise NotListed(
            f"the common stock is not listed on {election_day.isoformat()}, so §1(c)(i) does not apply; "
            "use the board method (§1(c)(iii)) or a public offering (§1(c)(ii))",
            field="method", value="market",
        )
    common, used = market_average(election_day, quotes, terms)
    return _priced("market", common, ratio, exchange=exchange, quotes=used)


def public_offering(election_day: date, offering_id: str | None, offering: object | None, common_class: str,
                    own_class: str, ratio: Fraction | None, known: Sequence[str] = ()) -> PerSharePrice:
    """§1(c)(ii): the price to the public, for an election made on or before the offering's closing.

    ``known`` are the offerings priced by the election, named when ``offering_id`` is missing or unknown.
    """
    if offering is None:
        listed = (f"; the offerings priced by then are {', '.join(repr(k) for k in known)}" if known
                  else "; no public offering is priced by then")
        asked = ("name the offering the exercise is made in conjunction with" if offering_id is None
                 else f"no PublicOfferingPriced {offering_id!r} is known at the election")
        raise UnknownOffering(asked + listed, field="offering", value=offering_id)
    if election_day > offering.closing:  # type: ignore[attr-defined]
        raise MethodNotAvailable(
            f"offering {offering_id!r} closed on {offering.closing.isoformat()}; an election on "  # type: ignore[attr-defined]
            f"{election_day.isoformat()} is not made in conjunction with it",
            field="offering", value=offering_id, section="§1(c)(ii)",
        )
    price_class = offering.class_  # type: ignore[attr-defined]
    if price_class not in (common_class, own_class):
        raise MethodNotAvailable(f"offering {offering_id!r} is of {price_class}, neither the warrant's class nor "
                                 "the common", field="offering", value=offering_id, section="§1(c)(ii)")
    return _priced("public_offering", offering.price_to_public, ratio if price_class != own_class else None,  # type: ignore[attr-defined]
                   offering=offering_id)


def board(election_day: date, exchange: str | None, valuation: object | None, own_class: str,
          ratio: Fraction | None) -> PerSharePrice:
    """§1(c)(iii): only while no common is listed; the latest determination on or before the election."""
    if exchange is not None:
        raise MethodNotAvailable(
            f"the common stock is listed on {exchange} on {election_day.isoformat()}; §1(c)(iii) applies only "
            "when it is not, so the market price (§1(c)(i)) governs",
            field="method", value="board", section="§1(c)(iii)",
        )
    if valuation is None:
        raise NoBoardValuation("no Board determination of the price per share (BoardValuation) on or before "
                               "the election", field="method", value="board")
    own = valuation.class_ == own_class  # type: ignore[attr-defined]
    return _priced("board", valuation.price, None if own else ratio, valuation=valuation.event)  # type: ignore[attr-defined]


def _priced(method: str, common: Fraction, ratio: Fraction | None, **inputs: object) -> PerSharePrice:
    """A common price, as-converted while the warrant is for preferred (convention per_share_price_as_converted)."""
    return PerSharePrice(method=method, common_price=common, conversion_ratio=ratio,  # type: ignore[arg-type]
                         price=common * ratio if ratio is not None else common, **inputs)  # type: ignore[arg-type]
