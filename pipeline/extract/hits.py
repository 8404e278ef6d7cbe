"""Where each value an extraction took stood: evidence recorded at
extraction time (the Finders note every value they return while a caller
records), rather than searched for afterwards, which can point at the wrong
cell when a value appears twice."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional

if TYPE_CHECKING:
    from .labels import Row


@dataclass(frozen=True)
class Hit:
    """A value taken: the label it was found by, the row and the index of
    the cell that holds it."""

    label: str
    row: "Row"
    cell: int
    value: str


_HITS: ContextVar[Optional[list[Hit]]] = ContextVar("label_hits", default=None)


@contextmanager
def recording() -> Iterator[list[Hit]]:
    """Every value the Finders of an extraction take, in order."""
    found: list[Hit] = []
    token = _HITS.set(found)
    try:
        yield found
    finally:
        _HITS.reset(token)


def note(label: str, row: "Row", cell: int, value: str) -> None:
    found = _HITS.get()
    if found is not None:
        found.append(Hit(label=label, row=row, cell=cell, value=value))
