"""Classification: which of the four filings (or none) a document is, from
the evidence it shows.

Each kind scores points for what its form carries: the labelled fields of
the kind (two points each: the parties, the signing date and the price of a
contract; the 服务类别 and 业务范围 of a 报告函; the clauses of a 承诺书; the
table of projects of a 工作报表), the words of its form (one point each), and
its title near the top (five points: one signal among several). A
registration form that carries a contract's fields is a contract whatever
its title. Below a threshold the document is `unknown`, and the verdict says
which kind came closest and what it lacked. Vocabulary: vocabulary.toml.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, Field

from ..models import KIND_ZH, Document, Kind
from ..text import squash
from . import vocabulary
from .labels import label_regex
from .vocab import vocab

_THRESHOLD = 6
_KINDS = ("contract", "report_letter", "commitment", "work_report")
# the kinds of issue 18 (从业人员名单, 专家检查记录): titles and marks from their own data file
_MORE_KINDS = ("staff_list", "expert_check")


class Verdict(BaseModel):
    """The kind decided, every kind's score, and for the best kind what its
    evidence lacked (what an officer is told about an `unknown`)."""

    kind: Kind
    scores: dict[str, float] = Field(default_factory=dict)
    closest: str = "unknown"
    lacking: list[str] = Field(default_factory=list)
    titled: bool = False    # the kind's title opens the document (where a filing begins in a PDF of several)

    def reason(self) -> str:
        if self.closest == "unknown":
            return "无法识别该文件的类别（不是服务合同、报告函、承诺书、工作报表、从业人员名单或专家检查记录）：请确认是否提交错了文件。"
        lacking = "、".join(self.lacking) or "足够的特征"
        return (f"无法识别该文件的类别：最接近“{KIND_ZH[self.closest]}”，但缺少{lacking}"
                "（不是服务合同、报告函、承诺书、工作报表、从业人员名单或专家检查记录）：请确认是否提交错了文件。")


def _is_title(pattern: str, line: str) -> bool:
    """A title is a short line that ends with the kind's name (not a
    sentence that mentions it)."""
    line = re.sub(r"[（(][^）)]*[)）]$", "", line)
    return len(line) <= 30 and not re.match(r"^([一二三四五六七八九十]+、|\d+[.．、])", line) \
        and bool(re.search(f"(?:{pattern})$", line))


@lru_cache(maxsize=1)
def _config() -> dict:
    conf = vocabulary.section("classify")
    conf = {key: dict(value) if isinstance(value, dict) else value for key, value in conf.items()}
    for kind in _MORE_KINDS:
        words = vocab()["classify"][kind]
        conf["titles"][kind] = [re.escape(t) for t in words["titles"]]
        conf["marks"][kind] = list(words["marks"])
        conf["evidence"][kind] = []
    return conf


def _labels_of(ref: str) -> list[str]:
    kind, field = ref.split(".")
    return list(_config()["words"][field]) if kind == "classify" else vocabulary.labels(kind, field)


def _shown(ref: str, text: str, tables: list[list[str]], slip: bool = False) -> bool:
    """Whether the document shows one piece of evidence (`slip`: a scan's
    labels of four or more characters with one character misread, as the
    extractors read them)."""
    if ref == "classify.clauses":
        return sum(1 for word in _config()["words"]["clauses"] if word in text) >= 4
    if ref == "classify.project_table":
        return any(_is_project_header(row) for row in tables)
    return any(label_regex(label, slip).search(text) for label in _labels_of(ref))


def _is_project_header(row: list[str]) -> bool:
    """A header row of a table of projects: a client column and at least
    three more columns a work report has."""
    patterns = vocabulary.columns("work_report")
    found = {key for cell in row for key, pattern in patterns if cell and len(cell) <= 16 and re.search(pattern, cell)}
    return "client_name" in found and len(found) >= 4


def judge(doc: Document) -> Verdict:
    lines = [re.sub(r"\s+", "", line.text) for line in doc.lines()]
    head = lines[:10]
    text = "".join(lines)
    tables = [[squash(c or "") for c in row] for t in doc.tables() for row in t.flat_rows()]
    conf = _config()
    scores: dict[str, float] = {}
    lacking: dict[str, list[str]] = {}
    titles: set[str] = set()
    for kind in _KINDS + _MORE_KINDS:
        score = float(sum(1 for mark in conf["marks"][kind] if mark in text))
        if any(_is_title(p, h) for p in conf["titles"][kind] for h in head):
            score += 5
            titles.add(kind)
        missing = [what for what, ref in conf["evidence"][kind] if not _shown(ref, text, tables, doc.ocr)]
        score += 2 * (len(conf["evidence"][kind]) - len(missing))
        scores[kind], lacking[kind] = score, missing
    # a contract's words are common words; demand more of them
    scores["contract"] -= 3
    best = max(scores, key=lambda k: scores[k])
    if scores[best] >= _THRESHOLD:
        return Verdict(kind=best, scores=scores, closest=best, titled=best in titles)  # type: ignore[arg-type]
    closest = best if scores[best] > 0 else "unknown"
    return Verdict(kind="unknown", scores=scores, closest=closest, lacking=lacking.get(closest, []))


def classify(doc: Document) -> Kind:
    return judge(doc).kind


def titled_kind(doc: Document) -> Kind | None:
    """The kind of a document (a page) that opens with its kind's title:
    where a new filing begins in a PDF holding several; None otherwise."""
    verdict = judge(doc)
    return verdict.kind if verdict.titled else None
