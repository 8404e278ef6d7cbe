"""The label vocabularies of the kinds added by issue 18, read once from
`staff_expert_labels.json` (data, not code)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def vocab() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("staff_expert_labels.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
