"""The flow of one file: read → classify → extract fields → validate → record.

`build_record` is a pure function of the file's bytes and the day it was
received; it never raises for a bad file: an unreadable one yields a
`rejected` record that says why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

from .errors import UnreadableError
from .extract import classify, extract_fields, read_document
from .models import Limits, Record, UnknownFields
from .validate import issue, status_of, validate

log = logging.getLogger(__name__)


def build_record(path: Path, received_on: dt.date | None = None, limits: Limits | None = None,
                 source: str | None = None) -> Record:
    received_on = received_on or dt.date.today()
    name = source or path.name
    digest = sha256_of(path)
    try:
        doc = read_document(path, limits or Limits())
    except UnreadableError as exc:
        return rejected_record(name, digest, received_on, exc.message)
    if not doc.text().strip():
        return rejected_record(name, digest, received_on, "文件中没有可识别的文字（OCR 后仍为空）：请提交清晰的扫描件或原始电子文件。",
                               doc.ocr)
    kind = classify(doc)
    fields, extra = extract_fields(doc, kind)
    issues = validate(kind, fields, extra, received_on)
    if doc.ocr:
        from .confidence import low_confidence

        issues += low_confidence(doc, fields)
    return Record(source=name, sha256=digest, kind=kind, fields=fields, issues=issues,
                  status=status_of(kind, issues), ocr=doc.ocr, received_on=received_on,
                  text=doc.text(), layer=doc.text_layer())


def rejected_record(name: str, digest: str, received_on: dt.date, reason: str, ocr: bool = False) -> Record:
    """The record of a file that could not be read: UNREADABLE, with why."""
    issues = [issue("UNREADABLE", None, reason)]
    return Record(source=name, sha256=digest, kind="unknown", fields=UnknownFields(), issues=issues,
                  status="rejected", ocr=ocr, received_on=received_on)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
