"""What every event has (DESIGN §5), and the shared shapes inside events."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from captable.instants import When
from captable.numbers import Positive


class Frozen(BaseModel):
    """Immutable, strict about unknown fields, and able to read ``class``/``from``."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Event(Frozen):
    """A fact with legal effect at ``effective``; never edited once stored.

    ``TOPIC`` is derived from the public ``type`` name, which never changes, so
    renaming a class cannot orphan stored events. A change of shape bumps
    ``class_version`` and adds an ``upcast_vN_vN+1`` static method.
    """

    TOPIC: ClassVar[str]
    class_version: ClassVar[int] = 1

    id: str | None = None
    effective: When
    company: str | None = None
    source: str | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        type_field = cls.model_fields.get("type")
        if type_field is not None and type_field.default:
            cls.TOPIC = f"captable.events:{type_field.default}"

    @property
    def type_name(self) -> str:
        return self.type  # type: ignore[attr-defined,no-any-return]

    def content(self) -> dict[str, Any]:
        """The canonical JSON form: exact numbers as reduced strings, no nulls."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Party(Frozen):
    name: str = Field(min_length=1)
    address: str = Field(min_length=1)


class SecurityRef(Frozen):
    issuer: str = Field(min_length=1)
    class_: str = Field(alias="class", min_length=1)


class SecurityQuantity(Frozen):
    issuer: str = Field(min_length=1)
    class_: str = Field(alias="class", min_length=1)
    quantity: Positive


class ClassQuantity(Frozen):
    class_: str = Field(alias="class", min_length=1)
    quantity: Positive
