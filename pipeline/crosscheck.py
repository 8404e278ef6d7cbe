"""Checks that need other documents on file: a contract or work report from
an agency with no 报告函 (第十四条), a contract outside the categories the
agency registered (第十九条（三）), contracts missing from the agency's work
report and report rows with no contract on file (第十五条).

`cross_issues(records)` takes every record of ONE agency and returns, per
sha256, the issues those records get from each other. Pure function.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from .models import Issue
from .validate import issue

CATEGORY_NAMES = {"training": "安全培训", "assessment": "安全评估评价", "testing": "安全检测检验",
                  "consulting": "安全咨询托管", "standardization": "安全标准化", "other": "其他"}


def name_key(name: Optional[str]) -> Optional[str]:
    """A name compared across filings: NFKC-folded, white space removed."""
    return (re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)) or None) if name else None


def agency_key(name: Optional[str]) -> Optional[str]:
    key = name_key(name)
    return (re.sub(r"^[（(]?盖章[)）]?[：:]?", "", key) or None) if key else None


def agency_of(record: dict) -> Optional[str]:
    return agency_key((record.get("fields") or {}).get("agency_name"))


def _client_key(name: Optional[str]) -> str:
    return name_key(name) or ""


def cross_issues(records: list[dict]) -> dict[str, list[Issue]]:
    out: dict[str, list[Issue]] = {r["sha256"]: [] for r in records}
    letters = sorted((r for r in records if r["kind"] == "report_letter"), key=lambda r: r.get("received_on") or "")
    contracts = [r for r in records if r["kind"] == "contract"]
    reports = [r for r in records if r["kind"] == "work_report"]
    registered: Optional[set[str]] = None
    if letters:
        registered = set(letters[-1]["fields"].get("service_categories") or [])
    for rec in contracts + reports:
        if not letters:
            out[rec["sha256"]].append(issue(
                "AGENCY_NOT_REGISTERED", "agency_name",
                f"机构“{rec['fields'].get('agency_name')}”尚未报送活动开展报告函（附件1）：请通知该机构补报。", "第十四条"))
    for rec in contracts:
        category = rec["fields"].get("service_category")
        if registered is not None and category and registered and category not in registered:
            out[rec["sha256"]].append(issue(
                "OUT_OF_SCOPE", "service_category",
                f"合同服务类别“{CATEGORY_NAMES.get(category, category)}”不在该机构报告函登记的服务类别内：请核实是否超范围执业。",
                "第十九条（三）"))
    for report in reports:
        out[report["sha256"]] += _report_vs_contracts(report, contracts)
    return out


def _report_vs_contracts(report: dict, contracts: list[dict]) -> list[Issue]:
    f = report["fields"]
    start, end = f.get("period_start"), f.get("period_end")
    rows = f.get("rows") or []
    keys = {(_client_key(r.get("client_name")), r.get("signed_on")) for r in rows}
    clients = {_client_key(r.get("client_name")) for r in rows}
    out: list[Issue] = []
    if start and end:
        for c in contracts:
            cf = c["fields"]
            signed = cf.get("signed_on")
            if signed and start <= signed <= end and (_client_key(cf.get("client_name")), signed) not in keys \
                    and _client_key(cf.get("client_name")) not in clients:
                out.append(issue("CONTRACT_NOT_REPORTED", "rows",
                                 f"已备案合同（{cf.get('client_name')}，{signed} 签订）未列入本期工作报表：请补充。", "第十五条"))
    on_file = {_client_key(c["fields"].get("client_name")) for c in contracts}
    for i, row in enumerate(rows):
        if _client_key(row.get("client_name")) not in on_file:
            out.append(issue("ROW_WITHOUT_CONTRACT", f"rows[{i}]",
                             f"工作报表第{i + 1}行（{row.get('client_name')}）没有对应的已备案合同：请在签订后7日内上传合同扫描件。",
                             "第十五条"))
    return out
