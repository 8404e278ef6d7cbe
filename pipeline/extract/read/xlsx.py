"""XLSX reader (openpyxl): every sheet becomes a page holding one grid; a
cell covered by a merge is None; real dates become ISO text, whole numbers
lose their `.0`, numbers stored as text stay as written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

from ...errors import LimitExceededError, UnreadableError
from ...models import Block, Document, Limits, Page, Table
from ...text import clean
from .docx import check_zip

MAX_CELLS = 200_000


def is_available() -> bool:
    return True


def read(path: Path, limits: Limits) -> Document:
    check_zip(path, limits, "xl/workbook.xml", "Excel")
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        raise UnreadableError(f"Excel 文件已损坏，无法打开（{type(exc).__name__}）：请用 Excel 或 WPS 重新保存为 .xlsx 后提交。") from exc
    pages = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        if sheet.max_row * sheet.max_column > MAX_CELLS:
            raise LimitExceededError(f"工作表“{sheet.title}”过大（{sheet.max_row} 行 × {sheet.max_column} 列）：请只保留报表内容后提交。")
        rows = _grid(sheet)
        if rows:
            pages.append(Page(blocks=[Block(table=Table(rows=rows))]))
    book.close()
    return Document(pages=pages, reader="xlsx")


def _grid(sheet: Any) -> list[list[Optional[str]]]:
    covered = set()
    for merged in sheet.merged_cells.ranges:
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if (r, c) != (merged.min_row, merged.min_col):
                    covered.add((r, c))
    rows: list[list[Optional[str]]] = []
    for r, row in enumerate(sheet.iter_rows(), start=1):
        cells: list[Optional[str]] = []
        for c, cell in enumerate(row, start=1):
            cells.append(None if (r, c) in covered else _text(cell.value))
        rows.append(cells)
    while rows and not any(c for c in rows[-1]):
        rows.pop()
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return clean(str(value)).strip()
