"""The officer's view of the ledger. `build_digest(records, as_of)` turns the
ledger's `FiledRecord`s into the supervision views as of one day — deadlines,
overdue and missing filings, agencies for a warning talk, files waiting for a
person, counts per 镇/街道, category and month — with no I/O;
`refresh_digest(outbox, records, as_of)` writes them as `outbox/监管汇总.xlsx`
and `outbox/index.html`, each replaced atomically.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

from ..atomic import atomic_path
from ..models import FiledRecord
from .html import write_html
from .sheets import sheets
from .views import Digest, build_digest
from .xlsx import write_xlsx

WORKBOOK_NAME = "监管汇总.xlsx"
PAGE_NAME = "index.html"
REVIEW_DIR_NAME = "待处理"   # Settings.review is outbox / this name

__all__ = ["PAGE_NAME", "WORKBOOK_NAME", "Digest", "build_digest", "refresh_digest", "sheets", "write_html", "write_xlsx"]


def refresh_digest(outbox: Path, records: list[FiledRecord], as_of: date,
                   station: Optional[str] = None) -> tuple[Path, Path]:
    """Build the digest and write (workbook, page) into `outbox`; a reader of
    the shared folder sees either the old file or the new one, never half."""
    outbox = Path(outbox)
    outbox.mkdir(parents=True, exist_ok=True)
    digest = build_digest(records, as_of)
    workbook, page = outbox / WORKBOOK_NAME, outbox / PAGE_NAME
    with atomic_path(workbook) as tmp:
        write_xlsx(digest, tmp, REVIEW_DIR_NAME)
    with atomic_path(page) as tmp:
        write_html(digest, tmp, REVIEW_DIR_NAME, station)
    return workbook, page
