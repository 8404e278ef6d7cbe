"""居民身份证号码 (GB 11643-1999): reading one out of a cell, checking its
check digit and birth date, and masking it wherever people see it.

An ID number is personal data: the ledger keeps it whole (the cross-agency
check compares whole numbers); every message, log line, receipt and digest
cell shows it masked, digits 7 to 14 (the birth date) as `*`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{6}\s?\d{8}\s?\d{3}[\dXx×])(?![0-9A-Za-z])")
_ANY_ID = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


def read_id_number(text: Optional[str]) -> Optional[str]:
    """The 18-character ID number written in `text` (spaces dropped, x as X),
    whether or not it is valid; None when there is none."""
    if not text:
        return None
    folded = text.replace("×", "X").replace("Ｘ", "X").translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)})
    m = _CANDIDATE.search(folded)
    if not m:
        return None
    return re.sub(r"\s", "", m.group(1)).upper()


def is_valid_id_number(number: str, today: Optional[date] = None) -> bool:
    """True when the number has 18 characters, the right GB 11643 check digit
    and a possible birth date (a real day, from 1900 up to today). The
    region code is not checked: python-stdnum's table of places lacks some
    current ones (320402 天宁区)."""
    if not re.fullmatch(r"\d{17}[\dX]", number or ""):
        return False
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        return False
    return ric.calc_check_digit(number) == number[-1] and date(1900, 1, 1) <= born <= (today or date.today())


def mask_id(number: Optional[str]) -> str:
    """`320412198503071234` → `320412********1234` (digits 7–14 hidden)."""
    if not number:
        return ""
    return number[:6] + "*" * len(number[6:14]) + number[14:]


def mask_ids_in(text: str) -> str:
    """Every valid ID number inside a free text masked (a last guard for
    what people read; an all-digit credit code is left as it is)."""
    return _ANY_ID.sub(lambda m: mask_id(m.group()) if is_valid_id_number(m.group().upper()) else m.group(), text)
