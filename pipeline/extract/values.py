"""Turning found text into typed field values without ever raising: a value
that does not parse is None (the field is then reported missing), never a
guess."""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from ..errors import ParseError
from ..parse.dates import excel_serial_to_date, find_dates, parse_date, parse_range
from ..parse.phone import find_phones, normalize_phone
from ..text import drop_sign_marks

_ORG_END = re.compile(
    r"(公司|厂|中心|学校|学院|大学|研究院|研究所|院|所|站|店|部|社|局|委员会|协会|学会|集团|企业|商行|车间|场|馆|处|办|园|基地|合作社)$"
)
_NAME = re.compile(r"^[\u4e00-\u9fa5·]{2,5}$")


def is_org(text: str) -> bool:
    """Looks like an organisation's name (not a sentence, not a label)."""
    t = re.sub(r"\s+", "", text)
    return 4 <= len(t) <= 40 and not re.search(r"[：:，,。；;]", t) and bool(_ORG_END.search(t))


_NOT_NAMES = {"甲方", "乙方", "委托方", "受托方", "服务方", "本人", "盖章", "签字", "签名", "联系人", "负责人", "无"}


def is_person(text: str) -> bool:
    t = re.sub(r"\s+", "", text)
    return bool(_NAME.match(t)) and t not in _NOT_NAMES


def person(text: Optional[str]) -> Optional[str]:
    """A person's name out of a cell that may also hold a phone or a mark."""
    if not text:
        return None
    t = drop_sign_marks(text)
    t = re.sub(r"[\u4e00-\u9fa5]?(专用章|公章|印章)", "", t)  # a seal's words read into the name (黄海军同专用章)
    t = re.sub(r"[\d\-－+()（）]{7,}.*$", "", t).strip(" ：:/、，,")
    t = re.split(r"\s+", t)[0] if t else t
    return t if t and is_person(t) else None


def date_or_none(text: Optional[str]) -> Optional[dt.date]:
    if not text:
        return None
    try:
        return parse_date(text)
    except ParseError:
        dates = find_dates(text)
        if dates:
            return dates[0]
    stripped = text.strip()
    if re.fullmatch(r"\d{5}(\.0+)?", stripped):
        try:
            return excel_serial_to_date(float(stripped))
        except ParseError:
            return None
    return None


def range_end(text: Optional[str]) -> Optional[dt.date]:
    """The end of a term (`…至…`); a lone date in a term is its deadline."""
    if not text:
        return None
    try:
        start, end = parse_range(text)
    except ParseError:
        return None
    if end is None and start is not None and not re.search(r"至|到|止|—|－|~|～", text):
        return start
    return end


def range_both(text: Optional[str]) -> tuple[Optional[dt.date], Optional[dt.date]]:
    if not text:
        return None, None
    try:
        return parse_range(text)
    except ParseError:
        return None, None


def phone_or_none(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    phones = find_phones(text)
    if phones:
        return phones[0]
    digits = re.sub(r"\D", "", text)
    if 6 <= len(digits) <= 14:
        try:
            return normalize_phone(text)
        except ParseError:
            return None
    return None


def text_or_none(text: Optional[str]) -> Optional[str]:
    if text is None:
        return None
    t = text.strip()
    return t or None


_ALIAS = re.compile(r"[（(](以下简称|下称)[^）)]*[)）]$")
_ORG_HEAD = re.compile(r"^(.{2,38}?(?:有限责任公司|股份有限公司|有限公司))\s*(.{1,8})$")


def org(value: Optional[str]) -> Optional[str]:
    """An organisation's name without the `（以下简称甲方）` after it, nor
    what a scan read after it: a seal's words (…有限公司全生产技术服) or the
    end of the name twice (…有限公司 限公司)."""
    if not value:
        return value
    name = _ALIAS.sub("", value).strip()
    m = _ORG_HEAD.match(name)
    if m and is_org(m.group(1)):
        tail = re.sub(r"\s+", "", m.group(2))
        if not is_org(name) or any(end.endswith(tail) for end in ("有限公司", "有限责任公司")):
            return m.group(1)
    return name
