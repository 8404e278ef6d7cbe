"""Readers: one module per file type, chosen from one table keyed by suffix.

Each reader module has `read(path, limits) -> Document` and
`is_available() -> bool`; it raises `UnreadableError` (with a Chinese reason)
for a file it cannot read. A new format is one new module and one table row.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

from ...errors import LimitExceededError, UnreadableError
from ...models import Document, Limits

# suffix -> reader module (imported lazily so that the OCR stack loads only when needed)
READERS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".docm": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".doc": "legacy",
    ".xls": "xls",
    ".wps": "legacy",
    ".et": "xls",
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
    ".heic": "image",
    ".heif": "image",
    ".webp": "image",
    ".txt": "plaintext",
    ".ofd": "ofd",
}


OCR_THREADS_ENV = "PIPELINE_OCR_THREADS"  # threads per OCR engine (the worker pool sets it)
OCR_ENGINE_ENV = "PIPELINE_OCR_ENGINE"  # "openvino" (default where it loads) or "onnxruntime"


def importable(module: str) -> bool:
    """True when `module` imports (a reader's optional library is installed
    and loads)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def ocr_threads_asked() -> int:
    """The thread count PIPELINE_OCR_THREADS asks of an OCR engine; 0 when
    unset or not a number (onnxruntime then decides)."""
    value = os.environ.get(OCR_THREADS_ENV, "").strip()
    return int(value) if value.isdigit() else 0


def ocr_engine_asked() -> str:
    """The inference engine PIPELINE_OCR_ENGINE names, lower-cased ("" when unset)."""
    return os.environ.get(OCR_ENGINE_ENV, "").strip().lower()


# ISO base media "ftyp" boxes of HEIF still images (iPhone photos are heic)
_HEIF_BRANDS = {b"ftyp" + brand for brand in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc", b"avif")}


def sniff(path: Path) -> str | None:
    """The reader the file's first bytes call for, whatever its name says."""
    with path.open("rb") as fh:
        head = fh.read(12)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*", b"BM")):
        return "image"
    if (head.startswith(b"RIFF") and head[8:12] == b"WEBP") or head[4:12] in _HEIF_BRANDS:
        return "image"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _ole_kind(path)
    if head.startswith(b"PK"):
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names or "/OFD.xml" in names:
            return "ofd"
    return None


_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))


def _ole_kind(path: Path) -> str:
    """An Office 97-2003 compound file: a workbook (.xls, WPS .et: its
    directory names a Workbook stream) for the xls reader, any other
    (.doc, WPS .wps) for LibreOffice Writer."""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if any(stream in chunk for stream in _WORKBOOK_STREAMS):
                return "xls"
    return "legacy"


def reader_for(path: Path) -> ModuleType:
    name = READERS.get(path.suffix.lower())
    sniffed = sniff(path)
    if sniffed is not None and sniffed != name and not (sniffed == "legacy" and name is None):
        name = sniffed
    if name is None:
        raise UnreadableError(
            f"不支持的文件类型“{path.suffix or '无扩展名'}”：请提交 PDF、OFD、Word（.docx）、Excel（.xlsx）、图片（.jpg/.png/.heic）或它们的 ZIP 压缩包。"
        )
    return importlib.import_module(f"{__name__}.{name}")


def read_document(path: Path, limits: Limits | None = None) -> Document:
    """Read any supported file into a Document, or raise UnreadableError."""
    limits = limits or Limits()
    size = path.stat().st_size
    if size == 0:
        raise UnreadableError("文件为空（0 字节）：请重新扫描或重新保存后提交。")
    if size > limits.max_bytes:
        raise LimitExceededError(
            f"文件过大（{size / 1024 / 1024:.0f} MB，上限 {limits.max_bytes // 1024 // 1024} MB）：请拆分或压缩后提交。"
        )
    return reader_for(path).read(path, limits)
