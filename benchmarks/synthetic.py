"""A deterministic, realistic synthetic history for one company (JSON Lines).

``history(n_events, seed)`` returns exactly ``n_events`` lines that the
engine accepts without a refusal:

- ``CompanyFormed``, a common class and a 3/2 preferred class that converts
  into it, founders' common, a preferred round, and two cash warrants on the
  preferred that expire in 2099;
- then a mix of ``SharesIssued`` (to thousands of distinct holders, always
  at a price per common share, as converted, above every warrant's Stock
  Purchase Price, so §4.4 never adjusts a warrant: a preferred share's price
  doubles with each split of the common, whose conversion ratio it follows),
  ``SharesTransferred`` and ``SharesCancelled`` (only what the holder
  actually holds), a few ``StockSplit`` of the common by 2/1,
  ``AuthorizedSharesChanged`` whenever an issuance or a split needs room
  (room that also keeps the §3 reservation for the warrants: their units of
  preferred, and the common those convert into), and partial cash
  ``WarrantExercised`` (whole units, payment = units × the warrant's price
  rounded to the cent, half up).

The generator keeps its own books (holdings per class and holder,
outstanding, authorized, each warrant's price and balance), so every event
is valid against the state at its effective instant. Effective instants are
strictly increasing date-times written with assorted UTC offsets. Every
number is a JSON integer (whole shares, authorized counts) or a string
(prices, ratios, payments); there is no float anywhere.

    python benchmarks/synthetic.py 10000 > /tmp/history.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

COMPANY = "synthco"
COMMON = "common"
PREFERRED = "series_a"

_START = datetime(1997, 1, 6, 16, 0, tzinfo=timezone.utc)  # after the 1996 set-up events
_SPAN = timedelta(days=365 * 25)  # the mixed events spread over about 25 years
_OFFSETS = [timezone(timedelta(hours=h, minutes=m)) for h, m in ((-8, 0), (-7, 0), (-5, 0), (0, 0), (1, 0), (5, 30))]

_FIRST = (
    "Ava", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Keiko", "Liam",
    "Maya", "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Sanjay", "Tara", "Uma", "Victor", "Wei", "Ximena",
    "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Diego", "Esther", "Felix", "Gita", "Hugo", "Ivy", "Jonas",
)
_LAST = (
    "Adams", "Baker", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kim",
    "Lopez", "Miller", "Nakamura", "Okafor", "Patel", "Quintero", "Rossi", "Schmidt", "Tanaka", "Usman",
    "Varga", "Wong", "Xu", "Yamamoto", "Zhang", "Alvarez", "Becker", "Costa", "Novak", "Silva", "Moreau",
)
_FUNDS = ("Ventures", "Capital", "Partners", "Growth", "Opportunity", "Seed")

# Issue prices per common share, all above every warrant's Stock Purchase Price below, so
# §4.4 never adjusts (a preferred share is priced at its as-converted value: see ``issue``).
_ISSUE_PRICES = ("38.00", "42.50", "50.00", "61.25", "75.00")
_INITIAL_RATIO = Fraction(3, 2)
_WARRANTS = (
    # id, holder, units, price
    ("W-1", "Lender, Inc.", 2_000_000, "8.9325"),
    ("W-2", "Leasing Partners II, L.P.", 1_000_000, "11.0417"),
)


def _holder_names(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct, plausible holder names: people, some of them numbered, and funds."""
    names: list[str] = []
    seen: set[str] = set()
    serial = 0
    while len(names) < count:
        roll = rng.random()
        if roll < 0.15:
            serial += 1
            name = f"{rng.choice(_LAST)} {rng.choice(_FUNDS)} Fund {serial}, L.P."
        else:
            name = f"{rng.choice(_FIRST)} {chr(rng.randint(65, 90))}. {rng.choice(_LAST)}"
            if name in seen:
                name += " Jr."
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _cents(q: Fraction) -> str:
    """Round a non-negative amount to the cent, half up, and write it as ``"1234.57"``."""
    cents, rest = divmod(q * 100, 1)
    if rest * 2 >= 1:
        cents += 1
    whole, part = divmod(int(cents), 100)
    return f"{whole}.{part:02d}"


class _Book:
    """The generator's own record of one class: authorized, outstanding, who holds what."""

    def __init__(self, authorized: int) -> None:
        self.authorized = authorized
        self.outstanding = 0
        self.holdings: dict[str, int] = {}
        self._holders: list[str] = []  # holders with a non-zero holding, for O(1) random choice
        self._index: dict[str, int] = {}

    def add(self, holder: str, shares: int) -> None:
        if holder not in self._index:
            self._index[holder] = len(self._holders)
            self._holders.append(holder)
            self.holdings[holder] = 0
        self.holdings[holder] += shares
        self.outstanding += shares

    def remove(self, holder: str, shares: int) -> None:
        left = self.holdings[holder] - shares
        assert left >= 0
        self.outstanding -= shares
        if left:
            self.holdings[holder] = left
            return
        del self.holdings[holder]
        i = self._index.pop(holder)
        last = self._holders.pop()
        if last != holder:
            self._holders[i] = last
            self._index[last] = i

    def split(self, k: int) -> None:
        for holder in self._holders:
            self.holdings[holder] *= k
        self.outstanding *= k

    def any_holder(self, rng: random.Random) -> str | None:
        return rng.choice(self._holders) if self._holders else None


class _Generator:
    def __init__(self, n_events: int, seed: int) -> None:
        self.n = n_events
        self.rng = random.Random(seed)
        self.lines: list[str] = []
        self.books = {COMMON: _Book(25_000_000), PREFERRED: _Book(10_000_000)}
        self.warrants = {w: {"holder": h, "units": units, "price": Fraction(p)} for w, h, units, p in _WARRANTS}
        self.ratio = _INITIAL_RATIO  # the preferred's conversion ratio: × k on each split of the common
        self.names = _holder_names(max(100, min(20_000, n_events // 5)), self.rng)
        self.clock = _START
        self.mean_step = max(2.0, _SPAN.total_seconds() / max(1, n_events))
        self.serial = 0

    # Output ---------------------------------------------------------------

    def emit(self, event: dict[str, Any]) -> None:
        self.lines.append(json.dumps(event, ensure_ascii=False))

    @property
    def room(self) -> int:
        return self.n - len(self.lines)

    def next_effective(self) -> str:
        """A strictly later instant, written with one of several UTC offsets."""
        step = self.rng.randint(1, int(2 * self.mean_step) - 1)
        self.clock += timedelta(seconds=step)
        return self.clock.astimezone(self.rng.choice(_OFFSETS)).isoformat()

    def base(self, kind: str) -> dict[str, Any]:
        self.serial += 1
        event: dict[str, Any] = {"type": kind, "id": f"{kind[0].lower()}{kind[1:]}-{self.serial:07d}",
                                 "effective": self.next_effective()}
        if self.rng.random() < 0.05:
            event["source"] = f"Board minutes, meeting {self.serial}"
        return event

    # Set-up ---------------------------------------------------------------

    def setup(self) -> None:
        common, preferred = self.books[COMMON], self.books[PREFERRED]
        self.emit({"type": "CompanyFormed", "id": "formed", "effective": "1996-02-06", "company": COMPANY,
                   "name": "SynthCo, Inc.", "timezone": "America/Los_Angeles", "fiscal_year_end": "12-31",
                   "address": "1 Benchmark Way, Palo Alto, California", "officers": {"cfo": "Pat Lee"}})
        self.emit({"type": "ShareClassCreated", "id": "common-created", "effective": "1996-02-06", "class": COMMON,
                   "name": "Common Stock", "kind": "common", "authorized": common.authorized})
        self.emit({"type": "ShareClassCreated", "id": "preferred-created", "effective": "1996-02-06",
                   "class": PREFERRED, "name": "Series A Preferred Stock", "kind": "preferred",
                   "authorized": preferred.authorized, "converts_to": COMMON, "conversion_ratio": "3/2"})
        self.emit({"type": "SharesIssued", "id": "founders", "effective": "1996-03-01", "class": COMMON,
                   "holder": "Founders Trust", "shares": 8_000_000, "price_per_share": "0.001",
                   "category": "option_plan"})
        common.add("Founders Trust", 8_000_000)
        self.emit({"type": "SharesIssued", "id": "series-a-round", "effective": "1996-08-05", "class": PREFERRED,
                   "holder": "Sand Hill Ventures Fund I, L.P.", "shares": 3_000_000, "price_per_share": "8.93"})
        preferred.add("Sand Hill Ventures Fund I, L.P.", 3_000_000)
        for i, (warrant, holder, units, price) in enumerate(_WARRANTS, start=1):
            self.emit({"type": "WarrantIssued", "id": f"warrant-{warrant}", "effective": f"1996-{9 + i:02d}-30",
                       "warrant": warrant, "holder": {"name": holder, "address": f"{i} Market Street, San Jose"},
                       "class": PREFERRED, "shares": units, "price": price,
                       "expires": "2099-12-15T17:00:00-08:00", "certificate": f"CS-{i}"})

    # Mixed events -----------------------------------------------------------

    def reserved(self, class_id: str, ratio: Fraction | None = None) -> int:
        """§3: what the warrants' remaining units need kept authorized and unissued in this class."""
        units = sum(terms["units"] for terms in self.warrants.values())
        if class_id == PREFERRED:
            return units
        product = units * (ratio or self.ratio)
        return product.numerator // product.denominator

    def authorize(self, class_id: str, needed: int) -> None:
        """Raise the class's authorized shares to leave generous headroom over ``needed``."""
        book = self.books[class_id]
        book.authorized = max(2 * book.authorized, needed + needed // 2)
        event = self.base("AuthorizedSharesChanged")
        event.update({"class": class_id, "authorized": book.authorized})
        self.emit(event)

    def issue(self) -> None:
        class_id = COMMON if self.rng.random() < 0.8 else PREFERRED
        book = self.books[class_id]
        shares = self.rng.randint(1, 50) * 100 if class_id == COMMON else self.rng.randint(1, 200) * 100
        needed = book.outstanding + shares + self.reserved(class_id)
        if needed > book.authorized:
            if self.room < 2:
                return self.transfer()
            self.authorize(class_id, needed)
        price = Fraction(self.rng.choice(_ISSUE_PRICES))
        if class_id == PREFERRED:
            price *= self.ratio / _INITIAL_RATIO  # the same value per common share, as converted
        holder = self.rng.choice(self.names)
        event = self.base("SharesIssued")
        event.update({"class": class_id, "holder": holder, "shares": shares, "price_per_share": _cents(price)})
        self.emit(event)
        book.add(holder, shares)

    def transfer(self) -> None:
        class_id = COMMON if self.rng.random() < 0.8 else PREFERRED
        book = self.books[class_id]
        seller = book.any_holder(self.rng)
        assert seller is not None
        buyer = self.rng.choice(self.names)
        while buyer == seller:
            buyer = self.rng.choice(self.names)
        held = book.holdings[seller]
        shares = held if held == 1 or self.rng.random() < 0.2 else self.rng.randint(1, held // 2)
        event = self.base("SharesTransferred")
        event.update({"class": class_id, "from": seller, "to": buyer, "shares": shares})
        self.emit(event)
        book.remove(seller, shares)
        book.add(buyer, shares)

    def cancel(self) -> None:
        class_id = COMMON if self.rng.random() < 0.8 else PREFERRED
        book = self.books[class_id]
        holder = book.any_holder(self.rng)
        assert holder is not None
        held = book.holdings[holder]
        shares = held if held == 1 or self.rng.random() < 0.3 else self.rng.randint(1, max(1, held // 4))
        event = self.base("SharesCancelled")
        event.update({"class": class_id, "holder": holder, "shares": shares})
        self.emit(event)
        book.remove(holder, shares)

    def split(self) -> None:
        """A 2/1 split of the common; it does not move a warrant on the preferred (cap_table.stock_split)."""
        book = self.books[COMMON]
        needed = book.outstanding * 2 + self.reserved(COMMON, self.ratio * 2)
        if needed > book.authorized:
            self.authorize(COMMON, needed)
        event = self.base("StockSplit")
        event.update({"class": COMMON, "ratio": "2/1"})
        self.emit(event)
        book.split(2)
        self.ratio *= 2

    def exercise(self) -> None:
        """A partial cash exercise of whole units, paying units × price to the cent (half up)."""
        open_warrants = [w for w, terms in self.warrants.items() if terms["units"] > 1]
        if not open_warrants:
            return self.issue()
        warrant = self.rng.choice(open_warrants)
        terms = self.warrants[warrant]
        units = self.rng.randint(1, min(terms["units"] - 1, 1000))
        event = self.base("WarrantExercised")
        event.update({"warrant": warrant, "shares": units, "payment": _cents(units * terms["price"])})
        recipient = terms["holder"]
        if self.rng.random() < 0.1:
            recipient = self.rng.choice(self.names)
            event["deliver_to"] = recipient
        self.emit(event)
        terms["units"] -= units
        self.books[PREFERRED].add(recipient, units)

    def run(self) -> list[str]:
        self.setup()
        if self.room < 0:
            raise ValueError(f"a history needs at least {len(self.lines)} events")
        mixed = self.room
        n_splits = min(4, max(1, mixed // 25_000))
        split_at = [len(self.lines) + mixed * (i + 1) // (n_splits + 1) for i in range(n_splits)]
        while self.room > 0:
            if split_at and len(self.lines) >= split_at[0] and self.room >= 2:
                split_at.pop(0)
                self.split()
                continue
            roll = self.rng.random()
            if roll < 0.45 or len(self.lines) < 20:
                self.issue()
            elif roll < 0.83:
                self.transfer()
            elif roll < 0.99:
                self.cancel()
            else:
                self.exercise()
        assert len(self.lines) == self.n
        return self.lines


def history(n_events: int, seed: int = 1) -> list[str]:
    """``n_events`` JSON Lines (each without a newline) for one company, the same for the same seed."""
    return _Generator(n_events, seed).run()


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    sys.stdout.write("\n".join(history(n, seed)) + "\n")
