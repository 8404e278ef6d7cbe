"""The queue's content and order, and the record page's evidence boxes,
over records made here (no reading): needs review, rejected and low OCR
confidence are queued, oldest deadline first; a decision takes a record out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.ledger import Ledger
from pipeline.models import ContractFields, Correction, FiledRecord, Issue, Record
from pipeline.station.queue import Filters, next_after, queue
from pipeline.station.view import record_view


def _record(n: int, status: str, issues: list[Issue], day: dt.date) -> Record:
    return Record(source=f"f{n}.pdf", sha256=f"{n:064x}", kind="contract", status=status, issues=issues, received_on=day,
                  fields=ContractFields(agency_name=f"机构{n % 2}", client_phone="13900000000"))


def test_the_queue_holds_what_needs_a_person_oldest_first(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    low = Issue(code="LOW_CONFIDENCE", severity="warning", field="client_phone", message="识别置信度低")
    bad = Issue(code="INVALID_PHONE", severity="error", field="client_phone", message="电话无效")
    made = [_record(1, "accepted", [], dt.date(2021, 3, 1)), _record(2, "needs_review", [bad], dt.date(2021, 3, 5)),
            _record(3, "accepted", [low], dt.date(2021, 3, 2)), _record(4, "rejected", [], dt.date(2021, 3, 3))]
    try:
        for rec in made:
            ledger.claim(rec.sha256, rec.source, rec.received_on)  # type: ignore[arg-type]
            ledger.complete(rec.sha256, rec, "/nowhere", None)
        q = queue(ledger, Filters())
        assert [i.record.source for i in q.items] == ["f3.pdf", "f4.pdf", "f2.pdf"]
        assert q.items[0].deadline == dt.date(2021, 3, 16)
        assert q.counts == {"needs_review": 1, "rejected": 1, "low_confidence": 1}
        assert [i.record.source for i in queue(ledger, Filters(status="low_confidence")).items] == ["f3.pdf"]
        assert [i.record.source for i in queue(ledger, Filters(agency="机构0")).items] == ["f4.pdf", "f2.pdf"]
        assert next_after(ledger, made[3].sha256) == made[1].sha256
        ledger.add_correction(made[2].sha256, Correction(field="status", old="accepted", new="accepted", by="张三",
                                                         at=dt.datetime(2021, 3, 6)))
        assert "f3.pdf" not in [i.record.source for i in queue(ledger, Filters()).items]
    finally:
        ledger.close()


def test_evidence_boxes_when_the_record_has_them_and_none_otherwise() -> None:
    rec = FiledRecord(source="a.pdf", sha256="a" * 64, kind="contract", status="accepted", received_on=dt.date(2021, 3, 1),
                      fields=ContractFields(client_phone="13900000000", client_name="某公司"))
    plain = record_view(rec, [(595.0, 842.0)])
    assert plain.pages[0].boxes == [] and [f.value for f in plain.fields if f.name == "client_phone"] == ["13900000000"]
    with_evidence = rec.model_copy(update={"evidence": {
        "client_phone": {"page": 1, "label": "联系电话", "where": "line 14", "bbox": [100, 200, 220, 214], "confidence": None},
        "client_name": {"page": 1, "label": None, "where": "line 3", "bbox": None, "confidence": None}}})
    view = record_view(with_evidence, [(595.0, 842.0)])
    assert [(b.field, b.x, b.y, b.w, b.h) for b in view.pages[0].boxes] == [("client_phone", 100, 200, 120, 14)]
