"""Refusals: every refused input raises one of these and stores nothing.

Each carries a stable ``code``, the warrant ``section`` whose rule refused it
(when a rule did), the ``field`` and ``value`` at fault, and for an import
the ``line``. The message says what to do about it.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    code = "refused"
    section: str | None = None
    exit_status = 1  # DESIGN §7: 1 refused input, 2 a usage error

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: Any = None,
        section: str | None = None,
        line: int | None = None,
        event: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value
        self.line = line
        self.event = event
        if section is not None:
            self.section = section

    def at(self, *, line: int | None = None, event: str | None = None) -> Refused:
        """The same refusal, placed at an import line or event id."""
        self.line = self.line if line is None else line
        self.event = self.event if event is None else event
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "section": self.section,
            "field": self.field,
            "value": _jsonable(self.value),
            "line": self.line,
            "event": self.event,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = [f"line {self.line}" if self.line is not None else None,
                 f"event {self.event}" if self.event else None,
                 f"field {self.field}" if self.field else None,
                 f"value {_jsonable(self.value)!r}" if self.value is not None else None,
                 self.section]
        place = ", ".join(w for w in where if w)
        return f"{self.code}: {self.message}" + (f" ({place})" if place else "")


def _jsonable(value: Any) -> Any:
    from fractions import Fraction

    from captable.numbers import JsonFloat, format_exact

    if isinstance(value, Fraction):
        return format_exact(value)
    if isinstance(value, JsonFloat):
        return value.text
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


# Input that is not a well-formed event.
class MalformedJson(Refused):
    code = "malformed_json"


class InvalidEvent(Refused):
    code = "invalid_event"


class CompanyRequired(Refused):
    code = "company_required"


class UnknownCompany(Refused):
    code = "unknown_company"


class DuplicateCompany(Refused):
    code = "duplicate_company"


class UnknownClass(Refused):
    code = "unknown_class"


class DuplicateClass(Refused):
    code = "duplicate_class"


class UnknownWarrant(Refused):
    code = "unknown_warrant"


class DuplicateWarrant(Refused):
    code = "duplicate_warrant"


class UnknownConvertible(Refused):
    """A convertible's ending names none outstanding, or an issue repeats an outstanding one's id."""

    code = "unknown_convertible"


class UnknownGrant(Refused):
    """An exercise, cancellation or transfer of options names no grant (OptionsIssued) that holds them."""

    code = "unknown_grant"


class UnknownForm(Refused):
    code = "unknown_form"


class FormInvalid(Refused):
    """A form file that does not say what a form must (captable/forms/*.toml)."""

    code = "form_invalid"


class UnknownEvent(Refused):
    code = "unknown_event"


class IdConflict(Refused):
    code = "id_conflict"


class RecordedOutOfOrder(Refused):
    code = "recorded_out_of_order"


class RecordedInFuture(Refused):
    code = "recorded_in_future"


class ConcurrentWrite(Refused):
    code = "concurrent_write"


class ComputedMismatch(Refused):
    code = "computed_mismatch"


# The capital structure.
class InsufficientShares(Refused):
    code = "insufficient_shares"


class ExceedsAuthorized(Refused):
    code = "exceeds_authorized"


class NotConvertible(Refused):
    code = "not_convertible"


class UnknownAgreement(Refused):
    code = "unknown_agreement"
    section = "§4.3"


class MissingConsideration(Refused):
    code = "missing_consideration"
    section = "§4.3"


# The warrant's own rules.
class WarrantExpired(Refused):
    code = "warrant_expired"
    section = "§1(a)"


class WarrantNotOutstanding(Refused):
    code = "warrant_not_outstanding"
    section = "§1(a)"


class ExceedsSharesPurchasable(Refused):
    code = "exceeds_shares_purchasable"
    section = "§1(a)"


class FractionalCashExercise(Refused):
    code = "fractional_cash_exercise"
    section = "§1(a)"


class PaymentMismatch(Refused):
    code = "payment_mismatch"
    section = "§1(a)"


class FractionalExercise(Refused):
    code = "fractional_exercise"
    section = "§1(b)"


class NetExerciseNoValue(Refused):
    code = "net_exercise_no_value"
    section = "§1(b)"


class MissingQuote(Refused):
    code = "missing_quote"
    section = "§1(c)(i)"


class NotListed(Refused):
    code = "not_listed"
    section = "§1(c)(i)"


class MethodNotAvailable(Refused):
    code = "method_not_available"
    section = "§1(c)"


class UnknownOffering(Refused):
    code = "unknown_offering"
    section = "§1(c)(ii)"


class NoBoardValuation(Refused):
    code = "no_board_valuation"
    section = "§1(c)(iii)"


class TransferWithoutBasis(Refused):
    code = "transfer_without_basis"
    section = "§2"


class ReplacementIncomplete(Refused):
    code = "replacement_incomplete"
    section = "§15"


# Read models.
class ViewsOverStore(Refused):
    code = "views_over_store"


# The store, the command line and the environment (DESIGN §7: no traceback, ever).
class Usage(Refused):
    """The command line itself is wrong: an unknown command or option, a missing argument."""

    code = "usage"
    exit_status = 2


class BadOption(Usage):
    """An option's value is malformed: a usage error like any other (DESIGN §7), naming the option."""


class StoreNotFound(Refused):
    code = "store_not_found"


class StoreUnavailable(Refused):
    """The store exists, or should, but cannot be opened: a folder, an unreachable server, no permission."""

    code = "store_unavailable"


class NotAStore(Refused):
    code = "not_a_store"


class StoreReadOnly(Refused):
    code = "store_read_only"


class UnreadableInput(Refused):
    """An input file that is not UTF-8 text in lines of a sane length."""

    code = "unreadable_input"


class Interrupted(Refused):
    code = "interrupted"


class FileFailed(Refused):
    """A file the command reads or writes (not the store) could not be used."""

    code = "file_error"


class Internal(Refused):
    """A failure the engine did not foresee: reported with a code, never as a traceback."""

    code = "internal_error"


# Retractions, and what notices and waivers name (DESIGN §5, §6 item 20).
class RetractionBreaksHistory(Refused):
    code = "retraction_breaks_history"


class AlreadyRetracted(Refused):
    code = "already_retracted"


class RetractionOfRetraction(Refused):
    code = "retraction_of_retraction"


class UnknownObligation(Refused):
    code = "unknown_obligation"


# Strict intake (DESIGN §7): a key written twice in one JSON object.
class DuplicateKey(Refused):
    code = "duplicate_key"


# Tamper evidence (DESIGN §7): a store whose chain no longer holds, and anchors.
class StoreTampered(Refused):
    """The stored rows no longer hold their chain: ``part`` says which chain (a company's ``events``,
    its ``journal`` of commits, or the ``index`` of companies), ``position`` the first bad row in it."""

    code = "store_tampered"

    def __init__(self, message: str, *, company: str | None, part: str, position: int | None,
                 event: str | None = None) -> None:
        super().__init__(message, field={"events": "position", "journal": "commit"}.get(part, "index"),
                         value=position, event=event)
        self.company = company
        self.part = part
        self.position = position

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "company": self.company, "part": self.part, "position": self.position}


class StoreEmpty(Refused):
    code = "store_empty"


class AnchorInvalid(Refused):
    code = "anchor_invalid"


class AnchorNotExtended(Refused):
    code = "anchor_not_extended"


class AnchorUnwritable(Refused):
    code = "anchor_unwritable"


# Letters for the holder (issue 10): an obligation that is discharged by delivery, not by a notice.
class NoLetter(Refused):
    code = "no_letter"


# The HTTP service (issue 12): who may ask, and how much they may send.
class Unauthenticated(Refused):
    """No bearer token, or one the service does not know, where tokens are configured."""

    code = "unauthenticated"


class Forbidden(Refused):
    """A known token whose role may not do this (a reader recording an event, say)."""

    code = "forbidden"


class TooLarge(Refused):
    """A request body over the service's limit; nothing of it was stored."""

    code = "too_large"


class RateLimited(Refused):
    """A caller (a token's name, or the client's address without one) asking faster than the service's rate;
    ``retry_after``: whole seconds until its next request is answered (the ``Retry-After`` header)."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **where: Any) -> None:
        super().__init__(message, **where)
        self.retry_after = retry_after


class TokensInvalid(Refused):
    """The service's token list cannot be read: a line that is not NAME:ROLE:SHA256, an unknown role."""

    code = "tokens_invalid"
    exit_status = 2


class OcfPackageRefused(Refused):
    """An OCF package with objects that do not fit its own holdings or the engine's rules (``captable.ocf``)."""

    code = "ocf_package_refused"
