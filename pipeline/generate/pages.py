"""A long 工作报表 printed as an officer prints it: the signature lines and
the footnote stay on a page with the table's last rows.

The template repeats the header row on every page (`w:tblHeader`), keeps
each row whole (`w:cantSplit`) and keeps the 合计 row and the signature
paragraphs with what follows (`w:keepNext`). Word honours all of it;
LibreOffice 7 ignores a row's keep-with-next (and keeping a whole table with
what follows moves the entire table off its first page), so the rows above
the signature can end a page and leave the signatures alone on the last one.

So the PDF is checked: when its last page holds the signature but no row of
the table, the DOCX is changed as a typesetter would do it — the last rows
and the 合计 row are moved into a second table, with the header row copied
on top, after a page break — and converted again. The DOCX keeps that
layout (it prints the same from Word).
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Callable, Iterable, Optional

log = logging.getLogger(__name__)

SIGNATURE = "负责人（签字）"   # the first words of the signature line
TOTAL = "合计"                  # the table's last row
KEEP_ROWS = 2                   # data rows taken over to the last page with the 合计 row


def signature_alone(pdf: Path) -> bool:
    """True when the PDF's last page has the signature line and no row of the table."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        if len(doc.pages) < 2:
            return False
        last = "".join((doc.pages[-1].extract_text() or "").split())
    return SIGNATURE in last and TOTAL not in last


def keep_last_rows(docx: Path, rows: int = KEEP_ROWS) -> bool:
    """Move the table's last `rows` data rows and its 合计 row into a second
    table after a page break, the header row copied on top. False (nothing
    changed) when the table is too short or already split."""
    import docx as python_docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from ..atomic import atomic_path

    document = python_docx.Document(str(docx))
    if len(document.tables) != 1:
        return False
    table = document.tables[0]._tbl
    trs = table.findall(qn("w:tr"))
    if len(trs) < rows + 3:  # header, a row left on the page before, the rows moved, 合计
        return False
    second = copy.deepcopy(table)
    for tr in second.findall(qn("w:tr")):
        second.remove(tr)
    second.append(copy.deepcopy(trs[0]))
    for tr in trs[-(rows + 1):]:
        table.remove(tr)
        second.append(tr)
    brk = OxmlElement("w:p")  # a paragraph of one page break, 1 pt high, between the tables
    props = OxmlElement("w:pPr")
    spacing = OxmlElement("w:spacing")
    for key, value in (("w:before", "0"), ("w:after", "0"), ("w:line", "20"), ("w:lineRule", "exact")):
        spacing.set(qn(key), value)
    props.append(spacing)
    brk.append(props)
    run = OxmlElement("w:r")
    br = OxmlElement("w:br")
    br.set(qn("w:type"), "page")
    run.append(br)
    brk.append(run)
    table.addnext(brk)
    brk.addnext(second)
    with atomic_path(docx) as tmp:
        document.save(str(tmp))
    return True


def keep_signatures(reports: Iterable[Path], convert: Callable[[Path], Optional[Path]]) -> list[Path]:
    """For each work report DOCX whose PDF leaves the signatures alone on
    the last page: its last rows taken over, converted again. The reports
    changed."""
    changed: list[Path] = []
    for report in reports:
        pdf = report.with_suffix(".pdf")
        try:
            alone = pdf.is_file() and signature_alone(pdf)
        except Exception as exc:  # an unreadable PDF: it is made again next time
            log.warning("%s 的分页无法检查：%s", pdf.name, exc)
            continue
        if alone and keep_last_rows(report):
            convert(report)
            changed.append(report)
    return changed
