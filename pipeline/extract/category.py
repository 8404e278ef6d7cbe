"""The service category (服务类别) of a contract, from what it is about.

Rules are ordered: the more specific kind of work wins (安全生产标准化…咨询
is standardisation, not consulting). The project's content decides; the
contract's title only when the content names no kind of work.
"""

from __future__ import annotations

import re
from typing import Optional

from ..models import Category

RULES: list[tuple[Category, str]] = [
    ("standardization", r"标准化|达标"),
    ("consulting", r"托管"),  # 安全生产托管 names the work even when it includes training
    ("training", r"培训|教育|考核|取证|复审"),
    ("testing", r"检测|检验|监测|测试|测评"),
    ("assessment", r"评价|评估|论证|审查"),
    ("consulting", r"咨询|托管|顾问|管家|应急预案|预案编制|双重预防|隐患排查|风险分级|体系建设|辨识"),
]

# how each category is written on the 报告函 form
FORM_LABELS: list[tuple[Category, str]] = [
    ("training", r"安全培训|培训"),
    ("assessment", r"安全评估评价|评估评价|评价评估"),
    ("testing", r"安全检测检验|检测检验"),
    ("consulting", r"安全咨询托管|咨询托管"),
    ("standardization", r"安全标准化|标准化"),
    ("other", r"其\s*他|其它"),
]


def category_of(content: Optional[str], title: str = "") -> Category:
    for text in (content or "", title):
        for category, pattern in RULES:
            if re.search(pattern, text):
                return category
    return "other"


def form_category(label: str) -> Optional[Category]:
    """The category a 服务类别 box label names on the form."""
    for category, pattern in FORM_LABELS:
        if re.search(pattern, label):
            return category
    return None
