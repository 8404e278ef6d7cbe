"""OCR path: page images -> `Page` of lines, via rapidocr (ONNX Runtime, CPU).

Public: `ocr_image(img, limits)` and `ocr_pdf_pages(path, indices, limits)`
return `Page`s of `Line`s (ocr=True); `is_available()`, `model_files()`.

What happens to one page image (`ocr_image`):

1. limits and loading: pixel limit (`LimitExceededError`), EXIF orientation,
   any mode -> RGB; images larger than `MAX_SIDE` are scaled down first.
2. a phone photo is cropped to the sheet (the biggest bright quadrilateral on
   a darker surface) and its perspective straightened.
3. light normalisation: the grey page is divided by its background (a
   morphological closing at 1/8 scale): uneven light, scanner shadows and
   dark borders become flat white paper.
4. red-seal suppression: a pixel where red clearly dominates (red or pink
   ink of a 公章) is lifted to R + (R - max(G, B)), i.e. to paper white, while
   black text printed under the seal, dark in R as well, stays black. Long
   table rules that ran under the seal are put back afterwards.
5. skew: measured within ±8° on projection profiles and undone.
6. rapidocr (detection on a copy at most `DET_MAX_SIDE` px, recognition on
   full-resolution crops, the line classifier on the largest lines) through
   its public API, with the models that ship inside the installed wheel,
   passed by path, so nothing is ever downloaded (`ocr_engine`). A page
   lying on its side (tall text boxes) or upside down (the line classifier
   finds most lines turned) is turned and read once more.
7. layout: ruled tables are found from their rules (morphology); each
   becomes a `Table` as the other readers give it (text wrapped inside a cell
   joined; text of a merged cell on the row it stands on; each cell's box and
   confidence). Other boxes
   form lines where their vertical extents overlap, left to right, split into
   cells at gaps wider than about two characters. Every string goes through
   `clean()`; a line's `conf` is the lowest rapidocr score of its boxes.
8. checkboxes: every small square of the page is found in the image and
   judged ticked, empty or unsure by its ink, with the text beside it
   (`marks`): OCR rarely reads a pen tick or a ✓ stamped over a box.

The engines are created once per process, on first use (never at import).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ...errors import LimitExceededError, UnreadableError
from ...models import Limits, Page, Word
from ...text import clean
from .marks import find_marks
from .ocr_engine import (  # noqa: F401  (_ENGINES, _make_engine, model_files: used by the tests)
    _ENGINES,
    TEXT_SCORE,
    OcrUnavailableError,
    _make_engine,
    classify,
    crop_line,
    engine,
    is_available,
    model_files,
    read_page,
)
from .ocr_layout import Units, _Box, find_tables, layout  # noqa: F401  (find_tables: used by the tests)
from .scan_prep import (  # noqa: F401
    MAX_SIDE,
    _to_rgb,
    estimate_skew,
    normalised_gray,
    preprocess,
    preprocess_mapped,
    quarter_turn_map,
    rotate,
    rotation_map,
)


# --------------------------------------------------------------------------- public
def ocr_image(img: Image.Image, limits: Limits, *, suppress_seals: bool = True,
              width_pt: float | None = None) -> Page:
    """OCR one page image into a `Page` of lines (see the module docstring).
    `width_pt`: the page's width in points (a PDF page); an image's comes
    from its resolution (72 dpi when it states none)."""
    w, h = img.size
    if width_pt is None:
        dpi = img.info.get("dpi", (72, 72))[0] or 72
        width_pt = w * 72.0 / float(dpi)
    if w * h > limits.max_pixels:
        raise LimitExceededError(
            f"图片像素过多（{w}×{h}，上限 {limits.max_pixels // 1_000_000} 百万像素）：请降低分辨率后重新提交。"
        )
    engine()  # made before the image work: it sets how many threads OpenCV may use
    rgb = _to_rgb(img)
    del img  # the page's images are let go once they are no longer needed: a worker's memory peaks in the OCR
    gray, geometry = preprocess_mapped(rgb, suppress_seals=suppress_seals)
    shape = rgb.shape
    del rgb
    return _ocr_gray(gray, width_pt, geometry, shape)


def ocr_pdf_pages(path: Path, indices: list[int], limits: Limits) -> list[Page]:
    """Render pages `indices` (0-based) of a PDF with pypdfium2 and OCR them
    (dpi: see `page_dpi`)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:
        raise UnreadableError("PDF 文件已损坏或已加密，无法渲染页面进行文字识别。") from exc
    pages: list[Page] = []
    try:
        n = len(pdf)
        for i in indices:
            if not 0 <= i < n:
                raise UnreadableError(f"PDF 没有第 {i + 1} 页。")
            page = pdf[i]
            try:
                rendered = [render_page(page, limits)]
                width_pt = float(page.get_width())
            finally:
                page.close()
            pages.append(ocr_image(rendered.pop(), limits, width_pt=width_pt))  # held by ocr_image alone
    finally:
        pdf.close()
    return pages


# Rendering resolution, chosen by measurement on the scanned samples (11 PDFs,
# 23 pages; 8 scanned at 150 dpi, 3 at 200 dpi) rendered at 150, 200 and
# 250 dpi: value recall (truth values found in the OCR text) 124/124 at each,
# mean box score 0.985 / 0.984 / 0.983, and, with detection capped at
# DET_MAX_SIDE, time per page 5.4 / 5.9 / 5.9 s (2 loaded cores; bare
# rapidocr ~2.5-3 s on a quiet machine): rendering above a scan's own
# resolution only upsamples it and costs preprocessing time and memory. So a
# page that is one full-page scanned image is rendered at that image's own
# resolution, clamped to [MIN_DPI, limits.ocr_dpi]; other pages (vector
# drawings, mixed content) at limits.ocr_dpi. The default cap, 200 dpi, keeps
# 10.5-pt text ~30 px high and bounds the cost of 300/600-dpi scans; the floor,
# 150 dpi, keeps small print (9 pt) near 19 px.
MIN_DPI = 150
# A space the layout put beside a Chinese character (boxes a little apart):
# not written into the text layer, which copies out as Chinese is written.
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) +(?=\S)|(?<=\S) +(?=[^\x00-\x7f])")


def native_dpi(page) -> float | None:
    """Resolution of the scanned image that covers the page, if there is one
    (an image object over at least half of the page)."""
    try:
        import pypdfium2.raw as pdfium_c

        w_pt, h_pt = page.get_size()
        best = None
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            left, bottom, right, top = obj.get_bounds()
            bw, bh = abs(right - left), abs(top - bottom)
            if bw * bh < 0.5 * w_pt * h_pt:
                continue
            pw, ph = obj.get_px_size()
            dpi = math.sqrt((pw * ph) / ((bw / 72) * (bh / 72)))
            best = dpi if best is None else max(best, dpi)
        return best
    except Exception:
        return None


def page_dpi(page, limits: Limits) -> float:
    native = native_dpi(page)
    if native is None:
        return float(limits.ocr_dpi)
    return float(min(limits.ocr_dpi, max(MIN_DPI, native)))


def render_page(page, limits: Limits, dpi: float | None = None) -> Image.Image:
    """Render one pypdfium2 page at `dpi` (default `page_dpi`), lowered for an
    oversized page so that the bitmap has at most limits.max_pixels pixels."""
    dpi = dpi or page_dpi(page, limits)
    w_pt, h_pt = page.get_size()
    px = (w_pt * dpi / 72) * (h_pt * dpi / 72)
    if px > limits.max_pixels:
        dpi = dpi * math.sqrt(limits.max_pixels / px) * 0.999
        if dpi < 36:
            raise LimitExceededError("PDF 页面尺寸过大，无法渲染进行文字识别。")
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=False)
        return bitmap.to_pil()
    except Exception as exc:
        raise UnreadableError("PDF 页面无法渲染，无法进行文字识别。") from exc

@dataclass
class _Pass:
    """One rapidocr pass over a page."""

    boxes: list[_Box]
    turn: int = 0  # quarter turns (counter-clockwise) the page seems to need


# The line classifier is asked about at most this many (the largest) lines,
# and first about the CLS_FIRST largest wide ones alone: when the boxes are
# mostly wide and those all read upright, the page's orientation is known and
# the rest of the sample is not classified (a page is turned only when most
# lines are tall, or more than 60 % of the wide ones upside down: with its six
# largest lines upright, that would take a page of mostly smaller lines turned
# the other way, which a document does not have).
CLS_SAMPLE = 24
CLS_FIRST = 6


def run_rapidocr(gray: np.ndarray) -> _Pass:
    """One rapidocr pass (detection and recognition) over a grey page, and
    what the line classifier says about the page's orientation."""
    import cv2

    img = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR) if gray.ndim == 2 else gray
    quads, txts, scores = read_page(img)
    boxes: list[_Box] = []
    for q, t, sc in zip(quads, txts, scores):
        t = clean(t).strip()
        if t and sc >= TEXT_SCORE:
            boxes.append(_Box(float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()), t, sc))
    return _Pass(boxes=boxes, turn=_page_turn(img, quads))


def _shape(quad: np.ndarray) -> str:
    """"tall", "wide" or "" for a detected box, by its side lengths."""
    w = float(np.linalg.norm(quad[0] - quad[1]))
    h = float(np.linalg.norm(quad[0] - quad[3]))
    return "tall" if h > 1.5 * w else "wide" if w > 1.5 * h else ""


def _page_turn(img: np.ndarray, quads: list[np.ndarray]) -> int:
    """Quarter turns (counter-clockwise) the page seems to need, by the line
    classifier's verdict on the largest lines.

    The classifier only votes on the page's orientation: its verdict on
    single lines is not applied, since a document has no lone upside-down
    lines and the classifier does misjudge some (a line full of 《》 read as
    turned, then misread). So it looks at a sample of the largest lines, and
    the recogniser reads every crop as detected.

    A page lying on its side gives tall text boxes: rapidocr turns each tall
    crop by 90° counter-clockwise, so crops the classifier then finds upright
    come from a page turned clockwise, crops it finds upside down from one
    turned counter-clockwise. A page upside down gives wide boxes the
    classifier finds upside down."""
    area = [float(_crop_area(q)) for q in quads]
    sample = sorted(range(len(quads)), key=lambda i: -area[i])[:CLS_SAMPLE]
    shapes = {i: _shape(quads[i]) for i in sample}
    tall = sum(v == "tall" for v in shapes.values())
    wide = [i for i in sample if shapes[i] == "wide"]
    verdict: dict[int, bool] = {}  # sample index -> upside down
    first = wide[:CLS_FIRST]
    if not (tall >= 3 and tall > 2 * len(wide)) and len(first) == CLS_FIRST:
        verdict = _upside_down(img, quads, first)
        if not any(verdict.values()):
            return 0
    verdict.update(_upside_down(img, quads, [i for i in sample if shapes[i] and i not in verdict]))
    tall_down = sum(verdict[i] for i in sample if shapes[i] == "tall")
    wide_down = sum(verdict[i] for i in wide)
    if tall >= 3 and tall > 2 * len(wide):
        return 1 if tall - tall_down >= tall_down else 3
    if len(wide) >= 3 and wide_down > 0.6 * len(wide):
        return 2
    return 0


def _crop_area(quad: np.ndarray) -> float:
    """Area of the straightened crop of a detected box (as `crop_line` cuts it)."""
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return float(int(width) * int(height))


def _upside_down(img: np.ndarray, quads: list[np.ndarray], which: list[int]) -> dict[int, bool]:
    """The classifier's verdict on the boxes `which`: True for upside down."""
    labels = classify([crop_line(img, quads[i]) for i in which])
    return {i: "180" in str(label) and conf > 0.9 for i, (label, conf) in zip(which, labels)}


def _ocr_gray(gray: np.ndarray, width_pt: float | None = None, geometry: np.ndarray | None = None,
              shape: tuple[int, ...] | None = None) -> Page:
    """OCR a preprocessed page; a page lying on its side or upside down is
    turned and read once more. `geometry` maps the original image (of
    `shape`) to `gray`: the words read are put back on the original."""
    geometry = np.eye(3) if geometry is None else geometry
    first = run_rapidocr(gray)
    result = first
    if first.turn:
        turned = np.ascontiguousarray(np.rot90(gray, first.turn))
        turn_map = quarter_turn_map(gray.shape, first.turn)
        if first.turn in (1, 3):  # the skew measured on the page's side meant nothing
            skew = estimate_skew(turned)
            if abs(skew) >= 0.1:
                turn_map = rotation_map(turned.shape, -skew) @ turn_map
                turned = rotate(turned, -skew)
        second = run_rapidocr(turned)
        if second.turn == 0 and len(second.boxes) >= 0.5 * len(first.boxes):
            gray, result, geometry = turned, second, turn_map @ geometry
    scale = (width_pt / gray.shape[1]) if width_pt else 1.0
    units: Units = []
    blocks = layout(gray, result.boxes, scale, units)
    words = _words(units, geometry, shape or gray.shape)
    return Page(blocks=blocks, ocr=True, words=words,
                marks=find_marks(gray, result.boxes, scale))


def _words(units: Units, geometry: np.ndarray, shape: tuple[int, ...]) -> list[Word]:
    """Each piece of text the layout made (a table cell's lines joined as
    the text says them, a line's segment), over the box around its boxes,
    corners on the original image as fractions of its size. One string per
    piece: text copied out of the layer reads as the text read, whatever
    the lines around it (a label beside a value that wraps in its cell)."""
    if not units:
        return []
    h, w = shape[:2]
    back = np.linalg.inv(geometry)
    rects = [(min(b.x0 for b in m), min(b.y0 for b in m), max(b.x1 for b in m), max(b.y1 for b in m)) for _, m in units]
    corners = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]] for x0, y0, x1, y1 in rects], float)
    ones = np.ones(corners.shape[:2] + (1,))
    mapped = np.concatenate([corners, ones], axis=2) @ back.T
    points = mapped[..., :2] / mapped[..., 2:3] / np.array([w, h], float)
    return [Word(text=_CJK_SPACE.sub("", text), quad=tuple(round(float(v), 5) for v in q.ravel()))  # type: ignore[arg-type]
            for (text, _), q in zip(units, points)]


# --------------------------------------------------------------------------- layout
