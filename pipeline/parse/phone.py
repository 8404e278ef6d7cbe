"""Chinese phone numbers: mobiles (11 digits) and landlines with area code.

Canonical forms: '13912345678' and '0519-86312345'. Area codes 010 and 02x
have three digits, every other one (03xx..09xx) four.
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..text import fold_width

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_AREA = r"(?:010|02[0-9]|0[3-9][0-9]{2})"
_LANDLINE = re.compile(rf"{_AREA}-?[2-9][0-9]{{6,7}}")
_COUNTRY = re.compile(r"^\s*[(（]?\s*(?:\+|00)\s*86\s*[)）]?[\s-]*")
_WRITTEN_SPLIT = re.compile(r"[(（]?\s*(0[0-9]{2,3})\s*[)）]?(?:\s*-\s*|\s+|(?<=[)）]))([0-9]{7,8})")


def _area_length(digits: str) -> int:
    """3 for 010 and 02x, else 4."""
    return 3 if digits.startswith(("010", "02")) else 4


def _split_landline(digits: str) -> str:
    """'051986312345' -> '0519-86312345' when the rest is a 7–8 digit number."""
    n = _area_length(digits)
    if 7 <= len(digits) - n <= 8:
        return f"{digits[:n]}-{digits[n:]}"
    return digits


def normalize_phone(text: str) -> str:
    """Canonical digits (with one hyphen after a landline's area code).

    A number of the wrong length comes back as its bare digits, for
    `is_valid_phone` to judge. ParseError only when there is no digit."""
    if not isinstance(text, str):
        raise ParseError(text, "电话号码必须是文本。")
    s = fold_width(text).strip()
    s = _COUNTRY.sub("", s)
    digits = re.sub(r"[^0-9]", "", s)
    if not digits:
        raise ParseError(text, "电话号码中没有数字。")
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    written = _WRITTEN_SPLIT.fullmatch(s)
    if written:
        return f"{written.group(1)}-{written.group(2)}"
    if digits.startswith("0"):
        return _split_landline(digits)
    return digits


def is_valid_phone(s: str) -> bool:
    """11-digit mobile 1[3-9]xxxxxxxxx, or a landline with its area code
    (bare local numbers are not enough: the record needs the area code)."""
    try:
        phone = normalize_phone(s)
    except ParseError:
        return False
    return bool(_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone))


# Phone-shaped runs only: a longer digit run (credit code, bank account) or a
# letter next to the run disqualifies it, and so does a digit-hyphen before it
# (the tail of a date or an account written in groups); 元/万/% after it
# makes it an amount.
_EDGE_BEFORE = r"(?<![0-9A-Za-z.,])(?<![0-9]-)"
_EDGE_AFTER = r"(?![0-9A-Za-z]|[.,][0-9]|\s*[元万%％])"
_FIND = re.compile(
    _EDGE_BEFORE
    + r"(?:(?:\+|00)86[\s-]?)?"
    + r"(?:[(（]0[0-9]{2,3}[)）]\s*[0-9]{7,8}"
    + r"|0[0-9]{2,3}(?:\s*-\s*|\s)?[0-9]{7,8}"
    + r"|1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4})"
    + _EDGE_AFTER
)


def find_phones(text: str) -> list[str]:
    """Valid phone numbers in a text, normalised, in order, without repeats.

    For a labelled cell that may hold a mistyped number, call
    `normalize_phone` on the cell instead: this finder only takes numbers
    of phone shape."""
    if not isinstance(text, str):
        return []
    found: list[str] = []
    for m in _FIND.finditer(fold_width(text)):
        phone = normalize_phone(m.group())
        if is_valid_phone(phone) and phone not in found:
            found.append(phone)
    return found
