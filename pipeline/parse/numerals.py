"""Chinese numerals shared by the date and money parsers."""

from __future__ import annotations

# the characters written for zero: 零 (both cases), 〇 and its look-alike ○
ZERO = "零〇○"

# Chinese digits 0..9: lower and upper case, simplified and traditional
DIGIT: dict[str, int] = {
    **dict.fromkeys(ZERO, 0), **dict.fromkeys("一壹", 1),
    **dict.fromkeys("二贰貳两兩", 2), **dict.fromkeys("三叁參", 3),
    **dict.fromkeys("四肆", 4), **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆陸", 6), **dict.fromkeys("七柒", 7),
    **dict.fromkeys("八捌", 8), **dict.fromkeys("九玖", 9),
}


def digit_string(s: str) -> str:
    """'二〇二一' -> '2021': each digit written as its ASCII digit, digit by
    digit (no units). ASCII digits pass through; anything else: KeyError."""
    return "".join(c if c in "0123456789" else str(DIGIT[c]) for c in s)
