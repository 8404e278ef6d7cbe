"""The label vocabulary (vocabulary.toml): every label of every field of
every kind, loaded once. Data lives in the TOML file; this module only reads
it."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib.resources import files
from typing import Any


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return tomllib.loads(files(__package__).joinpath("vocabulary.toml").read_text(encoding="utf-8"))


def labels(kind: str, field: str) -> list[str]:
    """The labels of one field of one kind, most specific first."""
    return list(_data()[kind][field])


def columns(kind: str) -> list[tuple[str, str]]:
    """The column patterns of a kind's table, in the order they are tried."""
    return list(_data()[kind]["columns"].items())


def fields(kind: str) -> dict[str, list[str]]:
    """Every list of labels of one kind (field -> labels)."""
    return {k: list(v) for k, v in _data()[kind].items() if isinstance(v, list)}


def section(name: str) -> dict[str, Any]:
    """A whole section of the vocabulary (the classifier's titles, marks and
    evidence)."""
    return dict(_data()[name])
