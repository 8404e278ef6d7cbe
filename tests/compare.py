"""Field comparison the way the project's scorer does it: NFKC and white
space insensitive strings, amounts within 1e-4, phones without hyphens,
categories as sets, work-report rows paired by agreement."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

LEDGER_CODES = {"CONTRACT_NOT_REPORTED", "ROW_WITHOUT_CONTRACT", "AGENCY_NOT_REGISTERED", "OUT_OF_SCOPE", "LOW_CONFIDENCE"}


def norm(x) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(x)))


def same(key: str, expected, got) -> bool:
    if expected is None or expected == []:
        return got == expected or (expected is None and got in (None, "", []))
    if got is None:
        return False
    if key == "price_wan":
        return abs(float(got) - float(expected)) <= 1e-4
    if key == "service_categories":
        return set(got) == set(expected)
    if key in ("staff_count", "clauses_intact"):
        return got == expected
    if "phone" in key:
        return norm(got).replace("-", "") == norm(expected).replace("-", "")
    if key == "rows":
        return len(got) == len(expected) and all(
            all(same(k, er.get(k), gr.get(k)) for k in er) for er, gr in zip(expected, got))
    return norm(got) == norm(expected)


def field_mismatches(expected: dict, got: dict, accept: dict | None = None) -> list[str]:
    out = []
    for key, value in expected.items():
        options = [value] + list((accept or {}).get(key, []))
        if not any(same(key, v, got.get(key)) for v in options):
            out.append(f"{key}: expected {value!r}, got {got.get(key)!r}")
    return out


def issue_codes(issues) -> Counter:
    return Counter(i["code"] if isinstance(i, dict) else i for i in issues
                   if (i["code"] if isinstance(i, dict) else i) not in LEDGER_CODES)


def all_records(ledger) -> list[dict]:
    """The ledger's records as `pipeline records` prints them."""
    return [r.to_json_dict() for r in ledger.records()]
