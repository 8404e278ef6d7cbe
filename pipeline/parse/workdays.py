"""Chinese working days (public holidays off, weekend make-up days on).

`chinese_calendar` knows the State Council schedule only for the years its
release covers and raises NotImplementedError for the others. Then we fall
back to Monday–Friday and say so: every answer carries `estimated`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar

from ..errors import ParseError

MAX_SPAN_DAYS = 366 * 50  # guard against runaway loops


def _as_date(d: object) -> date:
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    raise ParseError(d, "需要一个日期。")


def is_working_day(d: date) -> tuple[bool, bool]:
    """(is a working day, estimated): estimated when the calendar lacks the year."""
    day = _as_date(d)
    try:
        return bool(chinese_calendar.is_workday(day)), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: date, n: int) -> tuple[date, bool]:
    """(the date n working days after start, estimated); n < 0 counts back.

    start itself is not counted: 1 working day after a Friday is the next
    working day. For n == 0 the start is returned as is."""
    day = _as_date(start)
    if isinstance(n, bool) or not isinstance(n, int) or abs(n) > MAX_SPAN_DAYS:
        raise ParseError(n, "工作日天数无效。")
    step = timedelta(days=1 if n >= 0 else -1)
    remaining, estimated = abs(n), False
    while remaining:
        day += step
        working, guessed = is_working_day(day)
        estimated |= guessed
        remaining -= working
    return day, estimated


def working_days_between(a: date, b: date) -> tuple[int, bool]:
    """(signed count of working days from a to b, estimated).

    Forward it counts the working days in (a, b]; backward (b before a) it
    counts those in [b, a), negated. So it inverts add_working_days:
    working_days_between(a, add_working_days(a, n)[0]) == n for every n."""
    start, end = _as_date(a), _as_date(b)
    if abs((end - start).days) > MAX_SPAN_DAYS:
        raise ParseError((a, b), "日期跨度过大。")
    if end >= start:
        days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
        sign = 1
    else:
        days = (end + timedelta(days=i) for i in range((start - end).days))
        sign = -1
    count, estimated = 0, False
    for day in days:
        working, guessed = is_working_day(day)
        count += working
        estimated |= guessed
    return sign * count, estimated
