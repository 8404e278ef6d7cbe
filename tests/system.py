"""The system parts some tests need, found in one place: LibreOffice with a
CJK font (PDFs), headless Chromium, rapidocr with its bundled models, and a
CJK font Pillow can draw with (the OCR tests render their own scans).

Tests say what they need with a marker (`libreoffice`, `chromium`, `ocr`,
`cjk_font`, registered in pyproject.toml); tests/conftest.py asks `missing`
about each marked part: a test whose part is missing is skipped with the
reason, or, on CI (`CI=true`), fails with it before its fixtures run, so
that a green CI run means the real parts were tested.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ON_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# --------------------------------------------------------------------------- CJK font for Pillow
FONT_FILES = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]


@functools.cache
def cjk_font() -> tuple[str, int] | None:
    """(file, face index) of a font that draws simplified Chinese, or None."""
    candidates = list(FONT_FILES)
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], check=False, capture_output=True, text=True,
                                 timeout=10)
            if out.stdout.strip():
                candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    for path in candidates:
        if not Path(path).is_file():
            continue
        for index in range(12):  # pick the simplified-Chinese face of a collection
            try:
                font = ImageFont.truetype(path, 20, index=index)
            except OSError:
                break
            simplified = "SC" in " ".join(font.getname()) or (index == 0 and "CJK" not in path)
            if simplified and _renders_chinese(font):
                return path, index
        try:
            if _renders_chinese(ImageFont.truetype(path, 20)):
                return path, 0
        except OSError:
            continue
    return None


def _renders_chinese(font) -> bool:
    # a font without the glyphs draws the same .notdef box for both
    a = np.asarray(_text_image("甲", font)), np.asarray(_text_image("乙", font))
    return bool(a[0].min() < 128) and not np.array_equal(*a)


def _text_image(text, font):
    im = Image.new("L", (40, 40), 255)
    ImageDraw.Draw(im).text((5, 5), text, font=font, fill=0)
    return im


# --------------------------------------------------------------------------- programs and models
def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _libreoffice_missing() -> str | None:
    # the pipeline's own test: soffice on PATH and a CJK font fontconfig knows (else it makes no PDFs)
    from pipeline.generate.pdf import PdfConverter

    reason = PdfConverter().unavailable_reason()
    return f"LibreOffice cannot make PDFs here: {reason}" if reason else None


def _chromium_missing() -> str | None:
    return None if chromium() else "Chromium is not installed (apt-get install chromium)"


def _ocr_missing() -> str | None:
    from pipeline.extract.read import ocr

    return None if ocr.is_available() else "rapidocr / onnxruntime / rapidocr's bundled models are not installed"


def _cjk_font_missing() -> str | None:
    return None if cjk_font() else "no CJK font Pillow can draw with (apt-get install fonts-noto-cjk)"


CHECKS: dict[str, Callable[[], str | None]] = {
    "libreoffice": _libreoffice_missing,
    "chromium": _chromium_missing,
    "ocr": _ocr_missing,
    "cjk_font": _cjk_font_missing,
}


@functools.cache
def missing(part: str) -> str | None:
    """Why `part` (a marker name of CHECKS) cannot be used here, or None; checked once a session."""
    return CHECKS[part]()
