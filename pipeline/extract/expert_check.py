"""Fields of a 专家检查记录 / 专家检查确认书 of a 托管 service (第十七条):
the agency, the enterprise, the day, the experts, their findings as
written, and whether the enterprise signed for them."""

from __future__ import annotations

import re
from typing import Optional

from ..models import Document, ExpertCheckFields, Extraction
from ..text import drop_sign_marks, squash, strip_seal_note
from .labels import Finder, Row, Rows, is_label_cell, label_regex
from .values import date_or_none, is_person, text_or_none
from .vocab import vocab


def _words() -> dict:
    return vocab()["expert_check"]


def _all_labels() -> list[str]:
    w = _words()
    return w["agency"] + w["client"] + w["checked_on"] + w["experts"] + w["findings"] + w["client_sign"] + w["stops"]


def extract(doc: Document) -> tuple[ExpertCheckFields, Extraction]:
    w = _words()
    rows = _split_at_labels(Rows.of(doc).rows)
    find = Finder(rows, _all_labels())
    signer = find.find(w["client_sign"])
    return ExpertCheckFields(
        agency_name=text_or_none(strip_seal_note(find.find(w["agency"]))),
        client_name=text_or_none(strip_seal_note(find.find(w["client"]))),
        checked_on=date_or_none(find.find(w["checked_on"], lambda v: date_or_none(v) is not None)),
        experts=_experts(find.find(w["experts"])),
        findings=_findings(rows),
        client_signed=_signed(signer) if _has_label(rows, w["client_sign"]) else None,
    ), Extraction()


def _split_at_labels(rows: list[Row]) -> list[Row]:
    """A label run into the text before or after it (a photo read as one
    line: `托管服务机构 某公司受检企业 某厂`) becomes a cell of its own,
    its value the next cell."""
    labels = sorted((lab for lab in _all_labels() if len(lab) >= 4), key=len, reverse=True)
    pattern = re.compile("|".join(label_regex(lab).pattern + r"(?:\s*[（(][^）)]{0,6}[)）])?" for lab in labels))
    out: list[Row] = []
    for row in rows:
        cells: list[str] = []
        for cell in row.cells:
            at = 0
            for m in pattern.finditer(cell):
                cells += [cell[at:m.start()], m.group()]
                at = m.end()
            cells.append(re.sub(r"^\s*[：:]", "", cell[at:]) if at else cell)
        out.append(Row(cells=tuple(c.strip() for c in cells if c.strip()), conf=row.conf, in_table=row.in_table))
    return out


def _has_label(rows: list[Row], labels: list[str]) -> bool:
    return any(label_regex(label).search(cell) for row in rows for cell in row.cells for label in labels)


def _experts(value: Optional[str]) -> Optional[list[str]]:
    if not value:
        return None
    names = [drop_sign_marks(n).strip() for n in re.split(r"[、，,；;/\s]+", value)]
    names = [n for n in names if is_person(n)]
    return names or None


def _signed(value: Optional[str]) -> bool:
    """Signed when a name stands beside the signature label."""
    if not value:
        return False
    first = re.split(r"\s+|日期|\d", drop_sign_marks(value).strip())[0]
    return is_person(first)


def _findings(rows: list[Row]) -> Optional[str]:
    """The text after the findings label, up to the next label: the label's
    own cell or line, the next cells, and the free lines below it."""
    labels = _words()["findings"]
    stops = [s for s in _all_labels() if s not in labels]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row.cells):
            label = next((lab for lab in labels if label_regex(lab).search(cell)), None)
            if label is None:
                continue
            m = label_regex(label).search(cell)
            assert m is not None
            parts = [re.sub(r"^[（(][^）)]{0,8}[)）]", "", cell[m.end():].strip()).lstrip("：: ")]
            parts += list(row.cells[c + 1:])
            for nxt in rows[r + 1:]:
                if any(is_label_cell(x, stops) or _starts_with_any(x, stops) for x in nxt.cells[:1]):
                    break
                parts.append(" ".join(nxt.cells))
            text = "".join(squash(p) for p in parts if p and p.strip())
            return text or None
    return None


def _starts_with_any(cell: str, labels: list[str]) -> bool:
    s = squash(cell)
    return any(re.match(r"^[\s（(]*" + label_regex(lab).pattern + r"\s*(?:[（(][^）)]{0,8}[)）])?\s*[：:]", s) for lab in labels)
