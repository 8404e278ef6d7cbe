"""Amounts of money: 大写 (upper-case Chinese numerals), 小写 (digits),
sentences that carry both, and work-report prices stated in 万元.

Internally everything is a `Decimal` of yuan; prices leave as float 万元
rounded to 6 decimals. The 大写 reader is our own: cn2an fails on '…元零伍分',
on a bare '伍角' and on trailing punctuation.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import ParseError
from ..text import fold_width
from .numerals import DIGIT, ZERO, digit_string

_UNIT = {**dict.fromkeys("拾十", 10), **dict.fromkeys("佰百", 100), **dict.fromkeys("仟千", 1000)}
_WAN, _YI = "万萬", "亿億"

_WAN_FACTOR = Decimal(10000)
MAX_YUAN = Decimal(10) ** 12  # beyond any filing; also keeps Decimal exact
_SIX_PLACES = Decimal("0.000001")

# ------------------------------------------------------------------ 大写


def _section(s: str, text: str) -> int:
    """Value of a run below 万 ('伍仟零伍拾', '拾伍', '零伍佰'); strict about order."""
    value, digit, last_unit, after_zero = 0, None, 10000, False
    for i, ch in enumerate(s):
        if ch in ZERO:
            if digit is not None or after_zero or i == len(s) - 1:
                raise ParseError(text, "大写金额中的“零”位置不对。")
            after_zero = True
        elif ch in DIGIT:
            if digit is not None:
                raise ParseError(text, "大写金额中数字连写，缺少单位。")
            digit = DIGIT[ch]
        else:
            unit = _UNIT[ch]
            if digit is None and not (unit == 10 and value == 0):
                raise ParseError(text, "大写金额中单位前缺少数字。")
            if unit >= last_unit:
                raise ParseError(text, "大写金额中单位顺序不对。")
            value += (1 if digit is None else digit) * unit
            digit, last_unit, after_zero = None, unit, False
    if digit is not None:
        if last_unit > 10 and last_unit != 10000 and not after_zero:
            raise ParseError(text, "大写金额末位缺少单位（如“壹仟伍”）。")
        value += digit
    return value


def _check_tail(low: str, text: str) -> None:
    """'壹万伍' is ambiguous (15000 colloquially, 10005 literally): refuse it."""
    if len(low) == 1 and low in DIGIT and low not in ZERO:
        raise ParseError(text, "大写金额末位缺少单位（如“壹万伍”）。")


def _below_yi(s: str, text: str) -> int:
    if s.count(_WAN[0]) + s.count(_WAN[1]) > 1:
        raise ParseError(text, "大写金额中“万”重复。")
    high, sep, low = re.split(f"([{_WAN}])", s) if re.search(f"[{_WAN}]", s) else ("", "", s)
    if sep and not high:
        raise ParseError(text, "大写金额中“万”前缺少数字。")
    if sep:
        _check_tail(low, text)
    return (_section(high, text) * 10000 if sep else 0) + (_section(low, text) if low else 0)


def _cn_integer(s: str, text: str) -> int:
    """Value of a Chinese integer with 亿/万 sections ('贰拾万零伍佰' -> 200500)."""
    parts = re.split(f"[{_YI}]", s)
    if len(parts) > 2 or (len(parts) == 2 and not parts[0]):
        raise ParseError(text, "大写金额中“亿”位置不对。")
    if len(parts) == 2:
        _check_tail(parts[1], text)
        return _below_yi(parts[0], text) * 10**8 + (_below_yi(parts[1], text) if parts[1] else 0)
    return _below_yi(s, text)


_NUMERAL = "".join(DIGIT) + "".join(_UNIT) + _WAN + _YI
_UPPER_RE = re.compile(
    rf"(?P<int>[{_NUMERAL}]*?)(?:(?P<point>点[{''.join(DIGIT)}]+)(?P<pwan>[{_WAN}]))?"
    rf"(?P<yuan>[元圆])?"
    rf"(?P<frac>[{ZERO}]?(?:[{''.join(DIGIT)}]角)?[{ZERO}]?(?:[{''.join(DIGIT)}]分)?)"
    r"[整正]?"
)
_UPPER_NOISE = re.compile(r"人民币|大写|[\s:：()（）\[\]【】,，.。;；、_]")


def _checked(value: Decimal, text: object) -> Decimal:
    if value > MAX_YUAN:
        raise ParseError(text, "金额过大，不像是合同金额。")
    return value


def _fraction(frac: str) -> Decimal:
    """'伍角', '零伍分', '伍角伍分' -> Decimal yuan."""
    jiao = re.search(f"([{''.join(DIGIT)}])角", frac)
    fen = re.search(f"([{''.join(DIGIT)}])分", frac)
    return Decimal(DIGIT[jiao.group(1)] if jiao else 0) / 10 + Decimal(DIGIT[fen.group(1)] if fen else 0) / 100


def _point_wan(m: re.Match[str], text: str) -> Decimal:
    """'贰点伍万' -> 25000 (the optional decimal-万 form)."""
    whole = Decimal(_cn_integer(m.group("int"), text))
    decimals = digit_string(m.group("point")[1:])
    return (whole + Decimal("0." + decimals)) * _WAN_FACTOR


def parse_upper(text: str) -> Decimal:
    """Yuan written in 大写: '人民币贰万伍仟元整', '伍佰元零伍分', '贰点伍万元'."""
    if not isinstance(text, str):
        raise ParseError(text, "大写金额必须是文本。")
    s = _UPPER_NOISE.sub("", fold_width(text))
    m = _UPPER_RE.fullmatch(s)
    if not s or not m or not (m.group("int") or m.group("frac")):
        raise ParseError(text, "无法识别大写金额。")
    if m.group("frac") and not re.search("[角分]", m.group("frac")):
        raise ParseError(text, "大写金额中“零”位置不对。")
    if m.group("point"):
        if not m.group("int") or m.group("frac"):
            raise ParseError(text, "无法识别大写金额。")
        return _checked(_point_wan(m, text), text)
    whole = Decimal(_cn_integer(m.group("int"), text)) if m.group("int") else Decimal(0)
    return _checked(whole + _fraction(m.group("frac")), text)


# ------------------------------------------------------------------ 小写

_NUMBER = r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?P<dec>\.[0-9]+)?"
_LOWER_RE = re.compile(
    rf"(?:小写)?(?:人民币|RMB|CNY)?(?:小写)?[¥￥]?{_NUMBER}(?P<wan>万)?(?:元|圆)?(?:整|正)?",
    re.IGNORECASE,
)
_LOWER_NOISE = re.compile(r"[\s:：()（）]")
_CN_THOUSANDS = re.compile(r"(?<=[0-9])，(?=[0-9]{3}(?![0-9]))")


def _number_value(m: re.Match[str]) -> Decimal:
    value = Decimal(m.group("num").replace(",", "") + (m.group("dec") or ""))
    return value * _WAN_FACTOR if m.group("wan") else value


def parse_lower(text: str) -> Decimal:
    """Yuan written in digits: '¥25,000.00', '25000元', '2.5万元', 'RMB 25000'."""
    if not isinstance(text, str):
        raise ParseError(text, "小写金额必须是文本。")
    s = _LOWER_NOISE.sub("", _CN_THOUSANDS.sub(",", fold_width(text)))
    m = _LOWER_RE.fullmatch(s)
    if not m:
        raise ParseError(text, "无法识别小写金额。")
    return _checked(_number_value(m), text)


# ------------------------------------------------------------------ in a sentence

_UPPER_DIGIT = "壹贰貳叁參肆伍陆陸柒捌玖拾佰仟"
_UPPER_RUN = re.compile(rf"[零〇{_UPPER_DIGIT}万萬亿億][零〇{_UPPER_DIGIT}万萬亿億元圆角分整正 \t]*")
_FIND_NUMBER = r"(?<![0-9.,])" + _NUMBER + r"(?![0-9])"
_PREFIXED = re.compile(
    r"(?:[¥￥]|RMB|CNY|人民币|小写)[\s:：()（）]*(?:小写[\s:：()（）]*)?[¥￥]?\s*"
    + _FIND_NUMBER + r"\s*(?P<wan>万)?",
    re.IGNORECASE,
)
_SUFFIXED = re.compile(_FIND_NUMBER + r"\s*(?P<wan>万)?\s*[元圆]")


def _upper_in_run(run: str) -> Decimal | None:
    """The amount a run of 大写 characters starts with: the whole run, or the
    longest prefix ending in 元/整/角/分 ('贰万元整正本' -> 20000)."""
    for end in range(len(run), 0, -1):
        if end == len(run) or run[end - 1] in "元圆整正角分":
            try:
                return parse_upper(run[:end])
            except ParseError:
                continue
    return None


def _find_upper(text: str) -> Decimal | None:
    for m in _UPPER_RUN.finditer(text):
        run = m.group().strip()
        if re.search(f"[{_UPPER_DIGIT}]", run):
            value = _upper_in_run(run)
            if value is not None:
                return value
    return None


# a rate, not a total: `按每人 200 元计`, `单价 300 元`, `200 元/人`
_PER_UNIT_BEFORE = re.compile(r"(每[人次天日个件家项期台套年月]?|单价|单位价格)[^，,。；;）)]{0,3}$")
_PER_UNIT_AFTER = re.compile(r"^\s*(万)?\s*[元圆]?\s*[/／每]\s*[人次天日个件家项期台套年月]")


def _is_rate(m: re.Match[str], text: str) -> bool:
    return bool(_PER_UNIT_BEFORE.search(text[max(0, m.start() - 8):m.start()])
                or _PER_UNIT_AFTER.match(text[m.end() - 1 if text[m.end() - 1:m.end()] in "元圆" else m.end():]))


def _find_lower(text: str) -> Decimal | None:
    for pattern in (_PREFIXED, _SUFFIXED):
        for m in pattern.finditer(text):
            if _number_value(m) <= MAX_YUAN and not _is_rate(m, text):
                return _number_value(m)
    return None


def find_amounts(text: str) -> tuple[Decimal | None, Decimal | None]:
    """(upper_yuan, lower_yuan) stated in a sentence; None for what is absent.

    A 小写 amount needs a currency mark (¥, RMB, 人民币, 小写) before it or
    元/万元 after it, so percentages, day counts and dates are never taken."""
    if not isinstance(text, str):
        return None, None
    s = _CN_THOUSANDS.sub(",", fold_width(text))
    return _find_upper(s), _find_lower(s)


# ------------------------------------------------------------------ 万元


def yuan_to_wan(d: Decimal) -> float:
    """Yuan -> 万元 as float, rounded half-up to 6 decimals."""
    try:
        wan = (Decimal(d) / _WAN_FACTOR).quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        raise ParseError(d, "金额无效。") from None
    if not wan.is_finite():
        raise ParseError(d, "金额无效。")
    return float(wan)


# A work-report price cell is meant in 万元. Without a unit word the size
# decides: below 200 it is 万元 (no filed service contract reaches 200万元),
# from 1000 up it is yuan (a 1000万元 service contract does not occur), and
# 200..1000 cannot be decided. ¥ alone does not decide: clerks put it on 万元 too.
WAN_MAX_BARE = Decimal(200)
YUAN_MIN_BARE = Decimal(1000)
_WAN_CELL = re.compile(rf"(?:人民币)?[¥￥]?{_NUMBER}(?P<unit>万元|万|元)?(?:整)?")


def _bare_to_wan(value: Decimal, text: str) -> float:
    if value < WAN_MAX_BARE:
        return yuan_to_wan(value * _WAN_FACTOR)
    if value >= YUAN_MIN_BARE:
        return yuan_to_wan(value)
    raise ParseError(text, "价格未注明单位，无法判断是万元还是元（200–1000 之间）。")


def parse_wan(text: str) -> float:
    """A work-report price in 万元: '3.85' -> 3.85, '2.5万' -> 2.5, '25000元' -> 2.5.

    A number without unit is 万元 below 200 and yuan from 1000 up; in
    between it is undecidable (ParseError). 大写 amounts are read as yuan."""
    if not isinstance(text, str):
        raise ParseError(text, "价格必须是文本。")
    s = re.sub(r"[\s:：]", "", _CN_THOUSANDS.sub(",", fold_width(text)))
    m = _WAN_CELL.fullmatch(s)
    if m is None:
        try:
            return yuan_to_wan(parse_upper(s))
        except ParseError:
            raise ParseError(text, "无法识别价格。") from None
    value = _checked(Decimal(m.group("num").replace(",", "") + (m.group("dec") or "")), text)
    unit = m.group("unit")
    if unit in ("万", "万元"):
        return yuan_to_wan(value * _WAN_FACTOR)
    if unit == "元":
        return yuan_to_wan(value)
    return _bare_to_wan(value, text)
