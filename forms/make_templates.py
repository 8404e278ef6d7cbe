"""Build the three docxtpl templates of 附件1–3 with python-docx.

    .venv/bin/python forms/make_templates.py      # writes forms/*.docx

The layout follows the forms at the end of 武进区安全生产技术服务机构监督管理
办法 (shared/regulation/wujin-measures-2021.txt): same titles, labels and
wording, the (盖章)/(签名) places with room for a seal, the 年 月 日 lines and
the 注 under the 工作报表. A4; East Asian text in 宋体/仿宋 (LibreOffice
substitutes a CJK font it has); fixed column widths so long text wraps inside
its cell. Placeholders are Jinja tags that pipeline/generate/forms.py fills;
each tag sits whole in one run. Re-run this script after changing it and
commit the .docx files with it.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from pipeline.generate.docx_styles import drop_unused_table_styles

HERE = Path(__file__).resolve().parent
LATIN = "Times New Roman"
SONG, FANG, HEI = "宋体", "仿宋", "黑体"
BOX_FONT = "Segoe UI Symbol"  # ☑ ☐: Word has it; LibreOffice falls back to a font with the glyphs

# the eight commitments of 附件2, verbatim
CLAUSES = [
    "一、自觉遵守有关法律、法规以及相关规定；",
    "二、不伪造、转让或者租借资质、资格证书，不转包项目；",
    "三、严格按照批准的业务范围开展中介服务活动；",
    "四、认真开展安全生产技术服务活动，确保服务质量，不出具虚假或者失实的安全生产技术服务报告；",
    "五、遵守市场竞争规则，不采取欺诈、恶性低价竞争，故意贬低、诋毁其他安全生产技术服务机构等不正当手段招揽业务；",
    "六、不以安全生产监督管理部门及其工作人员的名义或以欺骗手段到生产经营单位招揽业务；",
    "七、严格服务时限要求，在约定的时间内提交安全生产技术服务报告和整改确认意见；",
    "八、自觉接受各级安全生产监督管理部门的监督，按时报送工作业绩。",
]
NOTE = "注：每半年的第一周报上季度业绩；1月份的第一周报上年度业绩。项目主要内容指签订合同的内容。（可另加附页）"


# --------------------------------------------------------------------------- helpers
def set_fonts(rpr, east: str, latin: str = LATIN) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # drop theme fonts, which would win over ours
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), latin)
    fonts.set(qn("w:eastAsia"), east)


def new_document(landscape: bool = False, margins=(2.54, 2.54, 2.8, 2.6)) -> Document:
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = (Cm(m) for m in margins)
    sec.header_distance = sec.footer_distance = Cm(1.2)
    # document defaults and Normal: Chinese fonts, zh-CN, no spacing after paragraphs
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr_default, SONG)
    lang = rpr_default.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr_default.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    set_fonts(normal.element.get_or_add_rPr(), SONG)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    # the built-in styles name theme fonts, which resolve to Japanese ones here: name ours
    for fonts in list(doc.styles.element.iter(qn("w:rFonts"))):
        if fonts.get(qn("w:eastAsiaTheme")) or fonts.get(qn("w:asciiTheme")):
            major = "major" in (fonts.get(qn("w:eastAsiaTheme")) or fonts.get(qn("w:asciiTheme")))
            set_fonts(fonts.getparent(), HEI if major else SONG)
    add_font_table_entries(doc)
    props = doc.core_properties
    props.author, props.last_modified_by, props.comments = "", "", ""
    return doc


# Word's own entries for the Chinese fonts (GB2312 charset), with their English names
FONT_TABLE = {SONG: ("SimSun", "02010600030101010101", "auto", "variable"),
              FANG: ("FangSong", "02010609060101010101", "modern", "fixed"),
              HEI: ("SimHei", "02010609060101010101", "modern", "fixed")}


def add_font_table_entries(doc) -> None:
    from lxml import etree

    part = next(p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, (alt, panose, family, pitch) in FONT_TABLE.items():
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        for tag, value in (("altName", alt), ("panose1", panose), ("charset", "86"), ("family", family), ("pitch", pitch)):
            etree.SubElement(font, qn(f"w:{tag}"), {qn("w:val"): value})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def run(par, text: str, size: float, east: str = SONG, bold: bool = False, latin: str = LATIN):
    r = par.add_run(text)
    r.font.size = Pt(size)
    r.font.bold = bold
    set_fonts(r._r.get_or_add_rPr(), east, latin)
    return r


def para(container, text: str = "", size: float = 12, east: str = SONG, bold: bool = False,
         align=None, before: float = 0, after: float = 0, exact: float | None = None):
    par = container.add_paragraph()
    fmt = par.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if exact:
        fmt.line_spacing, fmt.line_spacing_rule = Pt(exact), WD_LINE_SPACING.EXACTLY
    if align is not None:
        par.alignment = align
    if text:
        run(par, text, size, east, bold)
    return par


def heading(doc, attachment: str, title: str, title_size: float, after: float) -> None:
    para(doc, attachment, 16, HEI, after=6)
    para(doc, title, title_size, SONG, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=after)


def table(doc, widths_cm: list[float], rows: int):
    tbl = doc.add_table(rows=rows, cols=len(widths_cm))
    tbl.style = doc.styles["Table Grid"]
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl.autofit = False  # w:tblLayout fixed: text wraps, columns keep their width
    for i, w in enumerate(widths_cm):
        tbl.columns[i].width = Cm(w)
        for cell in tbl.columns[i].cells:
            cell.width = Cm(w)
    tbl_w = tbl._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(Cm(sum(widths_cm)).twips)))
    return tbl


def cell_text(cell, text: str, size: float = 12, align=WD_ALIGN_PARAGRAPH.CENTER, bold: bool = False):
    """Write text into a cell's first paragraph ("\n" starts a new paragraph)."""
    cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    for i, line in enumerate(text.split("\n")):
        par = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        par.alignment = align
        if line:
            run(par, line, size, bold=bold)
    return cell.paragraphs[0]


def row_height(row, cm: float) -> None:
    row.height, row.height_rule = Cm(cm), WD_ROW_HEIGHT_RULE.AT_LEAST


def tr_flag(row, name: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement(f"w:{name}")
    tr_pr.append(el)


def field(par, instr: str, size: float) -> None:
    """A PAGE / NUMPAGES field."""
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"), ("end", None)):
        r = run(par, "", size)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            r._r.append(el)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
            r._r.append(el)
        else:
            r.text = text


# --------------------------------------------------------------------------- 附件1
def report_letter() -> Document:
    doc = new_document()
    heading(doc, "附件1", "安全生产技术服务机构活动开展报告函", 20, 16)
    widths = [4.0, 4.4, 2.6, 4.6]  # 15.6 cm: the text width
    labels = ["机构名称", "服务类别", "业务范围\n（填写全部内容）", "在从业地开展\n业务内容", "企业法人\n营业执照编号",
              "注册地址", "办公地址", "从业地联系人", "从业人数", "法定代表人"]
    values = ["{{ agency_name }}", None, "{{ business_scope }}", "{{ local_business }}", "{{ license_no }}",
              "{{ registered_address }}", "{{ office_address }}"]
    heights = [1.2, 2.4, 3.0, 2.0, 1.2, 1.2, 1.2, 1.2, 1.4, 1.2]
    tbl = table(doc, widths, len(labels))
    for i, label in enumerate(labels):
        row = tbl.rows[i]
        row_height(row, heights[i])
        cell_text(row.cells[0], label)
        if i < len(values):
            merged = row.cells[1].merge(row.cells[3])
            if values[i] is None:
                category_cell(merged)
            else:
                cell_text(merged, values[i], align=WD_ALIGN_PARAGRAPH.LEFT)
    pairs = {7: ("{{ local_contact }}", "联系手机", "{{ local_contact_phone }}"),
             8: ("{{ staff }}\n（附从业人员名单）", "聘用专家", "{{ experts }}"),
             9: ("{{ legal_representative }}", "联系手机", "{{ legal_representative_phone }}")}
    for i, (value, label, value2) in pairs.items():
        cells = tbl.rows[i].cells
        cell_text(cells[1], value)
        cell_text(cells[2], label)
        cell_text(cells[3], value2, align=WD_ALIGN_PARAGRAPH.LEFT if i == 8 else WD_ALIGN_PARAGRAPH.CENTER)
    for cell in (tbl.rows[2].cells[0], tbl.rows[8].cells[1]):  # the notes in brackets, smaller
        for r in cell.paragraphs[1].runs:
            r.font.size = Pt(10.5)
    # signature block: room for the seal above and over 安全技术服务机构（盖章）
    sign = para(doc, "安全技术服务机构（盖章）", 14, before=40)
    sign.paragraph_format.left_indent = Cm(8.0)
    date = para(doc, "填表日期：{{ filled_on }}", 14, before=24)
    date.paragraph_format.left_indent = Cm(8.0)
    return doc


def category_cell(cell) -> None:
    """Six boxes in three lines, two to a line, the second one at a tab stop."""
    names = [("training", "安全培训"), ("assessment", "安全评估评价"), ("testing", "安全检测检验"),
             ("consulting", "安全咨询托管"), ("standardization", "安全标准化"), ("other", "其 他")]
    cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    for line in range(3):
        par = cell.paragraphs[0] if line == 0 else cell.add_paragraph()
        par.paragraph_format.tab_stops.add_tab_stop(Cm(5.2), WD_TAB_ALIGNMENT.LEFT)
        par.paragraph_format.left_indent = Cm(0.6)
        par.paragraph_format.space_before = Pt(3)
        par.paragraph_format.space_after = Pt(3)
        for k in range(2):
            code, label = names[line * 2 + k]
            if k:
                run(par, "\t", 12)
            run(par, "{{ box.%s }}" % code, 12, SONG, latin=BOX_FONT)
            run(par, label, 12)


# --------------------------------------------------------------------------- 附件2
def commitment() -> Document:
    doc = new_document(margins=(2.5, 2.2, 2.65, 2.5))  # 15.85 cm: 28 characters of 16 pt a line
    heading(doc, "附件2", "安全生产技术服务机构承诺书", 22, 18)
    size, line = 16, 28
    indent = Pt(2 * size)
    intro = para(doc, "本机构承诺，在武进区行政区域范围内开展服务，严格遵守以下规定：", size, FANG, exact=line)
    intro.paragraph_format.first_line_indent = indent
    for clause in CLAUSES:
        par = para(doc, clause, size, FANG, exact=line)
        par.paragraph_format.first_line_indent = indent
    # signature block: the values line up at a tab stop, a long name wraps under itself
    start, label = Pt(4 * size), Pt(9 * size)
    for i, (text, value) in enumerate((("机构名称（盖章）：", "{{ agency_name }}"), ("承诺人（签名）：", "{{ promisor }}"))):
        par = para(doc, "", size, FANG, before=(2 * line if i == 0 else line / 2), exact=line)
        fmt = par.paragraph_format
        fmt.left_indent, fmt.first_line_indent = start + label, -label
        fmt.tab_stops.add_tab_stop(start + label, WD_TAB_ALIGNMENT.LEFT)
        run(par, text, size, FANG)
        run(par, "\t", size, FANG)
        run(par, value, size, FANG)
    date = para(doc, "{{ signed_on }}", size, FANG, before=line / 2, exact=line)
    date.paragraph_format.left_indent = start + label
    return doc


# --------------------------------------------------------------------------- 附件3
def work_report() -> Document:
    doc = new_document(landscape=True, margins=(2.0, 1.8, 2.0, 2.0))
    width = 25.7
    heading(doc, "附件3", "安全生产技术服务机构工作报表", 20, 10)
    head = para(doc, "", 12, after=6)
    head.paragraph_format.tab_stops.add_tab_stop(Cm(width), WD_TAB_ALIGNMENT.RIGHT)
    run(head, "机构：（盖章）", 12)
    run(head, "{{ agency_name }}", 12)
    run(head, "\t", 12)
    run(head, "{{ period }}", 12)

    widths = [1.3, 5.3, 4.6, 2.4, 2.6, 2.6, 2.0, 4.9]  # 25.7 cm: dates and phones fit on one line
    headers = ["序号", "项目企业名称", "项目主要内容", "项目所在镇\n（街道）", "签约时间", "完成时间", "服务价格\n（万元）",
               "项目企业联系人\n及联系方式"]
    cells = ["{{ row.no }}", "{{ row.client_name }}", "{{ row.project_content }}", "{{ row.town }}",
             "{{ row.signed_on }}", "{{ row.completion_on }}", "{{ row.price }}", "{{ row.contact }}"]
    left = {1, 2, 7}
    tbl = table(doc, widths, 5)
    header = tbl.rows[0]
    row_height(header, 1.3)
    tr_flag(header, "tblHeader")  # repeat the header row on every page
    tr_flag(header, "cantSplit")
    for cell, text in zip(header.cells, headers):
        cell_text(cell, text, 11, bold=True)
    cell_text(tbl.rows[1].cells[0], "{%tr for row in rows %}", 10.5)
    data = tbl.rows[2]
    row_height(data, 0.9)
    tr_flag(data, "cantSplit")
    for i, (cell, text) in enumerate(zip(data.cells, cells)):
        cell_text(cell, text, 10.5, WD_ALIGN_PARAGRAPH.LEFT if i in left else WD_ALIGN_PARAGRAPH.CENTER)
    cell_text(tbl.rows[3].cells[0], "{%tr endfor %}", 10.5)
    total = tbl.rows[4]
    row_height(total, 0.9)
    tr_flag(total, "cantSplit")
    merged = total.cells[0].merge(total.cells[5])
    cell_text(merged, "合计", 11, bold=True)
    cell_text(total.cells[6], "{{ total }}", 10.5, bold=True)
    cell_text(total.cells[7], "", 10.5)
    for cell in total.cells:  # Word takes 合计 to the next page with the signatures (LibreOffice ignores it)
        for par in cell.paragraphs:
            par.paragraph_format.keep_with_next = True

    sign = para(doc, "", 12, before=12, after=6)
    sign.paragraph_format.left_indent = Cm(1.5)
    sign.paragraph_format.tab_stops.add_tab_stop(Cm(15.5), WD_TAB_ALIGNMENT.LEFT)
    sign.paragraph_format.keep_with_next = True
    for text in ("负责人（签字）：", "{{ principal }}", "\t", "填表人：", "{{ preparer }}"):
        run(sign, text, 12)
    note = para(doc, NOTE, 10.5, before=6)
    run(note, "{{ review_note }}", 10.5)  # how many contracts are still under review (left out of the table)
    note.paragraph_format.keep_with_next = True
    phone = para(doc, "", 12, before=6)
    run(phone, "联系电话（传真）：", 12)
    run(phone, "{{ phone }}", 12)
    # page numbers: a long report runs over several pages
    foot = doc.sections[0].footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(foot, "第 ", 10.5)
    field(foot, "PAGE", 10.5)
    run(foot, " 页 共 ", 10.5)
    field(foot, "NUMPAGES", 10.5)
    run(foot, " 页", 10.5)
    return doc


BUILDERS = {"报告函.docx": report_letter, "承诺书.docx": commitment, "工作报表.docx": work_report}


def main(out_dir: Path = HERE) -> list[Path]:
    written = []
    for name, build in BUILDERS.items():
        path = out_dir / name
        doc = build()
        drop_unused_table_styles(doc)
        doc.save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in main():
        print(p)
