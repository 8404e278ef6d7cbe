"""Fields of 附件1 安全生产技术服务机构活动开展报告函."""

from __future__ import annotations

import re
from typing import Optional

from ..models import CATEGORY_ZH, EMPTY, TICKED, Category, Document, Extraction, ReportLetterFields
from . import vocabulary
from .category import form_category
from .labels import Finder, Rows
from .ticks import read_ticks
from .values import date_or_none, phone_or_none, text_or_none

V = vocabulary.fields("report_letter")
NAME, CATEGORY, SCOPE, LOCAL, LICENSE = V["name"], V["category"], V["scope"], V["local"], V["license"]
REG_ADDR, OFFICE, CONTACT, MOBILE = V["registered_address"], V["office_address"], V["contact"], V["mobile"]
STAFF, EXPERTS, LEGAL, FILLED = V["staff"], V["experts"], V["legal"], V["filled"]
STOPS = NAME + CATEGORY + SCOPE + LOCAL + LICENSE + REG_ADDR + OFFICE + CONTACT + MOBILE + STAFF + EXPERTS + LEGAL + FILLED


def extract(doc: Document) -> tuple[ReportLetterFields, Extraction]:
    find = Finder(Rows.of(doc).rows, STOPS)
    categories, extra = _categories(doc, find)
    fields = ReportLetterFields(
        agency_name=text_or_none(find.find(NAME)),
        service_categories=categories,
        business_scope=text_or_none(find.find(SCOPE)),
        local_business=text_or_none(find.find(LOCAL)),
        license_no=_license(find.find(LICENSE)),
        registered_address=text_or_none(find.find(REG_ADDR)),
        office_address=text_or_none(find.find(OFFICE)),
        local_contact=text_or_none(find.find(CONTACT[:1]) or find.find(CONTACT[1:])),
        local_contact_phone=phone_or_none(find.find_after(CONTACT, MOBILE)),
        staff_count=_count(find.find(STAFF)),
        experts=text_or_none(find.find(EXPERTS)),
        legal_representative=text_or_none(find.find(LEGAL)),
        legal_representative_phone=phone_or_none(find.find_after(LEGAL, MOBILE)),
        filled_on=date_or_none(find.find(FILLED)),
    )
    return fields, extra


def _categories(doc: Document, find: Finder) -> tuple[Optional[list[Category]], Extraction]:
    """The ticked categories; on a scan or photo, from the checkboxes read in
    the image where it shows them (`ticks`), with their evidence."""
    value = find.find(CATEGORY)
    if value is None:
        return None, Extraction()
    read = read_ticks(doc, value) if doc.ocr else None
    if read is None:
        return _from_text(value), Extraction()
    unsure = {}
    if read.unsure:
        names = "、".join(f"“{CATEGORY_ZH[c]}”" for c in read.unsure)
        unsure["service_categories"] = (f"服务类别{names}的勾选框无法确定是否勾选（扫描件识别），未计入：请对照原件核对。")
    return read.ticked, Extraction(unsure=unsure, evidence=read.evidence)


def _from_text(value: str) -> Optional[list[Category]]:
    found: list[Category] = []
    items = re.findall(rf"([{TICKED}{EMPTY}])\s*([^{TICKED}{EMPTY}]*)", value)
    if not items:  # the categories written out without boxes: `安全评估评价、安全检测检验`
        for part in re.split(r"[、，,；;/／\s]+", value):
            category = form_category(part) if len(part) <= 8 else None
            if category and category not in found:
                found.append(category)
        return found or None
    for i, (mark, label) in enumerate(items):
        if mark != TICKED:
            continue
        if not label.strip() and i > 0:
            label = items[i - 1][1]  # `☐安全培训√`: a tick written after its label
        category = form_category(label)
        if category and category not in found:
            found.append(category)
    return found if items else None


def _license(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    return re.sub(r"\s+", "", value).upper() or None


def _count(value: Optional[str]) -> Optional[int]:
    if not value:
        return None
    m = re.search(r"\d+", value)
    if m:
        return int(m.group())
    try:
        import cn2an

        m2 = re.search(r"[零一二三四五六七八九十百千两]+", value)
        return int(cn2an.cn2an(m2.group(), "smart")) if m2 else None
    except Exception:  # cn2an raises plain ValueError and others
        return None
