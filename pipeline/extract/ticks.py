"""Which service categories a scanned or photographed 报告函 ticks: the
checkboxes read from the page image (`Page.marks`, each with the text
beside it) first, the box glyphs the OCR read (☑ ☐ √ ■) second.

The form's boxes are the marks whose text names a category, gathered where
they stand together (a grid of boxes; a stray square elsewhere on the page,
before a 培训 in the business scope, is not one of them). Per category:

- a box read ticked is ticked; a box read empty is not, unless the OCR read
  a tick there (the two disagree: unsure);
- a box the image cannot judge takes the OCR glyph's word, else is unsure;
- a category with no box found (a √ written in its place) takes the OCR
  glyph's word, else is unsure when the form has boxes.

An unsure category is not taken as ticked and is named to the officer
(`LOW_CONFIDENCE`), never silently guessed. Every box read leaves its
evidence (page, box, confidence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..models import CATEGORY_NAMES, EMPTY, TICKED, Category, Document, FieldEvidence, Mark
from .category import FORM_LABELS

STATE_ZH = {"ticked": "已勾选", "empty": "未勾选", "unsure": "无法确定是否勾选"}


@dataclass
class Read:
    """The categories a form ticks, the evidence of each box read and the
    categories that could not be decided."""

    ticked: list[Category]
    evidence: dict[str, FieldEvidence]
    unsure: list[Category]


@dataclass
class _Placed:
    page: int
    mark: Mark
    category: Category


def read_ticks(doc: Document, value: str) -> Optional[Read]:
    """The categories ticked on an OCR'd form whose 服务类别 cell reads
    `value`, or None when the pages show no checkbox of a category (the
    text alone then decides)."""
    boxes = _form_boxes(doc)
    if not boxes:
        return None
    glyphs = glyph_states(value)
    ticked: list[Category] = []
    unsure: list[Category] = []
    evidence: dict[str, FieldEvidence] = {}
    for category in [c for c, _ in FORM_LABELS if c in glyphs or c in boxes]:
        placed = boxes.get(category)
        state = _decide(placed.mark if placed else None, glyphs.get(category))
        if state == "ticked" and category not in ticked:
            ticked.append(category)
        elif state == "unsure" and category not in unsure:
            unsure.append(category)
        if placed is not None:
            evidence[f"service_categories.{category}"] = _evidence(placed, state)
    first = next((evidence[f"service_categories.{c}"] for c in ticked if f"service_categories.{c}" in evidence), None)
    if first is not None:
        evidence["service_categories"] = first
    return Read(ticked, evidence, unsure)


def _decide(mark: Optional[Mark], glyph: Optional[bool]) -> str:
    """ticked, empty or unsure, from the box read in the image and the
    glyph the OCR read (True ticked, False empty, None none)."""
    if mark is not None and mark.state == "ticked":
        return "ticked"
    if mark is not None and mark.state == "empty":
        return "unsure" if glyph is True else "empty"
    if glyph is None:
        return "unsure"
    return "ticked" if glyph else "empty"


def glyph_states(value: str) -> dict[Category, Optional[bool]]:
    """Each category named in the cell's text, with the box glyph the OCR
    read before it (or right after it, `安全培训√`): True ticked, False
    empty, None none."""
    out: dict[Category, Optional[bool]] = {}
    labels = [(m.start(), m.end(), c) for c, pattern in FORM_LABELS for m in re.finditer(pattern, value)]
    labels.sort()
    kept: list[tuple[int, int, Category]] = []
    for start, end, category in labels:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end, category))
    for i, (start, end, category) in enumerate(kept):
        before = value[kept[i - 1][1] if i else 0:start].strip()
        after_end = kept[i + 1][0] if i + 1 < len(kept) else len(value)
        after = value[end:after_end].strip()
        glyph: Optional[bool] = None
        if before[-1:] in (TICKED, EMPTY):
            glyph = before[-1] == TICKED
        boxes_after = [ch for ch in after if ch in (TICKED, EMPTY)]
        if after[:1] == TICKED and (len(boxes_after) >= 2 or i + 1 == len(kept)):
            glyph = True  # a tick written after its label (the next label's box follows it)
        if category not in out or glyph:
            out[category] = glyph
    return out


def _form_boxes(doc: Document) -> dict[Category, _Placed]:
    """The form's category boxes: marks whose text begins with a category's
    label, in the largest group of such marks standing together."""
    placed = [_Placed(p, m, c) for p, page in enumerate(doc.pages, start=1) for m in page.marks
              if (c := _category_at_start(m.text)) is not None]
    if not placed:
        return {}
    groups: list[list[_Placed]] = []
    for item in sorted(placed, key=lambda x: (x.page, x.mark.bbox[1])):
        last = groups[-1][-1] if groups else None
        side = item.mark.bbox[3] - item.mark.bbox[1]
        if last is not None and last.page == item.page and item.mark.bbox[1] - last.mark.bbox[3] <= 3 * side:
            groups[-1].append(item)
        else:
            groups.append([item])
    best = max(groups, key=lambda g: len({x.category for x in g}))
    out: dict[Category, _Placed] = {}
    for item in sorted(best, key=lambda x: x.mark.bbox[0]):
        out.setdefault(item.category, item)  # the leftmost: a square inside the label's text stands right of it
    return out


def _category_at_start(text: str) -> Optional[Category]:
    for category, pattern in FORM_LABELS:
        if re.match(rf"\s*(?:{pattern})", text):
            return category
    return None


def _evidence(placed: _Placed, state: str) -> FieldEvidence:
    glyph = TICKED if state == "ticked" else EMPTY
    return FieldEvidence(page=placed.page, label=CATEGORY_NAMES[placed.category].short,
                         where=f"勾选框（{STATE_ZH[placed.mark.state]}）", text=f"{glyph}{placed.mark.text}"[:80],
                         bbox=placed.mark.bbox, conf=placed.mark.conf)
