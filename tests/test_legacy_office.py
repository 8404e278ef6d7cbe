"""Legacy Office files without surprises: .xls and WPS .et read directly
(python-calamine, no LibreOffice Calc), .doc and WPS .wps through
LibreOffice Writer; each built from a sample."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import openpyxl
import pytest

from pipeline.extract.read import legacy, sniff
from pipeline.flow import build_record

SAMPLES = Path(__file__).parent / "data" / "samples"
DAY = dt.date(2022, 1, 6)


def biff8_from_xlsx(src: Path, target: Path) -> Path:
    """An Excel 97-2003 workbook (BIFF8, what Excel 2003 and WPS 表格 write)
    with the cells, dates and merges of an .xlsx."""
    import xlwt

    sheet = openpyxl.load_workbook(src).active
    book = xlwt.Workbook(encoding="utf-8")
    out = book.add_sheet("工作报表")
    date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    covered = set()
    for m in sheet.merged_cells.ranges:
        out.write_merge(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1, sheet.cell(m.min_row, m.min_col).value)
        covered |= {(r, c) for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
    for row in sheet.iter_rows():
        for cell in row:
            if (cell.row, cell.column) in covered or cell.value is None:
                continue
            style = date if isinstance(cell.value, dt.datetime) else xlwt.Style.default_style
            out.write(cell.row - 1, cell.column - 1, cell.value, style)
    book.save(str(target))
    return target


@pytest.mark.parametrize("name", ["工作报表.xls", "工作报表.et", "工作报表.dat"])
def test_an_xls_or_et_work_report_is_read_without_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             name: str) -> None:
    monkeypatch.setattr(legacy, "office_binary", lambda: None)  # as on a machine without LibreOffice
    for sample in ("doc_0015.xlsx", "doc_0019.xlsx"):
        book = biff8_from_xlsx(SAMPLES / sample, tmp_path / name)
        got = build_record(book, DAY).to_json_dict()
        alone = build_record(SAMPLES / sample, DAY).to_json_dict()
        assert got["kind"] == "work_report" and got["fields"] == alone["fields"], sample
        assert [i["code"] for i in got["issues"]] == [i["code"] for i in alone["issues"]]


def test_a_broken_xls_is_a_record_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "报表.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le") + b"\x00" * 600)
    assert sniff(path) == "xls"
    record = build_record(path, DAY)
    assert record.status == "rejected" and "另存为" in record.issues[0].message


@pytest.mark.libreoffice
def test_a_wps_document_is_read_through_libreoffice_writer(tmp_path: Path) -> None:
    """A WPS 文字 .wps is a Word 97 binary: made here by LibreOffice Writer
    from the sample, under the name WPS gives it."""
    subprocess.run([legacy.office_binary(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(SAMPLES / "doc_0022.docx")],
                   check=True, capture_output=True, timeout=180)
    wps = (tmp_path / "doc_0022.doc").rename(tmp_path / "承诺书.wps")
    assert sniff(wps) == "legacy"
    got = build_record(wps, dt.date(2021, 2, 23)).to_json_dict()
    alone = build_record(SAMPLES / "doc_0022.docx", dt.date(2021, 2, 23)).to_json_dict()
    assert got["kind"] == "commitment" and got["fields"] == alone["fields"]
