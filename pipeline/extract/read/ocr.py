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
6. rapidocr (detection on a copy at most `DET_MAX_SIDE` px, line classifier,
   recognition on full-resolution crops) with the models that ship inside the
   installed wheel, passed by path, so nothing is ever downloaded. A page
   lying on its side (tall text boxes) or upside down (the line classifier
   finds most lines turned) is turned and read once more.
7. layout: ruled tables are found from their rules (morphology); each table
   row becomes one `Line` whose cells are the row's cells (text wrapped inside
   a cell joined; text of a merged cell on the row it stands on). Other boxes
   form lines where their vertical extents overlap, left to right, split into
   cells at gaps wider than about two characters. Every string goes through
   `clean()`; a line's `conf` is the lowest rapidocr score of its boxes.

The engine is created once per process, on first use (never at import).
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ...errors import LimitExceededError, UnreadableError
from ...models import Block, Limits, Line, Page
from ..text import clean

# --------------------------------------------------------------------------- tuning
# Longest side (pixels) of the page image handed to rapidocr. rapidocr's own
# default (Global.max_side_len = 2000) would shrink an A4 page rendered at
# 200 dpi (1654 x 2339) to 171 dpi; we raise it so that the recogniser reads
# crops at the rendered resolution. Larger images (300-dpi scans, 12-MP photos)
# are scaled down before any preprocessing, which also keeps that cheap.
MAX_SIDE = 2400
# A pixel is red/pink ink when R exceeds max(G, B) by more than this.
SEAL_MARGIN = 28
# Two boxes of one line belong to different cells when the gap between them
# exceeds this many box heights (a box is ~1.4 character heights tall, so 1.4
# box heights ~ two character widths).
CELL_GAP = 1.4
# Boxes are joined with a space when their gap exceeds this many box heights.
SPACE_GAP = 0.6
# Text detection runs on a copy of the page at most this many pixels on its
# long side (None: at full size, rapidocr's default); recognition always reads
# crops of the full-resolution page. Measured on the scanned samples rendered
# at 200 dpi (25 pages): value recall 124/124 at full size, 1600 and 1280;
# mean box score 0.984 / 0.985 / 0.985; OCR time per page -28 % at 1600 and
# -44 % at 1280, but 1280 misread a digit in the work-report table (3 -> ε).
DET_MAX_SIDE: int | None = 1600
# Minimum rapidocr score kept (rapidocr's default).
TEXT_SCORE = 0.5


class OcrUnavailableError(UnreadableError):
    """rapidocr or its bundled model files are missing."""


# --------------------------------------------------------------------------- engine
_ENGINE = None
THREADS_ENV = "PIPELINE_OCR_THREADS"  # threads per OCR engine; unset: onnxruntime decides
_ENGINE_LOCK = threading.RLock()  # creation, and each pass (detector settings are per call)

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
    threads = int(os.environ.get(THREADS_ENV, "0") or 0)
    if threads > 0:  # set by the worker pool: the cores are shared between workers
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
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
                pil = render_page(page, limits)
            finally:
                page.close()
            pages.append(ocr_image(pil, limits))
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
    """RGB page -> normalised, deskewed grey page (uint8). Turning a page by
    90/180/270° is decided after a first OCR pass (see `_ocr_gray`)."""
    import cv2

    h, w = rgb.shape[:2]
    if max(h, w) > MAX_SIDE:
        s = MAX_SIDE / max(h, w)
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    rgb = _crop_sheet(rgb)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if min(gray.shape) < 64:
        return gray
    bg = _background(gray)
    plain = cv2.divide(gray, bg, scale=255)
    out = plain
    red = None
    if suppress_seals:
        red, lifted = _red_ink(rgb)
        if red.any():
            out = plain.copy()
            np.copyto(out, cv2.max(plain, cv2.divide(lifted, bg, scale=255)), where=red)
        else:
            red = None
    skew = estimate_skew(out)
    if abs(skew) >= 0.1:
        out = rotate(out, -skew)
        if red is not None:
            plain = rotate(plain, -skew)
            red = rotate(red.view(np.uint8) * 255, -skew, fill=0) > 127
    if red is not None:
        # table rules that ran under a seal were lifted with it: put them back
        np.copyto(out, plain, where=_rules_under_seal(plain, red))
    return out


def normalised_gray(rgb: np.ndarray, *, suppress_seals: bool = True) -> np.ndarray:
    """Grey page divided by its background (paper -> 255), seals lifted; no
    deskewing (for inspection and tests)."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if min(gray.shape) < 64:
        return gray
    bg = _background(gray)
    out = cv2.divide(gray, bg, scale=255)
    if suppress_seals:
        red, lifted = _red_ink(rgb)
        np.copyto(out, cv2.max(out, cv2.divide(lifted, bg, scale=255)), where=red)
    return out


def _red_ink(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask of red/pink ink pixels, R + (R - max(G, B)) for every pixel).

    Lifting a seal pixel to R + (R - max(G, B)) brings pure or pale red ink to
    paper white or beyond, while black text printed under the seal, dark in
    R as well, stays dark."""
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


def _rules_under_seal(plain: np.ndarray, red: np.ndarray) -> np.ndarray:
    """Mask of the red-covered stretches of long straight rules (1/24 of the
    page's long side or more) that mostly run outside the red ink: table rules
    crossing a seal, not the straight bits of the seal's own ring or star."""
    import cv2

    length = max(24, max(plain.shape) // 24)
    ink = (plain < 200).astype(np.uint8)
    hor = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    ver = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    rules = cv2.bitwise_or(hor, ver)
    n, labels = cv2.connectedComponents(rules, connectivity=8)
    if n <= 1:
        return np.zeros_like(red)
    on = labels > 0
    ids = labels[on]
    total = np.bincount(ids, minlength=n)
    covered = np.bincount(ids, weights=red[on], minlength=n)
    keep = (total > 0) & (covered < 0.5 * np.maximum(total, 1))
    keep[0] = False
    return keep[labels] & red


def _crop_sheet(rgb: np.ndarray) -> np.ndarray:
    """A photo of a sheet on a darker surface: crop to the sheet and undo the
    perspective. Left unchanged when no clear sheet outline is found (scans)."""
    import cv2

    h, w = rgb.shape[:2]
    s = 500 / max(h, w)
    small = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    g = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    _thr, mask = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
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


def estimate_skew(gray: np.ndarray) -> float:
    """Skew of the text lines in degrees (the page is levelled by rotating it
    by minus this). Projection profiles of a sample of ink pixels, searched
    over ±8° in 0.5° steps, then ±0.5° in 0.05° steps; about 0.1° accurate on
    the samples, ~0.1 s."""
    import cv2

    h, w = gray.shape
    s = 1000 / max(h, w)
    small = cv2.resize(gray, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    ys, xs = np.nonzero(small < 160)
    if len(ys) < 200:
        return 0.0
    if len(ys) > 30000:
        pick = np.random.default_rng(0).choice(len(ys), 30000, replace=False)
        ys, xs = ys[pick], xs[pick]
    xs = xs.astype(np.float32) - small.shape[1] / 2
    ys = ys.astype(np.float32)

    def score(angle: float) -> float:
        t = math.radians(angle)
        yy = ys * math.cos(t) + xs * math.sin(t)
        hist = np.bincount((yy - yy.min()).astype(np.int32)).astype(np.float64)
        return float((hist * hist).sum())

    coarse = np.arange(-8.0, 8.01, 0.5)
    centre = float(coarse[int(np.argmax([score(a) for a in coarse]))])
    fine = np.arange(centre - 0.5, centre + 0.51, 0.05)
    return round(float(fine[int(np.argmax([score(a) for a in fine]))]), 2)


def rotate(gray: np.ndarray, angle: float, fill: int = 255) -> np.ndarray:
    """Rotate by `angle` degrees counter-clockwise around the centre (same
    size; corners filled with `fill`, white by default)."""
    import cv2

    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


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


@dataclass
class _Pass:
    """One rapidocr pass over a page."""

    boxes: list[_Box]
    turn: int = 0  # quarter turns (counter-clockwise) the page seems to need


# The line classifier is asked about at most this many (the largest) lines.
CLS_SAMPLE = 24


def run_rapidocr(gray: np.ndarray) -> _Pass:
    """One rapidocr pass (detection, line classifier, recognition) over a grey
    page, and what it says about the page's orientation.

    The line classifier only votes on the page's orientation: its verdict on
    single lines is not applied, since a document has no lone upside-down
    lines and the classifier does misjudge some (a line full of 《》 read as
    turned, then misread). So it looks at a sample of the largest lines, and
    the recogniser reads every crop as detected.

    A page lying on its side gives tall text boxes: rapidocr turns each tall
    crop by 90° counter-clockwise, so crops the classifier then finds upright
    come from a page turned clockwise, crops it finds upside down from one
    turned counter-clockwise. A page upside down gives wide boxes the
    classifier finds upside down."""
    import cv2
    from rapidocr.ch_ppocr_cls import TextClsOutput
    from rapidocr.main import RapidOCRError

    eng = engine()
    img = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR) if gray.ndim == 2 else gray
    det = rec = None
    crops: list = []
    labels: list = []
    with _ENGINE_LOCK:
        pre, op = eng.preprocess_img(img)
        det_model = eng._load_det_model()
        if DET_MAX_SIDE and min(pre.shape[:2]) >= 736 and max(pre.shape[:2]) > DET_MAX_SIDE:
            # detect on a smaller copy; boxes come back in full resolution and
            # the recogniser reads crops of the full-resolution page
            det_model.limit_type, det_model.limit_side_len = "max", DET_MAX_SIDE
        else:  # rapidocr's default: small images are enlarged for detection
            det_model.limit_type, det_model.limit_side_len = "min", 736
        try:
            crops, det = eng.detect_and_crop(pre, op)
        except RapidOCRError:  # nothing detected
            return _Pass(boxes=[])
        sizes = [c.shape[0] * c.shape[1] for c in crops]
        sample = sorted(range(len(crops)), key=lambda i: -sizes[i])[:CLS_SAMPLE]
        if sample:
            verdict = eng._load_cls_model()([crops[i] for i in sample])
            labels = list(verdict.cls_res or [])
        try:
            rec = eng.recognize_txt(crops)
        except RapidOCRError:
            return _Pass(boxes=[])

    turn = 0
    if len(labels) == len(sample):
        tall_up = tall_down = wide_up = wide_down = 0
        for i, (label, conf) in zip(sample, labels):
            quad = np.asarray(det.boxes[i])
            w = float(np.linalg.norm(quad[0] - quad[1]))
            h = float(np.linalg.norm(quad[0] - quad[3]))
            down = "180" in str(label) and conf > 0.9
            if h > 1.5 * w:
                tall_down += down
                tall_up += not down
            elif w > 1.5 * h:
                wide_down += down
                wide_up += not down
        tall, wide = tall_up + tall_down, wide_up + wide_down
        if tall >= 3 and tall > 2 * wide:
            turn = 1 if tall_up >= tall_down else 3
        elif wide >= 3 and wide_down > 0.6 * wide:
            turn = 2

    out = eng.build_final_output(img, det, TextClsOutput(), rec, crops, op)
    quads = getattr(out, "boxes", None)
    txts = getattr(out, "txts", None)
    scores = getattr(out, "scores", None)
    boxes: list[_Box] = []
    if quads is not None and txts is not None and scores is not None:
        for q, t, sc in zip(np.asarray(quads), txts, scores):
            t = clean(str(t)).strip()
            if t:
                boxes.append(_Box(float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()), t, float(sc)))
    return _Pass(boxes=boxes, turn=turn)


def _ocr_gray(gray: np.ndarray) -> Page:
    """OCR a preprocessed page; a page lying on its side or upside down is
    turned and read once more."""
    first = run_rapidocr(gray)
    result = first
    if first.turn:
        turned = np.ascontiguousarray(np.rot90(gray, first.turn))
        if first.turn in (1, 3):  # the skew measured on the page's side meant nothing
            skew = estimate_skew(turned)
            if abs(skew) >= 0.1:
                turned = rotate(turned, -skew)
        second = run_rapidocr(turned)
        if second.turn == 0 and len(second.boxes) >= 0.5 * len(first.boxes):
            gray, result = turned, second
    return Page(blocks=[Block(line=ln) for ln in layout(gray, result.boxes)], ocr=True)


# --------------------------------------------------------------------------- layout
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
        for g0, g1, text in _text_groups(c, unit):
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
    for cells in tables:
        for c in cells:
            if len(c.boxes) > 12 and len(_group_rows(c.boxes)) > 12:
                free.extend(c.boxes)  # a box around running text: not a table cell
                c.boxes = []

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
