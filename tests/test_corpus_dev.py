"""Golden tests over a few files of the development corpus (tests/data/corpus_dev,
copied from shared/corpus-dev): templates the samples do not show. Every
non-null field of every record says where its value came from."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.explain import explain
from pipeline.flow import build_record

from .compare import field_mismatches, issue_codes

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus_dev"
TRUTH = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
SAMPLES = DATA / "samples"
SAMPLE_TRUTH = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_corpus_file(name: str) -> None:
    t = TRUTH[name]
    record = build_record(CORPUS / name, dt.date.fromisoformat(t["received_on"])).to_json_dict()
    assert record["kind"] == t["kind"]
    assert not field_mismatches(t["fields"], record["fields"], t.get("accept"))
    assert issue_codes(record["issues"]) == issue_codes(t["issues"])


def test_an_unknown_says_which_kind_came_closest() -> None:
    record = build_record(CORPUS / "doc_0108.pdf", dt.date(2021, 8, 12))
    assert record.kind == "unknown"
    message = record.issues[0].message
    assert "最接近" in message or "无法识别" in message


TEXT_FILES = [(CORPUS, n, t) for n, t in TRUTH.items() if t["kind"] != "unknown"] + \
    [(SAMPLES, n, t) for n, t in SAMPLE_TRUTH.items() if t["rendering"] in ("docx", "pdf", "xlsx") and t["kind"] != "unknown"]


@pytest.mark.parametrize("folder,name,truth", TEXT_FILES, ids=[f"{f.name}/{n}" for f, n, _ in TEXT_FILES])
def test_every_value_says_where_it_came_from(folder: Path, name: str, truth: dict) -> None:
    record = build_record(folder / name, dt.date.fromisoformat(truth["received_on"]))
    for field, value in record.fields:
        if value is None:
            continue
        ev = record.evidence.get(field)
        assert ev is not None, f"{name}: no evidence for {field}"
        assert ev.page >= 1 and ev.where and ev.text
        if name.endswith(".pdf"):
            assert ev.bbox is not None and ev.bbox[0] < ev.bbox[2] and ev.bbox[1] < ev.bbox[3], (name, field)
    table = explain(record)
    assert "（未找到出处）" not in table and "页" in table


def test_registration_form_evidence_points_at_the_cells() -> None:
    record = build_record(CORPUS / "doc_0025.pdf", dt.date(2021, 5, 20))
    ev = record.evidence["client_name"]
    assert (ev.page, ev.label, ev.where) == (1, "项目企业名称", "表1第3行第2列")
    x0, top, x1, bottom = ev.bbox or (0, 0, 0, 0)
    assert 0 < x0 < x1 <= 612 and 0 < top < bottom <= 842  # points on an A4 page, from its top left
