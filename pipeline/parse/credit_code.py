"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

Implemented here because `stdnum.cn.uscc` insists that the first eight
characters are digits and so rejects valid codes beginning with N or Y.
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..text import fold_width

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def normalize_code(text: str) -> str:
    """Fold full-width, drop white space, upper-case. No other repair."""
    if not isinstance(text, str):
        raise ParseError(text, "信用代码必须是文本。")
    return re.sub(r"\s+", "", fold_width(text)).upper()


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if not isinstance(first17, str) or len(first17) != 17:
        raise ParseError(first17, "信用代码本体应为 17 位。")
    if any(c not in _VALUE for c in first17):
        raise ParseError(first17, "信用代码含有不允许的字符（不得含 I、O、S、V、Z）。")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """18 characters from the alphabet, last one the right check character.

    The code is judged as given: call `normalize_code` first for OCR or
    full-width text."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    try:
        return check_character(code[:17]) == code[17]
    except ParseError:
        return False
