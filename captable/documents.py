"""Letters for the holder: the §4.5 notice of adjustment and the §4.6 notices.

A letter is drafted from the same fold that answers ``state`` and
``notices``, dated on a day: the obligation must have arisen by then, and the
holder's name and address are those on the books that day (§4.5, §4.6). The
body says in words what happened and what follows from it; a §4.5 notice
carries a Calculation with the exact figures (``letter_adjustment``). Nothing
internal reaches the holder: not the events' ``source`` notes, ids or the
names of the engine's conventions.

Only §4.5 and §4.6 call for a notice. §18.7 reports are delivered, and the
§4.3 assumption is the successor's own instrument: for those there is no
letter to draft, and the refusal says what to record instead.
"""

from __future__ import annotations

from difflib import get_close_matches

from captable import errors, letter_adjustment, letter_notices
from captable.instants import end_of, now
from captable.ledger import Ledger
from captable.letter_page import html_page, markdown
from captable.letter_parts import DELIVERY, Drafting, Letter
from captable.queries import view
from projections.obligations import Obligation, obligations

__all__ = ["Letter", "draft", "html_page", "markdown"]

LETTER_SECTIONS = ("\u00a74.5", "\u00a74.6")


def draft(ledger: Ledger, company: str | None, obligation_id: str, on: str | None) -> Letter:
    """The notice that discharges ``obligation_id``, dated ``on`` (default today), from the books as they are now."""
    asked = view(ledger, company, on, None)
    state, found = obligations(asked.entries, asked.as_of.at)
    obligation = next((o for o in found if o.id == obligation_id), None)
    if obligation is None:
        raise _unknown(asked, found, obligation_id)
    if not obligation.section.startswith(LETTER_SECTIONS):
        raise _no_letter(obligation)
    drafting = Drafting(obligation, state, asked.entries, state.local_day(asked.as_of.at))
    calculation = None
    if obligation.section == "\u00a74.5":
        subject, blocks, calculation = letter_adjustment.body(drafting)
    else:
        subject, blocks = letter_notices.body(drafting)
    warrant = drafting.warrant
    # §4.5 requires the chief financial officer's signature; §4.6 names no signer, and the CFO signs both. Another
    # form names its own signer (any officer: the CFO still signs).
    signer = obligation.terms.adjustment_notice_signer
    office = "cfo" if signer == "any_officer" else signer
    return Letter(
        dated=drafting.dated, company=state.name or "", company_address=state.address or "", delivery=DELIVERY,
        to_name=warrant.holder.name, to_address=warrant.holder.address, regarding=drafting.regarding(),
        subject=subject, blocks=blocks, signer=state.officers.get(office, ""),
        signer_title=TITLES[office], calculation=calculation,
    )


TITLES = {"cfo": "Chief Financial Officer", "ceo": "Chief Executive Officer", "secretary": "Secretary"}


def _unknown(asked, found: list[Obligation], name: str) -> errors.Refused:  # type: ignore[no-untyped-def]
    """No such obligation on the letter's date: it arises later, or the nearest ids that have arisen."""
    later = next((o for o in obligations(asked.entries, max(now(), end_of(asked.as_of.at, asked.history.zone)))[1]
                  if o.id == name), None)
    if later is not None and not later.section.startswith(LETTER_SECTIONS):
        return _no_letter(later)
    if later is not None:
        return errors.UnknownObligation(
            f"obligation {name!r} arises on {later.arose.isoformat()}, after the letter's date; date the letter on "
            "or after that day (--date)", field="obligation", value=name)
    letters = sorted(o.id for o in found if o.section.startswith(LETTER_SECTIONS))
    nearest = get_close_matches(name, letters, n=3, cutoff=0)
    hint = (f"the nearest are {', '.join(nearest)}" if nearest
            else "no notice under Section 4.5 or 4.6 has arisen by then")
    return errors.UnknownObligation(f"no obligation {name!r} has arisen by the letter's date; {hint} "
                                    "(`captable notices` lists them)", field="obligation", value=name)


def _no_letter(obligation: Obligation) -> errors.Refused:
    """§18.7 reports and the §4.3 assumption are delivered, not notified: say what to record instead."""
    if obligation.section.startswith("\u00a718.7"):
        what = ("§18.7 reports are delivered to the holder, not notified: there is no letter to draft. Deliver the "
                "statements and record a ReportDelivered event (kind, period, delivered); `captable notices` then "
                "shows the report met")
    else:
        what = ("the §4.3 assumption is the successor's own written instrument, not a notice of the Company: there "
                "is no letter to draft. Record SuccessorAssumed (agreement, delivered) when it reaches the holder")
    return errors.NoLetter(what, field="obligation", value=obligation.id, section=obligation.section)
