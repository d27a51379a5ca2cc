"""Which holdings each step of the fold changes, found without comparing every holder at every step.

The handlers write a class's holdings holder by holder (``ShareClass.add``
and ``remove``), or give the class a new dict when they remake it whole (a
§4.1 split, a §1(a) conversion, a §4.2(c)/§4.3 exchange). So each class's
holdings are watched: a dict that notes, at a holder's first write in a
step, what the holder held before it. A step then costs what it touched; a
class whose dict was replaced, created or removed is compared whole.
"""

from __future__ import annotations

from typing import Any

from projections.state import CompanyState

# (class, holder, shares before, shares after), by class then holder
Change = tuple[str, str, int, int]


class WatchedHoldings(dict[str, int]):
    """A class's holdings that remember what each holder written since ``settle`` held before."""

    __slots__ = ("before",)

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self.before: dict[str, int | None] = {}  # None: the holder was not listed

    def _note(self, holder: str) -> None:
        if holder not in self.before:
            self.before[holder] = dict.get(self, holder)

    def __setitem__(self, holder: str, shares: int) -> None:
        self._note(holder)
        super().__setitem__(holder, shares)

    def __delitem__(self, holder: str) -> None:
        self._note(holder)
        super().__delitem__(holder)

    def pop(self, holder: str, *default: Any) -> Any:
        self._note(holder)
        return super().pop(holder, *default)

    def popitem(self) -> tuple[str, int]:
        holder, shares = super().popitem()
        self.before.setdefault(holder, shares)
        return holder, shares

    def setdefault(self, holder: str, default: Any = None) -> Any:
        self._note(holder)
        return super().setdefault(holder, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        changes = dict(*args, **kwargs)
        for holder in changes:
            self._note(holder)
        super().update(changes)

    def __ior__(self, other: Any) -> WatchedHoldings:
        self.update(other)
        return self

    def clear(self) -> None:
        for holder in self:
            self._note(holder)
        super().clear()

    def previous(self) -> dict[str, int]:
        """The holdings as they were at the last ``settle``."""
        held = dict(self)
        for holder, shares in self.before.items():
            if shares is None:
                held.pop(holder, None)
            else:
                held[holder] = shares
        return held

    def settle(self) -> list[tuple[str, int, int]]:
        """(holder, before, after) for each holder whose shares differ since the last settle, by holder."""
        written, self.before = self.before, {}
        changed = []
        for holder in sorted(written):
            old, new = written[holder] or 0, dict.get(self, holder, 0)
            if old != new:
                changed.append((holder, old, new))
        return changed


class HoldingWatch:
    """A state's holdings as a fold goes on: ``changes()`` lists those changed since it was last asked.

    The holdings the state has when the watch begins are the baseline: no change is reported for them."""

    def __init__(self, state: CompanyState) -> None:
        self.state = state
        self.watched: dict[str, WatchedHoldings] = {}
        for class_id, share_class in state.classes.items():
            share_class.holdings = self.watched[class_id] = WatchedHoldings(share_class.holdings)

    def changes(self) -> list[Change]:
        classes, watched = self.state.classes, self.watched
        touched = [i for i, c in classes.items() if c.holdings is not watched.get(i) or watched[i].before]
        if len(classes) != len(watched) or classes.keys() != watched.keys():
            touched.extend(i for i in watched if i not in classes)
        changes: list[Change] = []
        for class_id in sorted(touched):
            share_class, old = classes.get(class_id), watched.get(class_id)
            current = share_class.holdings if share_class is not None else None
            if current is not None and current is old:
                changes.extend((class_id, holder, before, after) for holder, before, after in old.settle())
                continue
            # Created, removed or given a new dict: compared whole, as the fold left it.
            before = old.previous() if old is not None else {}
            after = dict(current) if current is not None else {}
            changes.extend((class_id, holder, before.get(holder, 0), after.get(holder, 0))
                           for holder in sorted(before.keys() | after.keys())
                           if before.get(holder, 0) != after.get(holder, 0))
            if share_class is not None:
                share_class.holdings = watched[class_id] = WatchedHoldings(after)
            else:
                del watched[class_id]
        return changes
