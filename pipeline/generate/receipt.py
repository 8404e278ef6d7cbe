"""The receipt (回执) an agency gets for each filing: its number (year and
sequence, unique in the ledger), what was received, the result, what to
correct, which fields were left blank on the forms until corrected, and a
block for the bureau's stamp. Written as text and as a Word document (a
PDF is made beside it where LibreOffice is installed). Written for
agencies: the full names of the kinds and statuses (`models.KIND_NAMES` /
`STATUS_NAMES`, column `full`)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Optional

from ..atomic import atomic_path
from ..correct.apply import decision
from ..models import KIND_NAMES, STATUS_NAMES, ExpertCheckFields, FiledRecord, Issue, StaffListFields
from ..parse.id_number import mask_ids_in
from ..validate import LABELS, ROW_LABELS
from .docx_styles import drop_unused_table_styles

LAW = "《武进区安全生产技术服务机构监督管理办法》"
BUREAU = "武进区应急管理局"
TITLE = "安全生产技术服务机构备案材料回执"
BODY_PART = "word/document.xml"  # the one part of a receipt's package that differs from receipt to receipt


def _label(field: str) -> str:
    if field.startswith("rows["):
        row, _, name = field.partition("].")
        return f"第{int(row[5:]) + 1}行{ROW_LABELS.get(name, name)}"
    return LABELS.get(field, field)


def receipt_sections(rec: FiledRecord, number: Optional[str]) -> list[tuple[str, list[str]]]:
    """The receipt as (heading, lines) sections, shared by the text and the Word document."""
    head = [f"回执编号：{number}" if number else "", f"机构：{getattr(rec.fields, 'agency_name', None) or '（未能识别）'}",
            f"材料：{KIND_NAMES[rec.kind].full}", f"文件：{rec.source}", *_where(rec),
            f"收件日期：{rec.received_on.isoformat()}", f"处理结果：{STATUS_NAMES[rec.status].full}", *_summary(rec)]
    sections: list[tuple[str, list[str]]] = [("", [line for line in head if line])]
    chosen = decision(rec.corrections)
    if rec.status == "rejected" and chosen is not None and chosen.reason:
        sections.append(("退回原因：", [chosen.reason]))
    errors = [i for i in rec.all_issues if i.severity == "error"] if rec.status != "accepted" else []
    warnings = [i for i in rec.all_issues if i.severity == "warning"]
    if errors:
        sections.append(("请更正以下问题后重新提交：", [f"{n}. {_line(i)}" for n, i in enumerate(errors, 1)]))
        blank = sorted({_label(f) for f in rec.open_errors()})
        if blank:
            sections.append(("以下内容在生成的表格中暂留空白，更正后补全：", ["、".join(blank)]))
    if warnings:
        sections.append(("请注意：", [f"{n}. {_line(i)}" for n, i in enumerate(warnings, 1)]))
    if not errors and not warnings:
        sections.append(("", ["材料齐全，无需更正。"]))
    # a last guard: no whole ID number leaves in a receipt, text or Word
    return [(heading, [mask_ids_in(line) for line in body]) for heading, body in sections]


def receipt_text(rec: FiledRecord, number: Optional[str] = None) -> str:
    lines = [f"{BUREAU} {TITLE}"]
    for heading, body in receipt_sections(rec, number):
        lines += [""] + ([heading] if heading else []) + body
    return "\n".join(lines) + "\n"


def _where(rec: FiledRecord) -> list[str]:
    """Where a filing sent inside a packet sits in it."""
    part = rec.part_of
    if part is None:
        return []
    if part.pages:
        first, last = part.pages[0], part.pages[-1]
        pages = f"第 {first} 页" if first == last else f"第 {first}–{last} 页"
        return [f"所在页码：{pages}（与其他材料合订在同一文件中）"]
    return [f"压缩包内位置：{', '.join(part.members or [part.member or ''])}"]


def _line(issue: Issue) -> str:
    return issue.message + (f"（依据{LAW}{issue.article}）" if issue.article else "")


def _summary(rec: FiledRecord) -> list[str]:
    """What was read from a staff list or an expert check (ID numbers never shown)."""
    f = rec.fields
    if isinstance(f, StaffListFields) and f.people is not None:
        return [f"名单人数：{len(f.people)}人（身份证号码已登记；回执、汇总中只显示前6位和后4位）",
                "本名单自收到之日起作为本机构当前的从业人员名单；人员变动时请报送新的名单。"]
    if isinstance(f, ExpertCheckFields):
        lines = [f"检查日期：{f.checked_on.isoformat() if f.checked_on else '（未能识别）'}；"
                 f"检查专家：{'、'.join(f.experts or []) or '（未能识别）'}；企业签收：{'已签收' if f.client_signed else '未签收'}"]
        if f.client_signed is False:
            lines.append(f"企业未签收的检查记录不计入{LAW}第十七条要求的专家检查次数：请由企业签收后重新报送。")
        return lines
    return []


def write_receipt_docx(rec: FiledRecord, number: Optional[str], out: Path) -> Path:
    """The receipt as a formal Word document (see `ReceiptWriter`)."""
    return ReceiptWriter().write(rec, number, out)


class ReceiptWriter:
    """Writes receipts as formal Word documents: title, number, sections,
    the stamp block. One writer prepares python-docx's default document once
    (its table styles dropped, the body font set) and gives each receipt a
    new body on it: opening the template again for each of a batch's 200
    receipts took a third of the time of writing them. The parts a receipt
    does not change (styles, settings, fonts, theme...) are compressed once
    into `_package`; each receipt is that package with its own
    `word/document.xml` added (python-docx's save compressed all 17 parts
    again for every receipt: 200 receipts 1.35 s, of which 0.5 s zlib). A
    writer holds one document: use it from one thread (each batch's output
    thread makes its own)."""

    def __init__(self) -> None:
        import docx
        from docx.oxml.ns import qn
        from docx.shared import Pt

        self.document = docx.Document()
        drop_unused_table_styles(self.document)
        style = self.document.styles["Normal"]
        style.font.name, style.font.size = "SimSun", Pt(12)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
        self._package = _without_part(self.document, BODY_PART)

    def write(self, rec: FiledRecord, number: Optional[str], out: Path) -> Path:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        document = self._cleared()
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = title.add_run(f"{BUREAU}\n{TITLE}")
        run.bold, run.font.size = True, Pt(16)
        for heading, body in receipt_sections(rec, number):
            if heading:
                document.add_paragraph().add_run(heading).bold = True
            for line in body:
                document.add_paragraph(line)
        day = rec.corrections[-1].at.date() if rec.corrections else rec.received_on  # the day of the result
        for text in ("", f"{BUREAU}（盖章）", f"{day.year}年{day.month}月{day.day}日"):
            document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        with atomic_path(out) as tmp:
            tmp.write_bytes(self._package)
            with zipfile.ZipFile(tmp, "a", zipfile.ZIP_DEFLATED) as package:
                package.writestr(BODY_PART, document.part.blob)
        return out

    def _cleared(self):
        """The document with an empty body (the default template's body holds
        only its section properties; the last receipt's paragraphs go)."""
        from docx.oxml.ns import qn

        body = self.document.element.body
        for child in [c for c in body if c.tag != qn("w:sectPr")]:
            body.remove(child)
        return self.document


def _without_part(document, name: str) -> bytes:
    """`document` saved by python-docx, as ZIP bytes without the part `name`."""
    saved, kept = io.BytesIO(), io.BytesIO()
    document.save(saved)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(kept, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
    return kept.getvalue()
