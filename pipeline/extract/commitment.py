"""Fields of 附件2 安全生产技术服务机构承诺书, and whether its eight
commitments are all there, word for word."""

from __future__ import annotations

import re
import unicodedata

from ..models import CommitmentFields, Document, Extraction
from ..text import squash, strip_seal_note
from . import vocabulary
from .labels import Finder, Rows
from .values import date_or_none, person, text_or_none

CLAUSES = [
    "自觉遵守有关法律、法规以及相关规定；",
    "不伪造、转让或者租借资质、资格证书，不转包项目；",
    "严格按照批准的业务范围开展中介服务活动；",
    "认真开展安全生产技术服务活动，确保服务质量，不出具虚假或者失实的安全生产技术服务报告；",
    "遵守市场竞争规则，不采取欺诈、恶性低价竞争，故意贬低、诋毁其他安全生产技术服务机构等不正当手段招揽业务；",
    "不以安全生产监督管理部门及其工作人员的名义或以欺骗手段到生产经营单位招揽业务；",
    "严格服务时限要求，在约定的时间内提交安全生产技术服务报告和整改确认意见；",
    "自觉接受各级安全生产监督管理部门的监督，按时报送工作业绩。",
]
NUMERALS = "一二三四五六七八"
V = vocabulary.fields("commitment")
NAME, PROMISOR, DATE = V["name"], V["promisor"], V["date"]
STOPS = NAME + PROMISOR + DATE


def extract(doc: Document) -> tuple[CommitmentFields, Extraction]:
    rows = Rows.of(doc).rows
    find = Finder(rows, STOPS)
    fields = CommitmentFields(
        agency_name=text_or_none(strip_seal_note(find.find(NAME))),
        promisor=person(find.find(PROMISOR)),
        signed_on=_signed_on(find),
        clauses_intact=clauses_intact(" ".join(_numbered(r) for r in rows), ocr=any(r.conf is not None for r in rows)),
    )
    return fields, Extraction()


def _numbered(row) -> str:
    """A clause typed in a table (序号 | 承诺内容) reads as `一、…`."""
    if len(row.cells) >= 2 and re.fullmatch(r"[（(]?[一二三四五六七八1-8][)）、.．]?", squash(row.cells[0])):
        numeral = squash(row.cells[0]).strip("（()）、.．")
        numeral = NUMERALS[int(numeral) - 1] if numeral.isdigit() else numeral
        return numeral + "、" + " ".join(row.cells[1:])
    return row.text


def _signed_on(find: Finder):
    value = find.find(DATE)
    if value and date_or_none(value):
        return date_or_none(value)
    # the date under the signature: the first date at or after the 承诺人 line
    for r, _, _ in find.positions(PROMISOR):
        for row in find.rows[r:]:
            for cell in row.cells:
                found = date_or_none(cell)
                if found:
                    return found
        break
    return None


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", squash(text))
    return re.sub(r"[;；,，.。:：、]", lambda m: {";": "；", ",": "，", ".": "。", ":": "："}.get(m.group(), m.group()), text)


def _numbering(body: str) -> str:
    """（一）… or 1、/1. numbering → 一、 (the wording is what must not change)."""
    body = re.sub(r"[（(]([一二三四五六七八])[)）]", r"\1、", body)
    # a scan may read the 、 after a clause's numeral as ： ， or 。
    body = re.sub(r"(^|(?<=[；。]))([一二三四五六七八])[：，。](?=[^\d])", r"\2、", body)
    if "一、" not in body:
        body = re.sub(r"(?<![\d.])([1-8])[、.．。](?!\d)", lambda m: NUMERALS[int(m.group(1)) - 1] + "、", body)
    return body


# characters whose change alters a commitment's meaning: never put down to an OCR misreading
_PROTECTED = set("不无非未禁严须按时")


def _same_wording(got: str, want: str, ocr: bool) -> bool:
    """Exact for a text layer. For OCR text, a few single-character misreadings
    (诋 read as 低) are tolerated: same length, at most one per 20
    characters, never on a character that carries the meaning of the
    commitment. An inserted or missing word is always a change."""
    if got == want:
        return True
    if not ocr or len(got) != len(want):
        return False
    diffs = [(a, b) for a, b in zip(got, want) if a != b]
    return len(diffs) <= max(1, len(want) // 20) and not any(b in _PROTECTED or a in _PROTECTED for a, b in diffs)


def clauses_intact(text: str, ocr: bool = False) -> bool:
    """True when commitments 一 to 八 are all present and their wording is unchanged."""
    body = _numbering(_norm(text))
    start = body.find("一、")
    if start < 0:
        return False
    body = body[start:]
    for i, clause in enumerate(CLAUSES):
        head = NUMERALS[i] + "、"
        at = body.find(head)
        if at != 0:
            return False
        nxt = NUMERALS[i + 1] + "、" if i + 1 < len(CLAUSES) else None
        end = body.find(nxt, len(head)) if nxt else _clause_end(body, len(head) + len(_norm(clause)))
        if end < 0:
            return False
        if not _same_wording(body[len(head):end].rstrip("；。"), _norm(clause).rstrip("；。"), ocr):
            return False
        body = body[end:]
    return True


def _clause_end(body: str, expected: int) -> int:
    """Where the last clause ends: at the signature block, else its length."""
    m = re.search(r"机构名称|单位名称|承诺人|盖章|\d{4}年", body)
    return m.start() if m else min(len(body), expected)
