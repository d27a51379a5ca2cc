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

    # defer_build: a model's validator is built when it first validates; facts read back from the store are
    # rebuilt without one (``events.rebuild``), so a command that only reads builds none.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, strict=True, defer_build=True)


class Event(Frozen):
    """A fact with legal effect at ``effective``; never edited once stored.

    ``TOPIC`` is derived from the public ``type`` name, which never changes, so
    renaming a class cannot orphan stored events. A change of shape bumps
    ``class_version`` and adds an ``upcast_vN_vN+1`` static method.
    """

    TOPIC: ClassVar[str]
    class_version: ClassVar[int] = 1

    id: Id | None = Field(None, description=(
        "An idempotency key, unique within the company: the same id with the same content again is a no-op, "
        "with other content a refusal. Without one, `record` gives a fresh id and `import` one made from the "
        "line's content."))
    effective: When = Field(description=(
        "When the fact took legal effect: a date (the start of that day in the company's time zone) or a "
        "date-time with its offset."))
    company: Id | None = Field(None, description="The company's id; needed only when the store holds several.")
    source: str | None = Field(None, description=(
        'The document the fact comes from, e.g. "Board minutes 1999-12-15"; shown in audits.'))

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        type_field = cls.model_fields.get("type")
        if type_field is not None and type_field.default:
            cls.TOPIC = f"captable.events:{type_field.default}"

    def stored_version(self) -> int:
        """The ``class_version`` this fact is sealed with: its class's, unless its shape is an older one's."""
        return self.class_version

    @property
    def type_name(self) -> str:
        return self.type  # type: ignore[attr-defined,no-any-return]

    def content(self) -> dict[str, Any]:
        """The canonical JSON form: exact numbers as reduced strings, no nulls."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def class_field(meaning: str = "The share class, by the id its ShareClassCreated gave it.") -> Any:
    """The ``class`` field (a Python keyword, hence ``class_``), with what it names in this event."""
    return Field(alias="class", description=meaning)


_ISSUER = "The issuer's legal name: the company's own name (as in CompanyFormed) for its own shares."


class Party(Frozen):
    """A holder of the warrant: the registered name and the address notices go to (§4.5, §12)."""

    name: Text = Field(description="The name registered on the company's books.")
    address: Text = Field(description="The address for notices (§12).")


class SecurityRef(Frozen):
    """A class of shares of an issuer: the company itself, or another (a successor, §4.3)."""

    issuer: Id = Field(description=_ISSUER)
    class_: Id = class_field("The class, by its id at the issuer.")


class SecurityQuantity(Frozen):
    """A quantity of a class of shares of an issuer, received for each share held."""

    issuer: Id = Field(description=_ISSUER)
    class_: Id = class_field("The class, by its id at the issuer.")
    quantity: Positive = Field(description="Shares received per share held.")


class ClassQuantity(Frozen):
    """A quantity of one of the company's classes, received for each share reclassified."""

    class_: Id = class_field("The class received, by its id.")
    quantity: Positive = Field(description="Shares of that class per share reclassified.")
