"""PDF reader: the text layer through pdfplumber (words with positions →
lines split into cells at wide gaps; ruled tables → grids), and OCR for the
pages whose text layer is missing or a scanner's garbage."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from statistics import median
from typing import Any, Optional

from ...errors import LimitExceededError, UnreadableError
from ...models import Block, Box, Document, Limits, Line, Page, Table
from ...text import clean, join_spaced_cjk

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_available() -> bool:
    return True


def read(path: Path, limits: Limits) -> Document:
    import pdfplumber

    _check_pdf(path, limits)
    pages: list[Page | None] = []
    ocr_needed: list[int] = []
    try:
        with pdfplumber.open(path) as pdf:
            for index, page in enumerate(pdf.pages):
                if _text_layer_usable(page):
                    pages.append(Page(blocks=_page_blocks(page)))
                else:
                    pages.append(None)
                    ocr_needed.append(index)
                page.close()
    except UnreadableError:
        raise
    except Exception as exc:  # pdfminer raises many kinds on broken files
        raise UnreadableError(f"PDF 文件已损坏，无法读取（{type(exc).__name__}）：请重新导出或重新扫描后提交。") from exc
    if ocr_needed:
        from .ocr import ocr_pdf_pages

        for index, scanned in zip(ocr_needed, ocr_pdf_pages(path, ocr_needed, limits)):
            pages[index] = scanned
    return Document(pages=[p for p in pages if p is not None], reader="pdf")


def _check_pdf(path: Path, limits: Limits) -> None:
    """Reject encrypted, broken and over-long PDFs before the heavy reader."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF" not in head:
        raise UnreadableError("文件不是有效的 PDF（文件头不符）：请确认文件类型，重新导出 PDF 后提交。")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise UnreadableError("PDF 文件已加密（需要密码）：请去除密码保护后重新提交。")
            except UnreadableError:
                raise
            except Exception as exc:
                raise UnreadableError("PDF 文件已加密（需要密码）：请去除密码保护后重新提交。") from exc
        count = len(reader.pages)
    except UnreadableError:
        raise
    except (PdfReadError, Exception) as exc:
        raise UnreadableError(f"PDF 文件已损坏或不完整（{type(exc).__name__}）：请重新导出或重新扫描后提交。") from exc
    if count == 0:
        raise UnreadableError("PDF 文件没有任何页面：请重新导出后提交。")
    if count > limits.max_pages:
        raise LimitExceededError(f"PDF 共 {count} 页，超过上限 {limits.max_pages} 页：请只提交备案所需的页面。")


def _text_layer_usable(page: Any) -> bool:
    """A text layer is usable when it holds enough real characters (CJK or
    alphanumeric), not the few stray or private-use glyphs scanners leave."""
    text = "".join(c.get("text", "") for c in page.chars)
    real = sum(1 for ch in text if _CJK.match(ch) or ch.isalnum())
    if real < 10:
        return False
    odd = sum(1 for ch in text if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd" or (not ch.isprintable()))
    return odd / max(len(text), 1) < 0.2


def _page_blocks(page: Any) -> list[Block]:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    words = [
        w
        for w in page.extract_words(use_text_flow=False, keep_blank_chars=False, x_tolerance=1.5, y_tolerance=3)
        if not any(_inside(w, box) for box in boxes)
    ]
    placed: list[tuple[float, Block]] = [(top, Block(line=line)) for top, line in _lines(words)]
    for table in tables:
        rows = [[_cell(c) for c in row] for row in table.extract()]
        if any(any(c for c in row) for row in rows):
            boxes = [[_box(c) for c in row.cells] for row in table.rows]
            placed.append((table.bbox[1], Block(table=Table(rows=rows, boxes=boxes if len(boxes) == len(rows) else None))))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _box(bbox: Any) -> Optional[Box]:
    return None if bbox is None else (round(bbox[0], 1), round(bbox[1], 1), round(bbox[2], 1), round(bbox[3], 1))


def _inside(word: dict, box: tuple) -> bool:
    x0, top, x1, bottom = box
    cx = (word["x0"] + word["x1"]) / 2
    cy = (word["top"] + word["bottom"]) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def _cell(text: str | None) -> str | None:
    if text is None:
        return None
    return "\n".join(join_spaced_cjk(clean(part)).strip() for part in text.split("\n")).strip()


def _lines(words: list[dict]) -> list[tuple[float, Line]]:
    """Group words into lines by vertical overlap, then split each line into
    cells where the gap between words is wider than about two characters."""
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        for row in rows:
            ref = row[0]
            overlap = min(ref["bottom"], word["bottom"]) - max(ref["top"], word["top"])
            if overlap > 0.5 * min(ref["bottom"] - ref["top"], word["bottom"] - word["top"]):
                row.append(word)
                break
        else:
            rows.append([word])
    out = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        height = median(w["bottom"] - w["top"] for w in row)
        groups: list[list[dict]] = [[row[0]]]
        for prev, word in zip(row, row[1:]):
            if word["x0"] - prev["x1"] > 2.0 * height:
                groups.append([word])
            else:
                groups[-1].append(word)
        cells = [(join_spaced_cjk(clean(" ".join(w["text"] for w in g))).strip(), g) for g in groups]
        cells = [(t, g) for t, g in cells if t]
        if cells:
            texts = [t for t, _ in cells]
            boxes: list[Optional[Box]] = [_box((min(w["x0"] for w in g), min(w["top"] for w in g),
                                                max(w["x1"] for w in g), max(w["bottom"] for w in g))) for _, g in cells]
            out.append((min(w["top"] for w in row), Line(text=" ".join(texts), cells=texts, boxes=boxes)))
    return out
