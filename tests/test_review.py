"""Officers' corrections through the CLI: values checked by the extraction
parsers, append-only rows in the ledger, effective records with their issues
recomputed, corrections that outlive `reprocess`, documents that follow."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import docx
import pytest

from pipeline.batch import outputs_for, reprocess
from pipeline.correct.apply import effective
from pipeline.correct.values import CorrectionError
from pipeline.ledger import Ledger, VersionConflictError
from pipeline.models import Correction, FiledRecord, ReportLetterFields
from pipeline.review import accept, correct
from pipeline.settings import Settings

from .review_fixtures import LETTER, replay, sha_of
from .test_cli import run


@pytest.fixture(scope="module")
def filed(tmp_path_factory) -> Settings:
    return replay(tmp_path_factory.mktemp("review"))


@pytest.fixture
def state(filed: Settings, tmp_path: Path) -> Settings:
    """A fresh copy of the replayed ledger for each test."""
    shutil.copytree(filed.state, tmp_path / "state")
    return filed.model_copy(update={"state": tmp_path / "state", "outbox": tmp_path / "outbox"})


def records(settings: Settings) -> dict[str, dict]:
    out = run("records", "--state", str(settings.state))
    assert out.returncode == 0, out.stderr
    return {r["source"]: r for r in map(json.loads, out.stdout.splitlines())}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_malformed_value_is_refused_in_chinese_and_nothing_is_written(state: Settings) -> None:
    sha = sha_of(state, LETTER)[:10]
    before = _digest(state.ledger_path)
    out = run("correct", sha, "legal_representative_phone", "1552258356", "--by", "张三", "--state", str(state.state),
              "--outbox", str(state.outbox))
    assert out.returncode == 2 and "不是有效的手机号" in out.stderr and "Traceback" not in out.stderr
    ledger = Ledger(state.ledger_path, lock=False)
    try:
        for field, value, words in [("filled_on", "2021年13月5日", "日期"), ("license_no", "91320402797143980X", "统一社会信用代码"),
                                    ("no_such_field", "x", "没有字段"), ("staff_count", "许多", "整数"),
                                    ("service_categories", "安全培训、放烟花", "服务类别应为")]:
            with pytest.raises(CorrectionError, match=words) as caught:
                correct(ledger, sha, field, value, by="张三")
            assert caught.value.exit_code == 2
    finally:
        ledger.close()
    assert _digest(state.ledger_path) == before
    assert records(state)[LETTER]["corrections"] == []


@pytest.mark.slow
@pytest.mark.libreoffice(optional=True)
def test_a_cli_correction_survives_reprocess_and_reaches_the_report_letter(state: Settings) -> None:
    sha = sha_of(state, LETTER)
    assert records(state)[LETTER]["status"] == "needs_review"
    out = run("correct", sha[:8], "legal_representative_phone", "155 2258 3568", "--by", "张三", "--reason", "核对原件",
              "--state", str(state.state), "--outbox", str(state.outbox))
    assert out.returncode == 0, out.stderr
    out = run("accept", sha[:8], "--by", "张三", "--state", str(state.state), "--outbox", str(state.outbox))
    assert out.returncode == 0, out.stderr
    ledger = Ledger(state.ledger_path)
    try:
        reprocess(state, ledger, outputs=outputs_for(state))   # a new extraction reads the wrong number again
    finally:
        ledger.close()
    rec = records(state)[LETTER]
    assert rec["fields"]["legal_representative_phone"] == "15522583568"
    assert rec["status"] == "accepted" and not [i for i in rec["issues"] if i["code"] == "INVALID_PHONE"]
    assert [(c["field"], c["old"], c["new"], c["by"]) for c in rec["corrections"]] == [
        ("legal_representative_phone", "1895679588", "15522583568", "张三"), ("status", "accepted", "accepted", "张三")]
    letter = state.outbox / rec["fields"]["agency_name"] / "报告函.docx"
    text = "".join(c.text for t in docx.Document(str(letter)).tables for r in t.rows for c in r.cells)
    assert "15522583568" in text and "1895679588" not in text
    receipts = list((letter.parent / "回执").glob("*doc_0023*.txt"))
    assert receipts and "已受理" in receipts[0].read_text(encoding="utf-8")


def test_a_work_report_row_and_the_kind_are_corrected(state: Settings) -> None:
    ledger = Ledger(state.ledger_path, lock=False)
    try:
        report = next(r for r in ledger.records() if r.source == "doc_0015.xlsx")
        assert "rows[3].completion_on" in {i.field for i in report.errors}
        fixed = correct(ledger, report.sha256, "rows.3.completion_on", "2022年3月31日", by="李四")
        assert "rows[3].completion_on" not in {i.field for i in fixed.errors}
        assert fixed.fields.rows[3].completion_on == dt.date(2022, 3, 31)  # type: ignore[union-attr]
    finally:
        ledger.close()
    unknown = sha_of(state, "doc_0020.docx")
    out = run("kind", unknown[:12], "contract", "--by", "李四", "--state", str(state.state), "--outbox", str(state.outbox))
    assert out.returncode == 0, out.stderr
    ledger = Ledger(state.ledger_path)
    try:
        reprocess(state, ledger, kind="contract")
        assert ledger.record(unknown).kind == "contract"  # type: ignore[union-attr]
    finally:
        ledger.close()


def test_corrections_are_append_only_and_versioned(state: Settings) -> None:
    ledger = Ledger(state.ledger_path, lock=False)
    try:
        sha = sha_of(state, LETTER)
        rec = correct(ledger, sha, "local_contact", "曾文斌", by="张三", version=0)
        assert rec.version == 1
        with pytest.raises(VersionConflictError, match="已被张三修改"):
            accept(ledger, sha, by="李四", version=0)  # saw the record before 张三's change
        assert ledger.record(sha).version == 1  # type: ignore[union-attr]
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            ledger.db.execute("UPDATE corrections SET new = '\"x\"'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            ledger.db.execute("DELETE FROM corrections")
    finally:
        ledger.close()


def test_a_new_reading_that_disagrees_with_a_correction_is_noted() -> None:
    raw = FiledRecord(source="a.pdf", sha256="0" * 64, kind="report_letter", status="needs_review",
                      received_on=dt.date(2021, 3, 1),
                      fields=ReportLetterFields(agency_name="某机构", local_contact_phone="13900000001"))
    fix = Correction(field="local_contact_phone", old="1390000000", new="13900000000", by="张三",
                     at=dt.datetime(2021, 3, 2, 9, 0))
    rec = effective(raw, [fix])
    assert rec.fields.local_contact_phone == "13900000000"  # type: ignore[union-attr]
    notes = [i for i in rec.issues if i.code == "CORRECTION_DISAGREES"]
    assert len(notes) == 1 and notes[0].severity == "info" and "13900000001" in notes[0].message
    assert not effective(raw.model_copy(update={"fields": ReportLetterFields(local_contact_phone="1390000000")}),
                         [fix]).model_dump()["issues"] == notes


def test_a_decision_alone_keeps_the_extraction_s_issues() -> None:
    from pipeline.models import UnknownFields
    from pipeline.validate import issue

    raw = FiledRecord(source="坏.pdf", sha256="1" * 64, kind="unknown", status="rejected", received_on=dt.date(2021, 3, 1),
                      fields=UnknownFields(), issues=[issue("UNREADABLE", None, "文件已损坏。")])
    rec = effective(raw, [Correction(field="status", old="rejected", new="rejected", by="张三", reason="请重新扫描",
                                     at=dt.datetime(2021, 3, 2))])
    assert [i.code for i in rec.issues] == ["UNREADABLE"] and rec.status == "rejected"
