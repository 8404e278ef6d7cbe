"""Wujin District's towns (镇), streets (街道) and zones, and the unit an
address names. Facts from /work/shared/domain.md (statistics codes of 2022).

奔牛, 邹区 and 郑陆 left the district in 2015; a unit outside the district
is returned as written so that the record shows it.
"""

from __future__ import annotations

import re

from ..text import fold_width

WUJIN_TOWNS: tuple[str, ...] = (
    "湖塘镇", "牛塘镇", "洛阳镇", "遥观镇", "横林镇", "横山桥镇",
    "雪堰镇", "前黄镇", "礼嘉镇", "嘉泽镇", "湟里镇",
)
WUJIN_STREETS: tuple[str, ...] = ("戚墅堰街道", "丁堰街道", "潞城街道", "西湖街道", "南夏墅街道")
WUJIN_ZONES: tuple[str, ...] = ("武进经济开发区", "武进国家高新区", "西太湖生态休闲区", "太湖湾旅游度假区")
WUJIN_UNITS: tuple[str, ...] = WUJIN_TOWNS + WUJIN_STREETS + WUJIN_ZONES

# 常州经开区 runs 戚墅堰/丁堰/潞城/遥观/横林/横山桥, all legally in Wujin, but
# names no single unit: it is kept as this name and recognised as Wujin.
CHANGZHOU_ETDZ = "常州经开区"
# service centres of 湖塘镇, often written as if they were streets
HUTANG_CENTRES: tuple[str, ...] = ("阳湖", "鸣凰", "马杭")
LEFT_IN_2015: tuple[str, ...] = ("奔牛镇", "邹区镇", "郑陆镇")

_ZONE_ALIASES: dict[str, str] = {
    r"武进区?(?:国家)?高新(?:技术产业开发)?区": "武进国家高新区",
    r"(?:常州)?西太湖科技产业园": "武进经济开发区",
    r"武进区?(?:经济)?开发区|武进区?经开区": "武进经济开发区",
    r"西太湖生态休闲区": "西太湖生态休闲区",
    r"太湖湾(?:旅游)?度假区": "太湖湾旅游度假区",
    r"常州经开区|常州经济开发区": CHANGZHOU_ETDZ,
}
# zones of other districts, returned as written
_OUTSIDE_ZONES = r"常州(?:国家)?高新(?:技术产业开发)?区"


def _stem(unit: str) -> str:
    return re.sub(r"(镇|街道)$", "", unit)


_CENTRE_FORMS = {c + suffix for c in HUTANG_CENTRES for suffix in ("", "街道", "镇", "服务中心")}
_NAMED = sorted(WUJIN_TOWNS + WUJIN_STREETS + LEFT_IN_2015 + tuple(_CENTRE_FORMS - set(HUTANG_CENTRES)), key=len, reverse=True)
_NAMED_RE = re.compile("|".join(_NAMED))
_BARE: dict[str, str] = {
    **{u: u for u in WUJIN_UNITS + LEFT_IN_2015},
    **{_stem(u): u for u in WUJIN_TOWNS + WUJIN_STREETS + LEFT_IN_2015},
    **{c: c for c in _CENTRE_FORMS},
    "高新区": "武进国家高新区",
    "太湖湾": "太湖湾旅游度假区",
}

# any other '…镇 / …街道 / …乡' right after an administrative boundary
_BOUNDARY = r"(?:^|(?<=[省市区县旗盟州：:，,、；;（()）\s]))"
_GENERIC_RE = re.compile(_BOUNDARY + r"([\u4e00-\u9fff]{2,4}?)(镇(?!江)|街道|乡(?![村镇]))")
_NOT_A_NAME = re.compile(r"^[各本该全在]|所在|所属|位于|地址|住所|地点|城乡|乡镇|村镇|集镇|城镇|辖区|镇|街道|村|路")
_PUNCT = re.compile(r"[\s：:，,。.;；、（）()]+")


def _generic_units(s: str) -> list[tuple[int, str]]:
    found = []
    for m in _GENERIC_RE.finditer(s):
        name = m.group(1)
        if _NOT_A_NAME.search(name):
            continue
        found.append((m.start(), m.group()))
    return found


def _first_zone(s: str) -> str | None:
    """The earliest zone named (Wujin zones canonical, others as written)."""
    hits = []
    for pattern, canonical in _ZONE_ALIASES.items():
        m = re.search(pattern, s)
        if m:
            hits.append((m.start(), canonical))
    outside = re.search(_OUTSIDE_ZONES, s)
    if outside:
        hits.append((outside.start(), outside.group()))
    return min(hits)[1] if hits else None


def find_town(text: str) -> str | None:
    """The 镇/街道/zone named in an address or cell.

    A Wujin unit comes back canonical (aliases mapped: 武进高新区 ->
    武进国家高新区; 湖塘's service centres written as streets, 鸣凰街道, are
    湖塘镇 as domain.md says); units outside the district (儒林镇, 奔牛镇,
    三井街道) come back as written. A town or street
    wins over a zone, a known name over any other; a bare stem ('湖塘') counts only when it is the whole
    text. None when no unit is named."""
    found = _find_unit(text)
    if found is None and isinstance(text, str) and re.search(r"武进区?\S{0,3}(" + "|".join(HUTANG_CENTRES) + ")", text):
        return "湖塘镇"  # 武进区鸣凰工业园…: a 湖塘 service centre's area
    return "湖塘镇" if found in _CENTRE_FORMS else found


def _find_unit(text: str) -> str | None:
    if not isinstance(text, str):
        return None
    s = _PUNCT.sub(" ", fold_width(text)).strip()
    compact = s.replace(" ", "")
    if compact in _BARE:
        return _BARE[compact]
    named = _NAMED_RE.search(s)
    if named:
        return named.group()
    generic = _generic_units(s)
    if generic:
        return generic[0][1]
    return _first_zone(s)


_WUJIN_NAMES = (
    set(WUJIN_UNITS) | {_stem(u) for u in WUJIN_TOWNS + WUJIN_STREETS} | _CENTRE_FORMS
    | {CHANGZHOU_ETDZ, "常州经济开发区", "高新区", "太湖湾"}
)


def is_wujin_unit(name: str) -> bool:
    """True for a Wujin unit's canonical name, a known alias or a 湖塘 service
    centre; False for 奔牛/邹区/郑陆 and everything outside the district."""
    if not isinstance(name, str):
        return False
    s = re.sub(r"\s+", "", fold_width(name))
    if s in _WUJIN_NAMES:
        return True
    return any(re.fullmatch(pat, s) for pat in _ZONE_ALIASES)
