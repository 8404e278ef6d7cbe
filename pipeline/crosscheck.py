"""Checks that need other documents on file: a contract or work report from
an agency with no 报告函 (第十四条), a contract outside the categories the
agency registered (第十九条（三）), contracts missing from the agency's work
report and report rows with no contract on file (第十五条).

`cross_issues(records)` takes every record of ONE agency and returns, per
sha256, the issues those records get from each other. Pure function.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from .models import CATEGORY_ZH, ContractFields, FiledRecord, Issue, ReportLetterFields, WorkReportFields
from .text import name_key
from .validate import issue


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


def cross_issues(records: list[FiledRecord]) -> dict[str, list[Issue]]:
    out: dict[str, list[Issue]] = {r.sha256: [] for r in records}
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
