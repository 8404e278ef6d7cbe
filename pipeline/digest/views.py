"""The officer's views, computed from every record of the ledger as of one day.

Pure: `build_digest(records, as_of)` reads record dicts (as
`Entry.full_record()` gives them: with `received_on`, `archive` and the
cross-document issues) and returns a `Digest`; `sheets(digest)` lays the views
out as titled tables, the single layout the workbook and the page both draw.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Optional

from pydantic import BaseModel

from ..crosscheck import CATEGORY_NAMES, agency_of, name_key
from ..models import KIND_ZH, STATUS_ZH
from ..names import safe_name
from ..parse.town import WUJIN_UNITS
from ..parse.workdays import add_working_days

# ---------------------------------------------------------------- thresholds (named, documented)
CONTRACT_FILING_DAYS = 7       # 第十五条: contract scan uploaded within 7 days of signing
WORK_REPORT_DUE_DAY = 7        # 附件3 注: half-year report in the first week (by the 7th) of Jan / Jul
CHANGE_WORKING_DAYS = 10       # 第十四条: information changes updated within 10 working days
DORMANT_MONTHS = 12            # 第十四条: 12 months without a project filing → account cancelled
WINDOW_DAYS = 365              # late contracts, error counts and the charts look back this far
LATE_CONTRACTS_FOR_TALK = 2    # 第二十四条（一）: this many late contracts in the window is evasion, not a slip
MANY_ERRORS_FOR_TALK = 3       # 第二十四条（二）: this many error issues in the window is “问题较多”
CORRECTION_GRACE_DAYS = 14     # 第二十四条（三）: days after the receipt before an error counts as not corrected

ESTIMATED = "（估算）"
UNSTATED = "未注明"


# ---------------------------------------------------------------- the views
class Period(BaseModel):
    start: date
    end: date
    label: str


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
    talk_reasons: list[str] = []


class WaitingRow(BaseModel):
    received_on: date
    source: str
    review_name: str                    # the copy's name in outbox/待处理/
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
    current: Period
    previous: Period
    work_report_due: date
    window_start: date
    agencies: list[AgencyRow] = []
    late_contracts: list[ContractRow] = []
    waiting: list[WaitingRow] = []
    by_town: list[Bar] = []
    by_category: list[Bar] = []
    by_month: list[MonthBar] = []

    @property
    def talks(self) -> list[AgencyRow]:
        return [a for a in self.agencies if a.talk_reasons]


# ---------------------------------------------------------------- small helpers
def _d(value: object) -> Optional[date]:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _half_year(day: date) -> Period:
    first = day.month <= 6
    start, end = (date(day.year, 1, 1), date(day.year, 6, 30)) if first else (date(day.year, 7, 1), date(day.year, 12, 31))
    return Period(start=start, end=end, label=f"{day.year}年{'上' if first else '下'}半年")


def _months(a: date, b: date) -> int:
    return max(0, (b.year - a.year) * 12 + b.month - a.month - (b.day < a.day))


def _errors(rec: dict) -> list[dict]:
    return [i for i in rec.get("issues") or [] if i.get("severity") == "error"]


def _day(rec: dict, *names: str) -> Optional[date]:
    return next((d for n in names if (d := _d((rec.get("fields") or {}).get(n)))), None)


def _of_kind(recs: list[dict], kind: str) -> list[dict]:
    """Filings of one kind, oldest first."""
    return sorted((r for r in recs if r["kind"] == kind),
                  key=lambda r: (r["received_on"], _day(r, "filled_on", "signed_on") or date.min))


# ---------------------------------------------------------------- contracts, corrections
def _contracts(recs: list[dict]) -> dict[str, list[ContractRow]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in _of_kind(recs, "contract"):
        same = (agency_of(r), name_key(r["fields"].get("client_name")), r["fields"].get("signed_on"))
        groups[same if all(same) else (r["sha256"],)].append(r)
    out: dict[str, list[ContractRow]] = defaultdict(list)
    for group in groups.values():
        f, filed = max(group, key=lambda r: (r["received_on"], r["status"] == "accepted"))["fields"], group[0]["received_on"]
        signed = _d(f.get("signed_on"))
        late = (filed - signed).days - CONTRACT_FILING_DAYS if signed else 0
        out[agency_of(group[0]) or ""].append(ContractRow(
            agency=f.get("agency_name") or UNSTATED, client=f.get("client_name") or UNSTATED,
            town=f.get("town") or UNSTATED, category=CATEGORY_NAMES.get(f.get("service_category"), UNSTATED),
            signed_on=signed, filed_on=filed, price_wan=f.get("price_wan"), source=group[0]["source"],
            days_late=late if late > 0 else None))
    return out


def _report_day(rec: dict) -> date:
    """A day in the half-year a work report is about (unstated: the one before its receipt)."""
    return _day(rec, "period_end", "period_start") or _half_year(rec["received_on"]).start - timedelta(days=1)


def _subject(rec: dict) -> Optional[str]:
    """What a later filing must be about to correct this one (None: any of the kind)."""
    if rec["kind"] == "contract":
        return name_key(rec["fields"].get("client_name"))
    return _half_year(_report_day(rec)).label if rec["kind"] == "work_report" else None


def _corrected(rec: dict, pool: list[dict]) -> bool:
    """A later accepted filing of the same kind (same client / same period) is on file."""
    return any(o is not rec and o["kind"] == rec["kind"] and o["status"] == "accepted"
               and o["received_on"] >= rec["received_on"] and _subject(rec) in (None, _subject(o)) for o in pool)


# ---------------------------------------------------------------- per agency
def _work_report(recs: list[dict], d: Digest) -> tuple[str, Optional[date]]:
    if min(r["received_on"] for r in recs) > d.previous.end:
        return "不适用", None
    got = [r["received_on"] for r in _of_kind(recs, "work_report")
           if d.previous.start <= _report_day(r) <= d.previous.end]
    if got:
        return ("已报" if got[0] <= d.work_report_due else "逾期"), got[0]
    return ("未到期" if d.as_of <= d.work_report_due else "缺报"), None


def _commitment(recs: list[dict]) -> str:
    latest = _of_kind(recs, "commitment")[-1:]
    return {True: "完好", False: "条款被改动"}.get(latest[0]["fields"].get("clauses_intact"), "未能确认") if latest else "未报送"


def _letter(recs: list[dict]) -> tuple[Optional[date], Optional[date], bool]:
    """(latest 报告函's date, its change deadline, estimated)."""
    letters = _of_kind(recs, "report_letter")
    if not letters:
        return None, None, False
    dates = [_day(r, "filled_on") or r["received_on"] for r in letters]
    filled = _day(letters[-1], "filled_on")
    if filled and filled > min(dates[:-1], default=filled):
        return dates[-1], *add_working_days(filled, CHANGE_WORKING_DAYS)
    return dates[-1], None, False


def _agency(key: str, recs: list[dict], contracts: list[ContractRow], d: Digest) -> AgencyRow:
    letter_day, deadline, estimated = _letter(recs)
    this_half = [c for c in contracts if d.current.start <= (c.signed_on or c.filed_on) <= d.as_of]
    last = max((c.filed_on for c in contracts), default=None)
    silent = _months(last or min(r["received_on"] for r in recs), d.as_of)
    grace = d.as_of - timedelta(days=CORRECTION_GRACE_DAYS)
    report, report_day = _work_report(recs, d)
    row = AgencyRow(
        key=key, name=_display_name(recs), letter_on_file=any(r["kind"] == "report_letter" for r in recs),
        letter_date=letter_day, change_deadline=deadline, change_estimated=estimated, commitment=_commitment(recs),
        contracts_this_half=len(this_half), amount_this_half=round(sum(c.price_wan or 0 for c in this_half), 2),
        late_contracts=sum(1 for c in contracts if c.days_late and c.filed_on > d.window_start),
        work_report=report, work_report_received=report_day, last_contract_on=last,
        months_silent=silent, dormant=silent >= DORMANT_MONTHS,
        errors=sum(len(_errors(r)) for r in recs if r["received_on"] > d.window_start),
        uncorrected=sum(1 for r in recs if _errors(r) and r["kind"] != "unknown" and r["received_on"] < grace
                        and not _corrected(r, recs)))
    row.talk_reasons = _talk_reasons(row, d)
    return row


def _display_name(recs: list[dict]) -> str:
    named = [r for r in recs if r["fields"].get("agency_name")]
    best = max(named, key=lambda r: (r["kind"] == "report_letter", r["received_on"]), default=None)
    return best["fields"]["agency_name"].strip() if best else UNSTATED


def _talk_reasons(a: AgencyRow, d: Digest) -> list[str]:
    checks = [
        (not a.letter_on_file, "逃避监管：未报送活动开展报告函（第十四条）"),
        (a.work_report == "缺报", f"逃避监管：{d.previous.label}工作报表缺报（第十五条）"),
        (a.late_contracts >= LATE_CONTRACTS_FOR_TALK, f"逃避监管：近12个月{a.late_contracts}份合同逾期备案（第十五条）"),
        (a.errors >= MANY_ERRORS_FOR_TALK, f"问题较多：近12个月材料错误{a.errors}处"),
        (a.uncorrected > 0, f"问题未整改：{a.uncorrected}份材料收到回执{CORRECTION_GRACE_DAYS}日后仍未更正"),
    ]
    return [text for hit, text in checks if hit]


# ---------------------------------------------------------------- waiting, charts
def _waiting(recs: list[dict], pools: dict[str, list[dict]]) -> list[WaitingRow]:
    rows = [WaitingRow(
        received_on=r["received_on"], source=r["source"], review_name=safe_name(r["source"]),
        kind=KIND_ZH.get(r["kind"], r["kind"]), status=STATUS_ZH[r["status"]],
        agency=(r.get("fields") or {}).get("agency_name") or UNSTATED,
        reasons=[i["message"] + (f"（{i['article']}）" if i.get("article") else "") for i in _errors(r) or r.get("issues") or []],
        corrected=_corrected(r, pools.get(agency_of(r) or "", [])))
        for r in recs if r["status"] in ("needs_review", "rejected")]
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


def _by_month(recs: list[dict], as_of: date) -> list[MonthBar]:
    index = [as_of.year * 12 + as_of.month - 1 - i for i in range(11, -1, -1)]
    bars = {m: MonthBar(month=f"{m // 12}-{m % 12 + 1:02d}", counts=dict.fromkeys(KIND_ZH, 0)) for m in index}
    for r in recs:
        if bar := bars.get(r["received_on"].year * 12 + r["received_on"].month - 1):
            bar.counts[r["kind"] if r["kind"] in KIND_ZH else "unknown"] += 1
    return list(bars.values())


def build_digest(records: list[dict], as_of: date) -> Digest:
    # the ledger always sets received_on; a bare extract counts as received on as_of
    recs = [r for r in ({**r, "fields": r.get("fields") or {}, "received_on": _d(r.get("received_on")) or as_of}
                        for r in records) if r["received_on"] <= as_of]
    current = _half_year(as_of)
    d = Digest(as_of=as_of, current=current, previous=_half_year(current.start - timedelta(days=1)),
               work_report_due=current.start.replace(day=WORK_REPORT_DUE_DAY),
               window_start=as_of - timedelta(days=WINDOW_DAYS))
    pools: dict[str, list[dict]] = defaultdict(list)
    for r in recs:
        if key := agency_of(r):
            pools[key].append(r)
    contracts = _contracts([r for r in recs if r["status"] != "rejected"])
    d.agencies = sorted((_agency(k, rs, contracts.get(k, []), d) for k, rs in pools.items()), key=lambda a: a.name)
    every = [c for cs in contracts.values() for c in cs]
    d.late_contracts = sorted((c for c in every if c.days_late and c.filed_on > d.window_start),
                              key=lambda c: (c.agency, c.filed_on))
    recent = [c for c in every if (c.signed_on or c.filed_on) > d.window_start]
    d.by_town = _bars(recent, "town", list(WUJIN_UNITS))
    d.by_category = _bars(recent, "category", list(CATEGORY_NAMES.values()))
    d.by_month, d.waiting = _by_month(recs, as_of), _waiting(recs, pools)
    return d
