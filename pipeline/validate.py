"""Per-document checks: completeness, codes, phones, dates and the deadlines
of the measures. Each problem becomes an Issue with a Chinese sentence an
officer can act on and the article it rests on; the status follows."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from .models import (
    KIND_ZH,
    CommitmentFields,
    ContractFields,
    ExpertCheckFields,
    Extraction,
    Fields,
    Issue,
    Kind,
    ReportLetterFields,
    StaffListFields,
    Status,
    WorkReportFields,
)
from .parse.credit_code import is_valid_credit_code
from .parse.id_number import is_valid_id_number, mask_id
from .parse.phone import is_valid_phone
from .parse.town import is_wujin_unit
from .periods import contract_due, work_report_due

# OCR confidence (0..1) from which a scan's reading is trusted for a check
CONFIDENT = 0.80

ERRORS = {"MISSING_FIELD", "UNREADABLE", "UNKNOWN_KIND", "INVALID_CREDIT_CODE", "INVALID_PHONE",
          "NO_SERVICE_CATEGORY", "AMOUNT_MISMATCH", "COMPLETION_BEFORE_SIGNING", "DATE_IN_FUTURE",
          "COMMITMENT_ALTERED", "INVALID_ID_NUMBER"}

LABELS = {
    "agency_name": "机构名称", "client_name": "项目企业名称（委托方）", "project_content": "项目名称/服务内容",
    "service_category": "服务类别", "town": "项目所在镇（街道）", "signed_on": "签订日期",
    "completion_on": "完成时间", "price_wan": "合同金额", "client_contact": "委托方联系人",
    "client_phone": "委托方联系电话", "service_categories": "服务类别", "business_scope": "业务范围",
    "local_business": "在从业地开展业务内容", "license_no": "企业法人营业执照编号（统一社会信用代码）",
    "registered_address": "注册地址", "office_address": "办公地址", "local_contact": "从业地联系人",
    "local_contact_phone": "从业地联系人联系手机", "staff_count": "从业人数", "experts": "聘用专家",
    "legal_representative": "法定代表人", "legal_representative_phone": "法定代表人联系手机",
    "filled_on": "填表日期", "promisor": "承诺人", "clauses_intact": "承诺条款",
    "period_start": "报表起始日期", "period_end": "报表截止日期", "rows": "项目明细",
    "principal": "负责人", "preparer": "填表人", "phone": "联系电话",
    "people": "人员名单", "checked_on": "检查日期", "findings": "检查发现的问题", "client_signed": "企业签收",
}
# labels a kind words otherwise than the table above
KIND_LABELS = {"expert_check": {"experts": "检查专家", "agency_name": "托管服务机构", "client_name": "受检企业"}}
PERSON_LABELS = {"name": "姓名", "id_number": "身份证号码"}
ROW_LABELS = {"client_name": "项目企业名称", "project_content": "项目主要内容", "town": "项目所在镇（街道）",
              "signed_on": "签约时间", "completion_on": "完成时间", "price_wan": "服务价格（万元）",
              "client_contact": "项目企业联系人", "client_phone": "联系方式"}
ARTICLE = {"contract": "第十五条", "report_letter": "第十四条", "commitment": "第十四条", "work_report": "第十五条",
           "staff_list": "第十四条", "expert_check": "第十七条"}


def zh(day: dt.date) -> str:
    """A date as officers write it: 2021年5月10日."""
    return f"{day.year}年{day.month}月{day.day}日"


def issue(code: str, field: Optional[str], message: str, article: Optional[str] = None) -> Issue:
    return Issue(code=code, severity="error" if code in ERRORS else "warning", field=field,
                 message=message, article=article)


def status_of(kind: Kind, issues: Iterable[Issue]) -> Status:
    codes = {i.code for i in issues}
    if kind == "unknown" or "UNREADABLE" in codes:
        return "rejected"
    return "needs_review" if any(i.severity == "error" for i in issues) else "accepted"


def validate(kind: Kind, fields: Fields, extra: Extraction, received_on: dt.date) -> list[Issue]:
    if kind == "unknown":
        return [issue("UNKNOWN_KIND", None, extra.unknown_reason
                      or "无法识别该文件的类别（不是服务合同、报告函、承诺书、工作报表、从业人员名单或专家检查记录）：请确认是否提交错了文件。")]
    issues = _missing(kind, fields, extra)
    issues += [issue("LOW_CONFIDENCE", name, why) for name, why in (extra.conflicts | extra.unsure).items()]
    if isinstance(fields, ContractFields):
        issues += _contract(fields, extra, received_on)
    elif isinstance(fields, ReportLetterFields):
        issues += _report_letter(fields, received_on)
    elif isinstance(fields, CommitmentFields):
        issues += _commitment(fields, received_on)
    elif isinstance(fields, WorkReportFields):
        issues += _work_report(fields, extra, received_on)
    elif isinstance(fields, StaffListFields):
        issues += _staff_list(fields, received_on)
    elif isinstance(fields, ExpertCheckFields):
        issues += _future("checked_on", fields.checked_on, received_on, "检查日期")
    return issues


def _missing(kind: Kind, fields: Fields, extra: Extraction) -> list[Issue]:
    out = []
    for name, value in fields:
        if value is None and name not in extra.conflicts:
            out.append(issue("MISSING_FIELD", name, f"{KIND_ZH[kind]}缺少“{KIND_LABELS.get(kind, {}).get(name) or LABELS.get(name, name)}”：请补充填写后重新提交。", ARTICLE[kind]))
    if isinstance(fields, WorkReportFields) and fields.rows:
        for i, row in enumerate(fields.rows):
            for name, value in row:
                if value is None and name == "price_wan" and i in extra.undecided_prices:
                    out.append(issue("MISSING_FIELD", f"rows[{i}].{name}",
                                     f"工作报表第{i + 1}行服务价格“{extra.undecided_prices[i]}”无法判断是元还是万元：请按万元填写后重新提交。", "第十五条"))
                elif value is None:
                    out.append(issue("MISSING_FIELD", f"rows[{i}].{name}",
                                     f"工作报表第{i + 1}行缺少“{ROW_LABELS[name]}”：请补充填写后重新提交。", "第十五条"))
    if isinstance(fields, StaffListFields) and fields.people:
        for i, person in enumerate(fields.people):
            for name, what in PERSON_LABELS.items():
                if getattr(person, name) is None:
                    out.append(issue("MISSING_FIELD", f"people[{i}].{name}",
                                     f"从业人员名单第{i + 1}人缺少“{what}”：请补充填写后重新提交。", "第十四条"))
    return out


def _staff_list(f: StaffListFields, received_on: dt.date) -> list[Issue]:
    out: list[Issue] = []
    for i, person in enumerate(f.people or []):
        if person.id_number and not is_valid_id_number(person.id_number):
            out.append(issue("INVALID_ID_NUMBER", f"people[{i}].id_number",
                             f"从业人员名单第{i + 1}人（{person.name or '姓名未填'}）的身份证号码“{mask_id(person.id_number)}”"
                             "校验位或出生日期不符：请核对身份证后更正。", "第十四条"))
    out += _future("filled_on", f.filled_on, received_on, "填表日期")
    return out


def _phone(field: str, value: Optional[str], what: str) -> list[Issue]:
    if value and not is_valid_phone(value):
        return [issue("INVALID_PHONE", field, f"{what}“{value}”不是有效的手机号（11位）或固定电话（含区号）：请核对后更正。")]
    return []


def _future(field: str, value: Optional[dt.date], received_on: dt.date, what: str) -> list[Issue]:
    if value and value > received_on:
        return [issue("DATE_IN_FUTURE", field, f"{what}{zh(value)}晚于收件日期{zh(received_on)}：请核对日期是否填写有误。")]
    return []


def _order(prefix: str, signed: Optional[dt.date], done: Optional[dt.date], what: str) -> list[Issue]:
    if signed and done and done < signed:
        return [issue("COMPLETION_BEFORE_SIGNING", f"{prefix}completion_on",
                      f"{what}完成时间{zh(done)}早于签订时间{zh(signed)}：请核对日期。", "第十五条")]
    return []


def _town(field: str, town: Optional[str], what: str) -> list[Issue]:
    if town and not is_wujin_unit(town):
        return [issue("TOWN_OUTSIDE_DISTRICT", field, f"{what}所在地“{town}”不属于武进区的镇（街道）：请核实项目地点是否在本区。", "第二条")]
    return []


def _contract(f: ContractFields, extra: Extraction, received_on: dt.date) -> list[Issue]:
    out = _phone("client_phone", f.client_phone, "委托方联系电话")
    if extra.price_upper_wan is not None and extra.price_lower_wan is not None \
            and abs(extra.price_upper_wan - extra.price_lower_wan) > 1e-6 and not _confident(extra.price_conf):
        out.append(issue("LOW_CONFIDENCE", "price_wan",
                         f"合同金额大写（{extra.price_upper_wan:g}万元）与小写（{extra.price_lower_wan:g}万元）识别结果不一致，"
                         f"但扫描件该处识别置信度较低（{extra.price_conf:.0%}）：请对照原件核对合同金额。"))
    elif extra.price_upper_wan is not None and extra.price_lower_wan is not None \
            and abs(extra.price_upper_wan - extra.price_lower_wan) > 1e-6:
        out.append(issue("AMOUNT_MISMATCH", "price_wan",
                         f"合同金额大写（{extra.price_upper_wan:g}万元）与小写（{extra.price_lower_wan:g}万元）不一致：请核对合同金额。", "第十五条"))
    out += _order("", f.signed_on, f.completion_on, "合同")
    out += _future("signed_on", f.signed_on, received_on, "合同签订日期")
    if f.signed_on and received_on > contract_due(f.signed_on):
        days = (received_on - f.signed_on).days
        out.append(issue("CONTRACT_FILED_LATE", "signed_on",
                         f"合同于{zh(f.signed_on)}签订，{zh(received_on)}才报送，已过{days}天，超过签订后7日内上传的时限。", "第十五条"))
    out += _town("town", f.town, "项目")
    return out


def _confident(conf: Optional[float]) -> bool:
    """Read with confidence: a text layer, or OCR at or above CONFIDENT."""
    return conf is None or conf >= CONFIDENT


def _report_letter(f: ReportLetterFields, received_on: dt.date) -> list[Issue]:
    out: list[Issue] = []
    if f.license_no and not is_valid_credit_code(f.license_no):
        out.append(issue("INVALID_CREDIT_CODE", "license_no",
                         f"营业执照编号“{f.license_no}”不是有效的统一社会信用代码（校验位不符）：请核对营业执照后更正。", "第十四条"))
    out += _phone("local_contact_phone", f.local_contact_phone, "从业地联系人手机")
    out += _phone("legal_representative_phone", f.legal_representative_phone, "法定代表人手机")
    if f.service_categories == []:
        out.append(issue("NO_SERVICE_CATEGORY", "service_categories", "报告函未勾选任何服务类别：请勾选本机构开展的服务类别。", "第十四条"))
    out += _future("filled_on", f.filled_on, received_on, "填表日期")
    return out


def _commitment(f: CommitmentFields, received_on: dt.date) -> list[Issue]:
    out: list[Issue] = []
    if f.clauses_intact is False:
        out.append(issue("COMMITMENT_ALTERED", "clauses_intact",
                         "承诺书的八项承诺内容不完整或被改动：请使用附件2原文签署后重新提交。", "第十四条"))
    out += _future("signed_on", f.signed_on, received_on, "承诺书签署日期")
    return out


def _work_report(f: WorkReportFields, extra: Extraction, received_on: dt.date) -> list[Issue]:
    out = _phone("phone", f.phone, "联系电话")
    for i, row in enumerate(f.rows or []):
        p, what = f"rows[{i}].", f"第{i + 1}行项目"
        out += _phone(p + "client_phone", row.client_phone, f"第{i + 1}行联系方式")
        out += _order(p, row.signed_on, row.completion_on, what)
        out += _future(p + "signed_on", row.signed_on, received_on, f"{what}签约时间")
        out += _town(p + "town", row.town, what)
        if row.signed_on and f.period_start and f.period_end and not (f.period_start <= row.signed_on <= f.period_end):
            out.append(issue("ROW_OUTSIDE_PERIOD", p + "signed_on",
                             f"{what}签约时间{zh(row.signed_on)}不在报表期间（{zh(f.period_start)}至{zh(f.period_end)}）内：请核实是否应列入本期报表。", "第十五条"))
    if f.period_end:
        due = work_report_due(f.period_end)
        if received_on > due:
            out.append(issue("WORK_REPORT_LATE", "period_end",
                             f"本期工作报表应于{zh(due)}前报送，实际收到日期为{zh(received_on)}，已逾期。", "第十五条"))
    return out

