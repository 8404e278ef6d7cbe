"""The original's pages as PNG images for the record page: PDFs through
pypdfium2, photos as they are (every frame of a TIFF), Word and Excel files
through the PDF LibreOffice makes of them. Images are cached in
`state/pages/`; only files inside the state folder are ever opened."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Optional

from ..settings import Settings

SCALE = 1.5            # PDF points → pixels (108 dpi: readable beside the fields)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}
OFFICE_SUFFIXES = {".docx", ".doc", ".xlsx", ".xls", ".odt", ".ods", ".wps", ".et", ".rtf"}
_lock = threading.Lock()


class Pages:
    def __init__(self, settings: Settings) -> None:
        self.state = settings.state.resolve()
        self.cache = self.state / "pages"

    def original(self, archive: Optional[str]) -> Optional[Path]:
        """The archived original, if it is a file inside the state folder."""
        if not archive:
            return None
        path = Path(archive).resolve()
        return path if path.is_file() and self.state in path.parents else None

    def _pdf(self, original: Path, sha: str) -> Optional[Path]:
        suffix = original.suffix.lower()
        if suffix == ".pdf":
            return original
        if suffix not in OFFICE_SUFFIXES:
            return None
        target = self.cache / f"{sha}.pdf"
        if not target.is_file():
            from ..generate.pdf import PdfConverter

            self.cache.mkdir(parents=True, exist_ok=True)
            with PdfConverter() as converter:
                made = converter.submit({original: self.cache}).result().get(original)
            if made is None or not Path(made).is_file():
                return None
            Path(made).replace(target)
        return target

    def sizes(self, archive: Optional[str], sha: str) -> list[tuple[float, float]]:
        """Each page's size (points for a PDF, pixels for a photo): one entry per page."""
        original = self.original(archive)
        if original is None:
            return []
        if original.suffix.lower() in IMAGE_SUFFIXES:
            from PIL import Image

            with Image.open(original) as im:
                return [im.size] * getattr(im, "n_frames", 1)
        with _lock:
            pdf_path = self._pdf(original, sha)
        if pdf_path is None:
            return []
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            return [pdf.get_page_size(i) for i in range(len(pdf))]
        finally:
            pdf.close()

    def png(self, archive: Optional[str], sha: str, number: int) -> Optional[bytes]:
        """Page `number` (1-based) as PNG bytes; None when there is no such page."""
        cached = self.cache / f"{sha}-{number}.png"
        if cached.is_file():
            return cached.read_bytes()
        original = self.original(archive)
        if original is None or number < 1:
            return None
        data = self._render(original, sha, number)
        if data is not None:
            self.cache.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(cached)
        return data

    def _render(self, original: Path, sha: str, number: int) -> Optional[bytes]:
        from PIL import Image

        buf = io.BytesIO()
        if original.suffix.lower() in IMAGE_SUFFIXES:
            with Image.open(original) as im:
                if number > getattr(im, "n_frames", 1):
                    return None
                im.seek(number - 1)
                im.convert("RGB").save(buf, "PNG", compress_level=1)
            return buf.getvalue()
        with _lock:
            pdf_path = self._pdf(original, sha)
        if pdf_path is None:
            return None
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            if number > len(pdf):
                return None
            pdf[number - 1].render(scale=SCALE).to_pil().save(buf, "PNG", compress_level=1)
        finally:
            pdf.close()
        return buf.getvalue()
