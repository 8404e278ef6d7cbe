"""What the record page shows: each field's label, value and issues, with
the box on the page where it was read when the record carries `evidence`
(records without it show no boxes), the record's other issues, and the
history of corrections."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel

from ..models import CATEGORY_ZH, FiledRecord, Issue, WorkReportFields
from ..validate import LABELS, ROW_LABELS


class Box(BaseModel):
    field: str
    x: float
    y: float
    w: float
    h: float


class PageView(BaseModel):
    number: int
    width: float
    height: float
    boxes: list[Box]


class FieldView(BaseModel):
    name: str          # as the CLI and the ledger address it (rows.N.field)
    key: str           # as the issues name it (rows[N].field)
    label: str
    value: str
    issues: list[Issue]
    page: Optional[int] = None


class RecordView(BaseModel):
    record: FiledRecord
    fields: list[FieldView]
    other_issues: list[Issue]
    pages: list[PageView]


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(CATEGORY_ZH.get(str(v), str(v)) for v in value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _fields(rec: FiledRecord) -> list[tuple[str, str, str, Any]]:
    out = [(n, n, LABELS.get(n, n), v) for n, v in rec.fields if n != "rows"]
    if isinstance(rec.fields, WorkReportFields):
        for i, row in enumerate(rec.fields.rows or []):
            out += [(f"rows.{i}.{n}", f"rows[{i}].{n}", f"第{i + 1}行 {ROW_LABELS.get(n, n)}", v) for n, v in row]
    return out


def evidence_of(rec: FiledRecord) -> dict[str, dict[str, Any]]:
    """The record's evidence (a key another stage adds); {} when it has none."""
    found = getattr(rec, "evidence", None) or (rec.model_extra or {}).get("evidence") or {}
    return {str(k): v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def record_view(rec: FiledRecord, sizes: list[tuple[float, float]]) -> RecordView:
    evidence = evidence_of(rec)
    by_field: dict[str, list[Issue]] = {}
    for i in rec.all_issues:
        by_field.setdefault(i.field or "", []).append(i)
    fields: list[FieldView] = []
    boxes: dict[int, list[Box]] = {}
    for name, key, label, value in _fields(rec):
        ev = evidence.get(key) or evidence.get(name) or {}
        page = ev.get("page") if isinstance(ev.get("page"), int) else None
        bbox = ev.get("bbox")
        if page and isinstance(bbox, (list, tuple)) and len(bbox) == 4:
            x0, top, x1, bottom = (float(v) for v in bbox)
            boxes.setdefault(page, []).append(Box(field=name, x=x0, y=top, w=max(1.0, x1 - x0), h=max(1.0, bottom - top)))
        fields.append(FieldView(name=name, key=key, label=label, value=shown(value), issues=by_field.pop(key, []), page=page))
    other = [i for issues in by_field.values() for i in issues]
    pages = [PageView(number=n, width=w, height=h, boxes=boxes.get(n, [])) for n, (w, h) in enumerate(sizes, 1)]
    return RecordView(record=rec, fields=fields, other_issues=other, pages=pages)
