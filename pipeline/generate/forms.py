"""Fill the templates of 附件1–3 (forms/*.docx, built by forms/make_templates.py).

Values are written the way a careful clerk writes them on the form: dates as
`2021 年 2 月 16 日` (signature lines) or `2021.03.08` (the report's table),
prices in 万元 without trailing zeros, a ticked ☑ or empty ☐ box for each of
the six service categories. Jinja autoescape is on, so `&`, `<`, `>` in
names are safe. Each file is rendered to a temporary file in the target
folder and moved into place (`pipeline.atomic`).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Optional

from jinja2 import Environment, StrictUndefined, Template

from ..atomic import atomic_path
from ..errors import PipelineError
from ..forms import folder as forms_folder  # pipeline.forms, not this module
from ..models import EMPTY, TICKED, CommitmentFields, ReportLetterFields, WorkReportRow
from ..names import safe_name  # noqa: F401  (re-exported: generate.safe_name)

FORMS_DIR = forms_folder()  # the packaged templates: pipeline.forms (the top-level forms/ of the repository)
TEMPLATES = {"report_letter": "报告函.docx", "commitment": "承诺书.docx", "work_report": "工作报表.docx"}
CATEGORIES = ("training", "assessment", "testing", "consulting", "standardization", "other")
BLANK_DATE = "\u3000\u3000年\u3000\u3000月\u3000\u3000日"


class TemplateError(PipelineError):
    """A template in forms/ is missing or cannot be rendered."""

    default_message = "文书模板有误，无法生成文书。"


# --------------------------------------------------------------------------- values
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def _text(value: Any) -> str:
    """A value as text for the form: None is blank; control characters that
    docxtpl would turn into tabs, paragraphs or page breaks become spaces; a
    line break stays a line break."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(" ", text).strip()


def cn_date(d: Optional[date]) -> str:
    return f"{d.year} 年 {d.month} 月 {d.day} 日" if d else BLANK_DATE


def dot_date(d: Optional[date]) -> str:
    return f"{d.year}.{d.month:02d}.{d.day:02d}" if d else ""


def wan(value: Optional[float | Decimal]) -> str:
    """3.85 -> '3.85', 2.0 -> '2', 10 -> '10' (at most six decimals)."""
    if value is None:
        return ""
    d = Decimal(str(value)).quantize(Decimal("0.000001")).normalize()
    return format(d, "f")


# --------------------------------------------------------------------------- contexts
def report_letter_context(f: ReportLetterFields) -> dict:
    ticked = set(f.service_categories or [])
    return {
        "agency_name": _text(f.agency_name),
        "box": {c: TICKED if c in ticked else EMPTY for c in CATEGORIES},
        "business_scope": _text(f.business_scope),
        "local_business": _text(f.local_business),
        "license_no": _text(f.license_no),
        "registered_address": _text(f.registered_address),
        "office_address": _text(f.office_address),
        "local_contact": _text(f.local_contact),
        "local_contact_phone": _text(f.local_contact_phone),
        "staff": "" if f.staff_count is None else f"{f.staff_count} 人",
        "experts": _text(f.experts),
        "legal_representative": _text(f.legal_representative),
        "legal_representative_phone": _text(f.legal_representative_phone),
        "filled_on": cn_date(f.filled_on),
    }


def commitment_context(f: CommitmentFields) -> dict:
    return {"agency_name": _text(f.agency_name), "promisor": _text(f.promisor), "signed_on": cn_date(f.signed_on)}


def sorted_rows(rows: Iterable[WorkReportRow]) -> list[WorkReportRow]:
    """Rows in order of signing (undated rows last), as they are numbered."""
    return sorted(rows, key=lambda r: (r.signed_on is None, r.signed_on or date.max))


def work_report_context(agency_name: str, period_start: Optional[date], period_end: Optional[date],
                        rows: Iterable[WorkReportRow], principal: Optional[str] = None,
                        preparer: Optional[str] = None, phone: Optional[str] = None, under_review: int = 0) -> dict:
    ordered = sorted_rows(rows)
    prices = [Decimal(str(r.price_wan)) for r in ordered if r.price_wan is not None]
    return {
        "agency_name": _text(agency_name),
        "period": f"{cn_date(period_start)} 至 {cn_date(period_end)}",
        "rows": [
            {
                "no": i,
                "client_name": _text(r.client_name),
                "project_content": _text(r.project_content),
                "town": _text(r.town),
                "signed_on": dot_date(r.signed_on),
                "completion_on": dot_date(r.completion_on),
                "price": wan(r.price_wan),
                "contact": " ".join(p for p in (_text(r.client_contact), _text(r.client_phone)) if p),
            }
            for i, r in enumerate(ordered, start=1)
        ],
        "total": wan(sum(prices, Decimal(0))) if prices else "",
        "principal": _text(principal),
        "preparer": _text(preparer),
        "phone": _text(phone),
        "review_note": f"另有{under_review}份合同正在审核，未列入本表。" if under_review else "",
    }


# --------------------------------------------------------------------------- rendering
class _CompiledOnce(Environment):
    """jinja's environment of the forms, compiling each template source
    once: docxtpl hands every XML part of a template to `from_string` on
    every render, and compiling them again was a quarter of the time of
    rendering a batch's 48 documents. The sources are the templates' own
    parts, so the cache stays small (it is emptied should it ever grow)."""

    LIMIT = 256

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self._compiled: dict[str, Template] = {}

    def from_string(self, source, globals=None, template_class=None) -> Template:  # noqa: A002  (jinja's name)
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        template = self._compiled.get(source)
        if template is None:
            if len(self._compiled) >= self.LIMIT:
                self._compiled.clear()
            template = self._compiled[source] = super().from_string(source)
        return template


_JINJA = _CompiledOnce()


def _render(kind: str, context: dict, forms_dir: Path):
    from docxtpl import DocxTemplate

    name = TEMPLATES[kind]
    path = Path(forms_dir) / name
    if not path.is_file():
        raise TemplateError(f"找不到文书模板「{name}」（{path}）：请运行 forms/make_templates.py 重新生成模板。")
    try:
        tpl = DocxTemplate(str(path))
        tpl.render(context, jinja_env=_JINJA, autoescape=True)
    except Exception as exc:  # jinja2, lxml and zip errors alike
        raise TemplateError(f"文书模板「{name}」有误，无法生成（{type(exc).__name__}: {exc}）：请检查模板中的填写标记。") from exc
    return tpl


def _save(tpl, out: Path) -> Path:
    out = Path(out)
    with atomic_path(out) as tmp:
        tpl.save(tmp)
        if _same_document(tmp, out):
            tmp.unlink()  # unchanged: keep the file (and its PDF) as they are
    return out


def _same_document(new: Path, old: Path) -> bool:
    """True when both DOCX hold the same document XML (the zip's own
    timestamps differ on every save)."""
    if not old.is_file():
        return False
    try:
        with zipfile.ZipFile(new) as a, zipfile.ZipFile(old) as b:
            return a.read("word/document.xml") == b.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def render_report_letter(fields: ReportLetterFields, out: Path, forms_dir: Path = FORMS_DIR) -> Path:
    return _save(_render("report_letter", report_letter_context(fields), forms_dir), out)


def render_commitment(fields: CommitmentFields, out: Path, forms_dir: Path = FORMS_DIR) -> Path:
    return _save(_render("commitment", commitment_context(fields), forms_dir), out)


def render_work_report(agency_name: str, period_start: date, period_end: date, rows: list[WorkReportRow], out: Path,
                       forms_dir: Path = FORMS_DIR, principal: Optional[str] = None, preparer: Optional[str] = None,
                       phone: Optional[str] = None, under_review: int = 0) -> Path:
    context = work_report_context(agency_name, period_start, period_end, rows, principal, preparer, phone, under_review)
    return _save(_render("work_report", context, forms_dir), out)


# --------------------------------------------------------------------------- start-up check
def _dummy_contexts() -> dict[str, dict]:
    day = date(2021, 1, 4)
    row = WorkReportRow(client_name="测试企业 & <有限公司>", project_content="测试", town="湖塘镇", signed_on=day,
                        completion_on=day, price_wan=1.5, client_contact="张三", client_phone="13900000000")
    letter = ReportLetterFields(agency_name="测试机构", service_categories=["training"], staff_count=1, filled_on=day)
    return {
        "report_letter": report_letter_context(letter),
        "commitment": commitment_context(CommitmentFields(agency_name="测试机构", promisor="张三", signed_on=day)),
        "work_report": work_report_context("测试机构", day, day, [row, row], "张三", "李四", "0519-86000000"),
    }


def check_templates(forms_dir: Path = FORMS_DIR) -> None:
    """Load and test-render every template; raise TemplateError naming the
    first broken one. Call at start-up, before any file is processed."""
    import docx

    for kind, context in _dummy_contexts().items():
        tpl = _render(kind, context, forms_dir)
        buf = io.BytesIO()
        try:
            tpl.save(buf)
            out = docx.Document(io.BytesIO(buf.getvalue()))
        except Exception as exc:
            raise TemplateError(f"文书模板「{TEMPLATES[kind]}」生成的文件无法打开（{type(exc).__name__}）："
                                "请重新生成模板。") from exc
        text = "\n".join(p.text for p in out.paragraphs) + "".join(
            c.text for t in out.tables for r in t.rows for c in r.cells)
        if re.search(r"\{[{%]|[}%]\}", text):
            raise TemplateError(f"文书模板「{TEMPLATES[kind]}」中有未替换的填写标记：请检查模板。")
