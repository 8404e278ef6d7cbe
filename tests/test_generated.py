"""The pipeline over generated filings (tests/fixtures/generate.py): every kind, in
DOCX, text PDF and XLSX, with layouts, label wordings, checkbox glyphs and date forms
the samples do not show, and planted problems with the issues they must raise.

Values are compared the way shared/tools/score.py compares them: strings NFKC- and
white-space-insensitive, prices within 1e-4 万元, dates as exact ISO strings, phones
hyphen-insensitive, service categories as a set. Issue codes are compared as a
multiset, leaving out the codes that need the ledger or judge OCR confidence.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

_GENERATOR = Path(__file__).parent / "fixtures" / "generate.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("tests_fixtures_generate", _GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()

SEEDS = (1, 2)
CASE_IDS = [p.case_id for seed in SEEDS for p in gen.plan(seed)]

LEDGER_CODES = {"CONTRACT_NOT_REPORTED", "ROW_WITHOUT_CONTRACT", "AGENCY_NOT_REGISTERED", "OUT_OF_SCOPE",
                "LOW_CONFIDENCE"}
ROW_KEYS = ["client_name", "project_content", "town", "signed_on", "completion_on", "price_wan",
            "client_contact", "client_phone"]
DATE_KEYS = {"signed_on", "completion_on", "filled_on", "period_start", "period_end", "checked_on"}


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("generated")
    return {case.case_id: case for seed in SEEDS for case in gen.generate(out, seed)}


# --------------------------------------------------------------------------- comparison (as score.py)
def norm(x) -> str | None:
    if x is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(x)))


def is_null(x) -> bool:
    return x is None or (isinstance(x, str) and x.strip() == "") or x == []


def as_float(x):
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return float(x)
    try:
        return float(norm(x).replace(",", ""))
    except (TypeError, ValueError, AttributeError):
        return None


def eq_value(key: str, t, p) -> bool:
    if is_null(p):
        return False
    if key == "price_wan":
        f = as_float(p)
        return f is not None and abs(f - float(t)) <= 1e-4
    if key == "staff_count":
        f = as_float(p)
        return f is not None and f == float(t)
    if key == "clauses_intact":
        return isinstance(p, bool) and p == t
    if key == "service_categories":
        return isinstance(p, list) and set(map(str, p)) == set(t)
    if key in DATE_KEYS:
        return norm(p) == t
    if "phone" in key:
        return norm(p).replace("-", "") == norm(t).replace("-", "")
    if key == "project_content":
        a, b = norm(t), norm(p)
        return a == b or (len(b) >= 2 and (b in a or a in b))
    return norm(p) == norm(t)


def same(key: str, t, p, accept=()) -> bool:
    if t is None:
        return is_null(p)
    if t == []:
        return p == []
    return eq_value(key, t, p) or any(eq_value(key, a, p) for a in accept)


def field_mismatches(case, got: dict) -> list[str]:
    out = []
    for key, want in case.fields.items():
        have = got.get(key)
        if key != "rows":
            if not same(key, want, have, case.accept.get(key, ())):
                out.append(f"{key}: expected {want!r}, got {have!r}")
            continue
        if not isinstance(have, list) or len(have) != len(want):
            out.append(f"rows: expected {len(want)} rows, got {have!r}")
            continue
        for i, (t_row, p_row) in enumerate(zip(want, have)):
            for k in ROW_KEYS:
                if not same(k, t_row[k], (p_row or {}).get(k)):
                    out.append(f"rows[{i}].{k}: expected {t_row[k]!r}, got {(p_row or {}).get(k)!r}")
    return out


def issue_codes(issues) -> Counter:
    return Counter(i.code for i in issues if i.code not in LEDGER_CODES)


# --------------------------------------------------------------------------- the pipeline
@pytest.mark.parametrize("case_id", CASE_IDS)
def test_generated_case(generated, case_id):
    from pipeline.flow import build_record

    case = generated[case_id]
    record = build_record(case.path, dt.date.fromisoformat(case.received_on))
    where = f"{case.path.name} [{case.variant}] received {case.received_on}"
    assert record.kind == case.kind, f"{where}: kind {record.kind!r}, expected {case.kind!r}"
    got = record.fields.model_dump(mode="json")
    problems = field_mismatches(case, got)
    want_codes, got_codes = Counter(case.issues), issue_codes(record.issues)
    if want_codes != got_codes:
        problems.append(f"issues: expected {sorted(want_codes.elements())}, got {sorted(got_codes.elements())} "
                        f"({[(i.code, i.field) for i in record.issues]})")
    if record.status != case.status:
        problems.append(f"status: expected {case.status!r}, got {record.status!r}")
    assert not problems, where + "\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------- the generator itself
def test_generator_is_deterministic(generated, tmp_path):
    """The same seed gives the same cases and the same files (text PDFs even byte for byte)."""
    again = gen.generate(tmp_path, SEEDS[0])
    assert [c.case_id for c in again] == [p.case_id for p in gen.plan(SEEDS[0])]
    for case in again:
        first = generated[case.case_id]
        assert (case.path.name, case.kind, case.fields, case.issues, case.received_on) == \
            (first.path.name, first.kind, first.fields, first.issues, first.received_on)
        if case.path.suffix == ".pdf":
            assert case.path.read_bytes() == first.path.read_bytes(), case.path.name
        else:
            assert gen.file_text(case.path) == gen.file_text(first.path), case.path.name
    other = [c.fields for c in generated.values() if c.case_id.startswith(f"s{SEEDS[1]}-")]
    assert other != [c.fields for c in again]


class _Searchable:
    """All text of a file, white space removed; for a PDF, the cells of its tables too
    (a wrapped cell is split across lines of the page text), read only when needed."""

    def __init__(self, path: Path):
        self.path = path
        self.text = norm(gen.plain_text(path) if path.suffix != ".pdf" else self._pdf_text())
        self.cells: str | None = None

    def _pdf_text(self) -> str:
        import pypdfium2

        pdf = pypdfium2.PdfDocument(self.path)
        try:
            return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        finally:
            pdf.close()

    def __contains__(self, value: str) -> bool:
        if value in self.text:
            return True
        if self.path.suffix == ".pdf" and self.cells is None:
            import pdfplumber

            with pdfplumber.open(self.path) as pdf:
                self.cells = "\n".join(norm(c or "") for page in pdf.pages if page.rects
                                       for t in page.extract_tables() for row in t for c in row)
        return value in (self.cells or "")


def _ticked_boxes(path: Path) -> int:
    if path.suffix == ".docx":
        xml = gen.file_text(path)
        n = xml.count('w:char="F0FE"') + xml.count('w:char="F052"') + xml.count('<w14:checked w14:val="1"/>')
        xml = re.sub(r"<w:sdt>.*?</w:sdt>", "", xml, flags=re.S)
        text = "".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", xml))
    else:
        n, text = 0, _Searchable(path).text
    return n + sum(text.count(g) for g in "☑√■☒✓")


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_files_say_what_is_expected(generated, seed):
    """Every expected name, address, phone and count is really in its file, and every
    report letter shows as many ticked boxes as it has categories."""
    for case in (c for c in generated.values() if c.case_id.startswith(f"s{seed}-")):
        text = _Searchable(case.path)
        values = [(k, v) for k, v in case.fields.items() if k != "rows"]
        values += [(f"rows[{i}].{k}", v) for i, row in enumerate(case.fields.get("rows") or [])
                   for k, v in row.items()]
        for key, value in values:
            if value is None or isinstance(value, (bool, list, float)) or key.split(".")[-1] in DATE_KEYS \
                    or key == "service_category":
                continue
            assert norm(value) in text, f"{case.case_id} ({case.path.name}): {key}={value!r} not in the file"
        if case.kind == "report_letter" and case.variant.startswith("cattext"):
            # categories written out, no boxes: each category's name is in the text
            labels = dict(gen.CATEGORY_LABELS)
            assert all(norm(labels[c]) in text for c in case.fields["service_categories"]), case.case_id
        elif case.kind == "report_letter":
            assert _ticked_boxes(case.path) == len(case.fields["service_categories"]), case.case_id


def test_menu_covers_the_brief(generated):
    """Together the seeds cover every kind in every format, every checkbox style and
    every per-file issue code."""
    cases = list(generated.values())
    kinds_formats = {(c.kind, c.path.suffix) for c in cases}
    for kind in ("contract", "report_letter", "commitment", "work_report", "staff_list", "expert_check"):
        assert {(kind, ".docx"), (kind, ".pdf")} <= kinds_formats, kind
    assert {("work_report", ".xlsx"), ("staff_list", ".xlsx")} <= kinds_formats
    codes = {code for c in cases for code in c.issues}
    assert codes == {"MISSING_FIELD", "UNKNOWN_KIND", "INVALID_CREDIT_CODE", "INVALID_PHONE", "NO_SERVICE_CATEGORY",
                     "AMOUNT_MISMATCH", "COMPLETION_BEFORE_SIGNING", "DATE_IN_FUTURE", "CONTRACT_FILED_LATE",
                     "TOWN_OUTSIDE_DISTRICT", "COMMITMENT_ALTERED", "ROW_OUTSIDE_PERIOD", "WORK_REPORT_LATE",
                     "INVALID_ID_NUMBER"}
    boxes = {m for c in cases for m in re.findall(r"boxes:(\S+)", c.variant)}
    assert boxes == {"☑", "√", "■", "☒", "✓", "wingdings", "wingdings2", "w14", "w14b"}
    categories = {c.fields["service_category"] for c in cases if c.kind == "contract"}
    assert categories == {"training", "assessment", "testing", "consulting", "standardization", "other"}
    assert {c.status for c in cases} == {"accepted", "needs_review", "rejected"}
