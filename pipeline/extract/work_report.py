"""Fields of 附件3 安全生产技术服务机构工作报表: the header, the period, the
rows of its table (columns found by their header wording, not position), and
the signatures under it."""

from __future__ import annotations

import re
from typing import Optional

from ..errors import ParseError
from ..models import Document, Extraction, WorkReportFields, WorkReportRow
from ..parse.money import parse_wan
from ..parse.phone import find_phones
from ..parse.town import find_town
from .labels import Finder, Row, Rows, squash
from .values import date_or_none, person, phone_or_none, range_both, text_or_none

COLUMNS: list[tuple[str, str]] = [
    ("index", r"^序号|^编号$"),
    ("client_name", r"企业名称|单位名称|服务对象|委托单位|客户名称"),
    ("project_content", r"主要内容|项目内容|服务内容|合同内容|服务项目"),
    ("town", r"镇|街道|所在地|属地"),
    ("signed_on", r"签约|签订"),
    ("completion_on", r"完成"),
    ("price_wan", r"价格|金额|费用|价款"),
    ("client_phone", r"^(联系)?电话|^手机|^联系方式$"),
    ("client_contact", r"联系人|联系方式"),
]
AGENCY = ["机构名称", "机构", "单位名称", "填报单位"]
PRINCIPAL = ["负责人（签字）", "负责人"]
PREPARER = ["填表人", "填报人", "制表人"]
PHONE = ["联系电话（传真）", "联系电话", "电话"]
STOPS = AGENCY + PRINCIPAL + PREPARER + PHONE + ["注"]


def extract(doc: Document) -> tuple[WorkReportFields, Extraction]:
    all_rows = Rows.of(doc).rows
    find = Finder(all_rows, STOPS)
    rows, undecided = _table_rows(all_rows)
    start, end = _period(all_rows)
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
    value = re.sub(r"^[（(]?盖章[)）]?[：:]?", "", value).strip()
    value = re.split(r"\s{2,}|\d{4}\s*年", value)[0].strip()
    return value or None


def _period(rows: list[Row]):
    for row in rows[:12]:
        for cell in row.cells:
            if re.search(r"至|到|—|-", cell) and re.search(r"年|\d{4}[./-]", cell):
                start, end = range_both(cell)
                if start or end:
                    return start, end
    return None, None


def _header_map(row: Row) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for i, cell in enumerate(row.cells):
        text = squash(cell)
        for key, pattern in COLUMNS:
            if key not in mapping.values() and re.search(pattern, text):
                mapping[i] = key
                break
    return mapping


def _table_rows(rows: list[Row]) -> tuple[Optional[list[WorkReportRow]], dict[int, str]]:
    header: Optional[dict[int, str]] = None
    width, yuan = 0, False
    out: list[WorkReportRow] = []
    undecided: dict[int, str] = {}
    for row in rows:
        mapping = _header_map(row)
        if "client_name" in mapping.values() and len(mapping) >= 4:
            header, width = mapping, len(row.cells)
            yuan = any(re.search(r"[（(]元[)）]", squash(c)) for c in row.cells)
            continue
        if header is None:
            continue
        text = squash(row.text)
        if re.match(r"^(合计|总计|小计)", text) or re.match(r"^(负责人|注[：:]|联系电话|填表人)", text):
            if re.match(r"^(负责人|注[：:]|联系电话|填表人)", text):
                header = None
            continue
        if len(row.cells) != width:
            continue
        item = _row(row, header, yuan)
        if item is None:
            continue
        price_text = _cell(row, header, "price_wan")
        if price_text and item.price_wan is None:
            undecided[len(out)] = price_text
        out.append(item)
    return (out if out or header is not None else None), undecided


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
