from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.parse.workdays import add_working_days, is_working_day, working_days_between

FAST = settings(max_examples=100, deadline=None)


@pytest.mark.parametrize(
    "d, expected",
    [
        (date(2021, 10, 1), (False, False)),  # National Day
        (date(2021, 9, 26), (True, False)),  # Sunday make-up day
        (date(2021, 10, 9), (True, False)),  # Saturday make-up day
        (date(2021, 10, 11), (True, False)),
        (date(2021, 10, 10), (False, False)),
        (date(2030, 1, 7), (True, True)),  # Monday, year unknown to the calendar
        (date(2030, 1, 5), (False, True)),  # Saturday
        (date(2003, 1, 6), (True, True)),
        (datetime(2021, 10, 1, 9, 30), (False, False)),
    ],
)
def test_is_working_day(d: date, expected: tuple[bool, bool]) -> None:
    assert is_working_day(d) == expected


def test_add_working_days_over_national_day() -> None:
    assert add_working_days(date(2021, 9, 30), 1) == (date(2021, 10, 8), False)
    # 10 working days from 2021-09-28: 29, 30, Oct 8, 9 (Sat make-up), 11..15, 18
    assert add_working_days(date(2021, 9, 28), 10) == (date(2021, 10, 18), False)
    assert add_working_days(date(2021, 10, 8), -1) == (date(2021, 9, 30), False)
    assert add_working_days(date(2021, 10, 3), 0) == (date(2021, 10, 3), False)


def test_add_working_days_into_unknown_year_is_estimated() -> None:
    assert add_working_days(date(2026, 12, 30), 3) == (date(2027, 1, 4), True)
    assert add_working_days(date(2030, 3, 1), 5) == (date(2030, 3, 8), True)


def test_working_days_between() -> None:
    assert working_days_between(date(2021, 9, 30), date(2021, 10, 8)) == (1, False)
    assert working_days_between(date(2021, 10, 8), date(2021, 9, 30)) == (-1, False)
    assert working_days_between(date(2021, 10, 1), date(2021, 10, 1)) == (0, False)
    assert working_days_between(date(2026, 12, 25), date(2027, 1, 8)) == (10, True)


@pytest.mark.parametrize("bad", ["2021-01-01", None, 20210101])
def test_rejects_non_dates(bad: object) -> None:
    with pytest.raises(ParseError):
        is_working_day(bad)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        add_working_days(bad, 1)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        working_days_between(bad, date(2021, 1, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [1.5, "3", True, 10**7])
def test_rejects_bad_counts(n: object) -> None:
    with pytest.raises(ParseError):
        add_working_days(date(2021, 1, 1), n)  # type: ignore[arg-type]


DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2032, 12, 31))


@FAST
@given(DATES, st.integers(-40, 40))
def test_add_then_count_round_trip(start: date, n: int) -> None:
    end, estimated = add_working_days(start, n)
    assert working_days_between(start, end)[0] == n
    if n:
        assert is_working_day(end)[0]
        assert (end > start) == (n > 0)
    known = all(2004 <= d.year <= 2026 for d in (start, end))
    if known:
        assert not estimated


@FAST
@given(DATES, DATES)
def test_count_never_exceeds_span(a: date, b: date) -> None:
    if abs((b - a).days) > 400:
        b = a + timedelta(days=(b - a).days % 400)
    count, estimated = working_days_between(a, b)
    assert abs(count) <= abs((b - a).days)
    assert isinstance(estimated, bool)
