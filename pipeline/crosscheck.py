"""Checks that need other documents on file: a contract or work report from
an agency with no 报告函 (第十四条), a contract outside the categories the
agency registered (第十九条（三）), contracts missing from the agency's work
report and report rows with no contract on file (第十五条); a 报告函 whose
从业人数 differs from the latest staff list; 托管 contracts short of expert
checks (第十七条); people on the current staff lists of two agencies of the
same type (第十九条（七）: found over all agencies by
`supervision.people_in_two_agencies`, handed in as `overlaps`).

`cross_issues(records, as_of, overlaps)` takes every record of ONE agency and
returns, per sha256, the issues those records get from each other and from
the overlaps that concern it. Pure function.
"""

from __future__ import annotations

from datetime import date
from typing import Optional, Sequence

from .models import CATEGORY_ZH, ContractFields, FiledRecord, Issue, ReportLetterFields, StaffListFields, WorkReportFields
from .parse.id_number import mask_id
from .supervision import TwoAgencies, current_list, expert_check_gaps
from .text import name_key
from .validate import issue, zh


def _client(name: Optional[str]) -> str:
    return name_key(name) or ""


def _registered(records: list[FiledRecord]) -> Optional[set[str]]:
    """The categories of the agency's latest 报告函 (None: it filed none)."""
    letters = [r for r in records if isinstance(r.fields, ReportLetterFields)]
    if not letters:
        return None
    latest = max(enumerate(letters), key=lambda item: (item[1].received_on, item[0]))[1]
    assert isinstance(latest.fields, ReportLetterFields)
    return set(latest.fields.service_categories or [])


def cross_issues(records: list[FiledRecord], as_of: Optional[date] = None,
                 overlaps: Sequence[TwoAgencies] = ()) -> dict[str, list[Issue]]:
    out: dict[str, list[Issue]] = {r.sha256: [] for r in records}
    _staff_checks(records, as_of or max((r.received_on for r in records), default=date.today()), overlaps, out)
    registered = _registered(records)
    contracts = [r for r in records if isinstance(r.fields, ContractFields)]
    reports = [r for r in records if isinstance(r.fields, WorkReportFields)]
    for rec in contracts + reports:
        if registered is None:
            out[rec.sha256].append(issue(
                "AGENCY_NOT_REGISTERED", "agency_name",
                f"机构“{getattr(rec.fields, 'agency_name', None)}”尚未报送活动开展报告函（附件1）：请通知该机构补报。", "第十四条"))
    for rec in contracts:
        category = getattr(rec.fields, "service_category", None)
        if registered and category and category not in registered:
            out[rec.sha256].append(issue(
                "OUT_OF_SCOPE", "service_category",
                f"合同服务类别“{CATEGORY_ZH.get(category, category)}”不在该机构报告函登记的服务类别内：请核实是否超范围执业。",
                "第十九条（三）"))
    for report in reports:
        assert isinstance(report.fields, WorkReportFields)
        out[report.sha256] += _report_vs_contracts(report.fields, [c.fields for c in contracts
                                                                   if isinstance(c.fields, ContractFields)])
    return out


def _report_vs_contracts(f: WorkReportFields, contracts: list[ContractFields]) -> list[Issue]:
    rows = f.rows or []
    keys: set[tuple[str, Optional[date]]] = {(_client(r.client_name), r.signed_on) for r in rows}
    clients = {_client(r.client_name) for r in rows}
    out: list[Issue] = []
    if f.period_start and f.period_end:
        for c in contracts:
            signed = c.signed_on
            if signed and f.period_start <= signed <= f.period_end and (_client(c.client_name), signed) not in keys \
                    and _client(c.client_name) not in clients:
                out.append(issue("CONTRACT_NOT_REPORTED", "rows",
                                 f"已备案合同（{c.client_name}，{signed.isoformat()} 签订）未列入本期工作报表：请补充。", "第十五条"))
    on_file = {_client(c.client_name) for c in contracts}
    for i, row in enumerate(rows):
        if _client(row.client_name) not in on_file:
            out.append(issue("ROW_WITHOUT_CONTRACT", f"rows[{i}]",
                             f"工作报表第{i + 1}行（{row.client_name}）没有对应的已备案合同：请在签订后7日内上传合同扫描件。",
                             "第十五条"))
    return out


# ---------------------------------------------------------------- issue 18: staff lists and expert checks
def _staff_checks(records: list[FiledRecord], as_of: date, overlaps: Sequence[TwoAgencies],
                  out: dict[str, list[Issue]]) -> None:
    on_file = [r for r in records if r.status != "rejected"]
    staff = current_list(on_file)
    letters = [(r.received_on, n, r) for n, r in enumerate(on_file) if isinstance(r.fields, ReportLetterFields)]
    if staff is not None and isinstance(staff.fields, StaffListFields) and letters:
        letter = max(letters, key=lambda t: t[:2])[2]
        count, listed = getattr(letter.fields, "staff_count", None), len(staff.fields.people or [])
        if count is not None and count != listed:
            out[letter.sha256].append(issue(
                "STAFF_COUNT_MISMATCH", "staff_count",
                f"报告函填写从业人数{count}人，而最新的从业人员名单（{staff.source}）列有{listed}人：请核实后更正报告函或重新报送名单。",
                "第十四条"))
    for gap in expert_check_gaps(records, as_of):
        what = f"托管合同（{gap.client}）{gap.year.label}应有区专家库专家检查{gap.required}次（{'重点监管企业' if gap.key else '一般企业'}），已备案企业签收的检查记录{gap.done}次"
        todo = (f"期限{zh(gap.deadline)}已过：请尽快组织专家检查并报送企业签收的检查记录。" if gap.overdue else
                f"请于{zh(gap.deadline)}前组织专家检查并报送企业签收的检查记录。")
        out.setdefault(gap.sha256, []).append(issue("EXPERT_CHECKS_DUE", "project_content", f"{what}，{todo}", "第十七条"))
    keys = {r.agency_key for r in records}
    for pair in overlaps:
        for mine, other in ((pair.first, pair.second), (pair.second, pair.first)):
            if mine.agency_key in keys and mine.sha256 in out:
                out[mine.sha256].append(issue(
                    "PERSON_IN_TWO_AGENCIES", f"people[{mine.position}].id_number",
                    f"{pair.name or '（姓名未填）'}（身份证号码{mask_id(pair.id_number)}）同时列在本机构{zh(mine.listed_on)}的从业人员名单和"
                    f"“{other.agency}”{zh(other.listed_on)}的从业人员名单上，两机构均开展"
                    f"{'、'.join(CATEGORY_ZH.get(c, c) for c in pair.categories)}：同一人员不得同时在两个以上同类型技术服务机构从业，"
                    "请核实并报送更新后的从业人员名单。", "第十九条（七）"))
