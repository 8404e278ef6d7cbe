"""The officer's views, computed from every record of the ledger as of one day.

Pure: `build_digest(records, as_of)` reads the ledger's `FiledRecord`s (with
`received_on`, `archive` and the cross-document issues) and returns a
`Digest`; `sheets(digest)` lays the views out as titled tables, the single
layout the workbook and the page both draw. Periods and deadlines come from
`periods`, agency names from `agencies`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Optional

from pydantic import BaseModel

from ..agencies import by_agency, display_name
from ..models import (
    CATEGORY_ZH,
    KIND_ZH,
    STATUS_ZH,
    CommitmentFields,
    ContractFields,
    FiledRecord,
    ReportLetterFields,
    WorkReportFields,
)
from ..names import safe_name
from ..parse.id_number import mask_id
from ..parse.town import WUJIN_UNITS
from ..periods import HalfYear, change_deadline, days_late, half_year, months_between
from ..supervision import ExpertGap, TwoAgencies, expert_check_gaps, people_in_two_agencies
from ..text import name_key

# ---------------------------------------------------------------- digest thresholds (named, documented)
# (the deadlines of 第十四、十五条 and 附件3 are in `periods`)
DORMANT_MONTHS = 12            # 第十四条: 12 months without a project filing → account cancelled
WINDOW_DAYS = 365              # late contracts, error counts and the charts look back this far
LATE_CONTRACTS_FOR_TALK = 2    # 第二十四条（一）: this many late contracts in the window is evasion, not a slip
MANY_ERRORS_FOR_TALK = 3       # 第二十四条（二）: this many error issues in the window is “问题较多”
CORRECTION_GRACE_DAYS = 14     # 第二十四条（三）: days after the receipt before an error counts as not corrected

ESTIMATED = "（估算）"
UNSTATED = "未注明"


# ---------------------------------------------------------------- the views
class ContractRow(BaseModel):
    agency: str
    client: str
    town: str
    category: str
    signed_on: Optional[date]
    filed_on: date                      # earliest receipt of this contract (refiles of it folded in)
    price_wan: Optional[float]
    source: str
    days_late: Optional[int] = None     # days beyond the 7 of 第十五条; None: on time or unknowable


class AgencyRow(BaseModel):
    key: str
    name: str
    letter_on_file: bool
    letter_date: Optional[date]         # latest 报告函: filled_on, else received_on
    change_deadline: Optional[date]     # 10 working days after the latest 报告函, when it replaced an earlier one
    change_estimated: bool
    commitment: str                     # 完好 / 条款被改动 / 未能确认 / 未报送
    contracts_this_half: int
    amount_this_half: float
    late_contracts: int                 # within the window
    work_report: str                    # previous half-year: 已报 / 逾期 / 缺报 / 未到期 / 不适用
    work_report_received: Optional[date]
    last_contract_on: Optional[date]
    months_silent: int                  # since the last contract, else since the first filing
    dormant: bool
    errors: int                         # error issues within the window
    uncorrected: int
    people_in_two: int = 0              # people also on another agency's current list (第十九条（七）)
    checks_overdue: int = 0             # 托管 contracts whose ended service year lacks expert checks (第十七条)
    talk_reasons: list[str] = []


class TwoAgencyRow(BaseModel):
    """One person on the current staff lists of two agencies of the same type."""

    name: str
    id_masked: str                      # never the whole number
    first: str
    first_listed: date
    second: str
    second_listed: date
    categories: str


class ExpertGapRow(BaseModel):
    agency: str
    client: str
    project: str
    supervision: str                    # 重点监管 / 一般
    year: str
    required: int
    done: int
    deadline: date
    overdue: bool


class WaitingRow(BaseModel):
    received_on: date
    source: str
    review_name: str                    # the copy's name in outbox/待处理/
    sha256: str = ""                    # the record (its page on the review station)
    kind: str
    status: str
    agency: str
    reasons: list[str]
    corrected: bool


class Bar(BaseModel):
    label: str
    count: int
    amount: float


class MonthBar(BaseModel):
    month: str
    counts: dict[str, int]


class Digest(BaseModel):
    as_of: date
    current: HalfYear
    previous: HalfYear
    work_report_due: date
    window_start: date
    agencies: list[AgencyRow] = []
    late_contracts: list[ContractRow] = []
    waiting: list[WaitingRow] = []
    two_agencies: list[TwoAgencyRow] = []
    expert_gaps: list[ExpertGapRow] = []
    by_town: list[Bar] = []
    by_category: list[Bar] = []
    by_month: list[MonthBar] = []

    @property
    def talks(self) -> list[AgencyRow]:
        return [a for a in self.agencies if a.talk_reasons]


# ---------------------------------------------------------------- small helpers
def _field(rec: FiledRecord, name: str) -> object:
    """A field the record's kind may lack (None then)."""
    return getattr(rec.fields, name, None)


def _of_kind(recs: list[FiledRecord], kind: str) -> list[FiledRecord]:
    """Filings of one kind, oldest first."""
    return sorted((r for r in recs if r.kind == kind),
                  key=lambda r: (r.received_on, _field(r, "filled_on") or _field(r, "signed_on") or date.min))


# ---------------------------------------------------------------- contracts, corrections
def _contracts(recs: list[FiledRecord]) -> dict[str, list[ContractRow]]:
    groups: dict[tuple, list[tuple[FiledRecord, ContractFields]]] = defaultdict(list)
    for r in _of_kind(recs, "contract"):
        if not isinstance(r.fields, ContractFields):
            continue
        same = (r.agency_key, name_key(r.fields.client_name), r.fields.signed_on)
        groups[same if all(same) else (r.sha256,)].append((r, r.fields))
    out: dict[str, list[ContractRow]] = defaultdict(list)
    for group in groups.values():
        first, filed = group[0][0], group[0][0].received_on
        f = max(group, key=lambda rf: (rf[0].received_on, rf[0].status == "accepted"))[1]
        late = days_late(f.signed_on, filed) if f.signed_on else 0
        out[first.agency_key or ""].append(ContractRow(
            agency=f.agency_name or UNSTATED, client=f.client_name or UNSTATED,
            town=f.town or UNSTATED, category=CATEGORY_ZH.get(f.service_category, UNSTATED) if f.service_category else UNSTATED,
            signed_on=f.signed_on, filed_on=filed, price_wan=f.price_wan, source=first.source,
            days_late=late or None))
    return out


def _report_day(rec: FiledRecord) -> date:
    """A day in the half-year a work report is about (unstated: the one before its receipt)."""
    f = rec.fields
    stated = (f.period_end or f.period_start) if isinstance(f, WorkReportFields) else None
    return stated or half_year(rec.received_on).previous().end


def _subject(rec: FiledRecord) -> Optional[str]:
    """What a later filing must be about to correct this one (None: any of the kind)."""
    if rec.kind == "contract":
        return name_key(rec.fields.client_name if isinstance(rec.fields, ContractFields) else None)
    return half_year(_report_day(rec)).label if rec.kind == "work_report" else None


def _corrected(rec: FiledRecord, pool: list[FiledRecord]) -> bool:
    """A later accepted filing of the same kind (same client / same period) is on file."""
    return any(o is not rec and o.kind == rec.kind and o.status == "accepted"
               and o.received_on >= rec.received_on and _subject(rec) in (None, _subject(o)) for o in pool)


# ---------------------------------------------------------------- per agency
def _work_report(recs: list[FiledRecord], d: Digest) -> tuple[str, Optional[date]]:
    if min(r.received_on for r in recs) > d.previous.end:
        return "不适用", None
    got = [r.received_on for r in _of_kind(recs, "work_report") if _report_day(r) in d.previous]
    if got:
        return ("已报" if got[0] <= d.work_report_due else "逾期"), got[0]
    return ("未到期" if d.as_of <= d.work_report_due else "缺报"), None


def _commitment(recs: list[FiledRecord]) -> str:
    latest = _of_kind(recs, "commitment")[-1:]
    if not latest:
        return "未报送"
    f = latest[0].fields
    intact = f.clauses_intact if isinstance(f, CommitmentFields) else None
    return "未能确认" if intact is None else "完好" if intact else "条款被改动"


def _filled_on(rec: FiledRecord) -> date | None:
    """The day a 报告函 says it was filled in (None: not stated)."""
    return rec.fields.filled_on if isinstance(rec.fields, ReportLetterFields) else None


def _letter(recs: list[FiledRecord]) -> tuple[Optional[date], Optional[date], bool]:
    """(latest 报告函's date, its change deadline, estimated)."""
    letters = _of_kind(recs, "report_letter")
    if not letters:
        return None, None, False
    dates = [_filled_on(r) or r.received_on for r in letters]
    filled = _filled_on(letters[-1])
    if filled and filled > min(dates[:-1], default=filled):
        return dates[-1], *change_deadline(filled)
    return dates[-1], None, False


def _agency(key: str, recs: list[FiledRecord], contracts: list[ContractRow], d: Digest) -> AgencyRow:
    letter_day, deadline, estimated = _letter(recs)
    this_half = [c for c in contracts if d.current.start <= (c.signed_on or c.filed_on) <= d.as_of]
    last = max((c.filed_on for c in contracts), default=None)
    silent = months_between(last or min(r.received_on for r in recs), d.as_of)
    grace = d.as_of - timedelta(days=CORRECTION_GRACE_DAYS)
    report, report_day = _work_report(recs, d)
    row = AgencyRow(
        key=key, name=display_name(recs) or UNSTATED, letter_on_file=any(r.kind == "report_letter" for r in recs),
        letter_date=letter_day, change_deadline=deadline, change_estimated=estimated, commitment=_commitment(recs),
        contracts_this_half=len(this_half), amount_this_half=round(sum(c.price_wan or 0 for c in this_half), 2),
        late_contracts=sum(1 for c in contracts if c.days_late and c.filed_on > d.window_start),
        work_report=report, work_report_received=report_day, last_contract_on=last,
        months_silent=silent, dormant=silent >= DORMANT_MONTHS,
        errors=sum(len(r.errors) for r in recs if r.received_on > d.window_start),
        uncorrected=sum(1 for r in recs if r.errors and r.kind != "unknown" and r.received_on < grace
                        and not _corrected(r, recs)))
    row.talk_reasons = _talk_reasons(row, d)
    return row


def _talk_reasons(a: AgencyRow, d: Digest) -> list[str]:
    checks = [
        (not a.letter_on_file, "逃避监管：未报送活动开展报告函（第十四条）"),
        (a.work_report == "缺报", f"逃避监管：{d.previous.label}工作报表缺报（第十五条）"),
        (a.late_contracts >= LATE_CONTRACTS_FOR_TALK, f"逃避监管：近12个月{a.late_contracts}份合同逾期备案（第十五条）"),
        (a.errors >= MANY_ERRORS_FOR_TALK, f"问题较多：近12个月材料错误{a.errors}处"),
        (a.uncorrected > 0, f"问题未整改：{a.uncorrected}份材料收到回执{CORRECTION_GRACE_DAYS}日后仍未更正"),
        (a.people_in_two > 0, f"从业人员同时在两家同类机构：{a.people_in_two}人（第十九条（七））"),
        (a.checks_overdue > 0, f"托管专家检查不足：{a.checks_overdue}份托管合同的服务年度已结束仍未达到检查次数（第十七条）"),
    ]
    return [text for hit, text in checks if hit]


# ---------------------------------------------------------------- waiting, charts
def _waiting(recs: list[FiledRecord], pools: dict[str, list[FiledRecord]]) -> list[WaitingRow]:
    rows = [WaitingRow(
        received_on=r.received_on, source=r.source, review_name=safe_name(r.source), sha256=r.sha256,
        kind=KIND_ZH.get(r.kind, r.kind), status=STATUS_ZH[r.status],
        agency=_field(r, "agency_name") or UNSTATED,
        reasons=[i.message + (f"（{i.article}）" if i.article else "") for i in r.errors or r.all_issues],
        corrected=_corrected(r, pools.get(r.agency_key or "", [])))
        for r in recs if r.status in ("needs_review", "rejected")]
    return sorted(rows, key=lambda w: (-w.received_on.toordinal(), w.source))


def _bars(contracts: list[ContractRow], attr: str, order: list[str]) -> list[Bar]:
    sums: dict[str, list] = {label: [0, 0.0] for label in order}
    for c in contracts:
        slot = sums.setdefault(getattr(c, attr), [0, 0.0])
        slot[0] += 1
        slot[1] += c.price_wan or 0
    extra = sorted((k for k in sums if k not in order and k != UNSTATED), key=lambda k: -sums[k][0])
    labels = order + extra + ([UNSTATED] if UNSTATED in sums and UNSTATED not in order else [])
    return [Bar(label=k, count=sums[k][0], amount=round(sums[k][1], 2)) for k in labels]


def _by_month(recs: list[FiledRecord], as_of: date) -> list[MonthBar]:
    index = [as_of.year * 12 + as_of.month - 1 - i for i in range(11, -1, -1)]
    bars = {m: MonthBar(month=f"{m // 12}-{m % 12 + 1:02d}", counts=dict.fromkeys(KIND_ZH, 0)) for m in index}
    for r in recs:
        if bar := bars.get(r.received_on.year * 12 + r.received_on.month - 1):
            bar.counts[r.kind if r.kind in KIND_ZH else "unknown"] += 1
    return list(bars.values())


# ---------------------------------------------------------------- issue 18: 第十九条（七）, 第十七条
def _two_rows(pairs: list[TwoAgencies]) -> list[TwoAgencyRow]:
    return [TwoAgencyRow(name=p.name or UNSTATED, id_masked=mask_id(p.id_number), first=p.first.agency,
                         first_listed=p.first.listed_on, second=p.second.agency, second_listed=p.second.listed_on,
                         categories="、".join(CATEGORY_ZH.get(c, c) for c in p.categories)) for p in pairs]


def _gap_rows(gaps: list[ExpertGap]) -> list[ExpertGapRow]:
    return [ExpertGapRow(agency=g.agency or UNSTATED, client=g.client or UNSTATED, project=g.project,
                         supervision="重点监管" if g.key else "一般", year=g.year.label, required=g.required,
                         done=g.done, deadline=g.deadline, overdue=g.overdue) for g in gaps]


def _staff_and_checks(d: Digest, recs: list[FiledRecord]) -> None:
    """The two views of issue 18, and their counts on each agency for the 约谈 list."""
    pairs, gaps = people_in_two_agencies(recs, d.as_of), expert_check_gaps(recs, d.as_of)
    d.two_agencies, d.expert_gaps = _two_rows(pairs), _gap_rows(gaps)
    people: dict[str, set[str]] = defaultdict(set)
    for p in pairs:
        people[p.first.agency_key].add(p.id_number)
        people[p.second.agency_key].add(p.id_number)
    overdue: dict[str, set[str]] = defaultdict(set)
    for g in gaps:
        if g.overdue:
            overdue[g.agency_key].add(g.sha256)
    for a in d.agencies:
        a.people_in_two, a.checks_overdue = len(people.get(a.key, ())), len(overdue.get(a.key, ()))
        a.talk_reasons = _talk_reasons(a, d)


def build_digest(records: list[FiledRecord], as_of: date) -> Digest:
    recs = [r for r in records if r.received_on <= as_of]
    current = half_year(as_of)
    d = Digest(as_of=as_of, current=current, previous=current.previous(), work_report_due=current.previous().report_due,
               window_start=as_of - timedelta(days=WINDOW_DAYS))
    pools = by_agency(recs)
    contracts = _contracts([r for r in recs if r.status != "rejected"])
    d.agencies = sorted((_agency(k, rs, contracts.get(k, []), d) for k, rs in pools.items()), key=lambda a: a.name)
    every = [c for cs in contracts.values() for c in cs]
    d.late_contracts = sorted((c for c in every if c.days_late and c.filed_on > d.window_start),
                              key=lambda c: (c.agency, c.filed_on))
    recent = [c for c in every if (c.signed_on or c.filed_on) > d.window_start]
    d.by_town = _bars(recent, "town", list(WUJIN_UNITS))
    d.by_category = _bars(recent, "category", list(CATEGORY_ZH.values()))
    d.by_month, d.waiting = _by_month(recs, as_of), _waiting(recs, pools)
    _staff_and_checks(d, recs)
    return d
