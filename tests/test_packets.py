"""Packets: a ZIP of filings is opened, each member filed on its own with
`part_of`, the packet recorded as kind `packet`; hostile packets end in a
record with a Chinese reason, nothing is written outside the state folder
and the batch goes on."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.flow import build_record
from pipeline.ledger import Ledger
from pipeline.members import records_of_file
from pipeline.settings import Settings
from pipeline.watch import Watcher
from tests.compare import all_records

from .ofd import ofd_from_pdf
from .packets import bomb, encrypted_zip, gbk_zip, joined_pdf, lying_zip, zip_bytes

SAMPLES = Path(__file__).parent / "data" / "samples"
DAY = dt.date(2021, 7, 5)
# ten text samples of every kind, under the Chinese names a clerk gives them
TEN = {"doc_0001.docx": "合同/服务合同一.docx", "doc_0002.docx": "合同/服务合同二.docx", "doc_0003.docx": "工作报表/上半年.docx",
       "doc_0004.docx": "报告函.docx", "doc_0005.pdf": "工作报表/二季度.pdf", "doc_0010.pdf": "报告函（常州）.pdf",
       "doc_0012.pdf": "合同/评价合同.pdf", "doc_0015.xlsx": "工作报表/下半年.xlsx", "doc_0022.docx": "承诺书.docx",
       "doc_0028.pdf": "承诺书（盖章）.pdf"}


def _run(tmp_path: Path, files: dict[str, Path]) -> list[dict]:
    settings = Settings(inbox=tmp_path / "inbox", outbox=tmp_path / "outbox", state=tmp_path / "state",
                        stable_seconds=0.1, workers=2)
    settings.inbox.mkdir(parents=True)
    for name, src in files.items():
        shutil.copy(src, settings.inbox / name)
    ledger = Ledger(settings.ledger_path)
    try:
        Watcher(settings, ledger, received_on=DAY).run_once()
        return all_records(ledger)
    finally:
        ledger.close()


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_a_zip_of_ten_filings_with_gbk_names_gives_each_its_own_record(tmp_path: Path) -> None:
    packet = gbk_zip(tmp_path / "src" / "2021上半年备案.zip" if (tmp_path / "src").mkdir() is None else tmp_path,
                     {name: (SAMPLES / sample).read_bytes() for sample, name in TEN.items()})
    records = _run(tmp_path, {"2021上半年备案.zip": packet})
    by_member = {r["part_of"]["member"]: r for r in records if r.get("part_of")}
    (head,) = [r for r in records if r["kind"] == "packet"]
    assert head["source"] == "2021上半年备案.zip" and head["status"] == "accepted"
    assert sorted(head["fields"]["members"]) == sorted(TEN.values())  # GBK names decoded
    assert set(by_member) == set(TEN.values()) and len(records) == 11
    for sample, name in TEN.items():
        alone = build_record(SAMPLES / sample, DAY).to_json_dict()
        got = by_member[name]
        assert got["source"] == Path(name).name and got["part_of"]["sha256"] == head["sha256"]
        assert (got["kind"], got["fields"], got["sha256"]) == (alone["kind"], alone["fields"], alone["sha256"]), name
        assert Path(got["archive"]).read_bytes() == (SAMPLES / sample).read_bytes()
    assert Path(head["archive"]).read_bytes() == packet.read_bytes()
    assert list((tmp_path / "inbox").iterdir()) == []
    assert not _files_under(tmp_path / "state" / "unpack")  # every member moved into the archive


def test_extract_prints_the_packet_then_each_member(tmp_path: Path) -> None:
    inner = zip_bytes({"承诺书.docx": (SAMPLES / "doc_0022.docx").read_bytes()})
    packet = gbk_zip(tmp_path / "p.zip", {"合同.docx": (SAMPLES / "doc_0001.docx").read_bytes(), "内层/补充.zip": inner})
    records = [r.to_json_dict() for r in records_of_file(packet, DAY)]
    assert [r["kind"] for r in records] == ["packet", "contract", "packet", "commitment"]
    assert records[3]["part_of"] == {"sha256": records[2]["sha256"], "member": "承诺书.docx"}
    assert records[2]["part_of"] == {"sha256": records[0]["sha256"], "member": "内层/补充.zip"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    pdf = (SAMPLES / "doc_0028.pdf").read_bytes()
    many = folder / "many.zip"
    many.write_bytes(zip_bytes({f"{n:05d}.txt": b"x" for n in range(10_001)}))
    level3 = zip_bytes({"第三层.zip": zip_bytes({"合同.docx": (SAMPLES / "doc_0002.docx").read_bytes()})})
    nested = folder / "nested.zip"
    nested.write_bytes(zip_bytes({"第二层.zip": level3}))
    dotdot = folder / "dotdot.zip"
    dotdot.write_bytes(zip_bytes({"../../x": pdf, "承诺书.pdf": pdf}))
    return {"bomb.zip": bomb(folder / "bomb.zip"), "many.zip": many, "nested.zip": nested, "dotdot.zip": dotdot,
            "lying.zip": lying_zip(folder / "lying.zip", bytes(5_000_000), 1000),
            "encrypted.zip": encrypted_zip(folder / "encrypted.zip", pdf), "empty.zip": _empty_zip(folder / "empty.zip"),
            "entities.ofd": ofd_from_pdf(SAMPLES / "doc_0010.pdf", folder / "entities.ofd",
                                         doctype='<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'),
            "合同.docx": SAMPLES / "doc_0001.docx"}


def _empty_zip(target: Path) -> Path:
    target.write_bytes(zip_bytes({}))
    return target


REASONS = {"bomb.zip": "过大", "many.zip": "文件过多", "dotdot.zip": "“..”", "lying.zip": "无法解压",
           "encrypted.zip": "已加密", "empty.zip": "压缩包是空的", "entities.ofd": "实体"}


def test_hostile_packets_each_end_in_a_record_with_a_reason(tmp_path: Path, hostile: dict[str, Path]) -> None:
    records = _run(tmp_path, hostile)
    by_source = {r["source"]: r for r in records}
    for name, words in REASONS.items():
        record = by_source[name]
        assert record["status"] == "rejected" and record["issues"][0]["code"] == "UNREADABLE", name
        assert words in record["issues"][0]["message"], (name, record["issues"][0]["message"])
        assert Path(record["archive"]).read_bytes() == hostile[name].read_bytes()  # the packet is kept
    # a ZIP inside a ZIP is read; one more level is refused
    assert by_source["nested.zip"]["kind"] == "packet" and by_source["第二层.zip"]["kind"] == "packet"
    innermost = by_source["第三层.zip"]
    assert innermost["status"] == "rejected" and "嵌套" in innermost["issues"][0]["message"]
    assert innermost["part_of"]["sha256"] == by_source["第二层.zip"]["sha256"]
    assert by_source["合同.docx"]["kind"] == "contract"  # the batch went on
    outside = {p for p in _files_under(tmp_path) if not p.is_relative_to(tmp_path / "state")
               and not p.is_relative_to(tmp_path / "outbox")}
    assert outside == set()
    assert not [p for p in _files_under(tmp_path) if p.name == "x"]
    assert not (tmp_path / "state" / "unpack").exists() or not _files_under(tmp_path / "state" / "unpack")


# --------------------------------------------------------------------------- one PDF, several filings
JOINED = ["doc_0012.pdf", "doc_0028.pdf", "doc_0010.pdf"]  # a 4-page contract, a 承诺书, a 报告函


def test_a_pdf_joining_three_filings_gives_a_record_for_each(tmp_path: Path) -> None:
    packet = joined_pdf(tmp_path / "前台扫描.pdf", [SAMPLES / n for n in JOINED])
    records = [r.to_json_dict() for r in records_of_file(packet, DAY)]
    head, parts = records[0], records[1:]
    assert head["kind"] == "packet" and head["fields"]["members"] == ["第1-4页", "第5页", "第6页"]
    assert [p["part_of"] for p in parts] == [{"sha256": head["sha256"], "pages": pages} for pages in ([1, 4], [5, 5], [6, 6])]
    for name, part in zip(JOINED, parts):
        alone = build_record(SAMPLES / name, DAY).to_json_dict()
        assert (part["kind"], part["fields"], part["status"]) == (alone["kind"], alone["fields"], alone["status"]), name
        assert sorted(i["code"] for i in part["issues"]) == sorted(i["code"] for i in alone["issues"])
    assert len({p["sha256"] for p in records}) == 4


def test_a_multi_page_contract_stays_one_filing() -> None:
    records = list(records_of_file(SAMPLES / "doc_0024.pdf", DAY))
    assert [r.kind for r in records] == ["contract"] and records[0].part_of is None


def test_the_parts_of_a_joined_pdf_are_filed_and_archived_with_it(tmp_path: Path) -> None:
    packet = joined_pdf(tmp_path / "src.pdf", [SAMPLES / n for n in JOINED])
    records = _run(tmp_path, {"合订.pdf": packet})
    assert sorted(r["kind"] for r in records) == ["commitment", "contract", "packet", "report_letter"]
    assert {r["archive"] for r in records} == {next(r["archive"] for r in records if r["kind"] == "packet")}
    assert Path(records[0]["archive"]).read_bytes() == packet.read_bytes()
    needs = [r for r in records if r["status"] != "accepted"]
    notes = sorted((tmp_path / "outbox" / "待处理").glob("*.原因.txt"))
    assert len(notes) == len(needs) >= 1 and "所在页码" in notes[0].read_text(encoding="utf-8")


# --------------------------------------------------------------------------- photos of one document
def test_photos_split_where_a_titled_page_begins_even_of_the_same_kind() -> None:
    """Two contracts photographed one after the other stay two filings; in
    a PDF, pages of one kind stay together (a title may repeat)."""
    from pipeline.extract import read_document
    from pipeline.extract.split import filings
    from pipeline.models import Document

    pages = read_document(SAMPLES / "doc_0012.pdf").pages + read_document(SAMPLES / "doc_0024.pdf").pages
    assert filings(Document(pages=pages), every_title=True) == [(1, 4), (5, 8)]
    assert filings(Document(pages=pages)) == [(1, 8)]
    assert filings(Document(pages=pages[1:4]), every_title=True) == [(1, 3)]


@pytest.mark.ocr
@pytest.mark.slow
def test_photos_of_a_contracts_pages_in_a_zip_are_one_filing(tmp_path: Path, truth: dict) -> None:
    import io
    import zipfile

    import pdfplumber

    packet = tmp_path / "合同照片.zip"
    with pdfplumber.open(SAMPLES / "doc_0012.pdf") as pdf, zipfile.ZipFile(packet, "w") as zf:
        for n in (1, 0):  # stored out of order: the names give the order
            buf = io.BytesIO()
            pdf.pages[n].to_image(resolution=150).original.convert("RGB").save(buf, "JPEG", quality=85)
            zf.writestr(f"IMG_{412 + n:04d}.jpg", buf.getvalue())
    records = _run(tmp_path, {"合同照片.zip": packet})
    (filing,) = [r for r in records if r["kind"] != "packet"]
    assert filing["kind"] == "contract" and filing["source"] == "IMG_0412.jpg"
    assert filing["part_of"]["members"] == ["IMG_0412.jpg", "IMG_0413.jpg"]
    expected = truth["doc_0012.pdf"]["fields"]
    for name in ("agency_name", "client_name", "signed_on", "price_wan"):  # page 1 has the parties, page 2 the price
        assert filing["fields"][name] == expected[name], name
    archived = sorted(p.name for p in (tmp_path / "state" / "archive").rglob("*-IMG_*.jpg"))
    assert len(archived) == 2 and not list((tmp_path / "inbox").iterdir())


def test_a_receipt_says_where_in_the_packet_a_filing_was(tmp_path: Path) -> None:
    from pipeline.generate.receipt import receipt_text
    from pipeline.models import FiledRecord

    packet = joined_pdf(tmp_path / "合订.pdf", [SAMPLES / n for n in JOINED])
    part = list(records_of_file(packet, DAY))[2]
    text = receipt_text(FiledRecord.model_validate({**part.model_dump(), "received_on": DAY}))
    assert "承诺书" in text and "第 5 页" in text and "合订.pdf" in text


def test_reprocess_reads_packets_again_without_duplicating_their_filings(tmp_path: Path) -> None:
    from pipeline.batch import reprocess

    zipped = gbk_zip(tmp_path / "z.zip", {"合同.docx": (SAMPLES / "doc_0001.docx").read_bytes()})
    joined = joined_pdf(tmp_path / "j.pdf", [SAMPLES / n for n in JOINED])
    before = _run(tmp_path, {"包.zip": zipped, "合订.pdf": joined})
    settings = Settings(inbox=tmp_path / "inbox", outbox=tmp_path / "outbox", state=tmp_path / "state", workers=1)
    ledger = Ledger(settings.ledger_path)
    try:
        reprocess(settings, ledger)
        after = all_records(ledger)
    finally:
        ledger.close()

    def key(r: dict) -> tuple:
        return (r["sha256"], r["kind"], r["status"], str(r.get("part_of")))

    assert sorted(map(key, after)) == sorted(map(key, before)) and len(after) == 6
