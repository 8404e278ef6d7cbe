"""An officer's value for one field, parsed by the parsers extraction uses.

`parse_value(kind, field, text)` returns the typed value or raises
`CorrectionError` (exit code 2) with a Chinese message; it never guesses.
Fields are named as in the spec (records.md); a work-report row's field is
`rows.N.field` (N counted from 0, as in the issues' `rows[N].field`).
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from typing import Any, Optional

from pydantic import BaseModel

from ..errors import ParseError, UsageError
from ..models import CATEGORY_NAMES, FIELDS_BY_KIND, KIND_ZH, WorkReportRow
from ..parse.credit_code import is_valid_credit_code, normalize_code
from ..parse.dates import parse_date
from ..parse.money import parse_wan
from ..parse.numerals import digit_string
from ..parse.phone import is_valid_phone, normalize_phone
from ..text import fold_width

_ROW = re.compile(r"^rows[.\[](\d+)\]?\.(\w+)$")
_TRUE = {"是", "完整", "true", "yes", "1", "有效"}
_FALSE = {"否", "不完整", "被改动", "false", "no", "0", "无效"}
STATUS_FIELDS = ("status", "kind")  # the record-level decisions a correction may carry


class CorrectionError(UsageError):
    """A correction that cannot be taken: nothing is written."""

    default_message = "更正内容有误，未保存。"


def field_model(kind: str, field: str) -> tuple[type[BaseModel], str, Optional[int]]:
    """The model that holds `field`, the field's own name, and its row (if any)."""
    m = _ROW.match(field)
    if kind == "work_report" and m:
        return WorkReportRow, m.group(2), int(m.group(1))
    model = FIELDS_BY_KIND.get(kind)
    if model is None or kind == "unknown":
        raise CorrectionError(f"类别为“{KIND_ZH.get(kind, kind)}”的记录没有可更正的字段：请先更正类别（pipeline kind）。")
    return model, field, None


def canonical(field: str) -> str:
    """`rows.3.town` and `rows[3].town` alike → `rows[3].town` (the issues' spelling)."""
    m = _ROW.match(field)
    return f"rows[{m.group(1)}].{m.group(2)}" if m else field


def parse_value(kind: str, field: str, text: str) -> Any:
    model, name, _row = field_model(kind, field)
    if name not in model.model_fields or name == "rows":
        known = "、".join(n for n in model.model_fields if n != "rows")
        raise CorrectionError(f"{KIND_ZH.get(kind, kind)}没有字段“{field}”：可更正的字段有 {known}"
                              + ("，工作报表各行用 rows.行号.字段（行号从 0 起）" if kind == "work_report" else "") + "。")
    text = fold_width(text or "").strip()
    if not text:
        raise CorrectionError(f"“{field}”的新值为空：请填写更正后的内容。")
    try:
        return _typed(name, model.model_fields[name].annotation, text)
    except ParseError as exc:
        raise CorrectionError(f"“{field}”的新值“{text}”无法识别：{exc.message}") from None


def _typed(name: str, annotation: Any, text: str) -> Any:
    base = _unoptional(annotation)
    if name.endswith("phone"):
        phone = normalize_phone(text)
        if not is_valid_phone(phone):
            raise ParseError(text, "不是有效的手机号（11位）或固定电话（含区号）。")
        return phone
    if name == "license_no":
        code = normalize_code(text)
        if not is_valid_credit_code(code):
            raise ParseError(text, "不是有效的统一社会信用代码（18位，校验位不符）。")
        return code
    if base is dt.date:
        return parse_date(text)
    if base is float:
        return parse_wan(text)
    if base is int:
        try:
            digits = digit_string(text.removesuffix("人").strip())
        except KeyError:
            digits = ""
        if not digits.isdigit():
            raise ParseError(text, "应为整数。")
        return int(digits)
    if base is bool:
        return _bool(text)
    if typing.get_origin(base) is list:
        return [_category(part) for part in re.split(r"[,，、;；\s]+", text) if part]
    if typing.get_origin(base) is typing.Literal:
        return _category(text)
    return text


def _unoptional(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return args[0] if union and args else annotation


def _bool(text: str) -> bool:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ParseError(text, "应为“是”或“否”。")


def _category(text: str) -> str:
    for code, names in CATEGORY_NAMES.items():
        if text in (code, names.short, names.full):
            return code
    raise ParseError(text, "服务类别应为：" + "、".join(n.short for n in CATEGORY_NAMES.values()) + "。")
