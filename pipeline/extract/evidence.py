"""Where each field's value came from: for every non-null field, the cell or
line of the document that states it, the label it stands by, the page, the
box on the page (points from its top left) and the OCR confidence.

The value is looked up in the document the way a person checks a record:
the cells that state it (a name or number as written, a date in any of its
spellings, an amount in 大写 or 小写), preferring the one that stands by a
label of the field (in its own row, or in the header above it). Which labels
name a field is data (vocabulary.toml, [evidence]).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Callable, Optional, Sequence

from ..errors import ParseError
from ..models import CATEGORY_NAMES, TICKED, Document, FieldEvidence, Fields
from ..parse.dates import find_dates
from ..parse.money import find_amounts, parse_wan
from ..text import squash
from . import vocabulary
from .category import RULES, category_of
from .hits import Hit
from .labels import Row, Rows, label_regex

Match = Callable[[str], bool]


def locate(doc: Document, kind: str, fields: Fields, taken: Sequence[Hit] = ()) -> dict[str, FieldEvidence]:
    """Evidence per non-null field: where the extraction noted taking it
    (`taken`, recorded by `hits.recording()`: a value found by a label of the
    field that states it), else the cell that states it, looked up."""
    refs = vocabulary.section("evidence").get(kind, {})
    rows = Rows.of(doc).rows
    out: dict[str, FieldEvidence] = {}
    for name, value in fields:
        if value is None:
            continue
        labels = _labels(refs.get(name, []))
        match = _matcher(value, labels)
        found = _taken(taken, labels, match) or _best(rows, match, labels)
        if found is not None:
            out[name] = found
    return out


def _taken(taken: Sequence[Hit], labels: list[str], match: Match) -> Optional[FieldEvidence]:
    keys = {squash(label) for label in labels}
    for hit in taken:
        cell = hit.row.cells[hit.cell] if hit.cell < len(hit.row.cells) else ""
        if hit.row.where and squash(hit.label) in keys and cell and match(cell):
            return _evidence(hit.row, hit.cell, hit.label)
    return None


def _labels(refs: list[str]) -> list[str]:
    out: list[str] = []
    for ref in refs:
        if ref.startswith("@"):
            out.append(ref[1:])
        else:
            kind, field = ref.split(".")
            out += vocabulary.labels(kind, field)
    return out


def _matcher(value: Any, labels: list[str]) -> Match:
    """A test of whether a cell states the value."""
    if isinstance(value, bool) or isinstance(value, list) and not value:
        return lambda cell: any(label_regex(label).search(cell) for label in labels)
    if isinstance(value, list):
        if value and not isinstance(value[0], str):  # the rows of a table: its header
            return lambda cell: any(label_regex(label).search(cell) for label in labels)
        return lambda cell: TICKED in cell
    if isinstance(value, dt.date):
        return lambda cell: bool(re.search(r"\d|年", cell)) and value in _dates(cell)
    if isinstance(value, float):
        return lambda cell: _states_amount(cell, value)
    if isinstance(value, int):
        return lambda cell: bool(re.search(rf"(?<!\d){value}(?!\d)", cell))
    if value in CATEGORY_NAMES:  # a category decided from the work a cell names
        return lambda cell: bool(re.search(r"[\u4e00-\u9fff]{2}", cell)) and _names_category(cell, value)
    key = squash(str(value))
    return lambda cell: bool(key) and key in squash(cell)


def _names_category(cell: str, category: str) -> bool:
    return any(re.search(pattern, cell) for cat, pattern in RULES if cat == category) and category_of(cell) == category


def _dates(cell: str) -> list[dt.date]:
    try:
        return find_dates(cell)
    except (ParseError, ValueError):
        return []


def _states_amount(cell: str, wan: float) -> bool:
    if not re.search(r"\d|[壹贰叁肆伍陆柒捌玖拾佰仟万]", cell):
        return False
    yuan = Decimal(str(wan)) * 10000
    upper, lower = find_amounts(cell)
    if any(v is not None and abs(v - yuan) < Decimal("0.01") for v in (upper, lower)):
        return True
    bare = re.sub(r"[,，\s]", "", cell)
    if re.fullmatch(r"\d+(\.\d+)?", bare):
        return abs(Decimal(bare) - yuan) < Decimal("0.01") or abs(Decimal(bare) - Decimal(str(wan))) < Decimal("0.000001")
    try:
        return abs(parse_wan(cell) - wan) < 1e-6
    except ParseError:
        return False


def _best(rows: list[Row], match: Match, labels: list[str]) -> Optional[FieldEvidence]:
    best: Optional[tuple[int, int, int]] = None
    best_label: Optional[str] = None
    for r, row in enumerate(rows):
        for c, cell in enumerate(row.cells):
            if not cell or not match(cell):
                continue
            label, score = _label_of(rows, r, c, labels)
            if best is None or score > best[0]:
                best, best_label = (score, r, c), label
            if score == 3:
                break
        if best is not None and best[0] == 3:
            break
    if best is None:
        return None
    _, r, c = best
    return _evidence(rows[r], c, best_label)


def _label_of(rows: list[Row], r: int, c: int, labels: list[str]) -> tuple[Optional[str], int]:
    """The label a value stands by, and how sure: 3 in its own cell or a
    cell before it, 2 in the cell above it (a header row), 1 a short cell
    before it that is no known label, 0 none."""
    row = rows[r]
    for cell in reversed(row.cells[: c + 1]):
        for label in labels:
            if label_regex(label).search(cell):
                return label, 3
    if r > 0:
        above = rows[r - 1]
        col = row.cols[c] if c < len(row.cols) else c
        for i, cell in enumerate(above.cells):
            if (above.cols[i] if i < len(above.cols) else i) == col:
                for label in labels:
                    if label_regex(label).search(cell):
                        return label, 2
    if c > 0 and len(squash(row.cells[c - 1])) <= 12 and not re.search(r"\d", row.cells[c - 1]):
        return squash(row.cells[c - 1]), 1
    return None, 0


def _evidence(row: Row, c: int, label: Optional[str]) -> FieldEvidence:
    col = row.cols[c] if c < len(row.cols) else c
    where = f"{row.where}第{col + 1}列" if row.in_table or len(row.cells) > 1 else row.where
    box = row.boxes[c] if c < len(row.boxes) else None
    return FieldEvidence(page=row.page, label=label, where=where, text=row.cells[c][:80], bbox=box, conf=row.conf)
