"""What every event has (DESIGN §5), and the shared shapes inside events."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from captable.instants import When
from captable.numbers import Positive


# C0, DEL and C1 controls: invisible in a terminal, and a newline in an id forges a line of output.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    return value


def _identifier(value: str) -> str:
    """An id, or a reference to one (DESIGN §5): not blank, and no control characters."""
    _not_blank(value)
    if _CONTROL.search(value):
        raise ValueError(f"{value!r} contains a control character; ids are printable text")
    return value


Id = Annotated[str, AfterValidator(_identifier)]
Text = Annotated[str, AfterValidator(_not_blank)]


class Frozen(BaseModel):
    """Immutable, strict about unknown fields, and able to read ``class``/``from``.

    Strict types: a careless exporter's ``"yes"`` or ``1`` for true, or a
    number for a name, is refused rather than coerced (DESIGN §7).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, strict=True)


class Event(Frozen):
    """A fact with legal effect at ``effective``; never edited once stored.

    ``TOPIC`` is derived from the public ``type`` name, which never changes, so
    renaming a class cannot orphan stored events. A change of shape bumps
    ``class_version`` and adds an ``upcast_vN_vN+1`` static method.
    """

    TOPIC: ClassVar[str]
    class_version: ClassVar[int] = 1

    id: Id | None = None
    effective: When
    company: Id | None = None
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
    name: Text
    address: Text


class SecurityRef(Frozen):
    issuer: Id
    class_: Id = Field(alias="class")


class SecurityQuantity(Frozen):
    issuer: Id
    class_: Id = Field(alias="class")
    quantity: Positive


class ClassQuantity(Frozen):
    class_: Id = Field(alias="class")
    quantity: Positive
