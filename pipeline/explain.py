"""`pipeline extract --explain`: a record's fields beside where each value
came from (page, label, cell or line, box on the page, OCR confidence), as a
table for people."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Optional

from .flow import build_record
from .models import Record
from .validate import LABELS

HEADERS = ("字段", "值", "页", "标签", "位置", "坐标（磅，左上为原点）", "置信度")


def explain_file(path: Path, received_on: Optional[dt.date] = None) -> str:
    return explain(build_record(path, received_on))


def explain(record: Record) -> str:
    lines = [f"文件：{record.source}　类别：{record.kind}　状态：{record.status}"]
    rows: list[tuple[str, ...]] = [HEADERS]
    for name, value in record.fields:
        if value is None:
            continue
        ev = record.evidence.get(name)
        shown = _value(value)
        if ev is None:
            rows.append((LABELS.get(name, name), shown, "", "", "（未找到出处）", "", ""))
            continue
        box = "" if ev.bbox is None else "(" + ", ".join(f"{v:.0f}" for v in ev.bbox) + ")"
        conf = "" if ev.conf is None else f"{ev.conf:.0%}"
        rows.append((LABELS.get(name, name), shown, str(ev.page), ev.label or "", ev.where, box, conf))
    lines += _table(rows)
    for item in record.issues:
        lines.append(f"问题 {item.code}：{item.message}")
    return "\n".join(lines)


def _value(value: Any) -> str:
    if isinstance(value, list) and value and hasattr(value[0], "model_dump"):
        return f"{len(value)} 行项目"
    if isinstance(value, (str, dt.date)):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 30 else text[:29] + "…"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out
