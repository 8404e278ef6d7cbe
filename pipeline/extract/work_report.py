"""Fields of 附件3 安全生产技术服务机构工作报表: the header, the period, the
rows of its table (columns found by their header wording, not position), and
the signatures under it."""

from __future__ import annotations

import re
from typing import Optional

from ..errors import ParseError
from ..models import Document, Extraction, WorkReportFields, WorkReportRow
from ..parse.dates import find_dates
from ..parse.money import parse_wan
from ..parse.phone import find_phones
from ..parse.town import find_town
from ..text import squash
from . import vocabulary
from .labels import Finder, Row, Rows, grid_rows
from .values import date_or_none, person, phone_or_none, range_both, text_or_none

COLUMNS: list[tuple[str, str]] = vocabulary.columns("work_report")
V = vocabulary.fields("work_report")
AGENCY, PRINCIPAL, PREPARER, PHONE = V["agency"], V["principal"], V["preparer"], V["phone"]
STOPS = AGENCY + PRINCIPAL + PREPARER + PHONE + V["other"]


def extract(doc: Document) -> tuple[WorkReportFields, Extraction]:
    all_rows = Rows.of(doc).rows
    find = Finder(all_rows, STOPS)
    grid = grid_rows(doc)
    head = _header_at(grid)
    rows, undecided = _table_rows(grid, head)
    start, end = _period(grid[: head if head is not None else 12])
    fields = WorkReportFields(
        agency_name=_agency(find),
        period_start=start,
        period_end=end,
        rows=rows,
        principal=person(find.find(PRINCIPAL)),
        preparer=person(find.find(PREPARER)),
        phone=phone_or_none(find.find(PHONE, lambda v: bool(re.search(r"\d{6}", v)))),
    )
    return fields, Extraction(undecided_prices=undecided)


def _agency(find: Finder) -> Optional[str]:
    value = find.find(AGENCY)
    if not value:
        return None
    value = re.sub(r"[（(]\s*盖\s*章\s*[)）][：:]?", "", value).strip()
    value = re.split(r"\s{2,}|\d{4}\s*年|报告期|统计期|填报期", value)[0].strip(" ：:")
    return value or None


def _period(rows: list[list[Optional[str]]]):
    """The reporting period from the lines above the table: two dates, or a
    range written with 至 (possibly typed across cells: 2021 | 年 | 7 | 月 …)."""
    for row in rows:
        text = "".join(c for c in row if c)
        if re.search(r"至|到|—|~|～", text) or len(find_dates(text)) >= 2:
            start, end = range_both(text)
            if start or end:
                return start, end
    return None, None


def _mapping(names: list[Optional[str]]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for i, name in enumerate(names):
        text = squash(name or "")
        if not text:
            continue
        for key, pattern in COLUMNS:
            if key not in mapping.values() and re.search(pattern, text):
                mapping[i] = key
                break
    return mapping


def _header_at(grid: list[list[Optional[str]]]) -> Optional[int]:
    for i, row in enumerate(grid):
        mapping = _mapping(row)
        if "client_name" in mapping.values() and len(mapping) >= 4:
            return i
    return None


def _column_names(grid: list[list[Optional[str]]], h: int) -> tuple[list[Optional[str]], int]:
    """Names of the columns, a two-level header merged (项目企业联系人及联系方式
    over 联系人 | 联系电话); returns the names and the first data row."""
    top = list(grid[h])
    for j in range(1, len(top)):
        if top[j] is None:
            top[j] = top[j - 1]  # a heading that spans columns
    if h + 1 < len(grid) and len(grid[h + 1]) == len(top):
        sub = grid[h + 1]
        words = [c for c in sub if c]
        if words and all(not re.search(r"\d", w) and len(squash(w)) <= 10 for w in words) and _mapping(sub):
            return [sub[j] or (top[j] if (j == 0 or top[j] != top[j - 1]) else None) for j in range(len(top))], h + 2
    names = [top[j] if (j == 0 or top[j] != top[j - 1] or grid[h][j] is not None) else None for j in range(len(top))]
    return names, h + 1


def _table_rows(grid: list[list[Optional[str]]], h: Optional[int]) -> tuple[Optional[list[WorkReportRow]], dict[int, str]]:
    if h is None:
        return None, {}
    names, first = _column_names(grid, h)
    header = _mapping(names)
    width = len(names)
    yuan = any(re.search(r"[（(]元[)）]", squash(n or "")) and not re.search(r"万元", n or "")
               for i, n in enumerate(names) if header.get(i) == "price_wan")
    out: list[WorkReportRow] = []
    undecided: dict[int, str] = {}
    for raw in grid[first:]:
        text = squash("".join(c for c in raw if c))
        if re.match(r"^(负责人|注[：:]|联系电话|填表人|填报人)", text):
            break
        if re.match(r"^(序号)?(合计|总计|小计)", text) or len(raw) != width:
            continue
        row = Row(cells=tuple(c or "" for c in raw), in_table=True)
        item = _row(row, header, yuan)
        if item is None:
            continue
        price_text = _cell(row, header, "price_wan")
        if price_text and item.price_wan is None:
            undecided[len(out)] = price_text
        out.append(item)
    return out, undecided


def _cell(row: Row, header: dict[int, str], key: str) -> Optional[str]:
    for i, k in header.items():
        if k == key and i < len(row.cells):
            return text_or_none(row.cells[i])
    return None


def _row(row: Row, header: dict[int, str], yuan: bool) -> Optional[WorkReportRow]:
    get = lambda key: _cell(row, header, key)  # noqa: E731
    client = get("client_name")
    if not client and not get("project_content"):
        return None
    contact_cell = get("client_contact") or ""
    phone_cell = get("client_phone")
    phones = find_phones(phone_cell or contact_cell)
    return WorkReportRow(
        client_name=client,
        project_content=get("project_content"),
        town=_town(get("town")),
        signed_on=date_or_none(get("signed_on")),
        completion_on=date_or_none(get("completion_on")),
        price_wan=_price(get("price_wan"), yuan),
        client_contact=person(contact_cell),
        client_phone=phones[0] if phones else phone_or_none(phone_cell or contact_cell),
    )


def _town(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    return find_town(value) or value.strip()


def _price(value: Optional[str], yuan: bool = False) -> Optional[float]:
    """A price cell in 万元; in a column headed （元） a bare number is yuan."""
    if not value:
        return None
    try:
        if yuan and re.fullmatch(r"[\d,，.]+", value.strip()):
            return round(float(re.sub(r"[,，]", "", value)) / 10000, 6)
        return parse_wan(value)
    except (ParseError, ValueError):
        return None
