"""Document generation (附件1–3 from docxtpl templates): contents, layout
marks, start-up template check, atomic writes, the round trip through the
extractor, and the PDF stage (skipped without LibreOffice)."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from pipeline.extract.commitment import CLAUSES, NUMERALS
from pipeline.flow import build_record
from pipeline.generate import forms as gen
from pipeline.generate.forms import (
    FORMS_DIR,
    TemplateError,
    check_templates,
    render_commitment,
    render_report_letter,
    render_work_report,
    safe_name,
)
from pipeline.generate.pages import keep_signatures
from pipeline.generate.pdf import PdfConverter, bundle
from pipeline.generate.receipt import ReceiptWriter, write_receipt_docx
from pipeline.models import CommitmentFields, FiledRecord, Issue, ReportLetterFields, WorkReportRow
from pipeline.pdfa import pdfa_problems
from pipeline.periods import half_year

ODD = "常州A&B<安全>技术服务有限公司"
LETTER = ReportLetterFields(
    agency_name=ODD, service_categories=["training", "consulting", "other"],
    business_scope="安全生产技术咨询；安全生产教育培训；应急预案编制。", local_business="为武进区工贸企业提供安全培训和咨询服务",
    license_no="91320412MA1MYERD0T", registered_address="江苏省常州市天宁区青洋北路320号恒生科技园二区6幢1501室",
    office_address="江苏省常州市武进区湖塘镇花园街与长安路交叉口东南侧武进万达广场写字楼A座2206室",
    local_contact="梁芳", local_contact_phone="18969005929", staff_count=47, experts="王建国、李红",
    legal_representative="熊明", legal_representative_phone="17748787065", filled_on=date(2021, 2, 16))
PROMISE = CommitmentFields(agency_name=ODD, promisor="陈玉兰", signed_on=date(2021, 2, 22), clauses_intact=True)
PERIOD = (date(2021, 1, 1), date(2021, 6, 30))


def make_rows(n: int) -> list[WorkReportRow]:
    towns = ["湖塘镇", "牛塘镇", "西湖街道", "丁堰街道", "横山桥镇"]
    prices = [3.85, 2.15, 2, 0.3, 12.5]
    rows = []
    for i in range(n):
        day = date(2021, 6, 28) if i == 0 else date(2021, 1 + i % 6, 1 + (i * 7) % 28)  # not in date order
        rows.append(WorkReportRow(
            client_name=f"常州市武进区第{i + 1}精密机械有限公司" if i else "常州<精诚>&模具有限公司",
            project_content="安全生产标准化三级达标咨询服务", town=towns[i % 5], signed_on=day,
            completion_on=date(2021, 12, 31), price_wan=prices[i % 5], client_contact="江佳怡",
            client_phone="0519-89349309" if i % 2 else "18293432428"))
    return rows


def texts(path: Path) -> tuple[list[str], list[list[str]]]:
    """Paragraph texts and table cells (each table row as a list) of a DOCX."""
    d = docx.Document(str(path))
    paras = [p.text for p in d.paragraphs]
    cells = [[c.text for c in row.cells] for t in d.tables for row in t.rows]
    return paras, cells


def squash(s: str) -> str:
    return "".join(s.split())


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("gen")
    return {
        "letter": render_report_letter(LETTER, d / "报告函.docx", FORMS_DIR),
        "promise": render_commitment(PROMISE, d / "承诺书.docx", FORMS_DIR),
        "report": render_work_report(ODD, *PERIOD, make_rows(5), d / "工作报表.docx", FORMS_DIR,
                                     principal="冯华", preparer="秦志强", phone="0519-88145498"),
        "report40": render_work_report(ODD, *PERIOD, make_rows(40), d / "工作报表40.docx", FORMS_DIR),
        "receipt": write_receipt_docx(FiledRecord(source="报告函.pdf", sha256="a" * 64, kind="report_letter", fields=LETTER,
                                                  issues=[], status="accepted", received_on=date(2021, 3, 1)),
                                      "武应急回〔2021〕0001号", d / "回执.docx"),
    }


# --------------------------------------------------------------------------- (a) contents
def test_templates_pass_the_startup_check():
    check_templates(FORMS_DIR)


def test_report_letter_holds_every_value(out):
    paras, cells = texts(out["letter"])
    flat = [squash(c) for row in cells for c in row]
    assert paras[1] == "安全生产技术服务机构活动开展报告函"
    for label in ["机构名称", "服务类别", "业务范围（填写全部内容）", "在从业地开展业务内容", "企业法人营业执照编号", "注册地址",
                  "办公地址", "从业地联系人", "联系手机", "从业人数", "聘用专家", "法定代表人"]:
        assert label in flat, label
    row = {squash(r[0]): r[1:] for r in cells}
    assert row["机构名称"][0] == ODD  # & < > survive autoescape
    assert row["企业法人营业执照编号"][0] == LETTER.license_no
    assert row["办公地址"][0] == LETTER.office_address
    assert row["从业地联系人"] == ["梁芳", "联系手机", "18969005929"]
    assert row["法定代表人"] == ["熊明", "联系手机", "17748787065"]
    assert squash(row["从业人数"][0]) == "47人（附从业人员名单）" and row["从业人数"][2] == "王建国、李红"
    boxes = squash(row["服务类别"][0])
    for mark, label in [("☑", "安全培训"), ("☐", "安全评估评价"), ("☐", "安全检测检验"), ("☑", "安全咨询托管"),
                        ("☐", "安全标准化"), ("☑", "其他")]:
        assert mark + label in boxes, (mark, label)
    assert "安全技术服务机构（盖章）" in paras and "填表日期：2021 年 2 月 16 日" in paras


def test_commitment_has_the_eight_clauses_verbatim(out):
    paras, _ = texts(out["promise"])
    assert "安全生产技术服务机构承诺书" in paras
    assert "本机构承诺，在武进区行政区域范围内开展服务，严格遵守以下规定：" in paras
    clauses = [NUMERALS[i] + "、" + c for i, c in enumerate(CLAUSES)]
    at = paras.index(clauses[0])
    assert paras[at:at + 8] == clauses
    regulation = Path(__file__).resolve().parents[2] / "shared" / "regulation" / "wujin-measures-2021.txt"
    if regulation.is_file():
        text = regulation.read_text(encoding="utf-8")
        assert all(c in text for c in clauses)
    assert f"机构名称（盖章）：\t{ODD}" in paras and "承诺人（签名）：\t陈玉兰" in paras and "2021 年 2 月 22 日" in paras


def test_blank_fields_leave_the_form_blank(tmp_path):
    path = render_commitment(CommitmentFields(), tmp_path / "c.docx")
    paras, _ = texts(path)
    assert "机构名称（盖章）：\t" in paras and "\u3000\u3000年\u3000\u3000月\u3000\u3000日" in paras
    path = render_report_letter(ReportLetterFields(), tmp_path / "l.docx")
    _, cells = texts(path)
    assert "☑" not in "".join(c for r in cells for c in r)


def test_each_render_fills_its_own_values_and_the_template_as_it_is_now(tmp_path):
    """Templates are compiled once per process: a second agency's form
    holds its own values, none of the first's, and a template edited
    between two batches is the one the next form is filled from."""
    forms = tmp_path / "forms"
    shutil.copytree(FORMS_DIR, forms, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    first = render_commitment(PROMISE, tmp_path / "first.docx", forms)
    second = render_commitment(PROMISE.model_copy(update={"agency_name": "常州另一安全咨询有限公司", "promisor": "王建国"}),
                               tmp_path / "second.docx", forms)
    paras, _ = texts(second)
    assert "承诺人（签名）：\t王建国" in paras and "机构名称（盖章）：\t常州另一安全咨询有限公司" in paras
    assert not any(ODD in p or "陈玉兰" in p for p in paras)
    edited = docx.Document(str(forms / "承诺书.docx"))
    edited.add_paragraph("联系人：{{ promisor }}（修订版模板）")
    edited.save(str(forms / "承诺书.docx"))
    paras, _ = texts(render_commitment(PROMISE, tmp_path / "third.docx", forms))
    assert "联系人：陈玉兰（修订版模板）" in paras
    assert "修订版模板" not in "".join(texts(first)[0])


def test_work_report_rows_sorted_numbered_formatted(out):
    paras, cells = texts(out["report"])
    head = next(p for p in paras if p.startswith("机构："))
    assert head == f"机构：（盖章）{ODD}\t2021 年 1 月 1 日 至 2021 年 6 月 30 日"
    assert [squash(c) for c in cells[0]] == ["序号", "项目企业名称", "项目主要内容", "项目所在镇（街道）", "签约时间", "完成时间",
                                             "服务价格（万元）", "项目企业联系人及联系方式"]
    body = cells[1:-1]
    assert [r[0] for r in body] == ["1", "2", "3", "4", "5"]
    assert [r[4] for r in body] == sorted(r[4] for r in body) and body[0][4] == "2021.02.08"
    assert body[-1][1] == "常州<精诚>&模具有限公司" and body[-1][4] == "2021.06.28"
    assert body[-1][6] == "3.85" and body[-1][7] == "江佳怡 18293432428"
    assert {r[6] for r in body} == {"3.85", "2.15", "2", "0.3", "12.5"}
    assert cells[-1][0] == "合计" and cells[-1][6] == "20.8"
    assert "负责人（签字）：冯华\t填表人：秦志强" in paras and "联系电话（传真）：0519-88145498" in paras
    assert any(p.startswith("注：每半年的第一周报上季度业绩") for p in paras)


def test_writers_do_not_modify_their_input(tmp_path):
    rows = make_rows(6)
    before = [r.model_copy() for r in rows]
    render_work_report("机构", *PERIOD, rows, tmp_path / "w.docx")
    assert rows == before


# --------------------------------------------------------------------------- (b) 40 rows
def test_forty_rows_header_repeats_and_total(out):
    d = docx.Document(str(out["report40"]))
    table = d.tables[0]
    header = table.rows[0]._tr
    assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
    assert all(r._tr.trPr is None or r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])
    assert len(table.rows) == 42
    cells = [[c.text for c in r.cells] for r in table.rows]
    assert [r[0] for r in cells[1:-1]] == [str(i) for i in range(1, 41)]
    expected = sum(r.price_wan for r in make_rows(40))
    assert cells[-1][0] == "合计" and abs(float(cells[-1][6]) - expected) < 1e-9 and cells[-1][6] == "166.4"
    paras = [p.text for p in d.paragraphs]
    assert "负责人（签字）：\t填表人：" in paras and "联系电话（传真）：" in paras


def test_value_formatting():
    assert gen.wan(3.85) == "3.85" and gen.wan(2.0) == "2" and gen.wan(10) == "10" and gen.wan(0.1 + 0.2) == "0.3"
    assert gen.dot_date(date(2021, 3, 8)) == "2021.03.08"
    assert half_year(date(2021, 1, 1)).label == "2021年上半年" and half_year(date(2021, 7, 1)).label == "2021年下半年"


def test_safe_name():
    assert safe_name('a<b>c:d"e/f\\g|h?i*j') == "a_b_c_d_e_f_g_h_i_j"
    assert safe_name("常州安全公司. ") == "常州安全公司"
    assert safe_name("CON") == "_CON" and safe_name("nul.docx") == "_nul.docx"
    assert safe_name("a\x00b\tc") == "a_b_c" and safe_name("") == "_" and safe_name("...") == "_"
    long = safe_name("长" * 300)
    assert len(long) <= 100 and len(long.encode()) <= 240


# --------------------------------------------------------------------------- (c) broken template
def test_broken_template_fails_the_startup_check(tmp_path):
    forms = tmp_path / "forms"
    shutil.copytree(FORMS_DIR, forms, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    d = docx.Document(str(forms / "报告函.docx"))
    d.add_paragraph("{{ agency_name ")
    d.save(str(forms / "报告函.docx"))
    with pytest.raises(TemplateError, match="报告函"):
        check_templates(forms)
    (forms / "报告函.docx").unlink()
    with pytest.raises(TemplateError, match="报告函"):
        check_templates(forms)


def test_templates_are_what_the_script_builds(tmp_path):
    spec = importlib.util.spec_from_file_location("make_templates", FORMS_DIR / "make_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for built in module.main(tmp_path):
        assert texts(built) == texts(FORMS_DIR / built.name), f"{built.name}: run forms/make_templates.py"


# --------------------------------------------------------------------------- (d) atomic writes
def test_atomic_write_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "报告函.docx"
    render_report_letter(LETTER, target)
    render_report_letter(LETTER, target)  # overwrite in place
    assert [p.name for p in tmp_path.iterdir()] == ["报告函.docx"]
    old = target.read_bytes()

    def fail(self, *_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr("docxtpl.DocxTemplate.save", fail)
    with pytest.raises(OSError):
        render_report_letter(ReportLetterFields(agency_name="其他"), target)
    assert [p.name for p in tmp_path.iterdir()] == ["报告函.docx"] and target.read_bytes() == old


# --------------------------------------------------------------------------- (e) round trip
def test_round_trip_report_letter(out):
    record = build_record(out["letter"], date(2021, 2, 20))
    assert record.kind == "report_letter"
    assert record.fields == LETTER


def test_round_trip_commitment(out):
    record = build_record(out["promise"], date(2021, 2, 25))
    assert record.kind == "commitment"
    assert record.fields == PROMISE


@pytest.mark.parametrize("n", [5, 40])
def test_round_trip_work_report(out, n):
    record = build_record(out["report" if n == 5 else "report40"], date(2021, 7, 3))
    assert record.kind == "work_report"
    f = record.fields
    assert (f.agency_name, f.period_start, f.period_end) == (ODD, *PERIOD)
    assert f.rows == gen.sorted_rows(make_rows(n))
    if n == 5:
        assert (f.principal, f.preparer, f.phone) == ("冯华", "秦志强", "0519-88145498")


# --------------------------------------------------------------------------- (f) PDF
needs_lo = pytest.mark.libreoffice  # skipped without LibreOffice and a CJK font, failed on CI: tests/conftest.py


@pytest.fixture(scope="module")
def pdfs(out, tmp_path_factory) -> dict[str, Path]:
    target = tmp_path_factory.mktemp("pdf")
    with PdfConverter(processes=2) as conv:  # two LibreOffice runs at once, each with its own profile
        made = conv.convert_many(out.values(), target)
    return {k: made[v] for k, v in out.items()}


def test_many_files_are_split_between_the_libreoffice_runs(tmp_path, monkeypatch):
    """A batch's receipts (or any long list) go to as many LibreOffice runs
    as may run at once, not all to one while the other core waits."""
    runs: list[list[str]] = []
    monkeypatch.setattr(PdfConverter, "_convert", lambda self, targets: runs.append(sorted(p.name for p in targets)) or {})
    files = {tmp_path / f"回执{i}.docx": tmp_path for i in range(5)}
    with PdfConverter(processes=2) as conv:
        futures = conv.submit_split(files)
        assert len(futures) == 2
        for future in futures:
            future.result()
    assert sorted(len(run) for run in runs) == [2, 3]
    assert sorted(name for run in runs for name in run) == sorted(p.name for p in files)


@needs_lo
def test_pdf_pages(pdfs):
    from pypdf import PdfReader

    assert all(p is not None and p.is_file() for p in pdfs.values())
    assert len(PdfReader(str(pdfs["letter"])).pages) == 1
    assert len(PdfReader(str(pdfs["promise"])).pages) == 1
    assert len(PdfReader(str(pdfs["report40"])).pages) >= 2
    text = PdfReader(str(pdfs["letter"])).pages[0].extract_text()
    assert "活动开展报告函" in text and ODD in squash(text)


@needs_lo
def test_bundle_with_bookmarks(pdfs, tmp_path):
    from PIL import Image
    from pypdf import PdfReader

    jpg, png = tmp_path / "合同-照片.jpg", tmp_path / "合同-截图.png"
    Image.new("RGB", (1200, 1600), "white").save(jpg)
    Image.new("RGB", (1600, 1200), "white").save(png)
    broken = tmp_path / "坏文件.pdf"
    broken.write_bytes(b"not a pdf")
    result = bundle(pdfs["report"], [pdfs["promise"], jpg, broken, png], tmp_path / "合订本.pdf")
    reader = PdfReader(str(result))
    assert len(reader.pages) == 1 + 1 + 1 + 1
    titles = [item.title for item in reader.outline]
    assert titles == ["工作报表", "合同1：承诺书", "合同2：合同-照片", "合同4：合同-截图"]
    assert [reader.get_destination_page_number(item) for item in reader.outline] == [0, 1, 2, 3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["合同-照片.jpg", "合同-截图.png", "坏文件.pdf", "合订本.pdf"])


@pytest.mark.parametrize("form", ["letter", "promise", "report", "receipt"])
def test_documents_leave_out_the_table_styles_libreoffice_would_read(out, form):
    """python-docx's default template defines 100 table styles, and
    LibreOffice read them for every document it converted (~35 ms each): a
    document keeps the default table style and the ones its tables use; the
    text stays."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE

    doc = Document(str(out[form]))
    assert {s.name for s in doc.styles if s.type == WD_STYLE_TYPE.TABLE} <= {"Normal Table", "Table Grid"}
    if form == "receipt":
        assert not doc.tables
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "回执编号：武应急回〔2021〕0001号" in text and "材料齐全，无需更正。" in text


def test_one_writer_gives_each_receipt_its_own_text_only(tmp_path):
    """A batch writes all its receipts with one writer (the template opened
    once): each receipt holds its own filing's lines and nothing of the one
    written before it, part for part the same as a receipt written alone."""
    import zipfile

    def filing(source: str, status: str, issues: list) -> FiledRecord:
        return FiledRecord(source=source, sha256=source[0] * 64, kind="report_letter", fields=LETTER, issues=issues,
                           status=status, received_on=date(2021, 3, 1))

    late = Issue(code="LATE_FILING", severity="error", message="合同签订后超过7个工作日才报送。", field="signed_on")
    first, second = filing("a报告函.pdf", "needs_review", [late]), filing("b报告函.pdf", "accepted", [])
    writer = ReceiptWriter()
    writer.write(first, "武应急回〔2021〕0001号", tmp_path / "first.docx")
    writer.write(second, "武应急回〔2021〕0002号", tmp_path / "second.docx")
    alone = write_receipt_docx(second, "武应急回〔2021〕0002号", tmp_path / "alone.docx")
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "second.docx")).paragraphs)
    assert "文件：b报告函.pdf" in text and "材料齐全，无需更正。" in text
    assert "a报告函.pdf" not in text and "0001号" not in text and "7个工作日" not in text
    assert "7个工作日" in "\n".join(p.text for p in docx.Document(str(tmp_path / "first.docx")).paragraphs)

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as z:
            return {name: z.read(name) for name in z.namelist()}

    assert parts(tmp_path / "second.docx") == parts(alone)



def test_receipt_package_is_what_python_docx_saves(tmp_path):
    """The writer compresses the unchanged parts once and adds each
    receipt's body: the package holds exactly the parts python-docx itself
    saves for that document, byte for byte, and Word's reader opens it."""
    import zipfile

    record = FiledRecord(source="报告函.pdf", sha256="c" * 64, kind="report_letter", fields=LETTER, status="accepted",
                         received_on=date(2021, 3, 1))
    writer = ReceiptWriter()
    writer.write(record, "武应急回〔2021〕0003号", tmp_path / "written.docx")
    writer.document.save(str(tmp_path / "saved.docx"))

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
            return {name: z.read(name) for name in z.namelist()}

    assert parts(tmp_path / "written.docx") == parts(tmp_path / "saved.docx")
    assert "回执编号：武应急回〔2021〕0003号" in [p.text for p in docx.Document(str(tmp_path / "written.docx")).paragraphs]


@needs_lo
@pytest.mark.parametrize("form", ["letter", "promise", "report", "report40", "receipt"])
def test_generated_pdf_is_pdfa_2b(pdfs, form):
    """What can be checked without veraPDF: the PDF/A-2b identification in
    the XMP metadata, an output intent, every font embedded, no encryption,
    no JavaScript; and pikepdf's own PDF/A validator finds no violation."""
    import pikepdf

    assert pdfa_problems(pdfs[form]) == []
    with pikepdf.open(pdfs[form]) as pdf:
        assert pdf.open_metadata().get("pdfaid:part") == "2"
        try:
            from pikepdf import pdfa
        except ImportError:  # pikepdf before 10.17, or without its [pdfa] extras
            return
        assert not pdfa.check(pdf, "2b").violations


def test_bundle_holds_a_photo_as_it_was_taken(tmp_path):
    """A contract photographed on a phone goes into the bundle as the very
    JPEG the agency sent (not decoded and compressed again), on a page that
    fits A4; one taken sideways is turned upright by the page's /Rotate."""
    import pikepdf
    from PIL import Image

    report = tmp_path / "工作报表.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(report)
    upright, sideways = tmp_path / "合同-正.jpg", tmp_path / "合同-横.jpg"
    Image.effect_noise((1500, 2000), 40).convert("RGB").save(upright, quality=85)
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF orientation: shown turned 90° clockwise
    Image.effect_noise((2000, 1500), 40).convert("RGB").save(sideways, quality=85, exif=exif)
    result = bundle(report, [upright, sideways], tmp_path / "备案材料.pdf")
    with pikepdf.open(result) as pdf:
        assert len(pdf.pages) == 3
        for page, photo, turn in zip(pdf.pages[1:], (upright, sideways), (0, 90)):
            (image,) = page.Resources.XObject.values()
            assert image.Filter == pikepdf.Name.DCTDecode and image.read_raw_bytes() == photo.read_bytes()
            assert int(page.obj.get("/Rotate", 0)) == turn
            w, h = float(page.mediabox[2]), float(page.mediabox[3])
            shown = (h, w) if turn else (w, h)  # as a viewer shows it
            assert shown[0] <= 8.27 * 72 + 1 and shown[1] <= 11.69 * 72 + 1 and shown[0] < shown[1]


@needs_lo
def test_bundle_says_it_is_not_pdfa(pdfs, tmp_path):
    import pikepdf

    result = bundle(pdfs["report"], [pdfs["promise"]], tmp_path / "备案材料.pdf")
    with pikepdf.open(result) as pdf:
        assert "pdfaid:part" not in pdf.open_metadata()
        assert "不是 PDF/A" in str(pdf.docinfo.get("/Subject"))
    assert "XMP 元数据中没有 PDF/A-2b 标识" in pdfa_problems(result)


def test_conversion_failure_never_raises(tmp_path):
    src = tmp_path / "a.docx"
    src.write_bytes(b"PK")
    assert PdfConverter(soffice="/bin/false").convert(src) is None
    missing = PdfConverter(soffice="")
    missing.soffice = None
    assert not missing.is_available() and "LibreOffice" in missing.unavailable_reason()
    assert missing.convert(src) is None


def test_image_page_fits_a4(tmp_path):
    from PIL import Image
    from pypdf import PdfReader

    from pipeline.generate.pdf import image_pdf

    img = tmp_path / "photo.jpg"
    Image.new("RGB", (3000, 4000), "white").save(img)
    page = PdfReader(io.BytesIO(image_pdf(img))).pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    assert w <= 8.27 * 72 + 1 and h <= 11.69 * 72 + 1 and max(w / 8.27, h / 11.69) > 70


@needs_lo
def test_long_report_keeps_its_signatures_with_its_last_rows(tmp_path):
    """Rendered by LibreOffice, a 工作报表 of 38 rows (which LibreOffice used
    to end with the signature lines alone on the last page, as in
    docs/forms/工作报表-40行-4.png) and one of 40: on every page the header
    row; on the last page table rows, the 合计 row, the signature lines, the
    footnote and the phone; still PDF/A-2b."""
    import pdfplumber

    reports = [render_work_report(ODD, *PERIOD, make_rows(n), tmp_path / f"工作报表{n}.docx", FORMS_DIR,
                                  principal="冯华", preparer="秦志强", phone="0519-88145498") for n in (38, 40)]
    with PdfConverter() as conv:
        conv.convert_many(reports)
        keep_signatures(reports, conv.convert)
    for report, n in zip(reports, (38, 40)):
        pdf = report.with_suffix(".pdf")
        with pdfplumber.open(pdf) as doc:
            pages = [squash(p.extract_text() or "") for p in doc.pages]
        assert len(pages) >= 3 and all("项目企业名称" in p and "签约时间" in p for p in pages), n
        last = pages[-1]
        assert "江佳怡" in last and "合计" in last, n  # a row of the table, then its total
        assert last.index("合计") < last.index("负责人（签字）：冯华") < last.index("注：每半年的第一周报上季度业绩"), n
        assert "联系电话（传真）：0519-88145498" in last, n
        numbers = [squash(c.text) for c in docx.Document(str(report)).tables[-1].columns[0].cells]
        assert numbers[-1] == "合计" and numbers[-2] == str(n), n  # the last row is still row n
        assert pdfa_problems(pdf) == [], n


@needs_lo
def test_a_run_of_more_files_than_libreoffice_reads_converts_them_all(tmp_path):
    """LibreOffice reads ~253 command-line arguments and silently drops the
    rest (exit status 0): 300 files given to one run came back as 243 PDFs.
    A long list is converted in turns, every file gets its PDF."""
    import docx

    one = docx.Document()
    one.add_paragraph("回执")
    files = []
    for i in range(260):
        path = tmp_path / f"回执{i:03d}.docx"
        one.save(path)
        files.append(path)
    with PdfConverter() as conv:  # one LibreOffice run: the whole list at once
        made = conv.convert_many(files, tmp_path / "pdf")
    assert [f.name for f, pdf in made.items() if pdf is None] == []
    assert len(list((tmp_path / "pdf").glob("*.pdf"))) == 260


def test_libreoffice_scratch_goes_to_a_ram_folder_with_room(tmp_path, monkeypatch):
    """LibreOffice's scratch holds nothing that must survive: a RAM-backed
    folder is used when there is one with room, else the system's temp folder."""
    from pipeline.generate import scratch

    ram = tmp_path / "ram"
    ram.mkdir()
    monkeypatch.setattr(scratch, "RAM_FOLDERS", (tmp_path / "missing", ram))
    assert scratch.scratch_parent() == str(ram)
    monkeypatch.setattr(scratch, "RAM_FOLDER_MIN_FREE", 2**62)  # no folder has that much room
    assert scratch.scratch_parent() is None


@needs_lo
def test_conversion_keeps_libreoffice_scratch_in_the_ram_folder(tmp_path, monkeypatch):
    """LibreOffice's profile and temporary files go to the RAM folder (its
    own fsyncs then cost nothing); the PDF still arrives in the outbox, and
    the scratch is gone once the converter is closed."""
    import docx

    from pipeline.generate import scratch

    ram = tmp_path / "ram"
    ram.mkdir()
    monkeypatch.setattr(scratch, "RAM_FOLDERS", (ram,))
    monkeypatch.setattr(scratch, "RAM_FOLDER_MIN_FREE", 0)
    one = docx.Document()
    one.add_paragraph("回执")
    one.save(tmp_path / "回执.docx")
    with PdfConverter() as conv:
        made = conv.convert(tmp_path / "回执.docx", tmp_path / "out")
        folders = list(ram.iterdir())
        assert len(folders) == 1 and (folders[0] / "profile-0" / "user").is_dir()
        assert (folders[0] / "tmp").is_dir()
    assert made == tmp_path / "out" / "回执.pdf" and made.read_bytes()[:5] == b"%PDF-"
    assert list(ram.iterdir()) == []


@needs_lo
def test_pdfs_that_might_not_fit_in_the_ram_folder_wait_on_disk(tmp_path, monkeypatch):
    """A RAM folder is small: when a run's PDFs might not fit there (a Word
    contract full of photos), they wait in the system's temp folder instead,
    and still arrive."""
    import docx

    from pipeline.generate import scratch

    ram = tmp_path / "ram"
    ram.mkdir()
    monkeypatch.setattr(scratch, "RAM_FOLDERS", (ram,))
    monkeypatch.setattr(scratch, "RAM_FOLDER_MIN_FREE", 0)
    assert scratch.room_for(ram, [])
    monkeypatch.setattr(scratch, "PDF_ROOM_MARGIN", 2**62)  # no folder has that much room
    assert not scratch.room_for(ram, [])
    made_dirs: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp",
                        lambda *a, **k: made_dirs.append(Path(real_mkdtemp(*a, **k))) or made_dirs[-1])
    one = docx.Document()
    one.add_paragraph("回执")
    one.save(tmp_path / "回执.docx")
    with PdfConverter() as conv:
        made = conv.convert(tmp_path / "回执.docx", tmp_path / "out")
    assert made == tmp_path / "out" / "回执.pdf" and made.read_bytes()[:5] == b"%PDF-"
    waited = [d for d in made_dirs if d.name.startswith("pipeline-pdf-")]
    assert len(waited) == 1 and ram not in waited[0].parents and not waited[0].exists()


def test_scratch_left_by_a_killed_converter_is_removed(tmp_path, monkeypatch):
    """A converter killed mid-run leaves its scratch behind; in RAM that
    memory would stay taken until the machine restarts. The next converter
    removes the scratch of processes that are gone, and no other."""
    import subprocess
    import sys

    from pipeline.generate import scratch

    ram = tmp_path / "ram"
    ram.mkdir()
    monkeypatch.setattr(scratch, "RAM_FOLDERS", (ram,))
    monkeypatch.setattr(scratch, "RAM_FOLDER_MIN_FREE", 0)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = ram / f"pipeline-soffice-{gone.pid}-x1"
    live = ram / f"pipeline-soffice-{os.getppid()}-x2"   # a process that is running
    other = ram / "someone-else"
    for folder in (stale, live, other):
        (folder / "profile-0").mkdir(parents=True)
    with PdfConverter() as conv:
        made = conv._scratch_dir()
        assert made.parent == ram and made.name.startswith(f"pipeline-soffice-{os.getpid()}-")
        assert not stale.exists() and live.is_dir() and other.is_dir()
    assert sorted(p.name for p in ram.iterdir()) == sorted([live.name, other.name])
