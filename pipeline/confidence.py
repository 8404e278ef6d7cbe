"""LOW_CONFIDENCE: fields whose text came from OCR lines read with low
confidence, so that a person checks them against the scan."""

from __future__ import annotations

from .models import Document, Fields, Issue
from .text import squash
from .validate import CONFIDENT, LABELS, issue

THRESHOLD = CONFIDENT


def low_confidence(doc: Document, fields: Fields, threshold: float = THRESHOLD) -> list[Issue]:
    lines = [(squash(line.text), line.conf) for line in doc.lines() if line.conf is not None]
    out = []
    for name, value in fields:
        if not isinstance(value, str) or len(value) < 2:
            continue
        key = squash(value)
        confs = [conf for text, conf in lines if key in text]
        if confs and max(confs) < threshold:
            out.append(issue("LOW_CONFIDENCE", name,
                             f"“{LABELS.get(name, name)}”由扫描件识别且识别置信度较低（{max(confs):.0%}）：请对照原件核对“{value}”。"))
    return out
