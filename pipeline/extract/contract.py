"""Fields of a service contract (安全生产技术服务合同), whatever its model:
the 科技部 cover and party table, 甲方/乙方 paragraphs with a two-column
signature block, or any mix of the label variants in domain.md."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

from ..models import ContractFields, Document, Extraction
from ..parse.dates import find_dates
from ..parse.money import find_amounts, yuan_to_wan
from ..parse.town import find_town
from ..text import squash
from . import roles, vocabulary
from .category import category_of
from .labels import Finder, Row, Rows, label_regex, subrow
from .values import date_or_none, is_org, org, person, phone_or_none, range_end, text_or_none

V = vocabulary.fields("contract")
CLIENT, AGENCY = V["client"], V["agency"]
_heads = "|".join(V["client_heads"])
_aheads = "|".join(V["agency_heads"])
_CLIENT_HEAD = re.compile(rf"^({_heads}|[^：:（(]{{2,6}}[（(]甲方[)）])")
_AGENCY_HEAD = re.compile(rf"^({_aheads}|[^：:（(]{{2,6}}[（(]乙方[)）])")
_CLAUSE = re.compile(r"^([一二三四五六七八九十]+、|第[一二三四五六七八九十]+条|\d+[．.、])")

NAME, CONTACT, PHONE, ADDRESS = V["name"], V["contact"], V["phone"], V["address"]
SIGNED, TERM, PROJECT, PLACE = V["signed"], V["term"], V["project"], V["place"]
CLIENT_CONTACT = V["client_contact"]
_ANY_TERM = re.compile(r"(期限|时间|期间|日期)[：:]")
PRICE_HINTS = V["price"]
_PRICE_LINE = re.compile(r"费|金额|价|合计|总计|报酬")
STOPS = CLIENT + AGENCY + NAME + CONTACT + PHONE + ADDRESS + SIGNED + TERM + PROJECT + PLACE + CLIENT_CONTACT + V["other"] + PRICE_HINTS


def extract(doc: Document) -> tuple[ContractFields, Extraction]:
    return _extract(_roles_fixed(Rows.of(doc).rows))


def _extract(rows: list[Row], swapped: bool = False) -> tuple[ContractFields, Extraction]:
    """The fields, read with 甲方 as the client; when the evidence shows the
    letters the other way round (乙方委托甲方…), read once more with 甲 and 乙
    exchanged."""
    find = Finder(rows, STOPS)
    client_rows, agency_rows = name_blocks(rows) or party_rows(rows)
    client = Finder(client_rows, STOPS)
    agency = Finder(agency_rows, STOPS)

    client_name = org(find.find(CLIENT, _is_party_org) or _party_named(rows, "甲方") or client.find(NAME, is_org))
    agency_name = org(find.find(AGENCY, _is_party_org) or _party_named(rows, "乙方") or agency.find(NAME, is_org))
    client_name, conflicts = _distinct_parties(client_name, agency_name)
    decision = roles.decide(rows, find, client_name, agency_name, _explicit(find, CLIENT, client_name),
                            _explicit(find, AGENCY, agency_name), [(client_name, client_rows), (agency_name, agency_rows)])
    if decision.letters_reversed and not swapped:
        return _extract(_swap(rows), swapped=True)
    client_name, agency_name = decision.client, decision.agency
    project = _project(find) or _title_project(_title(rows), client_name)
    upper, lower, price_conf = _amounts(rows)
    if lower is None:
        lower = _unit_cell_price(rows)
    conflicts = {**decision.conflicts, **conflicts}
    people, signing = client, client_rows + agency_rows
    if not client.find(CONTACT + PHONE):  # signature columns whose heads a seal hid
        columns = roles.unheaded_columns(rows, client_name, agency_name, CONTACT + PHONE + SIGNED + ["日期"])
        if columns[0]:
            people, signing = Finder(columns[0], STOPS), columns[0] + columns[1]
    fields = ContractFields(
        agency_name=agency_name,
        client_name=client_name,
        project_content=project,
        service_category=category_of(project, _title(rows)) if project else None,
        town=_town(find, client),
        signed_on=date_or_none(find.find(SIGNED)) or _seal_date(signing),
        completion_on=range_end(find.find(TERM, _ends) or _any_term(rows)),
        price_wan=yuan_to_wan(upper if upper is not None else lower) if (upper or lower) else None,
        client_contact=person(_own_party(people.find(CONTACT), "甲方|委托方"))
        or person(_own_party(find.find(CONTACT, _names_parties), "甲方|委托方")) or person(find.find(CLIENT_CONTACT)),
        client_phone=phone_or_none(people.find(PHONE)) or phone_or_none(find.find_after(CLIENT_CONTACT, PHONE)),
    )
    extra = Extraction(
        price_upper_wan=yuan_to_wan(upper) if upper else None,
        price_lower_wan=yuan_to_wan(lower) if lower else None,
        price_conf=price_conf,
        conflicts=conflicts,
    )
    return fields, extra


def _explicit(find: Finder, labels: list[str], name: Optional[str]) -> bool:
    """Whether `name` was found by an explicit role word (委托方, 供方…), not
    only by the letter 甲方/乙方."""
    if not name:
        return False
    value = find.find([x for x in labels if x not in roles.LETTERS], _is_party_org)
    return bool(value) and squash(org(value) or "") == squash(name)


def _distinct_parties(client: Optional[str], agency: Optional[str]) -> tuple[Optional[str], dict[str, str]]:
    """The same organisation never stands on both sides: when the evidence
    names it twice, the client is left null for a person to decide."""
    if client and agency and squash(client) == squash(agency):
        return None, {"client_name": f"委托方与受托方识别为同一单位“{agency}”，无法确定委托方：请对照原件核对。"}
    return client, {}


_UNIT_LABEL = re.compile(r"^(?P<label>[^（(]{1,10})[（(](?P<unit>万?元)[)）][：:]?$")


def _unit_cell_price(rows: list[Row]):
    """`费用（元） | 35000`: a price label whose unit is in its brackets and a
    bare number in the next cell, read in that unit (as yuan)."""
    from decimal import Decimal, InvalidOperation

    for r, row in enumerate(rows):
        for c, cell in enumerate(row.cells):
            m = _UNIT_LABEL.match(squash(cell))
            number = re.sub(r"[,，\s]", "", _beside(rows, r, c))
            if not m or not _PRICE_LINE.search(m.group("label")) or not re.fullmatch(r"\d+(\.\d+)?", number):
                continue
            try:
                value = Decimal(number)
            except InvalidOperation:
                continue
            return value * 10000 if m.group("unit") == "万元" else value
    return None


def _beside(rows: list[Row], r: int, c: int) -> str:
    """The cell right of cell (r, c), or the one under it in a header row."""
    row = rows[r]
    if c + 1 < len(row.cells) and re.search(r"\d", row.cells[c + 1]):
        return row.cells[c + 1]
    if r + 1 < len(rows) and row.in_table and rows[r + 1].in_table and c < len(row.cols) and row.cols[c] in rows[r + 1].cols:
        return rows[r + 1].cells[rows[r + 1].cols.index(row.cols[c])]
    return ""


def _own_party(value: Optional[str], party: str) -> Optional[str]:
    """`甲方 杨丽娟；乙方 韩雪` → `杨丽娟`: one cell naming both parties' people."""
    if value and re.search(r"甲方|乙方|委托方|受托方", value):
        m = re.search(rf"(?:{party})[：:\s]*([\u4e00-\u9fa5·]{{2,5}})", value)
        return m.group(1) if m else None
    return value


def _names_parties(value: str) -> bool:
    return bool(re.search(r"甲方|委托方", value))


def _party_named(rows: list[Row], party: str) -> Optional[str]:
    """`评价单位（乙方）：…`, `培训机构（乙方）：…`: any label that names the party."""
    pattern = re.compile(rf"^[^：:（(]{{2,8}}[（(]{party}[)）]\s*(?:[：:]\s*(.*))?$")
    for row in rows:
        for i, cell in enumerate(row.cells):
            m = pattern.match(squash(cell))
            if not m:
                continue
            value = m.group(1) or (row.cells[i + 1] if i + 1 < len(row.cells) else "")
            if is_org(value):
                return value.strip()
    return None


def _is_party_org(value: str) -> bool:
    return is_org(org(value) or "")


_SWAP = str.maketrans({"甲": "乙", "乙": "甲"})


def _roles_fixed(rows: list[Row]) -> list[Row]:
    """Some agreements make the agency 甲方（服务方） and the enterprise
    乙方（委托方）: the roles decide, not the letters. Rows are then read with
    甲 and 乙 exchanged so that 甲方 is always the client."""
    text = "".join(squash(r.text) for r in rows[:40])
    if not re.search(r"甲方[（(](服务方|受托方|服务单位)|乙方[（(](委托方|委托单位)", text):
        return rows
    return _swap(rows)


def _swap(rows: list[Row]) -> list[Row]:
    return [replace(r, cells=tuple(c.translate(_SWAP) for c in r.cells)) for r in rows]


def _any_term(rows: list[Row]) -> Optional[str]:
    """Any `…期限/时间/期间：date 至 date` line: the contract's term under a
    wording not listed (培训周期时间, 现场检测期间…)."""
    for row in rows:
        for cell in row.cells:
            term = _ANY_TERM.search(cell)
            if term and len(find_dates(cell)) >= 2 and re.search(r"至|到|—|-|~|～", cell):
                return cell[term.end():]
    return None


def _title_project(title: str, client: Optional[str]) -> Optional[str]:
    """A project named only in the title: `常州XX有限公司安全现状评价合同`."""
    name = re.sub(r"(技术)?(服务)?(合同|协议)书?$", "", title)
    if client and name.startswith(client):
        name = name[len(client):]
    name = name.strip("《》 ")
    return name if len(name) >= 4 and category_of(name) != "other" else None


def _ends(text: str) -> bool:
    """A term whose end (or deadline) can be read."""
    return range_end(text) is not None


def _title(rows: list[Row]) -> str:
    for row in rows[:8]:
        text = squash(row.text)
        if re.search(r"(合同|协议)", text) and len(text) <= 30:
            return text
    return ""


def _project(find: Finder) -> Optional[str]:
    value = find.find(PROJECT, lambda v: 2 <= len(v) <= 60)
    if value:
        return text_or_none(re.sub(r"[。；;]$", "", value))
    long = find.find(PROJECT)
    if long:  # a description: its first phrase names the work
        return text_or_none(re.split(r"[，,。；;：:]", long)[0][:60])
    return None


def _town(find: Finder, client: Finder) -> Optional[str]:
    for finder, labels in ((find, PLACE), (client, ADDRESS)):
        value = finder.find(labels, lambda v: find_town(v) is not None)
        if value:
            return find_town(value)
    return None


def _amounts(rows: list[Row]):
    """The 大写 and 小写 amounts of the line that states the contract's total,
    and the OCR confidence of the lines they were read from (None: a text
    layer)."""
    texts = [row.text for row in rows]
    for hint in PRICE_HINTS:
        pat = label_regex(hint)
        for i, text in enumerate(texts):
            if pat.search(text):
                found = _amounts_at(texts, i)
                if found != (None, None):
                    return (*found, _conf(rows[i:i + 2]))
    # no known wording: the first fee-like line (培训费用, 检测费…) that states an amount
    for i, text in enumerate(texts):
        if _PRICE_LINE.search(text):
            found = _amounts_at(texts, i)
            if found != (None, None):
                return (*found, _conf(rows[i:i + 2]))
    return None, None, None


def _conf(rows: list[Row]) -> Optional[float]:
    confs = [r.conf for r in rows if r.conf is not None]
    return min(confs) if confs else None


def _amounts_at(texts: list[str], i: int):
    upper, lower = find_amounts(texts[i])
    if (upper is None or lower is None) and i + 1 < len(texts):
        upper2, lower2 = find_amounts(texts[i] + texts[i + 1])
        upper, lower = upper or upper2, lower or lower2
    return upper, lower


def _seal_date(rows: list[Row]):
    """The date under the seals when no 签订日期 label gives one: the later of
    the parties' dates (the contract binds when both have signed)."""
    found = [d for row in rows for cell in row.cells if (d := date_or_none(cell)) is not None]
    return max(found) if found else None


def name_blocks(rows: list[Row]) -> Optional[tuple[list[Row], list[Row]]]:
    """The 科技部 party table, read as blocks that each start at a
    名称（或姓名） row: the party's header may sit anywhere in its block (a
    scan puts a merged cell's text at its vertical middle)."""
    blocks: list[list[Row]] = []
    for row in rows:
        firsts = [squash(c) for c in row.cells[:2]]
        if any(re.match(r"^名称", f) for f in firsts):
            blocks.append([])
        elif blocks and not row.in_table and len(row.cells) == 1 and not _KV.search(squash(row.cells[0])):
            break  # prose: the table is over
        if blocks:
            blocks[-1].append(row)
    client: list[Row] = []
    agency: list[Row] = []
    for block in blocks:
        heads = {_party_of(c) for row in block for c in row.cells[:1]} - {None}
        if len(heads) != 1:
            continue
        target = client if heads == {"client"} else agency
        target += [subrow(r, kept, in_table=True) if (kept := [i for i, c in enumerate(r.cells) if not _party_of(c)])
                   else Row(cells=("",), conf=r.conf, in_table=True) for r in block]
    return (client, agency) if client and agency else None


_KV = re.compile(r"^(名称|法定代表人|委托代理人|联系|住所|电话|开户银行|帐号|账号|传真|邮编|地址)")


def party_rows(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """Split the rows that describe each party: a party table (a 委托方 row
    header followed by its rows), a two-column signature block (甲方 | 乙方),
    or a 甲方：… paragraph followed by its 住所地/联系人 lines."""
    client: list[Row] = []
    agency: list[Row] = []
    columns: Optional[list[list[Row]]] = None
    current: Optional[list[Row]] = None
    free_left = 0
    for row in rows:
        m = _PREFIXED.match(squash(row.cells[0])) if row.in_table else None
        if m:
            first = squash(row.cells[0])[m.end():].lstrip("的")
            target = client if _CLIENT_HEAD.match(m.group(1)) else agency
            target.append(replace(row, cells=(first, *row.cells[1:]), in_table=True, part=True))
            continue
        if not row.in_table and len(_PREFIXED.findall(row.text)) >= 1 and not _party_of(row.cells[0]):
            for party, segment in _prefixed_segments(row.text):
                (client if party == "client" else agency).append(Row(cells=(segment,), conf=row.conf, page=row.page,
                                                                     where=row.where))
            continue
        heads = [_party_of(cell) for cell in row.cells]
        if len(row.cells) >= 2 and heads[0] and heads[1] and heads[0] != heads[1]:
            columns = [client if h == "client" else agency for h in heads[:2]]
            current = None
            continue
        if columns and len(row.cells) == 2:
            for i, target in enumerate(columns):
                target.append(subrow(row, [i], in_table=True))
            continue
        columns = None
        if heads and heads[0]:
            current = client if heads[0] == "client" else agency
            free_left = 8
            current.append(subrow(row, range(1 if row.in_table else 0, len(row.cells))))
            continue
        if current is not None:
            text = squash(row.text)
            if (not row.in_table and (_CLAUSE.match(text) or free_left <= 0 or len(text) > 45)):
                current = None
                continue
            free_left -= 1
            current.append(row)
    return client, agency


_PREFIXED = re.compile(rf"({_heads}|{_aheads})(?=(的)?(联系人|联系电话|电话|手机|联系方式|住所|地址|经办人|项目联系人))")


def _prefixed_segments(text: str) -> list[tuple[str, str]]:
    """`甲方联系人：汪红梅，联系电话：139…；乙方联系人：…` → one segment per party."""
    marks = list(_PREFIXED.finditer(text))
    out = []
    for m, nxt in zip(marks, marks[1:] + [None]):
        segment = text[m.end(): nxt.start() if nxt else len(text)].lstrip("的")
        out.append(("client" if _CLIENT_HEAD.match(m.group(1)) else "agency", segment))
    return out


def _party_of(cell: str) -> Optional[str]:
    s = re.sub(r"^[.．·,，、]+", "", squash(cell))  # a speck a scan read before the head
    if _CLIENT_HEAD.match(s):
        return "client"
    if _AGENCY_HEAD.match(s):
        return "agency"
    return None
