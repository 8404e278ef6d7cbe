"""OFD (GB/T 33190): text and tables from each page's content XML, a
scanned page through OCR, e-seals noted, hostile XML refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.flow import build_record

from .ofd import garble, ofd_from_pdf

SAMPLES = Path(__file__).parent / "data" / "samples"
DAY = dt.date(2021, 5, 14)


def _codes(record: dict) -> list[str]:
    return sorted(i["code"] for i in record["issues"])


@pytest.mark.parametrize("sample", ["doc_0010.pdf", "doc_0012.pdf", "doc_0005.pdf"])  # 报告函, 4-page contract, 工作报表
def test_an_ofd_gives_the_fields_of_the_same_filing_as_pdf(tmp_path: Path, sample: str) -> None:
    ofd = ofd_from_pdf(SAMPLES / sample, tmp_path / "材料.ofd")
    got = build_record(ofd, DAY).to_json_dict()
    alone = build_record(SAMPLES / sample, DAY).to_json_dict()
    assert got["kind"] == alone["kind"] != "unknown"
    assert got["fields"] == alone["fields"]
    assert _codes(got) == _codes(alone)
    assert got["signatures"] is None and not got["ocr"]


def test_an_ofd_by_its_content_whatever_its_name(tmp_path: Path) -> None:
    ofd = ofd_from_pdf(SAMPLES / "doc_0010.pdf", tmp_path / "报告函.zip")
    assert build_record(ofd, DAY).kind == "report_letter"


def test_an_e_seal_is_noted_with_its_signer(tmp_path: Path) -> None:
    ofd = ofd_from_pdf(SAMPLES / "doc_0028.pdf", tmp_path / "承诺书.ofd", signer="常州科安安全科技有限公司")
    record = build_record(ofd, DAY).to_json_dict()
    assert record["kind"] == "commitment"
    assert record["signatures"] == [{"kind": "seal", "signer": "常州科安安全科技有限公司"}]


def test_an_ofd_whose_xml_declares_entities_is_refused(tmp_path: Path) -> None:
    bomb = '<!DOCTYPE ofd:OFD [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    ofd = ofd_from_pdf(SAMPLES / "doc_0010.pdf", tmp_path / "x.ofd", doctype=bomb)
    record = build_record(ofd, DAY)
    assert record.status == "rejected" and record.issues[0].code == "UNREADABLE"
    assert "实体" in record.issues[0].message


def test_a_broken_ofd_is_a_record_not_a_crash(tmp_path: Path) -> None:
    ofd = ofd_from_pdf(SAMPLES / "doc_0010.pdf", tmp_path / "x.ofd")
    data = ofd.read_bytes()
    ofd.write_bytes(data[: len(data) // 2])
    record = build_record(ofd, DAY)
    assert record.status == "rejected" and record.issues[0].code == "UNREADABLE"


@pytest.mark.ocr
@pytest.mark.slow
def test_a_scanned_ofd_page_goes_to_ocr(tmp_path: Path, truth: dict) -> None:
    ofd = ofd_from_pdf(SAMPLES / "doc_0006.pdf", tmp_path / "承诺书扫描.ofd", scanned=True)
    record = build_record(ofd, dt.date.fromisoformat(truth["doc_0006.pdf"]["received_on"]))
    assert record.ocr and record.kind == "commitment"
    assert record.fields.agency_name == truth["doc_0006.pdf"]["fields"]["agency_name"]


@pytest.mark.cjk_font
def test_text_drawn_through_an_embedded_fonts_glyphs_is_read_from_its_character_map(tmp_path: Path) -> None:
    from .system import cjk_font

    font = cjk_font()
    assert font is not None
    plain = ofd_from_pdf(SAMPLES / "doc_0012.pdf", tmp_path / "plain.ofd")
    agency = build_record(SAMPLES / "doc_0012.pdf", DAY).fields.agency_name
    assert agency
    drawn = garble(plain, tmp_path / "drawn.ofd", agency, font[0])
    assert build_record(drawn, DAY).fields.agency_name == agency
    codes_only = garble(plain, tmp_path / "codes.ofd", agency, font[0], embed=False)
    assert build_record(codes_only, DAY).fields.agency_name != agency  # without the font only the codes remain
