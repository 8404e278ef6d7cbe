"""Checkboxes read from the image of a scanned or photographed 报告函: every
kind of mark people make (a pen tick overshooting its box, a cross, a box
filled in, a ✓ stamped over it, a faint pencil tick, a heavy marker tick) is
read as ticked; an empty box, and an empty box under the agency's red seal,
as empty; a dot nobody can call as unsure, named to the officer
(LOW_CONFIDENCE), never silently guessed. The marked letters come from
`fixtures/marked.py`; where each box is comes from the typed form, never from
the reader."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from pipeline.extract.read.marks import find_marks
from pipeline.extract.read.ocr_layout import _Box
from pipeline.extract.read.scan_prep import preprocess
from pipeline.flow import build_record

from .compare import field_mismatches

_spec = importlib.util.spec_from_file_location("tests_fixtures_marked", Path(__file__).parent / "fixtures" / "marked.py")
marked = importlib.util.module_from_spec(_spec)
sys.modules.setdefault(_spec.name, marked)
_spec.loader.exec_module(marked)

LABELS = dict(marked.gen.CATEGORY_LABELS)
SCAN = {"training": "pen", "assessment": "cross", "testing": "fill", "consulting": "stamp",
        "standardization": "faint", "other": "seal"}
PHOTO = {"training": "heavy", "assessment": "empty", "testing": "seal", "consulting": "smudge",
         "standardization": "stamp", "other": "pen"}
EXPECTED = {**{k: "ticked" for k in marked.TICKS}, "empty": "empty", "seal": "empty", "smudge": "unsure"}


def _expected(marks: dict) -> dict[str, str]:
    """The state each box should be read in; a box under a seal may be lost
    to the seal's lifting (then it is not read at all), never read ticked."""
    return {c: EXPECTED[k] for c, k in marks.items()}


def _states(letter, jpeg: bool) -> dict[str, str]:
    """What the image reader makes of each category's box, the labels placed
    where the typed form printed them."""
    gray = preprocess(marked.degraded(letter.page, 7, jpeg), suppress_seals=True)
    boxes = [_Box(*box, LABELS[c].replace("\u3000", ""), 0.99) for c, box in letter.labels.items()]
    states = {}
    for mark in find_marks(gray, boxes):
        for category, label in LABELS.items():
            if mark.text == label.replace("\u3000", ""):
                states[category] = mark.state
    return states


@pytest.mark.parametrize("marks,jpeg", [(SCAN, False), (PHOTO, True),
                                        ({"training": "cross", "assessment": "faint", "testing": "heavy",
                                          "consulting": "pen", "standardization": "fill", "other": "smudge"}, True),
                                        ({"training": "seal", "assessment": "stamp", "testing": "empty",
                                          "consulting": "empty", "standardization": "pen", "other": "cross"}, False)])
def test_each_kind_of_mark_is_read_from_the_image(tmp_path: Path, marks: dict, jpeg: bool) -> None:
    letter = marked.marked_letter(tmp_path, 3, marks, "page")
    states = _states(letter, jpeg)
    sealed = [c for c, k in marks.items() if k == "seal" and c not in states]
    assert states == {c: s for c, s in _expected(marks).items() if c not in sealed}
    assert len(sealed) <= 1


def test_a_page_without_boxes_has_no_marks() -> None:
    import numpy as np

    page = np.full((600, 400), 255, np.uint8)
    page[100:102, 50:350] = 0  # a rule
    assert find_marks(page, [_Box(50, 120, 200, 150, "安全培训", 0.99)]) == []


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.parametrize("marks,medium", [(SCAN, "scan"), (PHOTO, "photo")])
def test_a_letter_marked_by_hand_gives_its_categories(tmp_path: Path, marks: dict, medium: str) -> None:
    letter = marked.marked_letter(tmp_path, 5, marks, medium)
    record = build_record(letter.path, dt.date.fromisoformat(letter.received_on))
    got = record.to_json_dict()
    assert record.ocr and record.kind == "report_letter"
    assert field_mismatches({"service_categories": letter.fields["service_categories"]}, got["fields"]) == []
    for category in letter.fields["service_categories"]:  # each box read is shown where it stands
        evidence = record.evidence[f"service_categories.{category}"]
        assert evidence.page == 1 and evidence.bbox is not None and evidence.conf is not None
        assert evidence.where == "勾选框（已勾选）"
    unsure = [i.message for i in record.issues if i.code == "LOW_CONFIDENCE" and i.field == "service_categories"]
    named = {c for c, label in LABELS.items() for message in unsure if f"“{label.replace(chr(0x3000), '')}”" in message}
    sealed = {c for c, k in marks.items() if k == "seal"}  # a box lost under a seal is named, never taken as ticked
    assert set(letter.unsure) <= named <= set(letter.unsure) | sealed
