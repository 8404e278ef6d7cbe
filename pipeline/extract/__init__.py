"""Extraction: read a file into a neutral Document, decide its kind, and pull
the fields of that kind out of it. Pure functions of the file: no ledger, no
outbox, no clock."""

from __future__ import annotations

import importlib

from ..models import Document, Extraction, Fields, Kind, UnknownFields
from .classify import classify, judge
from .read import read_document

# kind -> module with `extract(doc) -> (fields, extraction)`
EXTRACTORS: dict[str, str] = {
    "contract": "contract",
    "report_letter": "report_letter",
    "commitment": "commitment",
    "work_report": "work_report",
    "staff_list": "staff_list",
    "expert_check": "expert_check",
}


def extract_fields(doc: Document, kind: Kind) -> tuple[Fields, Extraction]:
    name = EXTRACTORS.get(kind)
    if name is None:
        return UnknownFields(), Extraction()
    module = importlib.import_module(f"{__name__}.{name}")
    return module.extract(doc)


__all__ = ["classify", "extract_fields", "judge", "read_document"]
