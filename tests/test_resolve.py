"""Names the ledger knows (issue 13): an agency or client name read by OCR
that is only a slip of a name on file is filed as that name; real agencies
whose names are close stay apart; an officer's correction wins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import pytest

from pipeline.batch import resolve_names
from pipeline.glyphs import alike
from pipeline.ledger import Ledger
from pipeline.models import (
    ContractFields,
    Correction,
    FieldEvidence,
    FiledRecord,
    Record,
    ReportLetterFields,
    WorkReportFields,
    WorkReportRow,
)
from pipeline.resolve import resolve_all

DAY = dt.date(2021, 3, 1)
JIAAN, JIAAN_SLIP = "江苏佳安环境安全技术有限公司", "江苏住安环境安全技术有限公司"
DAAN, DINGAN = "江苏达安职业卫生检测有限公司", "江苏鼎安职业卫生检测有限公司"
HONGYI, HONGYI_ENV = "江苏弘毅安全技术服务有限公司", "江苏弘毅环境安全技术有限公司"

pytestmark = pytest.mark.cjk_font  # whether two characters look alike is judged on their drawings


def letter(sha: str, name: str, ocr: bool = False) -> FiledRecord:
    return FiledRecord(source=f"{sha}.docx", sha256=sha, kind="report_letter", status="accepted", ocr=ocr,
                       received_on=DAY, fields=ReportLetterFields(agency_name=name))


def contract(sha: str, name: str, conf: Optional[float] = 0.97, client: Optional[str] = None,
             ocr: bool = True) -> FiledRecord:
    evidence = {"agency_name": FieldEvidence(page=1, where="第2行", text=name, conf=conf)} if conf else {}
    return FiledRecord(source=f"{sha}.pdf", sha256=sha, kind="contract", status="accepted", ocr=ocr,
                       received_on=DAY, fields=ContractFields(agency_name=name, client_name=client),
                       evidence=evidence)


def taken(records: list[FiledRecord], sha: str, field: str = "agency_name") -> Optional[str]:
    found = [r for r in resolve_all(records).get(sha, []) if r.field == field]
    return found[0].taken if found else None


def test_the_glyph_judge_knows_like_from_unlike_shapes() -> None:
    assert alike("住", "佳") and alike("己", "已") and alike("末", "未")
    assert not alike("达", "鼎") and not alike("宁", "晟") and not alike("思", "鼎")


def test_a_slip_of_a_registered_agency_is_filed_as_it() -> None:
    records = [letter("a", JIAAN), contract("b", JIAAN_SLIP)]
    assert taken(records, "b") == JIAAN


def test_an_unlike_character_read_clearly_is_another_agency() -> None:
    records = [letter("a", DAAN), contract("b", DINGAN, conf=0.97)]
    assert resolve_all(records) == {}


def test_an_unlike_character_read_with_low_confidence_is_a_slip() -> None:
    records = [letter("a", DAAN), contract("b", DINGAN, conf=0.55)]
    assert taken(records, "b") == DAAN


def test_agencies_that_differ_by_a_word_are_never_merged() -> None:
    records = [letter("a", HONGYI), contract("b", HONGYI_ENV, conf=0.4), contract("c", HONGYI, conf=0.4)]
    assert resolve_all(records) == {}


def test_a_name_close_to_two_known_names_is_kept_and_doubted() -> None:
    a, b = "常州市鼎安安全评价有限公司", "常州市思安安全评价有限公司"
    records = [letter("a", a), letter("b", b), contract("c", "常州市恩安安全评价有限公司", conf=0.5)]
    [res] = resolve_all(records)["c"]
    assert res.taken is None and res.near == sorted([a, b])


def test_a_fragment_of_the_ending_read_again_is_dropped() -> None:
    records = [letter("a", "江苏中衡安全评价有限公司"), contract("b", "江苏中衡安全评价有限公司 限公司")]
    assert taken(records, "b") == "江苏中衡安全评价有限公司"


def test_a_dropped_character_is_restored() -> None:
    records = [letter("a", JIAAN), contract("b", "江苏佳安环境安全技术有限公"), contract("c", "江苏佳安环境安全技术有限司", 0.6)]
    assert taken(records, "b") == JIAAN and taken(records, "c") == JIAAN


def test_a_name_written_another_way_and_read_clearly_is_kept_as_written() -> None:
    records = [letter("a", "常州市精工涂装有限公司"), contract("b", "常州精工涂装有限公司")]
    assert resolve_all(records) == {}


def test_names_from_a_text_layer_are_never_resolved() -> None:
    records = [letter("a", JIAAN), contract("b", JIAAN_SLIP, ocr=False)]
    assert resolve_all(records) == {}


def test_more_filings_reading_a_name_outweigh_one() -> None:
    records = [contract("a", JIAAN), contract("b", JIAAN), contract("c", JIAAN_SLIP)]
    assert taken(records, "c") == JIAAN
    assert taken(records, "a") is None


def test_client_names_are_resolved_too() -> None:
    client, slip = "常州市武进区华宇精密机械有限公司", "常州市武进区华字精密机械有限公司"
    report = FiledRecord(source="r.docx", sha256="r", kind="work_report", status="accepted", received_on=DAY,
                         fields=WorkReportFields(agency_name=JIAAN, rows=[WorkReportRow(client_name=client)]))
    scan = FiledRecord(source="w.pdf", sha256="w", kind="work_report", status="accepted", ocr=True, received_on=DAY,
                       fields=WorkReportFields(agency_name=JIAAN, rows=[WorkReportRow(client_name=slip)]))
    records = [letter("a", JIAAN), report, contract("c", JIAAN, client=slip), scan]
    assert taken(records, "c", "client_name") == client
    assert taken(records, "w", "rows[0].client_name") == client


# ------------------------------------------------------------ in the ledger
def _file(ledger: Ledger, record: FiledRecord) -> None:
    ledger.claim(record.sha256, record.source, record.received_on)
    ledger.complete(record.sha256, Record.model_validate(record.model_dump(include=set(Record.model_fields))),
                    record.source, None)


def test_the_ledger_files_a_slip_under_the_known_agency_once_it_is_known(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    try:
        _file(ledger, contract("b" * 64, JIAAN_SLIP))
        assert resolve_names(ledger) == [] and ledger.agencies() == [JIAAN_SLIP]
        _file(ledger, letter("a" * 64, JIAAN))  # the ledger grows: the slip is resolved
        [moved] = resolve_names(ledger)
        assert (moved.before, moved.agency_key) == (JIAAN_SLIP, JIAAN)
        assert ledger.agencies() == [JIAAN]
        record = ledger.record("b" * 64)
        assert record is not None and record.fields.agency_name == JIAAN
        assert record.names_read == {"agency_name": JIAAN_SLIP} and record.status == "accepted"
        [note] = [i for i in record.issues if i.code == "NAME_RESOLVED"]
        assert note.severity == "info" and JIAAN_SLIP in note.message and JIAAN in note.message
        assert resolve_names(ledger) == []  # resolving again changes nothing
    finally:
        ledger.close()


def test_an_officers_correction_wins_over_resolution(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    try:
        _file(ledger, letter("a" * 64, JIAAN))
        _file(ledger, contract("b" * 64, JIAAN_SLIP))
        resolve_names(ledger)
        ledger.add_correction("b" * 64, Correction(field="agency_name", old=JIAAN, new="江苏住安科技有限公司",
                                                   by="王科员", at=dt.datetime(2021, 3, 2, 9)))
        resolve_names(ledger)
        record = ledger.record("b" * 64)
        assert record is not None and record.fields.agency_name == "江苏住安科技有限公司"
        assert not [i for i in record.issues if i.code == "NAME_RESOLVED"]
        assert sorted(ledger.agencies()) == sorted([JIAAN, "江苏住安科技有限公司"])
    finally:
        ledger.close()


def test_the_folder_of_an_agency_that_turned_out_a_slip_is_retired(tmp_path: Path) -> None:
    from pipeline.generate.outputs import OutputIndex, retire
    from pipeline.settings import Settings

    settings = Settings(inbox=tmp_path / "inbox", outbox=tmp_path / "outbox", state=tmp_path / "state")
    slip, real, mine = (settings.outbox / n for n in (JIAAN_SLIP, JIAAN, "江苏住安旧资料"))
    for folder in (slip, real):
        (folder / "回执").mkdir(parents=True)
        (folder / "工作报表-2021年上半年.docx").write_bytes(b"docx")
        (folder / "工作报表-2021年上半年.pdf").write_bytes(b"pdf")
        (folder / "回执" / "2021-03-01-a4.pdf.txt").write_text("回执", encoding="utf-8")
    (mine / "说明.txt").parent.mkdir(parents=True)
    (mine / "说明.txt").write_text("科员自己放的", encoding="utf-8")
    (mine / "扫描.pdf").write_bytes(b"pdf")
    (slip / "备注.txt").write_text("科员自己放的", encoding="utf-8")
    index = OutputIndex(settings.state / "outputs.json", settings.forms)
    index.hashes = {str(f / "工作报表-2021年上半年.docx"): "x" for f in (slip, real)}
    index.save()
    retire(settings, {JIAAN})
    assert (real / "工作报表-2021年上半年.docx").is_file() and (real / "回执" / "2021-03-01-a4.pdf.txt").is_file()
    assert sorted(p.name for p in slip.rglob("*")) == ["备注.txt"]  # what a person put there stays
    assert (mine / "说明.txt").is_file() and (mine / "扫描.pdf").is_file()
    assert list(OutputIndex(settings.state / "outputs.json", settings.forms).hashes) == [str(real / "工作报表-2021年上半年.docx")]
