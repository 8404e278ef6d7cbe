"""Golden tests: every sample filing (text renderings) against truth.json."""

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.flow import build_record

from .compare import field_mismatches, issue_codes

SAMPLES = Path(__file__).parent / "data" / "samples"
TRUTH = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
TEXT = sorted(n for n, t in TRUTH.items() if t["rendering"] in ("docx", "pdf", "xlsx"))


@pytest.mark.parametrize("name", TEXT)
def test_sample(name: str) -> None:
    t = TRUTH[name]
    record = build_record(SAMPLES / name, dt.date.fromisoformat(t["received_on"])).to_json_dict()
    assert record["kind"] == t["kind"]
    assert record["source"] == name
    assert not field_mismatches(t["fields"], record["fields"], t.get("accept"))
    assert issue_codes(record["issues"]) == issue_codes(t["issues"])
    expected_status = "rejected" if t["kind"] == "unknown" else (
        "needs_review" if any(c in {"MISSING_FIELD", "INVALID_CREDIT_CODE", "INVALID_PHONE", "NO_SERVICE_CATEGORY",
                                    "AMOUNT_MISMATCH", "COMPLETION_BEFORE_SIGNING", "DATE_IN_FUTURE",
                                    "COMMITMENT_ALTERED", "UNKNOWN_KIND"} for c in t["issues"]) else "accepted")
    assert record["status"] == expected_status
