"""The layout both writers draw from: the digest as sheets of rows, so that
the workbook and the page always hold the same cells."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Optional, Union

from pydantic import BaseModel

from ..models import KIND_ZH
from ..periods import CHANGE_WORKING_DAYS, CONTRACT_FILING_DAYS
from .views import (
    CORRECTION_GRACE_DAYS,
    DORMANT_MONTHS,
    ESTIMATED,
    LATE_CONTRACTS_FOR_TALK,
    MANY_ERRORS_FOR_TALK,
    AgencyRow,
    Bar,
    Digest,
)

# ---------------------------------------------------------------- the layout both writers draw
Cell = Union[str, int, float, date, None]


class Chart(BaseModel):
    title: str
    columns: list[int]          # value columns, one series each
    stacked: bool = False       # stacked columns (months) instead of horizontal bars


class Sheet(BaseModel):
    name: str                   # worksheet name, also the page section's id
    title: str
    note: str = ""
    headers: list[str]
    rows: list[list[Cell]]
    links: list[Optional[str]] = []   # per row: the copy's name in the review folder (the first cell links to it)
    records: list[str] = []           # per row: the record's sha256 (linked to the review station when it runs)
    charts: list[Chart] = []


def _deadline(a: AgencyRow) -> Cell:
    if a.change_deadline is None:
        return None
    return f"{a.change_deadline.isoformat()}{ESTIMATED}" if a.change_estimated else a.change_deadline


def _overview(d: Digest) -> Sheet:
    return Sheet(
        name="机构概况", title="各机构备案概况", note=f"本半年度：{d.current.label}；统计截至 {d.as_of}。",
        headers=["机构名称", "报告函", "报告函日期", f"信息变更更新时限（{CHANGE_WORKING_DAYS}个工作日）", "承诺书",
                 "本半年度合同（份）", "本半年度金额（万元）", "近12个月逾期合同（份）", f"{d.previous.label}工作报表",
                 "最近合同备案日期", "距最近合同（月）", "注销预警", "近12个月错误（处）", "逾期未整改（份）", "约谈"],
        rows=[[a.name, "有" if a.letter_on_file else "无", a.letter_date, _deadline(a), a.commitment,
               a.contracts_this_half, a.amount_this_half, a.late_contracts, a.work_report, a.last_contract_on,
               a.months_silent, "注销预警" if a.dormant else "", a.errors, a.uncorrected,
               "约谈" if a.talk_reasons else ""] for a in d.agencies])


def _bar_sheet(name: str, label: str, bars: list[Bar], window: str) -> Sheet:
    return Sheet(name=name, title=f"合同份数与金额（按{label}）", note=f"{window}签订的合同；同一合同重复报送只计一次。",
                 headers=[label, "合同（份）", "金额（万元）"], rows=[[b.label, b.count, b.amount] for b in bars],
                 charts=[Chart(title="合同（份）", columns=[1]), Chart(title="金额（万元）", columns=[2])])


def _staff_sheets(d: Digest) -> list[Sheet]:
    """第十九条（七） and 第十七条: people on two agencies' lists, 托管 contracts short of expert checks."""
    return [
        Sheet(name="一人多机构", title="同一人员列在两家同类机构的从业人员名单上（第十九条（七））",
              note="按各机构最新报送的从业人员名单（新名单报送后旧名单不再计入）；两机构至少有一项相同的服务类别。"
                   "身份证号码只显示前6位和后4位。",
              headers=["姓名", "身份证号码", "机构一", "机构一名单日期", "机构二", "机构二名单日期", "共同服务类别"],
              rows=[[t.name, t.id_masked, t.first, t.first_listed, t.second, t.second_listed, t.categories]
                    for t in d.two_agencies]),
        Sheet(name="托管专家检查", title="托管服务专家检查次数不足（第十七条）",
              note="履行中的托管合同（安全咨询托管类、项目内容含“托管”）：重点监管企业每服务年度至少2次、其他企业至少1次区专家库专家检查，"
                   "以企业签收的检查记录为准；服务年度已结束仍不足的为“已逾期”，距年度结束不足60日的为“即将到期”。",
              headers=["机构名称", "托管企业", "项目内容", "监管类别", "服务年度", "应检查（次）", "已备案（次）", "期限", "状态"],
              rows=[[g.agency, g.client, g.project, g.supervision, g.year, g.required, g.done, g.deadline,
                     "已逾期" if g.overdue else "即将到期"] for g in d.expert_gaps]),
    ]


def sheets(d: Digest) -> list[Sheet]:
    """Every view as a table, in the order the page and the workbook show them."""
    window = f"近12个月（{d.window_start + timedelta(days=1)} 起）"
    reports = [a for a in d.agencies if a.work_report in ("逾期", "缺报")]
    return [
        Sheet(name="约谈警示", title="约谈警示名单（第二十四条）", note=(
            f"逃避第十四、十五条监管（无报告函；工作报表缺报；近12个月合同逾期备案≥{LATE_CONTRACTS_FOR_TALK}份）、"
            f"问题较多（近12个月错误≥{MANY_ERRORS_FOR_TALK}处）、问题未整改（回执后{CORRECTION_GRACE_DAYS}日仍无更正后受理的材料）、"
            "从业人员同时在两家同类机构（第十九条（七））、托管服务年度结束仍未达到专家检查次数（第十七条）。"),
            headers=["机构名称", "约谈事由"], rows=[[a.name, "；".join(a.talk_reasons)] for a in d.talks]),
        Sheet(name="待处理", title="等待人工处理的文件", note="需人工复核或退回的文件；点击文件名打开“待处理”文件夹中的副本。",
              headers=["文件", "收件日期", "材料类别", "状态", "机构名称", "原因", "后续已更正"],
              rows=[[w.source, w.received_on, w.kind, w.status, w.agency, "\n".join(w.reasons), "是" if w.corrected else "否"]
                    for w in d.waiting], links=[w.review_name for w in d.waiting],
              records=[w.sha256 for w in d.waiting]),
        Sheet(name="逾期备案合同", title=f"逾期备案的合同（第十五条：签订后{CONTRACT_FILING_DAYS}日内上传）",
              note=f"{window}收到的合同。",
              headers=["机构名称", "委托方", "签订日期", "收件日期", "超期天数", "文件"],
              rows=[[c.agency, c.client, c.signed_on, c.filed_on, c.days_late, c.source] for c in d.late_contracts]),
        Sheet(name="工作报表", title=f"{d.previous.label}工作报表逾期或缺报（附件3）",
              note=f"报送期限：{d.work_report_due}（次月第一周内）。",
              headers=["机构名称", "报告期", "报送期限", "状态", "收到日期"],
              rows=[[a.name, d.previous.label, d.work_report_due, a.work_report, a.work_report_received] for a in reports]),
        Sheet(name="注销预警", title=f"{DORMANT_MONTHS}个月以上无合同备案（第十四条：账号将被注销）",
              headers=["机构名称", "最近合同备案日期", "距今（月）", "说明"],
              rows=[[a.name, a.last_contract_on, a.months_silent, "" if a.last_contract_on else "从未备案合同，自首次报送起计"]
                    for a in d.agencies if a.dormant]),
        *_staff_sheets(d),
        _bar_sheet("按镇街道", "镇/街道", d.by_town, window),
        _bar_sheet("按服务类别", "服务类别", d.by_category, window),
        Sheet(name="按月份", title="每月收到的材料（份）", note="按收件日期。", headers=["月份", *KIND_ZH.values()],
              rows=[[m.month, *m.counts.values()] for m in d.by_month],
              charts=[Chart(title="每月收件（份）", columns=list(range(1, len(KIND_ZH) + 1)), stacked=True)]),
        _overview(d),
    ]


def cell_text(value: Cell) -> str:
    """How a cell reads on the page (and, for tests, in the workbook)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return value.isoformat() if isinstance(value, date) else str(value)
