"""Stamped-ready means right: a field with an open error is blank on the
form and listed in the receipt; the 工作报表 counts accepted or corrected
contracts only and says how many are under review; each receipt is a
numbered Word document (and PDF where LibreOffice is installed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest

from pipeline.batch import outputs_for
from pipeline.ledger import Ledger
from pipeline.review import accept
from pipeline.settings import Settings

from .review_fixtures import replay, sha_of

AGENCY = "江苏恒正职业卫生检测有限公司"       # the agency of doc_0023.pdf
CONTRACTOR = "常州市安睿安全评价有限公司"    # the agency of doc_0025.docx (a contract with an invalid phone)


def _text(path: Path) -> str:
    d = docx.Document(str(path))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


@pytest.fixture(scope="module")
def done(tmp_path_factory) -> Settings:
    tmp = tmp_path_factory.mktemp("stamped")
    settings = Settings(inbox=tmp / "inbox", outbox=tmp / "outbox", state=tmp / "state", workers=1)
    return replay(tmp, ["doc_0023.pdf", "doc_0025.docx"], outputs_for(settings))


@pytest.mark.slow
@pytest.mark.libreoffice(optional=True)
def test_an_open_error_is_blank_on_the_form_and_listed_in_the_receipt(done: Settings) -> None:
    letter = _text(done.outbox / AGENCY / "报告函.docx")
    assert "1895679588" not in letter            # the invalid phone is never printed
    assert "13271953640" in letter               # the checked fields are
    receipts = sorted((done.outbox / AGENCY / "回执").glob("*doc_0023*"))
    text = next(p for p in receipts if p.suffix == ".txt").read_text(encoding="utf-8")
    assert "暂留空白" in text and "法定代表人联系手机" in text
    word = _text(next(p for p in receipts if p.suffix == ".docx"))
    assert "回执编号：武应急回〔2021〕" in word and "（盖章）" in word and "请更正以下问题" in word
    if shutil.which("soffice") or shutil.which("libreoffice"):
        assert any(p.suffix == ".pdf" for p in receipts)


@pytest.mark.slow
@pytest.mark.libreoffice(optional=True)
def test_the_work_report_counts_a_contract_once_accepted(done: Settings, tmp_path: Path) -> None:
    report = next((done.outbox / CONTRACTOR).glob("工作报表-*.docx"))
    before = _text(report)
    assert "另有1份合同正在审核" in before and "江苏恒兴电子有限公司" not in before
    settings = done.model_copy(update={"state": tmp_path / "state", "outbox": tmp_path / "outbox"})
    shutil.copytree(done.state, settings.state)
    shutil.copytree(done.outbox, settings.outbox)
    numbers = {p.name: p for p in (settings.outbox / CONTRACTOR / "回执").glob("*.txt")}
    ledger = Ledger(settings.ledger_path, lock=False)
    outputs = outputs_for(settings)
    assert outputs is not None
    try:
        contract = sha_of(settings, "doc_0025.docx")
        accept(ledger, contract, by="张三", publish=lambda agencies, shas: outputs(ledger, agencies, shas))
    finally:
        ledger.close()
    after = _text(settings.outbox / CONTRACTOR / report.name)
    assert "正在审核" not in after and "江苏恒兴电子有限公司" in after
    receipt = next(p for n, p in numbers.items() if "doc_0025" in n).read_text(encoding="utf-8")
    assert "处理结果：已受理" in receipt and "请更正" not in receipt
