"""Search over every filing: the ledger's full-text index (trigram FTS5,
`instr` for one or two characters) kept in step with new records and
reprocessing, filters, and `pipeline search` on real filings, a scan among
them (tests/data/search/doc_0053.pdf: a scanned contract, copied from
corpus-dev, whose client is 常州锦华电机有限公司)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from pipeline.errors import UsageError
from pipeline.ledger import Ledger
from pipeline.models import ContractFields, Correction, Record, ReportLetterFields
from pipeline.search import search_lines

from .test_cli import SAMPLES, run

DATA = Path(__file__).parent / "data" / "search"


def _record(sha: str, kind: str, text: str, **fields: object) -> Record:
    model = ContractFields if kind == "contract" else ReportLetterFields
    return Record(source=f"{sha[:4]}.pdf", sha256=sha, kind=kind, status="accepted", fields=model(**fields),  # type: ignore[arg-type]
                  text=text)


def _file(ledger: Ledger, record: Record, day: dt.date) -> None:
    assert ledger.claim(record.sha256, record.source, day)
    ledger.complete(record.sha256, record, f"/archive/{record.source}", None)


@pytest.fixture()
def ledger(tmp_path: Path):
    led = Ledger(tmp_path / "ledger.sqlite3")
    _file(led, _record("a" * 64, "contract", "安全评价服务合同\n委托方：常州锦华电机有限公司\n签订日期 2021年3月8日",
                       agency_name="常州安泰安全技术服务有限公司", client_name="常州锦华电机有限公司"), dt.date(2021, 3, 10))
    _file(led, _record("b" * 64, "report_letter", "安全生产技术服务机构活动开展报告函\n机构名称 常州市思安安全评价有限公司",
                       agency_name="常州市思安安全评价有限公司"), dt.date(2021, 2, 1))
    yield led
    led.close()


def _hits(ledger: Ledger, query: str, **kw: object) -> list[dict]:
    return [json.loads(line) for line in search_lines(ledger, query, **kw)]  # type: ignore[arg-type]


def test_finds_text_fields_and_short_queries(ledger: Ledger) -> None:
    hits = _hits(ledger, "锦华电机")
    assert [h["kind"] for h in hits] == ["contract"]
    assert "【锦华电机】" in hits[0]["snippet"] and hits[0]["fields"]["client_name"] == "常州锦华电机有限公司"
    assert [h["kind"] for h in _hits(ledger, "报告函")] == ["report_letter"]
    assert [h["kind"] for h in _hits(ledger, "报告")] == ["report_letter"]      # two characters: below trigrams
    assert {h["kind"] for h in _hits(ledger, "安")} == {"contract", "report_letter"}
    assert _hits(ledger, "不存在的公司") == [] and _hits(ledger, '"引号') == []


def test_filters(ledger: Ledger) -> None:
    assert [h["kind"] for h in _hits(ledger, "安全", kind="report_letter")] == ["report_letter"]
    assert [h["kind"] for h in _hits(ledger, "安全", agency="（盖章）常州安泰安全技术服务有限公司")] == ["contract"]
    assert [h["kind"] for h in _hits(ledger, "安全", since=dt.date(2021, 3, 1))] == ["contract"]
    with pytest.raises(UsageError):
        _hits(ledger, "  ")


def test_index_follows_reprocessing(ledger: Ledger) -> None:
    newer = _record("a" * 64, "contract", "服务合同\n委托方：常州恒兴铸造有限公司", client_name="常州恒兴铸造有限公司")
    ledger.update_record(newer.sha256, newer)
    assert _hits(ledger, "锦华电机") == []
    assert [h["fields"]["client_name"] for h in _hits(ledger, "恒兴铸造")] == ["常州恒兴铸造有限公司"]
    # an officer's correction is searchable at once, and the text indexed before stays
    fix = Correction(field="client_name", old="常州恒兴铸造有限公司", new="常州恒兴精密铸造有限公司", by="王科员",
                     at=dt.datetime(2021, 4, 1, 9, 0), reason="营业执照上的全称")
    ledger.add_correction("a" * 64, fix)
    assert [h["fields"]["client_name"] for h in _hits(ledger, "恒兴精密")] == ["常州恒兴精密铸造有限公司"]
    assert len(_hits(ledger, "营业执照")) == 1
    assert len(_hits(ledger, "委托方")) == 1


@pytest.mark.ocr
@pytest.mark.slow
def test_pipeline_search_finds_a_scanned_contract(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DATA / "doc_0053.pdf", inbox)
    for name in ("doc_0004.docx", "doc_0022.docx"):
        shutil.copy(SAMPLES / name, inbox)
    state = str(tmp_path / "state")
    assert run("process", "--inbox", str(inbox), "--outbox", str(tmp_path / "outbox"), "--state", state,
               cwd=tmp_path).returncode == 0
    out = run("search", "锦华电机", "--state", state, cwd=tmp_path)
    hits = [json.loads(line) for line in out.stdout.splitlines()]
    # found by its OCR text (the classifier does not yet take this scan for a contract: kind "unknown")
    assert [(h["source"], h["ocr"]) for h in hits] == [("doc_0053.pdf", True)], out.stderr
    assert "【锦华电机】" in hits[0]["snippet"]
    assert Path(hits[0]["searchable"]).is_file()
    kinds = {json.loads(line)["kind"] for line in run("search", "报告", "--state", state, cwd=tmp_path).stdout.splitlines()}
    assert "report_letter" in kinds
    assert run("search", "锦华电机", "--kind", "report_letter", "--state", state, cwd=tmp_path).stdout == ""
    assert run("search", "弘毅", "--agency", "常州市思安安全评价有限公司", "--state", state, cwd=tmp_path).stdout == ""
    assert run("search", "x", "--kind", "合同", "--state", state, cwd=tmp_path).returncode == 2
