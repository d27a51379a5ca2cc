"""The event catalogue (DESIGN §5): every fact the engine knows, as frozen models."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from captable.events.base import ClassQuantity, Event, Party, SecurityQuantity, SecurityRef
from captable.events.capital import (
    AuthorizedSharesChanged,
    BoardValuation,
    CashDividend,
    CompanyFormed,
    Consideration,
    ConversionRatioAdjusted,
    Delisted,
    DissolutionApproved,
    Distribution,
    Listed,
    MarketQuotes,
    MergerAgreed,
    MergerCompleted,
    OptionsIssued,
    OtherActionProposed,
    PreferredConverted,
    PublicOfferingPriced,
    Quote,
    Reclassification,
    ShareClassCreated,
    SharesCancelled,
    SharesConverted,
    SharesIssued,
    SharesTransferred,
    StockDividend,
    StockSplit,
    SubscriptionOffered,
    SuccessorAssumed,
    TransferBooksClosed,
)
from captable.events.convertibles import ConvertibleEnded, ConvertibleIssued
from captable.events.kept import RecordKept
from captable.events.options import OptionsCancelled, OptionsExercised, OptionsTransferred
from captable.events.warrants import (
    BoardAdjustment,
    Delivery,
    EventRetracted,
    ExerciseOutcome,
    HolderAddressChanged,
    NetExerciseOutcome,
    NoticeSent,
    PerSharePrice,
    QuoteUsed,
    ReportDelivered,
    ShareholderMaterialsSent,
    WaiverSigned,
    WarrantCancelled,
    WarrantExercised,
    WarrantIssued,
    WarrantNetExercised,
    WarrantReplaced,
    WarrantTransferred,
)

CATALOGUE: tuple[type[Event], ...] = (
    CompanyFormed,
    ShareClassCreated,
    AuthorizedSharesChanged,
    SharesIssued,
    OptionsIssued,
    OptionsExercised,
    OptionsCancelled,
    OptionsTransferred,
    ConvertibleIssued,
    ConvertibleEnded,
    SharesCancelled,
    SharesTransferred,
    SharesConverted,
    StockSplit,
    StockDividend,
    CashDividend,
    Distribution,
    SubscriptionOffered,
    Reclassification,
    MergerAgreed,
    MergerCompleted,
    SuccessorAssumed,
    DissolutionApproved,
    OtherActionProposed,
    PreferredConverted,
    ConversionRatioAdjusted,
    PublicOfferingPriced,
    Listed,
    Delisted,
    MarketQuotes,
    BoardValuation,
    TransferBooksClosed,
    WarrantIssued,
    WarrantExercised,
    WarrantNetExercised,
    WarrantTransferred,
    WarrantReplaced,
    WarrantCancelled,
    HolderAddressChanged,
    BoardAdjustment,
    NoticeSent,
    ReportDelivered,
    ShareholderMaterialsSent,
    WaiverSigned,
    RecordKept,
    EventRetracted,
)

BY_TYPE: dict[str, type[Event]] = {cls.TOPIC.split(":", 1)[1]: cls for cls in CATALOGUE}
BY_TOPIC: dict[str, type[Event]] = {cls.TOPIC: cls for cls in CATALOGUE}

AnyEvent = Annotated[Union[CATALOGUE], Field(discriminator="type")]  # type: ignore[valid-type]


def __getattr__(name: str) -> Any:
    """``EVENT``, the validator of any event, built on first use: a command that only reads stored facts
    (rebuilt without validation) never pays for building it."""
    if name == "EVENT":
        adapter = TypeAdapter(AnyEvent)
        globals()["EVENT"] = adapter
        return adapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [cls.__name__ for cls in CATALOGUE] + [
    "AnyEvent",
    "BY_TOPIC",
    "BY_TYPE",
    "CATALOGUE",
    "ClassQuantity",
    "Consideration",
    "Delivery",
    "EVENT",
    "Event",
    "ExerciseOutcome",
    "NetExerciseOutcome",
    "Party",
    "PerSharePrice",
    "Quote",
    "QuoteUsed",
    "SecurityQuantity",
    "SecurityRef",
]
