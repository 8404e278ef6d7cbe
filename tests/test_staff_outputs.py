"""ID numbers are personal data: staff lists and expert checks dropped as
agencies drop them (Word, Excel), through the watcher with documents,
receipts and the digest made, and not one full 身份证号码 in any log line,
receipt, digest, HTML page or document the pipeline writes; the masked
form is where people need it."""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import random
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline.batch import outputs_for
from pipeline.ledger import Ledger
from pipeline.parse.id_number import mask_id
from pipeline.settings import Settings
from pipeline.watch import Watcher

_spec = importlib.util.spec_from_file_location("tests_fixtures_generate", Path(__file__).parent / "fixtures" / "generate.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules.setdefault(_spec.name, gen)
_spec.loader.exec_module(gen)

AGENCIES = ["常州安泰安全评价有限公司", "常州恒安安全评价有限公司"]
DAY = dt.date(2026, 5, 11)


def _letter(name: str, staff: int, path: Path) -> None:
    rows = [[gen.C("机构名称"), gen.C(name)], [gen.C("服务类别"), gen.C("☑安全评估评价  □安全培训  □安全检测检验")],
            [gen.C("从业人数"), gen.C(f"{staff}人（附从业人员名单）")], [gen.C("填表日期"), gen.C("2026年5月8日")]]
    gen.render_docx([gen.P("安全生产技术服务机构活动开展报告函", align="center"), gen.Grid(rows, widths=[3, 8])], path)


def _staff(name: str, people: list[dict], path: Path) -> None:
    head = ["序号", "姓名", "身份证号码", "资格（职称）", "证书编号", "专职/兼职"]
    rows = [[str(i + 1), p["name"], p["id_number"], p["qualification"], p["certificate_no"], p["role"]] for i, p in enumerate(people)]
    if path.suffix == ".xlsx":
        gen.render_xlsx(gen.Sheet("名单", [["从业人员名单"], [f"机构名称：{name}"], head, *rows, ["填表日期：2026年5月8日"]]), path)
    else:
        gen.render_docx([gen.P("从业人员名单", align="center"), gen.P(f"机构名称：{name}"),
                         gen.Grid([[gen.C(c) for c in head]] + [[gen.C(c) for c in r] for r in rows], widths=[1, 2, 4, 3, 4, 2]),
                         gen.P("填表日期：2026年5月8日")], path)


def _texts(folder: Path) -> dict[Path, str]:
    """Every file the pipeline wrote, as text (documents unpacked, PDFs' text layer)."""
    out = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path.parent.name == "待处理" and not path.name.endswith(".txt"):
            continue   # 待处理 holds copies of the agencies' own files, as they sent them
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as z:
                out[path] = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        elif path.suffix == ".pdf":
            from pypdf import PdfReader

            out[path] = " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
        else:
            out[path] = path.read_text(encoding="utf-8", errors="replace")
    return out


@pytest.mark.slow
@pytest.mark.libreoffice(optional=True)
def test_no_full_id_number_in_any_output(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(18)
    shared = gen.make_people(rng, 1)[0]
    team_a = gen.make_people(rng, 4, bad=("yes", "digit")) + [shared]
    team_b = gen.make_people(rng, 3, bad=("date",)) + [shared]
    settings = Settings(inbox=tmp_path / "inbox", outbox=tmp_path / "outbox", state=tmp_path / "state", stable_seconds=0.1,
                        workers=1)
    settings.inbox.mkdir(parents=True)
    _letter(AGENCIES[0], 6, settings.inbox / "报告函A.docx")          # the list has 5: STAFF_COUNT_MISMATCH
    _letter(AGENCIES[1], 4, settings.inbox / "报告函B.docx")
    _staff(AGENCIES[0], team_a, settings.inbox / "名单A.xlsx")
    _staff(AGENCIES[1], team_b, settings.inbox / "名单B.docx")
    caplog.set_level(logging.DEBUG)
    ledger = Ledger(settings.ledger_path)
    try:
        Watcher(settings, ledger, outputs_for(settings), received_on=DAY).run_once()
        codes = {i.code for r in ledger.records() for i in r.all_issues}
    finally:
        ledger.close()
    assert {"INVALID_ID_NUMBER", "PERSON_IN_TWO_AGENCIES", "STAFF_COUNT_MISMATCH"} <= codes
    texts = _texts(settings.outbox)
    texts[Path("log")] = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    numbers = [p["id_number"] for p in team_a + team_b]
    leaks = [(str(path), n) for path, text in texts.items() for n in numbers if n in text or n.lower() in text]
    assert leaks == []
    page = next(t for p, t in texts.items() if p.name == "index.html")
    assert mask_id(shared["id_number"]) in page and AGENCIES[1] in page
    receipts = " ".join(t for p, t in texts.items() if p.parent.name == "回执")
    assert mask_id(team_a[1]["id_number"]) in receipts and mask_id(team_b[0]["id_number"]) in receipts
    assert "请核实并报送更新后的从业人员名单" in receipts
