"""Dates as written in filings: Arabic, full-width, dotted/dashed/slashed,
Chinese numerals (lower and upper case, 〇/○/零 as zero), ranges and blanks.

No third-party date guessing: a strict pattern, then `datetime.date()`, which
rejects impossible days such as 2月30日.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from ..errors import ParseError
from ..text import fold_width
from .numerals import DIGIT, digit_string

MIN_YEAR, MAX_YEAR = 1900, 2099

_TENS = {"十": 10, "拾": 10, "廿": 20, "卅": 30}
_YCH = "[0-9" + "".join(DIGIT) + "]"
_MDCH = "[" + "".join(DIGIT) + "".join(_TENS) + "]"

# 二〇二一 read without its 〇 (a scan loses the small circle): 二二一 is 2021;
# a year of this century has 〇 second, so three numerals opening 二 and
# then a digit from 一 to 九 can mean nothing else
_YEAR_NO_ZERO = "二[一二三四五六七八九][〇○零一二三四五六七八九]"
# a speck a scan may read after 年 or 月 (`2021年8月.20日`)
_SPECK = r"[.．·,，]?"
_CN_FORM = (
    rf"(?<!{_YCH})(?P<y>{_YCH}{{4}}|{_YEAR_NO_ZERO})\s*年\s*{_SPECK}\s*"
    rf"(?P<m>[0-9]{{1,2}}|{_MDCH}{{1,3}})\s*月\s*{_SPECK}\s*"
    rf"(?P<d>[0-9]{{1,2}}|{_MDCH}{{1,4}})\s*[日号]"
)
_NUM_FORM = (
    r"(?<![0-9.])(?P<y2>(?:19|20)[0-9]{2})\s*(?P<sep>[./-])\s*(?P<m2>[0-9]{1,2})"
    r"\s*(?P=sep)\s*(?P<d2>[0-9]{1,2})(?![0-9])"
)
_BLANK_FORM = r"(?P<blank>年[\s_]*月[\s_]*日)"
_SCAN = re.compile(f"{_CN_FORM}|{_NUM_FORM}|{_BLANK_FORM}")
_RANGE_SEP = re.compile(r"至|到|—|–|~|-|－")


def _small_number(s: str) -> int:
    """'3', '03', '十二', '二十一', '拾', '〇三', '廿五' -> int (for months and days)."""
    if s.isascii() and s.isdigit():
        return int(s)
    for tens_char, tens in _TENS.items():
        head, sep, tail = s.partition(tens_char)
        if sep:
            mult = DIGIT[head] if head else 1
            if tens_char in "廿卅" and head:
                raise ValueError(s)
            if len(head) > 1 or len(tail) > 1:
                raise ValueError(s)
            return (mult * tens if tens_char in "十拾" else tens) + (DIGIT[tail] if tail else 0)
    if len(s) > 2:
        raise ValueError(s)
    return int(digit_string(s))


def _year(s: str) -> int:
    if len(s) == 3:
        s = s[0] + "〇" + s[1:]  # 二二一 -> 二〇二一
    return int(digit_string(s))


def _match_to_date(m: re.Match[str]) -> date | None:
    """The date a scan match denotes, or None when impossible or out of range."""
    if m.group("blank") is not None:
        return None
    try:
        if m.group("y"):
            y, mo, d = _year(m.group("y")), _small_number(m.group("m")), _small_number(m.group("d"))
        else:
            y, mo, d = int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))
        if not MIN_YEAR <= y <= MAX_YEAR:
            return None
        return date(y, mo, d)
    except (ValueError, KeyError):
        return None


def _slots(text: str) -> list[tuple[re.Match[str], date | None, bool]]:
    """Every date-shaped piece of text: (match, date or None, is_blank)."""
    return [(m, _match_to_date(m), m.group("blank") is not None) for m in _SCAN.finditer(text)]


def _as_text(text: object) -> str:
    if not isinstance(text, str):
        raise ParseError(text, "日期必须是文本。")
    return fold_width(text)


def is_blank_date(text: str) -> bool:
    """True for a '    年  月  日' template whose slots hold no digits."""
    if not isinstance(text, str):
        return False
    slots = _slots(fold_width(text))
    return bool(slots) and all(blank for _, _, blank in slots)


def parse_date(text: str) -> date:
    """The one date written in `text` (labels and spaces around it allowed)."""
    slots = [s for s in _slots(_as_text(text)) if not s[2]]
    if not slots:
        if is_blank_date(text):
            raise ParseError(text, "日期未填写。")
        raise ParseError(text, "无法识别日期。")
    values = {value for _, value, _ in slots if value is not None}
    if len(values) < len({value for _, value, _ in slots}):
        raise ParseError(text, "日期无效（不存在的日期或年份超出范围）。")
    if len(values) > 1:
        raise ParseError(text, "含有多个不同日期，无法确定是哪一个。")
    return values.pop()


def find_dates(text: str) -> list[date]:
    """Every valid date in a longer text, in order; blanks and invalid ones skipped."""
    if not isinstance(text, str):
        return []
    return [value for _, value, _ in _slots(fold_width(text)) if value is not None]


def parse_range(text: str) -> tuple[date | None, date | None]:
    """(start, end) of a term such as '自2021年3月1日起至2022年2月28日止'.

    A blank ('  年 月 日') or impossible date gives None on its side. A lone
    date is the end when a range word (至/到/—/-/~) precedes it, else the start.
    Raises ParseError only when no valid date at all is present."""
    folded = _as_text(text)
    slots = _slots(folded)
    if not any(value for _, value, _ in slots):
        raise ParseError(text, "未找到有效的起止日期。")
    if len(slots) >= 2:
        return slots[0][1], slots[1][1]
    match, value, _ = slots[0]
    if _RANGE_SEP.search(folded[: match.start()]):
        return None, value
    return value, None


# Excel's 1900 date system counts 1900-02-29 (which never existed), so for
# every serial after 60 day 0 is 1899-12-30.
_EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_MIN, EXCEL_MAX = 20000, 80000


def excel_serial_to_date(n: float) -> date:
    """Date of an Excel serial number (1900 system), accepted for 20000..80000."""
    if isinstance(n, bool):
        raise ParseError(n, "Excel 日期序号无效。")
    try:
        value = float(n)
    except (TypeError, ValueError, OverflowError):
        raise ParseError(n, "Excel 日期序号无效。") from None
    if not math.isfinite(value) or not EXCEL_MIN <= value <= EXCEL_MAX:
        raise ParseError(n, "Excel 日期序号超出范围（应在 20000 至 80000 之间）。")
    return _EXCEL_EPOCH + timedelta(days=int(value))
