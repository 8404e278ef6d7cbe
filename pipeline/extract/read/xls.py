"""Excel 97-2003 (.xls) and WPS 表格 (.et) workbooks, read directly with
python-calamine (BIFF8, chosen by content, not by name): no LibreOffice
Calc, which a Writer-only install lacks. Every visible sheet becomes a page
holding one grid; a cell covered by a merge is None; values as in the XLSX
reader (dates as ISO text, whole numbers without `.0`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Optional

from ...errors import LimitExceededError, UnreadableError
from ...models import Block, Document, Limits, Page, Table
from . import importable
from .xlsx import MAX_CELLS, _text

_NAMES = {".et": "WPS 表格（.et）"}


def is_available() -> bool:
    return importable("python_calamine")


def read(path: Path, limits: Limits) -> Document:
    from python_calamine import CalamineWorkbook, PasswordError

    name = _NAMES.get(path.suffix.lower(), "Excel 97-2003（.xls）")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except PasswordError as exc:
        raise UnreadableError(f"{name}文件已加密（需要密码）：请去除密码后另存为 .xlsx 提交。") from exc
    except Exception as exc:  # calamine raises its own errors and ValueError for a broken file
        raise UnreadableError(f"{name}文件已损坏，无法打开：请用 Excel 或 WPS 打开后“另存为” .xlsx 格式提交。") from exc
    pages = []
    try:
        for meta in book.sheets_metadata:
            if str(meta.visible).rsplit(".", 1)[-1].lower() != "visible":
                continue
            sheet = book.get_sheet_by_name(meta.name)
            if sheet.total_height * sheet.total_width > MAX_CELLS:
                raise LimitExceededError(f"工作表“{meta.name}”过大（{sheet.total_height} 行 × {sheet.total_width} 列）：请只保留报表内容后提交。")
            rows = _grid(sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or [])
            if rows:
                pages.append(Page(blocks=[Block(table=Table(rows=rows))]))
    except LimitExceededError:
        raise
    except Exception as exc:
        raise UnreadableError(f"{name}文件中的工作表无法读取：请用 Excel 或 WPS 打开后“另存为” .xlsx 格式提交。") from exc
    finally:
        book.close()
    return Document(pages=pages, reader="xls")


def _grid(values: list[list[Any]], merges: list[Any]) -> list[list[Optional[str]]]:
    covered = {(r, c) for (r0, c0), (r1, c1) in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
               if (r, c) != (r0, c0)}
    rows = [[None if (r, c) in covered else _text(v if v != "" else None) for c, v in enumerate(row)]
            for r, row in enumerate(values)]
    while rows and not any(c for c in rows[-1]):
        rows.pop()
    return rows
