"""Golden tests: every scanned and photographed sample filing (renderings
`scan` and `jpg` in truth.json) against truth.json, compared as
tests/test_samples.py compares the text renderings: kind, fields, issue codes
and status.

OCR takes about 5 s a page on one core and these 13 files hold 25 pages, so
the files the session selected are read up front by a pool of worker
processes (one core and one single-threaded OCR engine each, as the
pipeline's own pool runs them), largest first; each test waits for its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import subprocess
import unicodedata
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from unittest import mock

import pdfplumber
import pytest

from pipeline.flow import build_record
from pipeline.models import Record
from pipeline.pdfa import pdfa_problems
from pipeline.searchable import SUFFIX, make_searchable

from .compare import field_mismatches, issue_codes, norm

SAMPLES = Path(__file__).parent / "data" / "samples"
TRUTH = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
SCANNED = sorted(n for n, t in TRUTH.items() if t["rendering"] in ("scan", "jpg"))
REVIEW = {"MISSING_FIELD", "INVALID_CREDIT_CODE", "INVALID_PHONE", "NO_SERVICE_CATEGORY", "AMOUNT_MISMATCH",
          "COMPLETION_BEFORE_SIGNING", "DATE_IN_FUTURE", "COMMITMENT_ALTERED", "UNKNOWN_KIND"}

# skipped without rapidocr and its models, failed on CI: tests/conftest.py
pytestmark = [pytest.mark.ocr, pytest.mark.slow]


@pytest.fixture(scope="module")
def reading(request: pytest.FixtureRequest):
    """{file name: Future of its Record} for the files of this module's selected tests."""
    wanted = sorted({item.callspec.params["name"] for item in request.session.items
                     if getattr(item, "module", None) is request.module and hasattr(item, "callspec")},
                    key=lambda name: -(SAMPLES / name).stat().st_size)  # the 4-page scans first
    workers = max(1, min(len(wanted), os.cpu_count() or 1, 4))  # each engine holds ~1 GB
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        # the workers are started by submit and inherit this environment: one OCR thread each
        with mock.patch.dict(os.environ, {"PIPELINE_OCR_THREADS": "1"}):
            futures: dict[str, Future[Record]] = {
                name: pool.submit(build_record, SAMPLES / name, dt.date.fromisoformat(TRUTH[name]["received_on"]))
                for name in wanted}
        yield futures
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("name", SCANNED)
def test_scanned_sample(name: str, reading: dict[str, Future[Record]]) -> None:
    t = TRUTH[name]
    record = reading[name].result(timeout=600).to_json_dict()
    assert record["kind"] == t["kind"]
    assert record["source"] == name
    assert not field_mismatches(t["fields"], record["fields"], t.get("accept"))
    assert issue_codes(record["issues"]) == issue_codes(t["issues"])
    expected_status = "rejected" if t["kind"] == "unknown" else (
        "needs_review" if any(c in REVIEW for c in t["issues"]) else "accepted")
    assert record["status"] == expected_status


# --------------------------------------------------------------------------- searchable PDFs
def _values(fields: dict) -> list[str]:
    """The truth's text values (names, addresses, numbers as written), rows included."""
    out: list[str] = []
    for key, value in fields.items():
        if key == "rows" and value:
            out += [v for row in value for v in _values(row)]
        elif isinstance(value, str) and value and not DATE.fullmatch(value):
            out.append(value)
    return out


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# name -> (truth values raw OCR found, those copied out of the searchable PDF)
COPIED: dict[str, tuple[list[str], list[str]]] = {}


@pytest.mark.parametrize("name", SCANNED)
def test_searchable_pdf_of_scanned_sample(name: str, reading: dict[str, Future[Record]], tmp_path: Path) -> None:
    """The searchable PDF beside a scan: the original untouched, at most 1.3×
    its size, every font embedded, readable by pdftoppm, and its text layer
    gives back (no spaces inserted) the truth's values OCR found: ≥ 95 % over
    all the scans (see test_searchable_text_overall), ≥ 90 % of each."""
    record = reading[name].result(timeout=600)
    original = SAMPLES / name
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    out = make_searchable(original, record.layer, tmp_path / (name + SUFFIX))
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before
    assert out.stat().st_size <= 1.3 * original.stat().st_size
    unembedded = {p for p in pdfa_problems(out) if "未嵌入" in p}
    assert unembedded <= set(pdfa_problems(original))  # the text layer's font is embedded
    with pdfplumber.open(out) as pdf:
        text = unicodedata.normalize("NFKC", "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", ""))
    found_by_ocr = [v for v in _values(TRUTH[name]["fields"]) if norm(v) in norm(record.text)]
    copied = [v for v in found_by_ocr if unicodedata.normalize("NFKC", v) in text]
    COPIED[name] = (found_by_ocr, copied)
    assert len(copied) >= 0.9 * len(found_by_ocr), sorted(set(found_by_ocr) - set(copied))
    run = subprocess.run(["pdftoppm", "-r", "20", "-png", str(out), str(tmp_path / "page")], capture_output=True)
    assert run.returncode == 0 and not run.stderr, run.stderr
    with pdfplumber.open(out) as pdf:
        pages = len(pdf.pages)
    assert len(list(tmp_path.glob("page*.png"))) == pages


def test_searchable_text_overall() -> None:
    """Over every scan checked above: ≥ 95 % of the values raw OCR found are
    copied out of the searchable PDFs as they are written."""
    if not COPIED:
        pytest.skip("no searchable PDF was checked in this run")
    found = sum(len(f) for f, _ in COPIED.values())
    copied = sum(len(c) for _, c in COPIED.values())
    assert copied >= 0.95 * found, f"{copied}/{found}"
