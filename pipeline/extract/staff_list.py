"""Fields of a 从业人员名单 (the staff list a 报告函 says is attached): the
agency, the date, and one person per table row. The table may continue over
pages (its header repeated or not) and, read by OCR, lose its column grid:
a row is then read by what its cells are (an ID number, 专职/兼职, a name)."""

from __future__ import annotations

import re
from typing import Optional

from ..models import Document, Extraction, StaffListFields, StaffMember
from ..parse.id_number import read_id_number
from ..text import squash, strip_seal_note
from .labels import Finder, Rows, grid_rows
from .values import date_or_none, is_person, text_or_none
from .vocab import vocab

Grid = list[list[Optional[str]]]


def _words() -> dict:
    return vocab()["staff_list"]


def extract(doc: Document) -> tuple[StaffListFields, Extraction]:
    words = _words()
    find = Finder(Rows.of(doc).rows, words["agency"] + words["filled_on"] + words["stops"])
    grid = grid_rows(doc)
    return StaffListFields(
        agency_name=_agency(find, grid),
        people=_people(grid),
        filled_on=date_or_none(find.find(words["filled_on"], lambda v: date_or_none(v) is not None)),
    ), Extraction()


def _agency(find: Finder, grid: Grid) -> Optional[str]:
    value = find.find(_words()["agency"])
    if not value:
        # a title that names the agency: `常州某某安全技术有限公司从业人员名单`
        for row in grid[:4]:
            m = re.match(r"^(.{4,40}?(?:公司|中心|研究院|事务所))(?:从业|专职|技术)?人员", squash("".join(c or "" for c in row)))
            if m:
                value = m.group(1)
                break
    value = strip_seal_note(value)
    return text_or_none(re.split(r"\s{2,}|填表日期|填报日期", value)[0]) if value else None


def _mapping(row: list[Optional[str]]) -> dict[int, str]:
    """Column index → field, from a header row's wording (None: not a header)."""
    mapping: dict[int, str] = {}
    for i, cell in enumerate(row):
        text = squash(cell or "")
        if not text or len(text) > 16:
            continue
        for key, pattern in _words()["columns"].items():
            if key not in mapping.values() and re.search(pattern, text):
                mapping[i] = key
                break
    keys = set(mapping.values())
    return mapping if {"name", "id_number"} <= keys or ({"name"} <= keys and len(keys) >= 3) else {}


def _people(grid: Grid) -> Optional[list[StaffMember]]:
    """One person per row under the header; without a header a row counts
    when it holds an ID number (a photo whose header OCR ran together)."""
    header: dict[int, str] = {}
    width = 0
    people: list[StaffMember] = []
    pending: Optional[str] = None            # a 专职/兼职 that OCR put on a line of its own
    for row in grid:
        mapping = _mapping(row)
        if mapping:                          # the header, or the header repeated on the next page
            header, width = mapping, len(row)
            continue
        text = squash("".join(c or "" for c in row))
        if re.match(r"^(填表|填报|负责人|联系电话|注[：:]|日期)", text):
            if people:
                break
            continue
        if text in _words()["roles"] and (header or people):
            if people and people[-1].role is None:
                people[-1].role = text
            else:
                pending = text
            continue
        if not header and read_id_number(text) is None:
            continue
        member = _by_columns(row, header) if header and len(row) == width else _by_content(row)
        if member is not None:
            if member.role is None and pending:
                member.role, pending = pending, None
            people.append(member)
    return people if header or people else None


def _clean(cell: Optional[str]) -> Optional[str]:
    return text_or_none(re.sub(r"\s+", "", cell)) if cell else None


def _by_columns(row: list[Optional[str]], header: dict[int, str]) -> Optional[StaffMember]:
    got = {key: _clean(row[i]) for i, key in header.items() if i < len(row)}
    if not got.get("name") and not got.get("id_number"):
        return None
    if got.get("id_number") is None and not is_person(got.get("name") or ""):
        return None
    number = read_id_number(got.get("id_number")) or got.get("id_number")
    return StaffMember(name=got.get("name"), id_number=number, qualification=got.get("qualification"),
                       certificate_no=got.get("certificate_no"), role=got.get("role"))


def _by_content(row: list[Optional[str]]) -> Optional[StaffMember]:
    """A row whose cells do not line up with the header (OCR): each cell
    taken for what it is."""
    cells = [t for c in row if c for t in c.split()]
    number = read_id_number(" ".join(cells))
    roles = _words()["roles"]
    role = next((c for c in cells if c in roles), None)
    rest = [c for c in cells if c != role and not (number and (number in c.upper() or c.upper() in number))
            and not re.fullmatch(r"\d{1,3}", c)]
    name = next((c for c in rest if is_person(c)), None)
    if number is None and not (name and role):
        return None
    rest = [c for c in rest if c != name]
    certificate = next((c for c in rest if re.search(r"\d{4,}", c)), None)
    qualification = next((c for c in rest if c != certificate and re.search(r"[\u4e00-\u9fa5]", c)), None)
    return StaffMember(name=name, id_number=number, qualification=qualification, certificate_no=certificate, role=role)
