"""A scanned 从业人员名单 (image-only PDF, turned a fraction of a degree, with
noise) reads like the typed one through the same OCR path: every person's
name, ID number, qualification, certificate number and role."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from pipeline.flow import build_record

from .compare import field_mismatches, issue_codes

_spec = importlib.util.spec_from_file_location("tests_fixtures_generate", Path(__file__).parent / "fixtures" / "generate.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules.setdefault(_spec.name, gen)
_spec.loader.exec_module(gen)


@pytest.mark.ocr
@pytest.mark.slow
def test_scanned_staff_list_with_a_bad_id_number(tmp_path: Path) -> None:
    built = gen.build_staff_list(random.Random("ocr-staff"), "pdf", 1, n=4, bad=("yes", "yes", "digit"))
    typed = tmp_path / "名单.pdf"
    gen.render_pdf(built.doc, typed)
    scan = gen.scan_pdf(typed, tmp_path / "名单-扫描.pdf", random.Random(5))
    record = build_record(scan, built.received)
    assert record.ocr and record.kind == "staff_list"
    got = record.to_json_dict()
    assert field_mismatches(gen._jsonable(built.fields), got["fields"]) == []
    assert issue_codes(got["issues"]) == {"INVALID_ID_NUMBER": 1}
    assert built.fields["people"][2]["id_number"] not in " ".join(i.message for i in record.issues)
