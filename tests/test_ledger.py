"""The ledger hands out typed records: what a stage reads after the ledger
is a `FiledRecord` with `date`s, its folder and its cross-document issues;
a state folder written before the folder had a column still reads."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import sys
from pathlib import Path

from pipeline.batch import generation_unavailable, outputs_for
from pipeline.ledger import Ledger
from pipeline.models import ContractFields, FiledRecord, Issue, Record
from pipeline.report import status_text
from pipeline.settings import Settings

CONTRACT = Record(source="合同.pdf", sha256="a" * 64, kind="contract", status="accepted",
                  fields=ContractFields(agency_name="（盖章）常州安泰安全技术服务有限公司", client_name="常州锦华电机有限公司",
                                        signed_on=dt.date(2021, 3, 8), price_wan=3.5))


def test_records_come_back_typed(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    try:
        assert ledger.claim(CONTRACT.sha256, CONTRACT.source, dt.date(2021, 3, 10))
        ledger.complete(CONTRACT.sha256, CONTRACT, str(tmp_path / "archive" / "合同.pdf"), "安泰")
        ledger.set_cross_issues(CONTRACT.sha256, [Issue(code="AGENCY_NOT_REGISTERED", severity="warning", message="未报送")])
        [rec] = list(ledger.records(agency="常州安泰安全技术服务有限公司"))
    finally:
        ledger.close()
    assert isinstance(rec, FiledRecord) and isinstance(rec.fields, ContractFields)
    assert rec.fields.signed_on == dt.date(2021, 3, 8) and rec.received_on == dt.date(2021, 3, 10)
    assert rec.folder == "安泰" and rec.agency_key == "常州安泰安全技术服务有限公司"
    assert [i.code for i in rec.all_issues] == ["AGENCY_NOT_REGISTERED"] and rec.issues == []
    printed = rec.to_json_dict()
    assert printed["issues"][0]["code"] == "AGENCY_NOT_REGISTERED" and "cross_issues" not in printed
    assert printed["received_on"] == "2021-03-10" and printed["folder"] == "安泰"


def test_a_ledger_from_before_the_folder_column_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("""CREATE TABLE files (sha256 TEXT PRIMARY KEY, source TEXT NOT NULL, state TEXT NOT NULL,
        received_on TEXT NOT NULL, claimed_at TEXT NOT NULL, done_at TEXT, archive TEXT, archived INTEGER NOT NULL DEFAULT 0,
        kind TEXT, status TEXT, agency TEXT, record TEXT, cross_issues TEXT NOT NULL DEFAULT '[]');""")
    stored = {**CONTRACT.model_dump(mode="json"), "folder": "安泰"}
    old.execute("INSERT INTO files VALUES (?, ?, 'done', '2021-03-10', '2021-03-10T09:00:00', NULL, 'a.pdf', 1, "
                "'contract', 'accepted', ?, ?, '[]')", (CONTRACT.sha256, CONTRACT.source, CONTRACT.agency_key,
                                                      json.dumps(stored, ensure_ascii=False)))
    old.commit()
    old.close()
    ledger = Ledger(path)
    try:
        [rec] = list(ledger.records())
    finally:
        ledger.close()
    assert rec.folder == "安泰" and rec.archive == "a.pdf" and rec.fields.client_name == "常州锦华电机有限公司"


def test_missing_document_parts_are_said_not_swallowed(tmp_path: Path, monkeypatch, caplog) -> None:
    monkeypatch.setitem(sys.modules, "docxtpl", None)  # as if docxtpl were not installed
    reason = generation_unavailable()
    assert reason and "docxtpl" in reason
    settings = Settings(inbox=tmp_path / "inbox", outbox=tmp_path / "outbox", state=tmp_path / "state")
    with caplog.at_level(logging.WARNING):
        assert outputs_for(settings) is None
    assert [r.getMessage() for r in caplog.records if "文书生成不可用" in r.getMessage()] == [f"文书生成不可用：{reason}"]
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        assert f"文书生成：不可用：{reason}" in status_text(settings, ledger)
    finally:
        ledger.close()


def test_status_names_the_ocr_engine(tmp_path: Path, monkeypatch) -> None:
    from pipeline.extract.read import ocr_engine

    settings = Settings(inbox=tmp_path / "inbox", outbox=tmp_path / "outbox", state=tmp_path / "state")
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        monkeypatch.setenv("PIPELINE_OCR_ENGINE", "onnxruntime")
        assert "扫描件识别引擎：ONNX Runtime（按 PIPELINE_OCR_ENGINE 设置" in status_text(settings, ledger)
        monkeypatch.delenv("PIPELINE_OCR_ENGINE")
        expected = "OpenVINO（默认" if ocr_engine.openvino_loads() else "ONNX Runtime（本机无法加载 OpenVINO"
        assert f"扫描件识别引擎：{expected}" in status_text(settings, ledger)
    finally:
        ledger.close()


def test_a_new_ledger_opened_by_several_connections_at_once(tmp_path: Path, monkeypatch) -> None:
    """`serve --watch` on a new state folder: the watcher, its output thread
    and the station open the same new ledger at once. One that looked for
    the search index before another made it must not fail making it again
    (`make run` on a fresh machine stopped with "table search already exists"),
    nor fail switching the new file to WAL ("database is locked" at once)."""
    import threading

    from pipeline import search_index

    path = tmp_path / "state" / "ledger.sqlite3"
    first = Ledger(path, lock=False)
    real, looked = search_index.exists, []

    def stale(db: sqlite3.Connection) -> bool:  # the first look, made before `first` made the index
        looked.append(db)
        return False if len(looked) == 1 else real(db)

    monkeypatch.setattr(search_index, "exists", stale)
    second = Ledger(path, lock=False)
    assert looked and second.db.execute("SELECT count(*) FROM search").fetchone() == (0,)
    monkeypatch.setattr(search_index, "exists", real)
    first.close()
    second.close()

    for run in range(40):  # and for real: four connections at once on a new ledger
        # (before the WAL switch was retried, ~1 round in 14 failed)
        path = tmp_path / f"new{run}" / "ledger.sqlite3"
        start, errors = threading.Barrier(4), []

        def open_one() -> None:
            start.wait()
            try:
                Ledger(path, lock=False).close()
            except Exception as exc:  # noqa: BLE001 - what the test looks for
                errors.append(exc)

        threads = [threading.Thread(target=open_one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
