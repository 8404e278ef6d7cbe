"""Classification: which of the four filings (or none) a document is.

Each kind scores points for its title near the top and for the labels and
phrases of its form anywhere; a misspelt or missing title still leaves the
form's own wording. Below a threshold the document is `unknown`.
"""

from __future__ import annotations

import re

from ..models import Document, Kind
from .vocab import vocab

_TITLES: dict[str, list[str]] = {
    "report_letter": [r"活动开展报告函", r"报告函", r"机构.{0,6}报告"],
    "commitment": [r"机构承诺书", r"承诺书", r"承\s*诺\s*[书收]"],
    "work_report": [r"机构工作报表", r"工作报表", r"业绩报表", r"工作报告表"],
    "contract": [r"(服务|托管|评价|培训|检测|咨询|技术|委托)\S{0,8}(合同|协议书?)", r"合\s*同\s*书?$", r"协议书"],
}
_MARKS: dict[str, list[str]] = {
    "report_letter": ["服务类别", "企业法人营业执照", "从业地联系人", "聘用专家", "从业人数", "在从业地开展", "业务范围", "注册地址", "办公地址"],
    "commitment": ["本机构承诺", "承诺人", "不伪造", "租借资质", "不转包项目", "批准的业务范围", "恶性低价竞争", "按时报送工作业绩"],
    "work_report": ["项目企业名称", "项目主要内容", "项目所在镇", "签约时间", "完成时间", "服务价格", "填表人", "项目企业联系人"],
    "contract": ["委托方", "受托方", "甲方", "乙方", "违约责任", "争议", "合同金额", "服务费", "签订", "履行期限", "有效期限", "盖章", "法定代表人"],
}
# the kinds of issue 18 (从业人员名单, 专家检查记录): their titles and marks are data
for _kind, _words in vocab()["classify"].items():
    _TITLES[_kind] = [re.escape(t) for t in _words["titles"]]
    _MARKS[_kind] = list(_words["marks"])
_THRESHOLD = 6


def _is_title(pattern: str, line: str) -> bool:
    """A title is a short line that ends with the kind's name (not a
    sentence that mentions it)."""
    line = re.sub(r"[（(][^）)]*[)）]$", "", line)
    return len(line) <= 30 and not re.match(r"^([一二三四五六七八九十]+、|\d+[.．、])", line) \
        and bool(re.search(f"(?:{pattern})$", line))


def classify(doc: Document) -> Kind:
    return _classify(doc)[0]


def titled_kind(doc: Document) -> Kind | None:
    """The kind of a document (a page) that opens with its kind's title:
    where a new filing begins in a PDF holding several; None otherwise."""
    kind, titled = _classify(doc)
    return kind if titled else None


def _classify(doc: Document) -> tuple[Kind, bool]:
    """The kind, and whether its title is at the top."""
    lines = [re.sub(r"\s+", "", line.text) for line in doc.lines()]
    head = lines[:10]
    text = "".join(lines)
    scores: dict[str, float] = {}
    titles: set[str] = set()
    for kind, marks in _MARKS.items():
        score = float(sum(1 for mark in marks if mark in text))
        if any(_is_title(p, h) for p in _TITLES[kind] for h in head):
            score += 5
            titles.add(kind)
        scores[kind] = score
    # a contract's marks are common words; demand more of them
    scores["contract"] -= 1
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < _THRESHOLD:
        return "unknown", False
    return best, best in titles  # type: ignore[return-value]
