"""Periods and deadlines of the measures, in one place: validation, the
documents and the digest all ask here.

- half-years: a 工作报表 covers one (附件3);
- 第十五条: a contract is uploaded within 7 days of signing;
- 附件3 注: the half-year's report is due in the first week (by the 7th) of
  the month after it;
- 第十四条: a change of the agency's information is updated within 10
  working days (Chinese public holidays and make-up days counted);
- 第十七条: a 托管 service brings in the district's experts a number of
  times per service year: the year that starts on the day the contract is
  signed, each anniversary the next one, the last cut short by the end of
  the contract.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Optional

from pydantic import BaseModel, ConfigDict

from .parse.workdays import add_working_days

CONTRACT_FILING_DAYS = 7      # 第十五条
WORK_REPORT_DUE_DAY = 7       # 附件3 注
CHANGE_WORKING_DAYS = 10      # 第十四条
TUOGUAN_TERM_DAYS = 365       # a 托管 contract that states no end is taken to run one year


class HalfYear(BaseModel):
    """One half-year: 1 January – 30 June or 1 July – 31 December."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date

    @property
    def label(self) -> str:
        """'2021年上半年' / '2021年下半年'."""
        return f"{self.start.year}年{'上' if self.start.month <= 6 else '下'}半年"

    @property
    def report_due(self) -> date:
        """The last day to file this half-year's 工作报表."""
        return work_report_due(self.end)

    def previous(self) -> "HalfYear":
        return half_year(self.start - timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def half_year(day: date) -> HalfYear:
    """The half-year `day` falls in."""
    if day.month <= 6:
        return HalfYear(start=date(day.year, 1, 1), end=date(day.year, 6, 30))
    return HalfYear(start=date(day.year, 7, 1), end=date(day.year, 12, 31))


def contract_due(signed_on: date) -> date:
    """The last day to upload a contract signed on `signed_on` (第十五条)."""
    return signed_on + timedelta(days=CONTRACT_FILING_DAYS)


def days_late(signed_on: date, received_on: date) -> int:
    """Days a contract arrived after its deadline (0 when on time)."""
    return max(0, (received_on - contract_due(signed_on)).days)


def work_report_due(period_end: date) -> date:
    """The 7th of the month after a report's period (附件3 注)."""
    first = (period_end.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first.replace(day=WORK_REPORT_DUE_DAY)


def change_deadline(changed_on: date) -> tuple[date, bool]:
    """(last day to update a change made on `changed_on`, estimated): 10
    working days; estimated when the holiday calendar lacks the year."""
    return add_working_days(changed_on, CHANGE_WORKING_DAYS)


def months_between(a: date, b: date) -> int:
    """Whole months from a to b (0 when b is before a)."""
    return max(0, (b.year - a.year) * 12 + b.month - a.month - (b.day < a.day))


class ServiceYear(BaseModel):
    """One service year of a 托管 contract (第十七条): its checks are due by `end`."""

    model_config = ConfigDict(frozen=True)

    number: int                 # 1 for the first year of the contract
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"第{self.number}服务年度（{self.start.isoformat()}至{self.end.isoformat()}）"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:            # 29 February
        return start.replace(year=start.year + years, day=28)


def service_years(start: date, end: Optional[date]) -> list[ServiceYear]:
    """The service years of a contract running from `start` to `end`
    (no end stated: one year)."""
    end = end if end and end >= start else start + timedelta(days=TUOGUAN_TERM_DAYS - 1)
    out: list[ServiceYear] = []
    n = 0
    while _anniversary(start, n) <= end:
        out.append(ServiceYear(number=n + 1, start=_anniversary(start, n),
                               end=min(end, _anniversary(start, n + 1) - timedelta(days=1))))
        n += 1
    return out


def checks_required(per_year: int, year: ServiceYear) -> int:
    """Expert checks a service year needs: `per_year` for a whole year; a year
    cut short by the end of the contract needs its share, rounded up."""
    return max(1, math.ceil(per_year * min(year.days, 365) / 365 - 1e-9))
