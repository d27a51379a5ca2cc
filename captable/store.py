"""The event store: the ``eventsourcing`` library, one stream per company.

A SQLite file by default; a ``postgresql://`` URL selects the library's
PostgreSQL module. Each stored event is a ``Recorded`` fact: the fact as it
was accepted, the instant the store accepted it, and a SHA-256 hash chained
to the previous event of the company's stream, so that an edit, deletion,
insertion or reordering of stored rows can be detected. A batch is written
with one ``insert_events`` call, which is one transaction: it lands whole or
not at all, and a writer that lost a race for a stream position gets an
``IntegrityError`` (an optimistic-concurrency conflict), never a lost or
duplicated event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent

from captable import backends
from captable.errors import ConcurrentWrite, StoreReadOnly
from captable.events import BY_TOPIC, Event

_NAMESPACE = uuid5(NAMESPACE_URL, "https://captable.invalid/streams")
INDEX_STREAM = uuid5(_NAMESPACE, "index:companies")
_INDEX_TOPIC = "captable.index:CompanyAdded"
GENESIS = "0" * 64


def stream_id(company: str) -> UUID:
    return uuid5(_NAMESPACE, f"company:{company}")


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@lru_cache(maxsize=64)
def json_text(text: str) -> str:
    """A string as JSON; company ids repeat on every event, so it is worth remembering."""
    return json.dumps(text, ensure_ascii=False)


def chain_hash(prev_hash: str, company: str, version: int, recorded: datetime, fact_json: str) -> str:
    """SHA-256 of the previous event's hash and this event's canonical content.

    The content is ``canonical({"company", "fact", "recorded", "version"})``,
    composed from the fact's canonical JSON so that it is serialised once.
    """
    body = (f'{{"company":{json_text(company)},"fact":{fact_json},'
            f'"recorded":"{recorded.isoformat()}","version":{version}}}')
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Recorded:
    """One stored event: a fact, when the store accepted it, and its chain hash."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    company: str
    fact: Event
    prev_hash: str
    hash: str
    fact_json: str = ""  # the fact's canonical JSON, kept from hashing for writing

    @property
    def recorded(self) -> datetime:
        return self.timestamp


@dataclass(frozen=True, slots=True)
class CompanyAdded:
    """An entry of the index stream, which lists the companies in the store."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    company: str


class FactMapper(Mapper[UUID]):
    """Stores pydantic facts as canonical JSON, topic from the event's ``type``.

    Selected with ``MAPPER_TOPIC``. Upcasting follows the library's
    convention: ``class_version`` in the stored state, ``upcast_vN_vN+1``
    static methods on the event class.
    """

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if isinstance(domain_event, CompanyAdded):
            state = {"company": domain_event.company, "recorded": domain_event.timestamp.isoformat()}
            return StoredEvent(domain_event.originator_id, domain_event.originator_version, _INDEX_TOPIC,
                               canonical(state).encode())
        fact = domain_event.fact
        version = type(fact).class_version
        state_json = (
            (f'{{"class_version":{version},' if version > 1 else "{")
            + f'"company":{json_text(domain_event.company)},'
            f'"fact":{domain_event.fact_json or canonical(fact.content())},'
            f'"hash":"{domain_event.hash}","prev_hash":"{domain_event.prev_hash}",'
            f'"recorded":"{domain_event.timestamp.isoformat()}"}}'
        )
        return StoredEvent(domain_event.originator_id, domain_event.originator_version, fact.TOPIC,
                           state_json.encode())

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        state = json.loads(stored_event.state)
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        recorded = datetime.fromisoformat(state["recorded"])
        if stored_event.topic == _INDEX_TOPIC:
            return CompanyAdded(originator_id, stored_event.originator_version, recorded, state["company"])
        cls = BY_TOPIC[stored_event.topic]
        fact = state["fact"]
        version = state.get("class_version", 1)
        while version < cls.class_version:
            getattr(cls, f"upcast_v{version}_v{version + 1}")(fact)
            version += 1
        return Recorded(
            originator_id=originator_id,
            originator_version=stored_event.originator_version,
            timestamp=recorded,
            company=state["company"],
            fact=cls.model_validate(fact),
            prev_hash=state["prev_hash"],
            hash=state["hash"],
        )


class Store(Application[UUID]):
    """The company streams and the index of companies."""

    name = backends.APPLICATION

    def __init__(self, db: str, *, read_only: bool = False) -> None:
        """Open the store ``db`` names; a read-only store is never created (see ``backends``)."""
        self.db = db
        self.read_only = read_only
        super().__init__({"MAPPER_TOPIC": f"{__name__}:FactMapper", **backends.persistence_env(db, read_only=read_only)})

    def companies(self) -> list[str]:
        return [entry.company for entry in self.events.get(INDEX_STREAM)]

    def stream(self, company: str) -> list[Recorded]:
        return list(self.events.get(stream_id(company)))  # type: ignore[arg-type]

    def append(self, records: Sequence[Recorded], new_companies: Sequence[CompanyAdded] = ()) -> None:
        """Write a batch in one transaction; a lost race is a ``ConcurrentWrite``."""
        if self.read_only:
            raise StoreReadOnly("this store was opened for reading", field="db", value=self.db)
        events = [*new_companies, *records]
        try:
            if backends.is_postgres(self.db):
                backends.insert_in_one_transaction(self.recorder, [self.mapper.to_stored_event(e) for e in events])
            else:
                self.events.put(events)  # type: ignore[arg-type]
        except IntegrityError as error:
            raise ConcurrentWrite(
                "another writer appended to this company's history first; nothing was stored. "
                "Read the history again and retry.",
                value=str(error).splitlines()[0] if str(error) else None,
            ) from error

    def index_version(self) -> int:
        entries = self.recorder.select_events(INDEX_STREAM, desc=True, limit=1)
        return entries[0].originator_version if entries else 0
