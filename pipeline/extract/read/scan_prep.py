"""Page images made ready for OCR: light normalised, red seals lifted off
the text under them, a photo cropped to its sheet, skew measured and undone
(steps 2–5 of the OCR path described in `ocr`)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageOps

# A pixel is red/pink ink when R exceeds max(G, B) by more than this.
# --------------------------------------------------------------------------- tuning
# Longest side (pixels) of the page image handed to rapidocr. rapidocr's own
# default (Global.max_side_len = 2000) would shrink an A4 page rendered at
# 200 dpi (1654 x 2339) to 171 dpi; we raise it so that the recogniser reads
# crops at the rendered resolution. Larger images (300-dpi scans, 12-MP photos)
# are scaled down before any preprocessing, which also keeps that cheap.
MAX_SIDE = 2400
SEAL_MARGIN = 28
EXIF_ORIENTATION = 0x0112  # the EXIF tag of how a camera held the page

# --------------------------------------------------------------------------- preprocessing
def _to_rgb(img: Image.Image) -> np.ndarray:
    """EXIF orientation applied; any mode to an RGB uint8 array."""
    try:
        if img.getexif().get(EXIF_ORIENTATION, 1) != 1:  # (without one, Pillow would copy the page: ~10 ms)
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
    return preprocess_mapped(rgb, suppress_seals=suppress_seals)[0]


def preprocess_mapped(rgb: np.ndarray, *, suppress_seals: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """`preprocess`, and the 3×3 projective map from the pixels of `rgb` to
    those of the page it returns (scaling, the sheet's perspective, the
    skew): the words read on the page are put back where they stand on the
    original (the searchable PDF's text layer)."""
    import cv2

    h, w = rgb.shape[:2]
    geometry = np.eye(3)
    if max(h, w) > MAX_SIDE:
        s = MAX_SIDE / max(h, w)
        size = (max(1, round(w * s)), max(1, round(h * s)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        geometry = np.diag([size[0] / w, size[1] / h, 1.0])
    rgb, warp = _crop_sheet(rgb)
    geometry = warp @ geometry
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if min(gray.shape) < 64:
        return gray, geometry
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
        geometry = rotation_map(out.shape, -skew) @ geometry
        if red is not None:
            plain = rotate(plain, -skew)
            red = rotate(red.view(np.uint8) * 255, -skew, fill=0) > 127
    if red is not None:
        # table rules that ran under a seal were lifted with it: put them back
        np.copyto(out, plain, where=_rules_under_seal(plain, red))
    return out, geometry


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


def _crop_sheet(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A photo of a sheet on a darker surface: crop to the sheet and undo the
    perspective (and the 3×3 map of that). Left unchanged when no clear sheet
    outline is found (scans)."""
    import cv2

    h, w = rgb.shape[:2]
    s = 500 / max(h, w)
    small = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    g = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    _thr, mask = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return rgb, np.eye(3)
    c = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(c)
    frac = area / float(g.shape[0] * g.shape[1])
    if not 0.25 <= frac <= 0.92:
        return rgb, np.eye(3)
    quad = cv2.approxPolyDP(cv2.convexHull(c), 0.02 * cv2.arcLength(c, True), True)
    if len(quad) != 4:
        return rgb, np.eye(3)
    inside = g[mask > 0].mean()
    outside = g[mask == 0].mean() if (mask == 0).any() else 255
    if inside - outside < 40:
        return rgb, np.eye(3)
    pts = _order_quad(quad.reshape(4, 2).astype(np.float32) / s)
    tl, tr, br, bl = pts
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    if width < 100 or height < 100:
        return rgb, np.eye(3)
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    m = cv2.getPerspectiveTransform(pts, dst)
    return cv2.warpPerspective(rgb, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), m


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


def rotation_map(shape: tuple[int, ...], angle: float) -> np.ndarray:
    """The 3×3 map of `rotate(page of this shape, angle)`."""
    import cv2

    h, w = shape[:2]
    return np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), [0.0, 0.0, 1.0]])


def quarter_turn_map(shape: tuple[int, ...], turns: int) -> np.ndarray:
    """The 3×3 map of `np.rot90(page of this shape, turns)` (counter-clockwise)."""
    h, w = shape[:2]
    step = {0: np.eye(3), 1: np.array([[0, 1, 0], [-1, 0, w - 1], [0, 0, 1]], float),
            2: np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], float),
            3: np.array([[0, -1, h - 1], [1, 0, 0], [0, 0, 1]], float)}
    return step[turns % 4]


def rotate(gray: np.ndarray, angle: float, fill: int = 255) -> np.ndarray:
    """Rotate by `angle` degrees counter-clockwise around the centre (same
    size; corners filled with `fill`, white by default)."""
    import cv2

    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)
