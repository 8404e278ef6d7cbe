"""OCR path: page images -> `Page` of lines, via rapidocr (ONNX Runtime, CPU).

What happens to one page image (`ocr_image`):

1. limits and loading: pixel limit (`LimitExceededError`), EXIF orientation,
   any mode -> RGB; oversized images are scaled down to `MAX_SIDE`.
2. a phone photo is cropped to the sheet (the biggest bright quadrilateral)
   and its perspective straightened.
3. red-seal suppression: a pixel whose red channel clearly dominates (red or
   pink ink of a 公章) is replaced by its red channel, which is about as bright
   as the paper there, so the seal vanishes while black text printed under it
   (dark in every channel) stays black.
4. light normalisation: the page is divided by its background (a
   morphological closing at 1/8 scale), which flattens uneven light, scanner
   shadows and dark borders.
5. orientation and skew: a page whose text runs vertically is turned by 90°,
   and a skew within ±8° is measured on projection profiles and undone. After
   OCR, if the text-line classifier finds most lines upside down, the page is
   turned by 180° and read again.
6. rapidocr (detection, line classifier, recognition) with the models that
   ship inside the installed wheel; nothing is ever downloaded.
7. layout: ruled tables are found from their lines (morphology), so each table
   row becomes one `Line` whose cells are the table's cells (text wrapped
   inside a cell is joined; a merged cell sits in its top row). Other boxes
   form lines where their vertical extents overlap, left to right, split into
   cells at wide gaps (about two character heights).

The engine is created once per process, on first use (never at import).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, ImageOps

from ...errors import LimitExceededError, UnreadableError
from ...models import Block, Limits, Line, Page
from ..text import clean

# --------------------------------------------------------------------------- tuning
# Longest side (pixels) of the image handed to rapidocr. rapidocr's own default
# (Global.max_side_len = 2000) would shrink an A4 page rendered at 200 dpi
# (1654 x 2339) to 171 dpi; we raise it so that the dpi chosen for rendering is
# the dpi the models see. Images larger than this (300-dpi scans, 12-MP photos)
# are scaled down before any preprocessing, which also keeps preprocessing cheap.
MAX_SIDE = 2400
# A pixel is red/pink ink when R exceeds max(G, B) by more than this.
SEAL_MARGIN = 28
# Two boxes of one line belong to different cells when the gap between them
# exceeds this many box heights (a box is ~1.4 character heights tall, so 1.4
# box heights ~ two character widths).
CELL_GAP = 1.4
# Boxes are joined with a space when their gap exceeds this many box heights.
SPACE_GAP = 0.6
# Minimum rapidocr score kept (rapidocr's default).
TEXT_SCORE = 0.5


class OcrUnavailableError(UnreadableError):
    """rapidocr or its bundled model files are missing."""


# --------------------------------------------------------------------------- engine
_ENGINE = None
_ENGINE_LOCK = threading.Lock()

# file names in rapidocr 3.x's wheel (fallback if its model table cannot be read)
_FALLBACK_MODEL_FILES = {
    "det": "PP-OCRv6_det_small.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
}


def model_files() -> dict[str, Path]:
    """The model files rapidocr's default configuration uses, as paths inside
    the installed package (`rapidocr/models/`). rapidocr would download a
    missing one at run time; we pass these paths explicitly instead, so a
    missing file is an error, never a download."""
    import rapidocr

    root = Path(rapidocr.__file__).resolve().parent / "models"
    names = dict(_FALLBACK_MODEL_FILES)
    try:  # ask rapidocr which files its defaults mean
        from rapidocr.inference_engine.base import FileInfo, InferSession
        from rapidocr.main import DEFAULT_CFG_PATH
        from rapidocr.utils.parse_parameters import ParseParams

        cfg = ParseParams.load(DEFAULT_CFG_PATH)
        for key, section in (("det", "Det"), ("cls", "Cls"), ("rec", "Rec")):
            c = cfg[section]
            info = InferSession.get_model_url(
                FileInfo(
                    engine_type=c.engine_type,
                    ocr_version=c.ocr_version,
                    task_type=c.task_type,
                    lang_type=c.lang_type,
                    model_type=c.model_type,
                )
            )
            names[key] = Path(str(info["model_dir"])).name
    except Exception:  # pragma: no cover - layout of another rapidocr version
        pass
    return {key: root / name for key, name in names.items()}


def is_available() -> bool:
    """True when rapidocr, onnxruntime, OpenCV and the bundled models are there."""
    try:
        import cv2  # noqa: F401
        import onnxruntime  # noqa: F401

        return all(p.is_file() for p in model_files().values())
    except Exception:
        return False


def engine():
    """The process-wide rapidocr engine (created on first use)."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = _make_engine()
    return _ENGINE


def _make_engine():
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:  # pragma: no cover
        raise OcrUnavailableError("未安装文字识别组件（rapidocr），无法识别扫描件或图片。") from exc
    paths = model_files()
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise OcrUnavailableError(
            "文字识别模型文件缺失（" + "、".join(missing) + "）：请重新安装 rapidocr。"
        )
    params = {
        "Global.log_level": "critical",
        "Global.text_score": TEXT_SCORE,
        "Global.max_side_len": MAX_SIDE,
        "Det.model_path": str(paths["det"]),
        "Cls.model_path": str(paths["cls"]),
        "Rec.model_path": str(paths["rec"]),
    }
    return RapidOCR(params=params)


# --------------------------------------------------------------------------- public
def ocr_image(img: Image.Image, limits: Limits, *, suppress_seals: bool = True) -> Page:
    """OCR one page image into a `Page` of lines (see the module docstring)."""
    w, h = img.size
    if w * h > limits.max_pixels:
        raise LimitExceededError(
            f"图片像素过多（{w}×{h}，上限 {limits.max_pixels // 1_000_000} 百万像素）：请降低分辨率后重新提交。"
        )
    rgb = _to_rgb(img)
    gray = preprocess(rgb, suppress_seals=suppress_seals)
    return _ocr_gray(gray)


def ocr_pdf_pages(path: Path, indices: list[int], limits: Limits) -> list[Page]:
    """Render pages `indices` (0-based) of a PDF with pypdfium2 and OCR them.

    Rendering dpi is `limits.ocr_dpi`, lowered for an oversized page so that
    the bitmap stays within `limits.max_pixels`.
    """
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
                pil = render_page(page, limits)
            finally:
                page.close()
            pages.append(ocr_image(pil, limits))
    finally:
        pdf.close()
    return pages


def render_page(page, limits: Limits, dpi: Optional[int] = None) -> Image.Image:
    """Render one pypdfium2 page at `dpi` (default limits.ocr_dpi), capped so the
    bitmap has at most limits.max_pixels pixels."""
    dpi = dpi or limits.ocr_dpi
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


# --------------------------------------------------------------------------- preprocessing
def _to_rgb(img: Image.Image) -> np.ndarray:
    """EXIF orientation applied; any mode to an RGB uint8 array."""
    try:
        img = ImageOps.exif_transpose(img) or img
    except Exception:
        pass
    mode = img.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        a = np.asarray(img, dtype=np.float32)
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
        g = a.astype(np.uint8)
        return np.dstack([g, g, g])
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.asarray(img)


def preprocess(rgb: np.ndarray, *, suppress_seals: bool = True) -> np.ndarray:
    """RGB page -> normalised, upright, deskewed grey page (uint8)."""
    import cv2

    h, w = rgb.shape[:2]
    if max(h, w) > MAX_SIDE:
        s = MAX_SIDE / max(h, w)
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    rgb = _crop_sheet(rgb)
    gray = normalised_gray(rgb, suppress_seals=suppress_seals)
    return _upright(gray)


def _red_ink(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask of red/pink ink pixels, R + (R - max(G, B)) for every pixel)."""
    import cv2

    r = np.ascontiguousarray(rgb[..., 0])
    gb = cv2.max(rgb[..., 1], rgb[..., 2])
    margin = cv2.subtract(r, gb)
    # red dominates by SEAL_MARGIN levels, or (faint pink, anti-aliased edges
    # and JPEG-blurred seal strokes) by 12 levels and 8 % of R: grey paper and
    # warm paper under lamp light stay below both.
    red = (margin > SEAL_MARGIN) | ((margin > 12) & (margin.astype(np.uint16) * 100 > r.astype(np.uint16) * 8))
    # grow the mask by a pixel: seal edges are only faintly red
    red = cv2.dilate(red.view(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return red, cv2.add(r, margin)


def _background(gray: np.ndarray) -> np.ndarray:
    """Paper brightness around each pixel: a closing at 1/8 scale removes text,
    rules and seal strokes and keeps light falloff, shadows and dark borders."""
    import cv2

    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, k)
    bg = cv2.blur(bg, (3, 3))
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.max(bg, np.full_like(bg, 32))  # don't blow up black areas


def normalised_gray(rgb: np.ndarray, *, suppress_seals: bool = True) -> np.ndarray:
    """Grey page divided by its background (paper -> 255). With
    `suppress_seals`, red/pink ink is lifted to R + (R - max(G, B)) before the
    division: seal ink ends at paper white, while black text printed under
    the seal, dark in R as well, stays dark."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    if h < 64 or w < 64:
        return gray
    bg = _background(gray)
    out = cv2.divide(gray, bg, scale=255)
    if suppress_seals:
        red, lifted = _red_ink(rgb)
        if red.any():
            lifted = cv2.divide(lifted, bg, scale=255)
            np.copyto(out, cv2.max(out, lifted), where=red)
    return out


def _crop_sheet(rgb: np.ndarray) -> np.ndarray:
    """A photo of a sheet on a darker surface: crop to the sheet and undo the
    perspective. Left unchanged when no clear sheet outline is found (scans)."""
    import cv2

    h, w = rgb.shape[:2]
    s = 500 / max(h, w)
    small = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    g = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    thr, mask = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return rgb
    c = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(c)
    frac = area / float(g.shape[0] * g.shape[1])
    if not 0.25 <= frac <= 0.92:
        return rgb
    quad = cv2.approxPolyDP(cv2.convexHull(c), 0.02 * cv2.arcLength(c, True), True)
    if len(quad) != 4:
        return rgb
    inside = g[mask > 0].mean()
    outside = g[mask == 0].mean() if (mask == 0).any() else 255
    if inside - outside < 40:
        return rgb
    pts = _order_quad(quad.reshape(4, 2).astype(np.float32) / s)
    tl, tr, br, bl = pts
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    if width < 100 or height < 100:
        return rgb
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    m = cv2.getPerspectiveTransform(pts, dst)
    return cv2.warpPerspective(rgb, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _order_quad(p: np.ndarray) -> np.ndarray:
    s = p.sum(axis=1)
    d = np.diff(p, axis=1).ravel()
    return np.array([p[np.argmin(s)], p[np.argmin(d)], p[np.argmax(s)], p[np.argmax(d)]], np.float32)


def _ink(gray_small: np.ndarray) -> np.ndarray:
    return (gray_small < 140).astype(np.float32)


def _profile_score(ink: np.ndarray) -> float:
    """How strongly the ink is arranged in horizontal rows (text lines)."""
    rows = ink.sum(axis=1)
    if rows.sum() <= 0:
        return 0.0
    d = np.diff(rows)
    return float((d * d).sum() / (rows.sum() ** 2) * len(rows))


def _rotate_small(ink: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)


def estimate_orientation(gray: np.ndarray) -> tuple[int, float]:
    """(k, angle): turn the page by k*90° counter-clockwise, then rotate by
    `angle` degrees (counter-clockwise) to level the text lines."""
    import cv2

    h, w = gray.shape
    s = 900 / max(h, w)
    small = cv2.resize(gray, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    ink = _ink(small)
    if ink.mean() < 0.002:
        return 0, 0.0

    def best_angle(a: np.ndarray) -> tuple[float, float]:
        best = (_profile_score(a), 0.0)
        for ang in np.arange(-8, 8.01, 1.0):
            if ang:
                best = max(best, (_profile_score(_rotate_small(a, ang)), float(ang)))
        centre = best[1]
        for ang in np.arange(centre - 0.9, centre + 0.91, 0.15):
            ang = round(float(ang), 2)
            if ang != centre:
                best = max(best, (_profile_score(_rotate_small(a, ang)), ang))
        return best

    score0, ang0 = best_angle(ink)
    score90, ang90 = best_angle(np.ascontiguousarray(np.rot90(ink)))
    if score90 > 1.25 * score0:
        return 1, ang90
    return 0, ang0


def _upright(gray: np.ndarray) -> np.ndarray:
    import cv2

    k, angle = estimate_orientation(gray)
    if k:
        gray = np.ascontiguousarray(np.rot90(gray, k))
    if abs(angle) >= 0.1:
        gray = rotate(gray, angle)
    return gray


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by `angle` degrees counter-clockwise around the centre, white fill."""
    import cv2

    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


# --------------------------------------------------------------------------- OCR + layout
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


def run_rapidocr(bgr_or_gray: np.ndarray):
    """One rapidocr pass: (boxes, texts, scores, share of lines the classifier
    found upside down)."""
    import cv2

    eng = engine()
    img = bgr_or_gray
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    pre, op = eng.preprocess_img(img)
    det, cls, rec, crops = eng.run_ocr_steps(pre, op)
    flipped = 0.0
    if cls is not None and cls.cls_res:
        votes = [lab for lab, sc in cls.cls_res if sc > 0.9]
        if len(votes) >= 4:
            flipped = sum("180" in lab for lab in votes) / len(votes)
    out = eng.build_final_output(img, det, cls, rec, crops, op)
    boxes = getattr(out, "boxes", None)
    txts = getattr(out, "txts", None)
    scores = getattr(out, "scores", None)
    if boxes is None or txts is None or scores is None or len(txts) == 0:
        return [], flipped
    return [
        _Box(float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 0].max()), float(b[:, 1].max()), t, float(s))
        for b, t, s in zip(np.asarray(boxes), txts, scores)
    ], flipped


def _ocr_gray(gray: np.ndarray) -> Page:
    boxes, flipped = run_rapidocr(gray)
    if flipped > 0.6:
        gray = np.ascontiguousarray(np.rot90(gray, 2))
        boxes2, flipped2 = run_rapidocr(gray)
        if flipped2 < flipped:
            boxes = boxes2
    boxes = [b for b in boxes if clean(b.text).strip()]
    for b in boxes:
        b.text = clean(b.text).strip()
    lines = layout(gray, boxes)
    return Page(blocks=[Block(line=ln) for ln in lines], ocr=True)


# --------------------------------------------------------------------------- layout
def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _join_boxes(boxes: list[_Box], unit: float) -> str:
    """Boxes of one cell of one line, left to right, into text."""
    out = ""
    prev: Optional[_Box] = None
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
    for prev, b in zip(row, row[1:]):
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
    and vertical rules. `unit` is the typical text-box height (pixels)."""
    import cv2

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
            found.append(_Cell(int(x + cx), int(y + cy), int(x + cx + ccw), int(y + cy + cch)))
        if len(found) >= 2:
            tables.append(found)
    return tables


def _text_groups(boxes: list[_Box], right: float, unit: float) -> list[tuple[float, float, str]]:
    """The text of one cell as (y0, y1, text) groups: its lines in reading
    order, a wrapped line joined to the next without a space; a group ends at
    a wide vertical gap (a cell holding e.g. "（盖章）" and, lower, a date)."""
    groups: list[tuple[float, float, str]] = []
    prev: Optional[list[_Box]] = None
    for row in _group_rows(boxes):
        text = " ".join(_join_boxes(c, unit) for c in _split_cells(row))
        y0, y1 = min(m.y0 for m in row), max(m.y1 for m in row)
        if prev is not None and y0 - max(m.y1 for m in prev) < 0.8 * unit:
            wrapped = max(m.x1 for m in prev) >= right - 2.0 * unit
            g0, _g1, gtext = groups[-1]
            groups[-1] = (g0, y1, gtext + ("" if wrapped else " ") + text)
        else:
            groups.append((y0, y1, text))
        prev = row
    return groups


def _table_lines(cells: list[_Cell], unit: float) -> list[tuple[float, float, Line]]:
    """One line per table row. Row bands start at the cells' top edges; text is
    placed in the band where it stands, so a merged cell's text lands on the
    row it faces (and a rule the scan lost cannot pull text into a wrong row)."""
    tops: list[float] = []
    for y in sorted(c.y0 for c in cells):
        if not tops or y - tops[-1] > 0.5 * unit:
            tops.append(y)
    bands: dict[int, list[tuple[float, str, list[_Box]]]] = {}
    for c in cells:
        if not c.boxes:
            continue
        for g0, g1, text in _text_groups(c.boxes, c.x1, unit):
            yc = (g0 + g1) / 2
            band = max(0, sum(1 for t in tops if t <= yc) - 1)
            members = [b for b in c.boxes if g0 - 1 <= b.yc <= g1 + 1]
            bands.setdefault(band, []).append((c.x0, text, members))
    out = []
    for band, parts in bands.items():
        parts.sort(key=lambda p: p[0])
        texts: list[str] = []
        last_x = None
        for x0, text, _members in parts:
            if not text:
                continue
            if last_x is not None and x0 == last_x:
                texts[-1] += " " + text  # two groups of one cell
            else:
                texts.append(text)
            last_x = x0
        members = [b for p in parts for b in p[2]]
        if not texts or not members:
            continue
        conf = min(b.score for b in members)
        y = min(b.y0 for b in members)
        out.append((y, parts[0][0], Line(text=" ".join(texts), cells=texts, conf=round(conf, 4))))
    return out


def layout(gray: np.ndarray, boxes: list[_Box]) -> list[Line]:
    """Boxes -> lines in reading order (tables row by row, cells as cells)."""
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

    entries: list[tuple[float, float, Line]] = []
    for cells in tables:
        entries.extend(_table_lines(cells, unit))
    for row in _group_rows(free):
        texts = [t for t in (_join_boxes(c, unit).strip() for c in _split_cells(row)) if t]
        if not texts:
            continue
        conf = min(b.score for b in row)
        entries.append((min(b.y0 for b in row), row[0].x0, Line(text=" ".join(texts), cells=texts, conf=round(conf, 4))))
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]
