"""Reader for page images: .jpg .jpeg .png .tif .tiff .bmp, and phones'
.heic/.heif (through pillow-heif) and .webp (phone photos and scans). Every
frame of a multi-page TIFF (or image of a HEIF) is one page;
each page is OCR'd by `ocr.ocr_image`, which turns it as its EXIF
orientation says."""

from __future__ import annotations

import warnings
from pathlib import Path

from ...errors import LimitExceededError, UnreadableError
from ...models import Document, Limits
from . import ocr


def is_available() -> bool:
    return ocr.is_available()


def _too_many_pixels(w: int, h: int, limits: Limits) -> LimitExceededError:
    return LimitExceededError(
        f"图片像素过多（{w}×{h}，上限 {limits.max_pixels // 1_000_000} 百万像素）：请降低分辨率后重新提交。"
    )


def _register_heif() -> None:
    """Let Pillow open HEIC/HEIF (pillow-heif applies the photo's own
    rotation and leaves the EXIF orientation to Pillow)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()


def read(path: Path, limits: Limits) -> Document:
    from PIL import Image, UnidentifiedImageError

    _register_heif()
    pages = []
    try:
        with warnings.catch_warnings():
            # our own pixel limit applies; PIL's warning would only be noise
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                n = int(getattr(im, "n_frames", 1) or 1)
                if n > limits.max_pages:
                    raise LimitExceededError(
                        f"图片页数过多（{n} 页，上限 {limits.max_pages} 页）：请拆分后提交。"
                    )
                for i in range(n):
                    if i:
                        im.seek(i)
                    w, h = im.size
                    if w <= 0 or h <= 0:
                        raise UnreadableError("图片尺寸无效：请重新扫描或拍照后提交。")
                    if w * h > limits.max_pixels:
                        raise _too_many_pixels(w, h, limits)
                    im.load()  # decode now: a truncated file fails here
                    frame = im.copy()
                    pages.append(ocr.ocr_image(frame, limits))
    except (LimitExceededError, UnreadableError):
        raise
    except Image.DecompressionBombError as exc:
        raise LimitExceededError(
            "图片像素过多（疑似“解压炸弹”文件）：请降低分辨率后重新提交。"
        ) from exc
    except UnidentifiedImageError as exc:
        raise UnreadableError(
            f"无法识别的图片文件（{path.suffix or '无扩展名'}）：文件可能已损坏或并非图片，请重新扫描或拍照后提交。"
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnreadableError("图片文件已损坏或不完整，无法读取：请重新扫描或拍照后提交。") from exc
    except MemoryError as exc:
        raise LimitExceededError("图片过大，无法在内存中处理：请降低分辨率后重新提交。") from exc
    return Document(reader="image", pages=pages)
