"""§4.6 Other notices, drafted from the event that calls for them.

"… the Company shall give, by first class mail, postage prepaid, addressed to
the holder of this Warrant at the address of such holder as shown on the
books of the Company, (i) at least 20 day's prior written notice of the date
on which the books of the Company shall close or a record shall be taken for
such dividend, distribution or subscription rights or for determining rights
to vote in respect of any such reorganization, … or other action and (ii) in
the case of any such reorganization, … or other action, at least 20 day's
written notice of the date when the same shall take place. Any notice given
in accordance with the foregoing clause (i) shall also specify, in the case
of any such dividend, distribution or subscription rights, the date on which
the holders of Preferred Stock shall be entitled thereto. Any notice given in
accordance with the foregoing clause (ii) shall also specify the date on
which the holders of Preferred Stock shall be entitled to exchange their
Preferred Stock for securities or other property deliverable upon such
reorganization, …"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from captable import events as ev
from captable import prose
from captable.letter_parts import Block, Drafting, closing, opening
from captable.rules.amounts import Security
from captable.forms import Terms
from captable.rules.notices import deemed_given


@dataclass(frozen=True)
class Event:
    """An event of §4.6 in words: what happened, and its short name ("the dividend")."""

    happened: str
    name: str
    exchange: bool = False  # (d): after it the Warrant delivers what the shares are exchanged for (§4.3)


def _holders_of(drafting: Drafting, class_id: str) -> str:
    """The class a dividend or offering is on; a note when it is the common the warrant's preferred converts into."""
    stock = drafting.class_name(class_id)
    _, books, _ = drafting.around()
    security = books.warrants[drafting.obligation.warrant].security
    own = books.classes.get(security.class_) if security.issuer == books.name else None
    if own is not None and own.id != class_id and own.converts_to == class_id and not own.converted:
        return f"{stock}, into which the {own.name} purchasable under the Warrant is convertible"
    return stock


def _cash_dividend(d: Drafting, fact: ev.CashDividend) -> Event:
    return Event(f"declared a cash dividend of {prose.price(fact.amount_per_share).text} per share on its "
                 f"{_holders_of(d, fact.class_)}", "dividend")


def _stock_dividend(d: Drafting, fact: ev.StockDividend) -> Event:
    paid = d.class_name(fact.paid_class)
    q = fact.shares_per_share
    return Event(f"declared a dividend on its {_holders_of(d, fact.class_)}, payable in {paid} at "
                 f"{prose.per_share(q)} of {paid} for each share held of record", "dividend")


def _distribution(d: Drafting, fact: ev.Distribution) -> Event:
    parts = []
    if fact.cash_per_share:
        parts.append(f"{prose.price(fact.cash_per_share).text} in cash")
    for s in fact.securities_per_share or ():
        name = d.stock(Security(s.issuer, s.class_))
        parts.append(f"{prose.per_share(s.quantity)} of {name}")
    if fact.property:
        parts.append(fact.property.strip().rstrip("."))
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
    return Event(f"declared a distribution to the holders of its {_holders_of(d, fact.class_)} of {listed} for "
                 "each share held of record", "distribution")


def _subscription(d: Drafting, fact: ev.SubscriptionOffered) -> Event:
    return Event(f"offered for subscription, pro rata to the holders of its {_holders_of(d, fact.class_)}, "
                 f"{fact.description.strip().rstrip('.')}", "subscription rights")


def _reclassification(d: Drafting, fact: ev.Reclassification) -> Event:
    into = [f"{prose.per_share(c.quantity)} of {d.class_name(c.class_)}" for c in fact.into]
    listed = into[0] if len(into) == 1 else ", ".join(into[:-1]) + f" and {into[-1]}"
    return Event(f"approved a reclassification of its {d.class_name(fact.class_)}, each share to become {listed}",
                 "reclassification", exchange=True)


AGREED = {
    "merger": ("agreed to merge with {}", "merger"),
    "consolidation": ("agreed to consolidate with {}", "consolidation"),
    "asset_sale": ("agreed to sell all or substantially all of its assets to {}", "sale of assets"),
    "reorganization": ("agreed with {} to a reorganization of its capital stock", "reorganization"),
}


def _merger(d: Drafting, fact: ev.MergerAgreed) -> Event:
    what, name = AGREED[fact.kind]
    return Event(what.format(fact.counterparty), name, exchange=True)


def _dissolution(d: Drafting, fact: ev.DissolutionApproved) -> Event:
    how = "a voluntary dissolution, liquidation and winding-up of the Company was approved" if fact.voluntary \
        else "an involuntary dissolution, liquidation and winding-up of the Company was ordered"
    return Event(how, "dissolution")


def _other(d: Drafting, fact: ev.OtherActionProposed) -> Event:
    return Event("proposed to take the following action, of which it is giving notice to the holders of its "
                 f"Preferred Stock: {fact.description.strip().rstrip('.')}", "action")


DESCRIBE: dict[type[ev.Event], Callable[..., Event]] = {
    ev.CashDividend: _cash_dividend, ev.StockDividend: _stock_dividend, ev.Distribution: _distribution,
    ev.SubscriptionOffered: _subscription, ev.Reclassification: _reclassification, ev.MergerAgreed: _merger,
    ev.DissolutionApproved: _dissolution, ev.OtherActionProposed: _other,
}
# "On … the Company declared …"; a dissolution is said in the passive ("On … a dissolution … was approved").
PASSIVE = (ev.DissolutionApproved,)


def body(drafting: Drafting) -> tuple[str, list[Block]]:
    """The subject and paragraphs of a §4.6 notice: clause (i), a record date, or (ii), the day of the action."""
    obligation, fact = drafting.obligation, drafting.trigger
    clause = obligation.section.removeprefix("\u00a74.6")  # "(a)(i)"
    letter, part = clause[:3], clause[3:]
    event = DESCRIBE[type(fact)](drafting, fact)
    who = "" if isinstance(fact, PASSIVE) else "the Company "
    _, books, _ = drafting.around()  # the warrant's stock when the event happened, not after a later exchange
    stock = drafting.stock(books.warrants[obligation.warrant].security, books)
    happened = prose.sentence(f"On {drafting.on(fact.effective)} {who}{event.happened}")
    record = part == "(i)"
    what = f"of the record date for the {event.name}" if record else f"of the date of the {event.name}"
    blocks: list[Block] = [opening(drafting, f"4.6{letter}", what), happened]
    blocks.append(_record(drafting, event, stock, letter) if record else _takes_place(drafting, event, stock))
    if letter == "(b)" and record:
        blocks.append("Under Section 4.2 of the Warrant, upon exercise you will be entitled to receive, in addition "
                      "to the shares purchased and without further payment, what you would have received had you "
                      "been the holder of record, on the record date, of the shares then purchasable.")
    if event.exchange and not record:
        done = obligation.target is not None and obligation.target < drafting.dated
        blocks.append(f"Under Section 4.3 of the Warrant, after the {event.name} the Warrant "
                      f"{'is' if done else 'will be'} exercisable for the securities or other property deliverable "
                      f"upon the {event.name} in exchange for the shares purchasable immediately before it.")
    blocks += [_timing(drafting, record), closing()]
    target = "record date" if record else "date"
    return f"Notice under Section 4.6{letter} of the {target} of the {event.name}", blocks


def _record(drafting: Drafting, event: Event, stock: str, letter: str) -> str:
    """Clause (i): the day the books close or a record is taken, and (a)–(c) the day the holders are entitled."""
    target = drafting.obligation.target
    assert target is not None  # a (i) obligation arises only from a record date
    day, past = prose.day(target), target < drafting.dated
    is_, will = ("was", "was") if past else ("is", "will be")
    if letter in ("(a)", "(b)", "(c)"):
        return (f"The record date for the {event.name} {is_} {day}: a record of the holders {will} taken on that "
                f"date, and the holders of record on that date {'were' if past else 'will be'} entitled to the "
                f"{event.name}.")
    return (f"The record date for determining the holders of {stock} entitled to vote in respect of the "
            f"{event.name} {is_} {day}: a record of the holders {will} taken on that date.")


def _takes_place(drafting: Drafting, event: Event, stock: str) -> str:
    """Clause (ii): the day the action takes place, and the day holders may exchange their shares."""
    target = drafting.obligation.target
    if target is None:
        return (f"The date on which the {event.name} will take place has not yet been fixed. The Company will give "
                f"you written notice of that date, and of the date on which the holders of {stock} will be entitled "
                f"to exchange their shares, at least {_terms(drafting).prior_notice_days} days before it.")
    fixed = isinstance(drafting.trigger, ev.Reclassification) or _completed(drafting)
    day = prose.day(target)
    if target < drafting.dated:
        return (f"The {event.name} took place on {day}, and on that date the holders of {stock} became entitled to "
                f"exchange their shares for {'the' if event.exchange else 'any'} securities or other property "
                "deliverable upon it.")
    when = "will take place" if fixed else "is expected to take place"
    deliverable = "the" if event.exchange else "any"  # a dissolution or another action may deliver nothing
    return (f"The {event.name} {when} on {day}. On that date the holders of {stock} will be entitled to exchange "
            f"their shares for {deliverable} securities or other property deliverable upon the {event.name}.")


def _terms(drafting: Drafting) -> Terms:
    return drafting.state.warrants[drafting.obligation.warrant].terms_of.terms


def _completed(drafting: Drafting) -> bool:
    agreement = drafting.state.agreements.get(drafting.obligation.trigger)
    return agreement is not None and agreement.completed_by is not None


def _timing(drafting: Drafting, record: bool) -> str:
    """The days of notice of §4.6 and the mail of §12 (the warrant's form's); whether this letter, mailed on its
    date, is in time. A form other than the 1997 one is named with its clauses."""
    of = "the record date" if record else "that date"
    form = drafting.state.warrants[drafting.obligation.warrant].terms_of
    terms = form.terms
    notice = ("Section 4.6 of the Warrant calls" if form.speaks_as_1997("prior_notice_days")
              else f"The Warrant ({form.cite('prior_notice_days')}) calls")
    mail = ("under Section 12 of the Warrant" if form.speaks_as_1997("mail_deemed_days")
            else f"under the Warrant ({form.cite('mail_deemed_days')})")
    text = (f"{notice} for at least {terms.prior_notice_days} days\u2019 written notice of {of}. "
            "This notice is sent by certified first class mail, postage prepaid, to your address as shown on the "
            f"books of the Company; {mail} it is given {prose.count(terms.mail_deemed_days)} "
            f"{terms.mail_day_kind} days after its deposit in the mail.")
    deadline, target = drafting.obligation.deadline, drafting.obligation.target
    given = deemed_given("mail", drafting.dated, None, None, terms)
    if deadline is not None and target is not None and given is not None and given <= deadline:
        text += (f" Mailed on the date of this letter, it is given on {prose.day(given)}, "
                 f"{(target - given).days} days before {of}.")
    return text
