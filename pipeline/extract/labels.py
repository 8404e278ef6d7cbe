"""Finding a value by its label, wherever the layout puts it.

A document is seen as a sequence of `Row`s: each line of text and each row of
each table, split into cells. A value is found beside its label: in the next
cell, after a colon in the same cell, in a labelled blank `____`, or on the
next line when the label stands alone at the end of a free line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Optional, Sequence

from ..models import Box, Document, Table
from ..text import squash
from . import hits

Accept = Callable[[str], bool]

_LEAD = r"^[\s（(.．·]*(?:第[一二三四五六七八九十]+条|[一二三四五六七八九十]+、|\d+[\.．、]|[（(][一二三四五六七八九十\d]+[)）])?\s*"
_COLON = r"[：:]"
_CLAUSE_START = r"^(第[一二三四五六七八九十]+条|[一二三四五六七八九十]+、|\d+[\.．、]|[（(][一二三四五六七八九十\d]+[)）])"
# what may stand between a label and its colon: a note in brackets `（签字）`, or
# a second name for the same thing `电话/传真`. OCR may drop the closing
# bracket of a note right before the colon (`机构名称（盖章:`): a note then
# ends at the colon.
_NOTE = r"\s*(?:[（(][^）)]{0,8}[)）]|[（(][^）)：:]{0,8}(?=[：:])|[/／、][\u4e00-\u9fa5]{1,4})?"
_SEAL_NOTE_END = "|".join(rf"(?<=[（(]{w}[)）])" for w in ("盖章", "签字", "签名", "公章", "签章"))
_COMPLETE_NAME = re.compile(r"(有限公司|有限责任公司|股份公司|集团|厂|学校|中心|研究院|事务所)$")
_BLANK = re.compile(r"^[_＿\s]+|[_＿\s]+$")


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    conf: Optional[float] = None
    in_table: bool = False
    # where the row stands (for evidence): page (1-based), a description for
    # people (表1第3行 / 第5行), the grid column and the box of each cell
    page: int = 0
    where: str = ""
    cols: tuple[int, ...] = ()
    boxes: tuple[Optional[Box], ...] = ()
    part: bool = False  # cells taken out of their row (a party's block): no header row to read under

    @property
    def text(self) -> str:
        return " ".join(c for c in self.cells if c)


def subrow(row: Row, keep: Sequence[int], in_table: Optional[bool] = None) -> Row:
    """Some cells of a row, still knowing where they stand."""
    return Row(cells=tuple(row.cells[i] for i in keep), conf=row.conf,
               in_table=row.in_table if in_table is None else in_table, page=row.page, where=row.where,
               cols=tuple(row.cols[i] for i in keep if i < len(row.cols)),
               boxes=tuple(row.boxes[i] for i in keep if i < len(row.boxes)), part=True)


@dataclass
class Rows:
    """The rows of a document, in reading order."""

    rows: list[Row] = field(default_factory=list)

    @classmethod
    def of(cls, doc: Document) -> "Rows":
        out: list[Row] = []
        for p, page in enumerate(doc.pages, start=1):
            line_no = table_no = 0
            for block in page.blocks:
                if block.line is not None:
                    line_no += 1
                    cells = tuple(block.line.cells or [block.line.text])
                    out.append(Row(cells=cells, conf=block.line.conf, page=p, where=f"第{line_no}行",
                                   cols=tuple(range(len(cells))), boxes=tuple(block.line.boxes or ())))
                elif block.table is not None:
                    table_no += 1
                    out += _table_rows(block.table, p, table_no)
        return cls(out)


def _table_rows(table: Table, page: int, number: int) -> list[Row]:
    out = []
    for r, table_row in enumerate(table.flat_rows()):
        cols = tuple(c for c, cell in enumerate(table_row) if cell is not None)
        kept = tuple(unwrap(table_row[c] or "") for c in cols)
        if any(kept):
            boxes = tuple(table.boxes[r][c] if table.boxes and r < len(table.boxes) and c < len(table.boxes[r]) else None
                          for c in cols)
            out.append(Row(cells=kept, conf=table.row_conf(r), in_table=True, page=page, where=f"表{number}第{r + 1}行",
                           cols=cols, boxes=boxes))
    return out


def unwrap(cell: str) -> str:
    """Join the lines of a wrapped cell: CJK text wraps without a space."""
    parts = [p.strip() for p in cell.split("\n") if p.strip()]
    joined = ""
    for part in parts:
        if joined and re.match(r"[A-Za-z0-9]", joined[-1]) and re.match(r"[A-Za-z0-9]", part[0]) and not re.match(r"\d", part[0]):
            joined += " "
        joined += part
    return joined


def grid_rows(doc: Document) -> list[list[Optional[str]]]:
    """Every table row, cells unwrapped and merged positions kept (None), and
    every free line as a row of its cells, in reading order; blank rows left out."""
    out: list[list[Optional[str]]] = []
    for page in doc.pages:
        for block in page.blocks:
            if block.table is not None:
                out += [[None if c is None else unwrap(c) for c in row] for row in block.table.flat_rows()]
            elif block.line is not None:
                out.append(list(block.line.cells or [block.line.text]))
    return [r for r in out if any(c and c.strip() for c in r)]


_SAME = {"（": "[（(]", "(": "[（(]", "）": "[）)]", ")": "[）)]", "：": "[：:]", ":": "[：:]"}


def _char(ch: str) -> str:
    return _SAME.get(ch, re.escape(ch))


@lru_cache(maxsize=2048)
def label_regex(label: str, slip: bool = False) -> re.Pattern[str]:
    """A label matches with any white space between its characters, either
    width of bracket and colon, and (`slip`, for OCR) one misread character
    in a label of four or more characters."""
    chars = [ch for ch in label if not ch.isspace()]
    if not slip or len(chars) < 4:
        return re.compile(r"\s*".join(_char(ch) for ch in chars))
    variants = [r"\s*".join(r"[^\s：:]" if i == k else _char(ch) for i, ch in enumerate(chars)) for k in range(len(chars))]
    return re.compile("(?:" + "|".join(variants) + ")")


def is_label_cell(cell: str, labels: Iterable[str], slip: bool = False) -> bool:
    """True when the whole cell is one of the labels (a colon, a trailing
    note in brackets, or a （盖章）/（签字） mark may follow)."""
    s = re.sub(_LEAD, "", squash(cell))
    s = re.sub(r"[：:]$", "", s)
    return any(_whole_label(label, slip).fullmatch(s) for label in labels)


@lru_cache(maxsize=4096)
def _whole_label(label: str, slip: bool) -> re.Pattern[str]:
    """A cell that is only the label (and a note in brackets after it)."""
    return re.compile("(?:" + label_regex(label, slip).pattern + r")(?:[（(][^）)]*[)）][：:]?)?")


def clean_value(value: str) -> str:
    value = _BLANK.sub("", value.strip())
    value = re.sub(r"^[：:]\s*", "", value)
    return value.strip(" ，,；;")


def _cut_at_labels(value: str, stops: Sequence[str]) -> str:
    """A value ends where the next known label of the same line begins."""
    end = len(value)
    for stop in stops:
        m = _stop_regex(stop).search(value)
        if m and m.start() > 0:
            end = min(end, m.start())
    return value[:end]


@lru_cache(maxsize=4096)
def _stop_regex(stop: str) -> re.Pattern[str]:
    return re.compile(r"\s*" + label_regex(stop).pattern + _NOTE + r"\s*" + _COLON)


@lru_cache(maxsize=4096)
def _inline_regexes(label: str, slip: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    pat = label_regex(label, slip).pattern + _NOTE
    return (re.compile(pat + r"\s*(?:" + _COLON + r"|_{2,}|＿{2,}|" + _SEAL_NOTE_END + ")"),
            # ^ a scan may lose the colon after （盖章）: the note ends the label
            re.compile(_LEAD + pat + r"\s+(?=\S)"))


def _inline(cell: str, label: str, stops: Sequence[str], slip: bool = False) -> Optional[str]:
    """`label：value` (or `label（注）：value`, `label____value`) inside one cell."""
    colon, spaced = _inline_regexes(label, slip)
    m = colon.search(cell)
    if not m:
        # `label   value` at the start of a cell (forms laid out with spaces or tabs)
        m = spaced.match(cell)
        if not m or (re.search(r"\S\s\S", m.group().strip()) and re.match(r"\S(\s|$)", cell[m.end():])):
            return None  # `手 机 号 码`: a spaced-out label goes on, it has no value here
    return _cut_at_labels(cell[m.end():], stops)


class Finder:
    """Looks labels up over a list of rows (a whole document or a scope)."""

    def __init__(self, rows: Sequence[Row], stops: Sequence[str] = ()) -> None:
        self.stops = list(stops)
        self._stop_keys = [(s, squash(s)) for s in self.stops]
        self.rows = [_joined_split_label(row, self.stops) for row in rows]
        # OCR rows: a label may come back with one character misread
        self.ocr = any(r.conf is not None for r in self.rows)
        self.slip = False
        self._source = (0, 0)
        # a line this long was probably wrapped by the layout: its value may go on
        lengths = sorted(len(squash(r.cells[0])) for r in self.rows if not r.in_table and len(r.cells) == 1)
        self.full_line = max(20, int(0.8 * lengths[int(0.9 * (len(lengths) - 1))])) if lengths else 10**6

    def _other_stops(self, label: str) -> list[str]:
        key = squash(label)
        return [s for s, k in self._stop_keys if k != key]

    def positions(self, labels: Sequence[str]) -> Iterable[tuple[int, int, str]]:
        for r, row in enumerate(self.rows):
            for c, cell in enumerate(row.cells):
                for label in labels:
                    if label_regex(label, self.slip).search(cell):
                        yield r, c, label
                        break

    def value_at(self, r: int, c: int, label: str) -> Optional[str]:
        """The value that belongs to the label found at row r, cell c; ''
        when the layout says the value is empty; None when nothing is there."""
        row = self.rows[r]
        cell = row.cells[c]
        stops = self._other_stops(label)
        self._source = (r, c)  # where the value stands (for evidence)
        if is_label_cell(cell, [label], self.slip):
            if c + 1 < len(row.cells):
                nxt = row.cells[c + 1]
                if is_label_cell(nxt, self.stops):
                    return self._below(r, c) or ""  # a header row: the value stands in the cell below
                self._source = (r, c + 1)
                return clean_value(_cut_at_labels(nxt, stops))
            below = self._below(r, c)
            if below:
                return below
            if not row.in_table and r + 1 < len(self.rows):
                nxt_row = self.rows[r + 1]
                first = nxt_row.cells[0] if nxt_row.cells else ""
                if first and not _starts_with_label(first, self.stops):
                    self._source = (r + 1, 0)
                    return clean_value(_cut_at_labels(first, stops))
            return ""
        raw = _inline(cell, label, stops, self.slip)
        if raw is None:
            return None
        value = clean_value(raw)
        if value == "" and c + 1 < len(row.cells) and not is_label_cell(row.cells[c + 1], self.stops):
            self._source = (r, c + 1)
            return clean_value(row.cells[c + 1])
        runs_to_end = bool(raw.strip()) and cell.rstrip().endswith(raw.strip())
        if value and runs_to_end and not row.in_table and len(row.cells) == 1 and len(squash(cell)) >= self.full_line:
            value = clean_value(self._continued(r, raw.strip()))
        return value

    def _below(self, r: int, c: int) -> Optional[str]:
        """The value in the cell under a header cell (a form whose labels
        make a header row and whose values the row below)."""
        row = self.rows[r]
        if not row.in_table or row.part or r + 1 >= len(self.rows) or not row.cols or c >= len(row.cols):
            return None
        nxt = self.rows[r + 1]
        labelled = sum(1 for x in row.cells if is_label_cell(x, self.stops))
        if not nxt.in_table or len(nxt.cols) != len(row.cols) or 2 * labelled < len(row.cells) \
                or any(re.search(r"\d", x) for x in row.cells):
            return None  # not a header row
        at = nxt.cols.index(row.cols[c]) if row.cols[c] in nxt.cols else -1
        cell = nxt.cells[at] if at >= 0 else ""
        if not cell or is_label_cell(cell, self.stops):
            return None
        self._source = (r + 1, at)
        return clean_value(cell)

    def _continued(self, r: int, value: str) -> str:
        """A value wrapped over the next free lines of a text layer: taken
        while it has not ended its sentence and the next line starts no new
        label or clause."""
        last = self.rows[r].cells[0]
        for n, nxt in enumerate(self.rows[r + 1: r + 6], start=r + 1):
            if len(squash(last)) < self.full_line or re.search(r"[。！!]$", value) or nxt.in_table or len(nxt.cells) != 1:
                break
            if _COMPLETE_NAME.search(value):
                break  # `…有限公司` is a whole name: what follows is something else
            last = nxt.cells[0]
            if self._bare_label(n):
                return value + last.strip()  # `…达标咨询` / `服务项目`: a wrap that reads like a label, with no value of its own
            if _starts_with_label(last, self.stops) or re.match(_CLAUSE_START, squash(last)) or re.search(_COLON, last[:12]):
                break
            value += last.strip()
        return value

    def _bare_label(self, r: int) -> bool:
        """Row r is a free line that is only a label word, without a colon,
        and the next line starts another label: a label with no value, so
        most likely the wrapped end of the line above."""
        cell = self.rows[r].cells[0]
        if re.search(_COLON, cell) or not is_label_cell(cell, self.stops):
            return False
        after = self.rows[r + 1] if r + 1 < len(self.rows) else None
        return after is None or (bool(after.cells) and _starts_with_label(after.cells[0], self.stops))

    def find(self, labels: Sequence[str], accept: Optional[Accept] = None, start: int = 0) -> Optional[str]:
        """The first accepted value of any of the labels (earlier labels in
        the list are preferred over later ones); on a scan, when no label
        is found as written, labels of four or more characters with one
        character misread."""
        found = self._find(labels, accept, start)
        if found is None and self.ocr:
            self.slip = True
            try:
                found = self._find([x for x in labels if len(squash(x)) >= 4], accept, start)
            finally:
                self.slip = False
        return found

    def _find(self, labels: Sequence[str], accept: Optional[Accept], start: int) -> Optional[str]:
        for label in labels:
            for r, c, _ in self.positions([label]):
                if r < start:
                    continue
                value = self.value_at(r, c, label)
                if value is None or value == "":
                    continue
                if accept is None or accept(value):
                    return self._took(label, value)
        return None

    def _took(self, label: str, value: str, at: Optional[tuple[int, int]] = None) -> str:
        """Note where an accepted value stood (when an extraction is recording)."""
        r, c = at or self._source
        hits.note(label, self.rows[r], c, value)
        return value

    def find_after(self, anchors: Sequence[str], labels: Sequence[str], accept: Optional[Accept] = None) -> Optional[str]:
        """The first value of `labels` at or after the first anchor label
        (the 联系手机 that belongs to 从业地联系人, not to 法定代表人); on a
        scan, labels with one character misread when none is found as written."""
        found = self._find_after(anchors, labels, accept)
        if found is None and self.ocr:
            self.slip = True
            try:
                found = self._find_after(anchors, [x for x in labels if len(squash(x)) >= 4], accept)
            finally:
                self.slip = False
        return found

    def _find_after(self, anchors: Sequence[str], labels: Sequence[str], accept: Optional[Accept]) -> Optional[str]:
        for r, c, anchor in self.positions(anchors):
            # the rest of the anchor's own cell first: `从业地联系人：梁芳 联系手机：189…`
            cell = self.rows[r].cells[c]
            m = label_regex(anchor).search(cell)
            rest = cell[m.end():] if m else ""
            for label in labels:
                if label_regex(label, self.slip).search(rest):
                    value = _inline(rest, label, self._other_stops(label), self.slip)
                    value = clean_value(value) if value else value
                    if value and (accept is None or accept(value)):
                        return self._took(label, value, (r, c))
            for r2 in range(r, min(r + 2, len(self.rows))):  # its own row, or the line under it
                row = self.rows[r2]
                for c2, cell in enumerate(row.cells):
                    if r2 == r and c2 <= c:
                        continue
                    for label in labels:
                        if label_regex(label, self.slip).search(cell):
                            value = self.value_at(r2, c2, label)
                            if value and (accept is None or accept(value)):
                                return self._took(label, value)
                            if value == "":
                                return None
            return None
        return None


def _joined_split_label(row: Row, stops: Sequence[str]) -> Row:
    """`单位 | 名称 | value`: a label typed across two cells is one label."""
    if not row.in_table or len(row.cells) < 3:
        return row
    cells, cols, boxes = list(row.cells), list(row.cols), list(row.boxes)
    c = 0
    while c + 2 < len(cells):
        a, b = squash(cells[c]), squash(cells[c + 1])
        if 1 <= len(a) <= 4 and 1 <= len(b) <= 4 and not is_label_cell(a, stops) and is_label_cell(a + b, stops):
            cells[c:c + 2] = [a + b]
            cols[c:c + 2] = cols[c:c + 1]
            boxes[c:c + 2] = boxes[c:c + 1]
        c += 1
    if len(cells) == len(row.cells):
        return row
    return Row(cells=tuple(cells), conf=row.conf, in_table=True, page=row.page, where=row.where,
               cols=tuple(cols), boxes=tuple(boxes), part=row.part)


def _starts_with_label(cell: str, labels: Sequence[str]) -> bool:
    s = re.sub(_LEAD, "", squash(cell))
    return any(s.startswith(squash(label)) for label in labels if label)
