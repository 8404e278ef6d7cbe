"""OCR boxes reassembled into what the other readers give: ruled tables as
`Table`s (rows of cells, merged positions None, each cell's box and
confidence), other text as lines in reading order split into cells at wide
gaps (step 7 of the OCR path described in `ocr`)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ...models import Block, Box, Line, Table

# Two boxes of one line belong to different cells when the gap between them
# exceeds this many box heights (a box is ~1.4 character heights tall, so 1.4
# box heights ~ two character widths).
CELL_GAP = 1.4
# Boxes are joined with a space when their gap exceeds this many box heights.
SPACE_GAP = 0.6


@dataclass
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


def _is_ascii_alnum(ch: str) -> bool:
    return len(ch) == 1 and ch.isascii() and ch.isalnum()


def _join_boxes(boxes: list[_Box], unit: float) -> str:
    """Boxes of one cell of one line, left to right, into text."""
    out = ""
    prev: _Box | None = None
    for b in boxes:
        if prev is not None and out:
            gap = b.x0 - prev.x1
            if gap > SPACE_GAP * unit or (_is_ascii_alnum(out[-1]) and b.text[:1] and _is_ascii_alnum(b.text[0]) and gap > 0.2 * unit):
                out += " "
        out += b.text
        prev = b
    return out


def _group_rows(boxes: list[_Box]) -> list[list[_Box]]:
    """Group boxes into lines: a box joins the line whose nearest member (in x)
    overlaps it vertically by at least half the smaller height and does not
    overlap it horizontally."""
    rows: list[list[_Box]] = []
    for b in sorted(boxes, key=lambda b: (b.yc, b.x0)):
        best, best_ov = None, 0.0
        for row in rows[-8:]:  # only recent lines can still be open
            near = min(row, key=lambda m: abs(m.xc - b.xc))
            ov = min(near.y1, b.y1) - max(near.y0, b.y0)
            if ov < 0.5 * min(near.h, b.h):
                continue
            clash = any(min(m.x1, b.x1) - max(m.x0, b.x0) > 0.3 * min(m.x1 - m.x0, b.x1 - b.x0) for m in row)
            if clash:
                continue
            if ov / min(near.h, b.h) > best_ov:
                best, best_ov = row, ov / min(near.h, b.h)
        if best is None:
            rows.append([b])
        else:
            best.append(b)
    for row in rows:
        row.sort(key=lambda m: m.x0)
    rows.sort(key=lambda r: min(m.y0 for m in r))
    return rows


def _split_cells(row: list[_Box]) -> list[list[_Box]]:
    unit = float(np.median([m.h for m in row]))
    cells: list[list[_Box]] = [[row[0]]]
    for prev, b in itertools.pairwise(row):
        if b.x0 - prev.x1 > CELL_GAP * unit:
            cells.append([b])
        else:
            cells[-1].append(b)
    return cells


@dataclass
class _Cell:
    x0: int
    y0: int
    x1: int
    y1: int
    boxes: list[_Box] = field(default_factory=list)


def find_tables(gray: np.ndarray, unit: float) -> list[list[_Cell]]:
    """Ruled tables, each as its cells: closed regions bounded by horizontal
    and vertical rules. `unit` is the typical text-box height (pixels). Works
    at half resolution on large pages (rules stay visible; 4x cheaper)."""
    import cv2

    scale = 2 if max(gray.shape) > 1600 and unit >= 16 else 1
    if scale > 1:
        gray = cv2.resize(gray, (gray.shape[1] // scale, gray.shape[0] // scale), interpolation=cv2.INTER_AREA)
        unit = unit / scale
    page_area = gray.shape[0] * gray.shape[1]
    ink = (gray < 230).astype(np.uint8) * 255
    # a horizontal rule is longer than ~5 characters, a vertical one longer than
    # a character (the strokes of characters are shorter)
    lh = max(20, int(3.5 * unit))
    lv = max(12, int(1.0 * unit))
    hor = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (lh, 1)))
    ver = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, lv)))
    if not hor.any() or not ver.any():
        return []
    # bridge short gaps along a rule (where a seal's strokes crossed it and were
    # lifted to white with the seal, or the scan broke a faint rule)
    bridge = max(8, int(3 * unit))
    hor = cv2.morphologyEx(hor, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    ver = cv2.morphologyEx(ver, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    grid = cv2.dilate(cv2.bitwise_or(hor, ver), np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    tables: list[list[_Cell]] = []
    for i in range(1, n):
        x, y, cw, ch, _area = stats[i]
        if cw < 6 * unit or ch < 1.5 * unit:
            continue
        sub = (labels[y : y + ch, x : x + cw] != i).astype(np.uint8)
        m, _lab2, st2, _ = cv2.connectedComponentsWithStats(sub, connectivity=4)
        found = []
        for j in range(1, m):
            cx, cy, ccw, cch, carea = st2[j]
            if cx == 0 or cy == 0 or cx + ccw >= cw or cy + cch >= ch:
                continue  # outside the table's outline
            if ccw < 0.6 * unit or cch < 0.6 * unit:
                continue
            if carea < 0.6 * ccw * cch:
                continue  # not a rectangle-like region
            if carea > 0.3 * page_area:
                continue  # a frame around the page, not a table cell
            found.append(_Cell(int((x + cx) * scale), int((y + cy) * scale),
                               int((x + cx + ccw) * scale), int((y + cy + cch) * scale)))
        if len(found) >= 2:
            tables.append(found)
    return tables


def _union(boxes: list[_Box], scale: float) -> Optional[Box]:
    """The box around some text boxes, in points (scale: points per pixel)."""
    if not boxes:
        return None
    return (round(min(b.x0 for b in boxes) * scale, 1), round(min(b.y0 for b in boxes) * scale, 1),
            round(max(b.x1 for b in boxes) * scale, 1), round(max(b.y1 for b in boxes) * scale, 1))


def _text_groups(cell: _Cell, unit: float) -> list[tuple[float, float, str]]:
    """The text of one cell as (y0, y1, text) groups: its lines in reading
    order, a wrapped line joined to the next without a space; a group ends at
    a wide vertical gap (a cell holding e.g. "（盖章）" and, lower, a date)."""
    groups: list[tuple[float, float, str]] = []
    prev: list[_Box] | None = None
    prev_segments = 0
    for row in _group_rows(cell.boxes):
        segments = _split_cells(row)
        text = " ".join(_join_boxes(c, unit) for c in segments)
        y0, y1 = min(m.y0 for m in row), max(m.y1 for m in row)
        if prev is not None and y0 - max(m.y1 for m in prev) < 0.8 * unit:
            # a line that fills the cell's width (left- or centre-aligned) and
            # has no wide gap (not a row of checkboxes) wraps on: no space
            slack = (min(m.x0 for m in prev) - cell.x0) + (cell.x1 - max(m.x1 for m in prev))
            wrapped = prev_segments == 1 and slack <= 3.0 * unit
            g0, _g1, gtext = groups[-1]
            ascii_pair = _is_ascii_alnum(gtext[-1:]) and _is_ascii_alnum(text[:1])
            groups[-1] = (g0, y1, gtext + ("" if wrapped and not ascii_pair else " ") + text)
        else:
            groups.append((y0, y1, text))
        prev, prev_segments = row, len(segments)
    return groups


# What a page's text layer is written from: each piece of text the layout
# made (a cell's lines joined, a line's segment) with the boxes it came from.
Units = list[tuple[str, list[_Box]]]


def _clusters(values: list[float], tol: float) -> list[float]:
    """Sorted representatives of values that lie within `tol` of each other."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    """The band or column (of `edges`, their starts) that `v` falls in."""
    return max(0, sum(1 for e in edges if e <= v) - 1)


def _table(cells: list[_Cell], unit: float, scale: float = 1.0,
           units: Optional[Units] = None) -> Optional[tuple[float, Table]]:
    """A ruled table as a `Table`, the shape every reader gives: one row per
    band (bands start at the cells' top edges), one column per left edge, a
    position a merged cell covers None. A merged cell's text lands on the
    row it faces (so a rule the scan lost cannot pull text into a wrong row);
    each cell's confidence is the lowest of its boxes, its box that of its
    text (of the cell, when empty). Returns the table's top (pixels) and the
    table; None when it holds no text."""
    tol = 0.5 * unit
    tops = _clusters([c.y0 for c in cells], tol)
    lefts = _clusters([c.x0 for c in cells], tol)
    grid: list[list[Optional[str]]] = [[None] * len(lefts) for _ in tops]
    held: dict[tuple[int, int], list[_Box]] = {}
    empty: dict[tuple[int, int], Box] = {}
    for c in sorted(cells, key=lambda c: (c.y0, c.x0)):
        b0, col = _index(tops, c.y0 + tol), _index(lefts, c.x0 + tol)
        placed = False
        for g0, g1, text in _text_groups(c, unit) if c.boxes else []:
            band = _index(tops, (g0 + g1) / 2)
            group = [b for b in c.boxes if g0 - 1 <= b.yc <= g1 + 1]
            if not text or not group:
                continue
            old = grid[band][col]
            grid[band][col] = f"{old} {text}" if old else text  # two groups of one cell
            held.setdefault((band, col), []).extend(group)
            if units is not None:
                units.append((text, group))
            placed = True
        if not placed and grid[b0][col] is None:
            grid[b0][col] = ""
            empty[(b0, col)] = (round(c.x0 * scale, 1), round(c.y0 * scale, 1),
                                round(c.x1 * scale, 1), round(c.y1 * scale, 1))
    keep = [r for r, row in enumerate(grid) if any(x is not None for x in row)]
    members = [b for group in held.values() for b in group]
    if not members:
        return None
    confs = [[round(min(b.score for b in held[(r, c)]), 4) if (r, c) in held else None for c in range(len(lefts))]
             for r in keep]
    boxes = [[_union(held[(r, c)], scale) if (r, c) in held else empty.get((r, c)) for c in range(len(lefts))]
             for r in keep]
    table = Table(rows=[grid[r] for r in keep], conf=round(min(b.score for b in members), 4), boxes=boxes, confs=confs)
    return min(b.y0 for b in members), table


def _rows_as_lines(table: Table) -> list[Line]:
    """A table of one row (a frame around a line of text) read as a line."""
    out = []
    for r, row in enumerate(table.rows):
        cols = [c for c, x in enumerate(row) if x]
        if cols:
            out.append(Line(text=" ".join(row[c] or "" for c in cols), cells=[row[c] or "" for c in cols],
                            conf=min((table.confs[r][c] or 1.0) for c in cols) if table.confs else table.conf,
                            boxes=[table.boxes[r][c] for c in cols] if table.boxes else None))
    return out


def layout(gray: np.ndarray, boxes: list[_Box], scale: float = 1.0, units: Optional[Units] = None) -> list[Block]:
    """Boxes -> blocks in reading order: each ruled table a `Table` (a table
    of one row, a frame around a line, a line of cells), other boxes lines
    split into cells; `scale` (points per pixel) turns pixel boxes into
    points on the page. `units`, when given, gets each piece of text with
    its boxes (`Units`)."""
    if not boxes:
        return []
    unit = float(np.median([b.h for b in boxes]))
    tables = find_tables(gray, unit)
    free: list[_Box] = []
    for b in boxes:
        home = None
        for cells in tables:
            for c in cells:
                if c.x0 - 2 <= b.xc <= c.x1 + 2 and c.y0 - 2 <= b.yc <= c.y1 + 2:
                    home = c
                    break
            if home is not None:
                break
        if home is None:
            free.append(b)
        else:
            home.boxes.append(b)
    for cells in tables:
        for c in cells:
            if len(c.boxes) > 12 and len(_group_rows(c.boxes)) > 12:
                free.extend(c.boxes)  # a box around running text: not a table cell
                c.boxes = []

    entries: list[tuple[float, float, Block]] = []
    for cells in tables:
        made = _table(cells, unit, scale, units)
        if made is None:
            continue
        top, table = made
        if len(table.rows) >= 2:
            entries.append((top, min(c.x0 for c in cells), Block(table=table)))
        else:
            entries += [(top, min(c.x0 for c in cells), Block(line=ln)) for ln in _rows_as_lines(table)]
    for row in _group_rows(free):
        found = [(t, c) for t, c in ((_join_boxes(c, unit).strip(), c) for c in _split_cells(row)) if t]
        if not found:
            continue
        texts = [t for t, _ in found]
        if units is not None:
            units.extend(found)
        conf = min(b.score for b in row)
        entries.append((min(b.y0 for b in row), row[0].x0,
                        Block(line=Line(text=" ".join(texts), cells=texts, conf=round(conf, 4),
                                        boxes=[_union(c, scale) for _, c in found]))))
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]
