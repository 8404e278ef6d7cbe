"""Checkboxes read from the page image (step 8 of the OCR path described in
`ocr`): a tick drawn with a pen, a filled ■ or a ✓ stamped over a printed □
is rarely read as a character by OCR, so every small square of the page is
found geometrically and judged by its ink.

1. squares: horizontal and vertical strokes (a morphological opening of the
   ink keeps runs longer than ~1/4 of a text line's height; diagonal tick
   strokes fall away) joined into components; a component whose box is a
   square of checkbox size (a quarter to 1.3 text-line heights) and whose
   four edges are inked is a box, a solid one a filled box (■).
2. state: the ink inside the box (dark ink, and light ink for a faint
   stroke) and whether a stroke crosses its edges (a pen tick overshoots
   the box) give ticked, empty or unsure, with a confidence. A red seal
   over a box was lifted to paper white before this step (`scan_prep`),
   so it leaves an empty box empty.
3. label: the text the OCR read right beside the box (from the box's
   right edge to the next box on the line), so that an extractor can pair
   each mark with the label it stands by without knowing any geometry.

Boxes are returned in points from the page's top left, like every other
box of a `Page`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ...models import Mark
from ...text import EMPTY_GLYPHS, TICKED_GLYPHS
from ..category import FORM_LABELS
from .ocr_layout import _Box

# a box's side, in text-line heights (a line box is ~1.3 character heights)
MIN_SIDE, MAX_SIDE = 0.25, 1.3
# grey levels: darker than EDGE is a box's printed edge (thin edges of a
# blurred scan stay grey); darker than INK is ink; darker than FAINT a light stroke
EDGE, INK, FAINT = 200, 170, 215
TRACE = 245  # an edge's pale trace where a seal was lifted off it (paper is ~255)
# share of the box's inside inked from which it is ticked (dark ink), or unsure
TICK_SHARE, UNSURE_SHARE = 0.12, 0.025
FILL_SHARE = 0.55
# a stroke overshooting an edge by this share of the side crosses it
CROSS = 0.18
_CJK = re.compile(r"[\u3400-\u9fff]")
_STRIP = TICKED_GLYPHS + EMPTY_GLYPHS + "☑☐口"


@dataclass
class _Square:
    x0: int
    y0: int
    x1: int
    y1: int
    state: str
    conf: float

    @property
    def side(self) -> int:
        return max(self.x1 - self.x0, self.y1 - self.y0)


def names_categories(boxes: list[_Box]) -> bool:
    """Whether the page's text names at least two service categories (a form's
    grid of boxes): only such a page is searched for checkboxes, the rest of
    a batch's scans (contracts, work reports) costs nothing."""
    text = "".join(b.text for b in boxes)
    return sum(bool(re.search(pattern, text)) for _, pattern in FORM_LABELS) >= 2


def find_marks(gray: np.ndarray, boxes: list[_Box], scale: float = 1.0) -> list[Mark]:
    """The checkboxes of a preprocessed grey page (paper 255), each with its
    state and the text the OCR boxes `boxes` read right beside it; `scale`
    (points per pixel) turns pixels into points."""
    if not boxes or min(gray.shape) < 64 or not names_categories(boxes):
        return []
    unit = float(np.median([b.h for b in boxes]))
    squares = [_judge(gray, s) for s in _squares(gray, unit, _text_mask(gray.shape, boxes))]
    out = []
    for sq in squares:
        text = _label(sq, boxes, unit)
        box = (round(sq.x0 * scale, 1), round(sq.y0 * scale, 1), round(sq.x1 * scale, 1), round(sq.y1 * scale, 1))
        out.append(Mark(bbox=box, state=sq.state, conf=round(sq.conf, 3), text=text))  # type: ignore[arg-type]
    return out


def _squares(gray: np.ndarray, unit: float, text: np.ndarray) -> list[_Square]:
    """Square outlines and solid squares of checkbox size. Candidates are
    components of the page's straight strokes and pairs of vertical strokes
    about a side apart (a box printed so close to its label that the two
    touch, a tick's stroke joined to an edge); each is trimmed to the rows
    and columns its edges run along, then checked."""
    import cv2

    ink = (gray < EDGE).astype(np.uint8)
    k = max(3, round(0.2 * unit))
    hor = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    ver = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, k)))
    lo, hi = MIN_SIDE * unit, MAX_SIDE * unit
    rough = [c for c in _components(cv2.bitwise_or(hor, ver)) + _components(ver)
             if lo <= c[2] <= 1.5 * hi and lo <= c[3] <= 1.5 * hi]
    edges = sorted(c for c in _components(ver) if lo <= c[3] <= 1.5 * hi and c[2] <= 0.4 * c[3])
    for i, (x, y, w, h) in enumerate(edges):
        for x2, y2, w2, h2 in edges[i + 1:]:
            if x2 - x > 1.5 * h:
                break
            if abs(y2 - y) <= 0.3 * h and abs(h2 - h) <= 0.3 * h and 0.6 <= (x2 + w2 - x) / h <= 1.5:
                rough.append((x, min(y, y2), x2 + w2 - x, max(y + h, y2 + h2) - min(y, y2)))
    out: list[_Square] = []
    for candidate in rough:
        if _in_text(text, *candidate):
            continue
        for share in (0.5, 0.35):  # edges spanning most of the box, or (an edge thinned by a seal) a third of it
            x, y, w, h = _trim(hor, ver, candidate, share)
            if not (lo <= w <= hi and lo <= h <= hi and 0.75 <= w / h <= 1.33) or _in_text(text, x, y, w, h):
                continue
            if (_edges_inked(gray, x, y, w, h) and _closed(hor, ver, x, y, w, h) and _alone(ink, x, y, w, h)):
                if not any(_same(o, x, y, w, h) for o in out):
                    out.append(_Square(x, y, x + w, y + h, "", 0.0))
                break
    return out


def _trim(hor: np.ndarray, ver: np.ndarray, rough: tuple[int, int, int, int], share: float) -> tuple[int, int, int, int]:
    """A candidate box moved onto its edges: the rows nearest its top and
    bottom whose horizontal strokes span most of it, then the columns nearest
    its sides whose vertical strokes span most of the rows between (searched
    a little beyond the candidate: an edge broken by a tick or a seal gives
    a candidate short of it; a tick overshooting the box is no edge)."""
    x, y, w, h = rough
    pad = max(2, round(0.3 * max(w, h)))
    cap = max(2, round(0.15 * max(w, h)))  # an edge's thickness at most
    y0, x0 = max(0, y - pad), max(0, x - pad)
    rows = np.flatnonzero(hor[y0:y + h + pad, x:x + w].mean(axis=1) >= share) + y0
    # a rule runs on past both sides (the cell's border above the box): no edge of it
    rows = rows[~(hor[rows, max(0, x - pad):x].all(axis=1) & hor[rows, x + w:x + w + pad].all(axis=1))]
    if len(rows) < 2:
        return rough
    top, bottom = _nearest(rows, y, -1, cap), _nearest(rows, y + h - 1, 1, cap) + 1
    if bottom - top < 2:
        return rough
    cols = np.flatnonzero(ver[top:bottom, x0:x + w + pad].mean(axis=0) >= share) + x0
    cols = cols[~(ver[max(0, top - pad):top, cols].all(axis=0) & ver[bottom:bottom + pad, cols].all(axis=0))]
    if len(cols) < 2:
        return rough
    left = _nearest(cols, x, -1, cap)
    # the right edge: the column that makes the box squarest (not the label's first stroke beside it)
    right = _nearest(cols, left + (bottom - top) - 1, 1, cap) + 1
    return left, top, right - left, bottom - top


def _nearest(values: np.ndarray, target: int, outward: int, cap: int) -> int:
    """The value nearest `target`, moved `outward` (-1 down, 1 up) along the
    run of consecutive values it is in, at most `cap` steps (to an edge's
    outer side, not along a stroke that runs on beside it)."""
    at = int(np.argmin(np.abs(values - target)))
    steps = 0
    while 0 <= at + outward < len(values) and abs(int(values[at + outward]) - int(values[at])) == 1 and steps < cap:
        at += outward
        steps += 1
    return int(values[at])


def _components(img: np.ndarray) -> list[tuple[int, int, int, int]]:
    import cv2

    n, _labels, stats, _ = cv2.connectedComponentsWithStats(img, connectivity=8)
    return [(int(stats[i][0]), int(stats[i][1]), int(stats[i][2]), int(stats[i][3])) for i in range(1, n)]


def _same(sq: _Square, x: int, y: int, w: int, h: int) -> bool:
    """Two finds of one box (their centres within a third of a side)."""
    return abs((sq.x0 + sq.x1) / 2 - (x + w / 2)) < w / 3 and abs((sq.y0 + sq.y1) / 2 - (y + h / 2)) < h / 3


def _edges_inked(gray: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """Each of the four edges of the box inked along most of its length; or
    one of them thinned to a pale trace for part of it (where a red seal's
    ink was lifted off the page, an edge under it goes pale, not white)."""
    t = max(3, round(0.2 * min(w, h)))  # the edge's stroke and its blur

    box = gray[y:y + h, x:x + w]

    def coverage(ink: np.ndarray) -> list[float]:
        return [float(ink[:t].any(axis=0).mean()), float(ink[h - t:].any(axis=0).mean()),
                float(ink[:, :t].any(axis=1).mean()), float(ink[:, w - t:].any(axis=1).mean())]

    dark = coverage(box < EDGE)
    if min(dark) >= 0.85:
        return True
    return min(dark) >= 0.5 and sorted(dark)[1] >= 0.85 and min(coverage(box < TRACE)) >= 0.9


def _closed(hor: np.ndarray, ver: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """The box's edges end at its corners: no horizontal edge runs on past
    both its sides, no vertical edge past its top or bottom (the square
    inside 其 or 目 is crossed by strokes that run on)."""
    t = max(2, round(0.2 * min(w, h)))
    ext = max(2, round(0.25 * max(w, h)))
    if x - ext < 0 or y - ext < 0 or x + w + ext > hor.shape[1] or y + h + ext > hor.shape[0]:
        return True
    for band in (slice(y, y + t), slice(y + h - t, y + h)):
        if hor[band, x - ext:x].all(axis=1).any() and hor[band, x + w:x + w + ext].all(axis=1).any():
            return False  # (on one side only: the label printed touching the box)
    stroke = max(2, round(0.1 * min(w, h)))  # a printed edge's width at most
    for band in (slice(x, x + t), slice(x + w - t, x + w)):
        for rows in (slice(y - ext, y), slice(y + h, y + h + ext)):
            runs = np.flatnonzero(ver[rows, band].all(axis=0))
            if len(runs) and _thin(ver[(rows.start + rows.stop) // 2], band.start + int(runs[0]), stroke):
                return False  # a marker's thick stroke crossing a corner is no edge running on
    return True


def _thin(row: np.ndarray, at: int, stroke: int) -> bool:
    """The stroke through `row[at]` is no wider than twice an edge."""
    left = at
    while left > 0 and row[left - 1]:
        left -= 1
    right = at
    while right + 1 < len(row) and row[right + 1]:
        right += 1
    return right - left + 1 <= 2 * stroke


def _alone(ink: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """No ink of anything else just above, below or left of the box: a
    square that is part of a character (the 口 of 培 or 品) has strokes of
    that character there; a checkbox stands apart (the strokes of a tick
    that overshoot it are joined to it, long rules are no character, specks
    a lifted seal left are too small to count)."""
    import cv2

    pad = max(2, round(0.4 * max(w, h)))
    y0, x0 = max(0, y - pad), max(0, x - pad)
    y1, x1 = min(ink.shape[0], y + h + pad), min(ink.shape[1], x + w + pad)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink[y0:y1, x0:x1], connectivity=8)
    own = {int(v) for v in np.unique(labels[y - y0:y + h - y0, x - x0:x + w - x0]) if v}
    near = np.zeros(labels.shape, bool)
    near[:, :x + w - x0] = True  # above, below and left; right of the box stands its label
    for i in range(1, n):
        bx, by, bw, bh, area = (int(v) for v in stats[i])
        if i in own or bw >= x1 - x0 or bh >= y1 - y0 or area < max(4, 0.02 * w * h):
            continue  # the box and what touches it, a rule crossing the window, a speck
        if (near & (labels == i)).any():
            return False
    return True


def _judge(gray: np.ndarray, sq: _Square) -> _Square:
    """Ticked, empty or unsure, and how sure, by the ink inside the box and
    the strokes that cross its edges."""
    w, h = sq.x1 - sq.x0, sq.y1 - sq.y0
    t = max(2, round(0.18 * min(w, h))) + 1  # the edge's own stroke and its blur
    inner = gray[sq.y0 + t:sq.y1 - t, sq.x0 + t:sq.x1 - t]
    if inner.size == 0:
        return _Square(sq.x0, sq.y0, sq.x1, sq.y1, "unsure", 0.5)
    dark = float((inner < INK).mean())
    light = float((inner < FAINT).mean())
    cross = _overshoot(gray, sq)
    if dark >= FILL_SHARE:
        state, conf = "ticked", 0.99
    elif dark >= TICK_SHARE or (dark >= UNSURE_SHARE and cross >= CROSS):
        state, conf = "ticked", min(0.99, 0.8 + dark)
    elif light >= TICK_SHARE and (cross >= CROSS or light >= 2 * TICK_SHARE):
        state, conf = "ticked", 0.8  # a faint stroke
    elif light < UNSURE_SHARE and cross < CROSS:
        state, conf = "empty", min(0.99, 0.99 - 4 * light)
    else:
        state, conf = "unsure", 0.5
    return _Square(sq.x0, sq.y0, sq.x1, sq.y1, state, conf)


def _overshoot(gray: np.ndarray, sq: _Square) -> float:
    """How far (in box sides) ink joined to the box reaches beyond its
    edges: a pen tick overshoots its box, a printed box does not. Ink that
    runs on out of a window a side wider than the box (a rule, the label's
    text touching the box) is no stroke of the box."""
    import cv2

    side = sq.side
    pad = max(3, side)
    y0, x0 = max(0, sq.y0 - pad), max(0, sq.x0 - pad)
    y1, x1 = min(gray.shape[0], sq.y1 + pad), min(gray.shape[1], sq.x1 + pad)
    ink = (gray[y0:y1, x0:x1] < FAINT).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    edge = labels[sq.y0 - y0:sq.y1 - y0, sq.x0 - x0:sq.x1 - x0]
    reach = 0
    for i in {int(v) for v in np.unique(edge) if v}:
        x, y, w, h, _a = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + w >= x1 - x0 or y + h >= y1 - y0:
            continue
        reach = max(reach, sq.x0 - x0 - x, x + w - (sq.x1 - x0), sq.y0 - y0 - y, y + h - (sq.y1 - y0))
    return reach / max(1, side)


def _text_mask(shape: tuple[int, ...], boxes: list[_Box]) -> np.ndarray:
    """Where the OCR read a Chinese character, past the first character of
    its text box: a square there is part of a character (the 口 of 咨 or
    培), not a checkbox (a box the OCR read as ☐, left as a gap, or took in
    as its text box's first character is kept)."""
    mask = np.zeros(shape[:2], bool)
    for b in boxes:
        if not b.text:
            continue
        width = (b.x1 - b.x0) / len(b.text)
        for i, ch in enumerate(b.text[1:], start=1):
            if _CJK.match(ch):
                mask[max(0, int(b.y0)):int(b.y1) + 1, max(0, int(b.x0 + i * width)):int(b.x0 + (i + 1) * width) + 1] = True
    return mask


def _in_text(mask: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    return bool(mask[min(mask.shape[0] - 1, y + h // 2), min(mask.shape[1] - 1, x + w // 2)])


def _label(sq: _Square, boxes: list[_Box], unit: float) -> str:
    """The text the OCR read right beside the box: in the text box that
    holds it or starts just right of it, up to the next box glyph the OCR
    read (two categories read as one text box)."""
    h = sq.y1 - sq.y0
    line = [b for b in boxes if min(b.y1, sq.y1) - max(b.y0, sq.y0) >= 0.5 * min(h, b.h)
            and b.x1 > sq.x1 and b.x0 <= sq.x1 + 1.2 * unit]
    if not line:
        return ""
    b = min(line, key=lambda m: (max(0.0, m.x0 - sq.x1), m.x0))
    start = 0
    if b.x0 < sq.x0 + 0.5 * (sq.x1 - sq.x0):  # the box stands inside the text box: skip what lies left of it
        start = int((sq.x1 - b.x0) / max(1.0, b.x1 - b.x0) * len(b.text))
    text = b.text[start:].lstrip().lstrip(_STRIP)
    return re.split(f"[{_STRIP}]|\\s{{2,}}", text)[0].strip()
