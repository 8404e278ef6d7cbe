from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.parse.dates import (
    excel_serial_to_date,
    find_dates,
    is_blank_date,
    parse_date,
    parse_range,
)

FAST = settings(max_examples=150, deadline=None)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2021年2月3日", date(2021, 2, 3)),
        ("2021 年 2 月 3 日", date(2021, 2, 3)),
        ("２０２１年５月１０日", date(2021, 5, 10)),
        ("2021.2.3", date(2021, 2, 3)),
        ("2021.02.03", date(2021, 2, 3)),
        ("2021-02-03", date(2021, 2, 3)),
        ("2021/2/3", date(2021, 2, 3)),
        ("二〇二一年二月三日", date(2021, 2, 3)),
        ("二○二一年十二月三十一日", date(2021, 12, 31)),
        ("二零二一年十月二十日", date(2021, 10, 20)),
        ("贰零贰壹年贰月叁日", date(2021, 2, 3)),
        ("贰零贰壹年拾贰月叁拾壹日", date(2021, 12, 31)),
        ("2021年02月03日", date(2021, 2, 3)),
        ("2021-02-03 00:00:00", date(2021, 2, 3)),
        ("  签订时间：2021年2月3日  ", date(2021, 2, 3)),
        ("日期: 2021.2.3", date(2021, 2, 3)),
        ("2021年2月3号", date(2021, 2, 3)),
    ],
)
def test_parse_date_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2021年2月30日",
        "2021.13.1",
        "二〇二一年二月三十日",
        "    年  月  日",
        "年月日",
        "签订时间：   年   月   日",
        "",
        "无日期",
        "2021年2月",
        "1850年1月1日",
        "2021年2月3日与2021年2月4日",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_date(text)
    assert info.value.value == text
    assert info.value.message


def test_parse_date_blank_message() -> None:
    with pytest.raises(ParseError, match="未填写"):
        parse_date("    年  月  日")


def test_parse_date_rejects_non_text() -> None:
    with pytest.raises(ParseError):
        parse_date(20210203)  # type: ignore[arg-type]


def test_find_dates_in_order_skipping_blanks_and_invalid() -> None:
    text = "甲方于2021年2月30日、2021.3.4 及 二〇二一年五月六日签字；乙方    年  月  日；2021-07-08"
    assert find_dates(text) == [date(2021, 3, 4), date(2021, 5, 6), date(2021, 7, 8)]
    assert find_dates("没有日期，付款50%，5个工作日") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("自2021年3月1日起至2022年2月28日止", (date(2021, 3, 1), date(2022, 2, 28))),
        ("2021年3月1日至2022年2月28日", (date(2021, 3, 1), date(2022, 2, 28))),
        ("2021年9月7日 至 2021年11月5日", (date(2021, 9, 7), date(2021, 11, 5))),
        ("2021.3.1-2022.2.28", (date(2021, 3, 1), date(2022, 2, 28))),
        ("2021年3月1日—2021年6月30日", (date(2021, 3, 1), date(2021, 6, 30))),
        ("2021 年 1 月 1 日  至  2021 年 6 月 30 日", (date(2021, 1, 1), date(2021, 6, 30))),
        ("有效期限：2021-03-01 ~ 2022-02-28", (date(2021, 3, 1), date(2022, 2, 28))),
        ("自    年  月  日起至2022年2月28日止", (None, date(2022, 2, 28))),
        ("自2021年3月1日起至    年  月  日止", (date(2021, 3, 1), None)),
        ("至2022年2月28日止", (None, date(2022, 2, 28))),
        ("自2021年3月1日起", (date(2021, 3, 1), None)),
    ],
)
def test_parse_range(text: str, expected: tuple[date | None, date | None]) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["自    年  月  日起至    年  月  日止", "", "长期有效"])
def test_parse_range_without_any_date(text: str) -> None:
    with pytest.raises(ParseError):
        parse_range(text)


def test_excel_serial() -> None:
    assert excel_serial_to_date(44197) == date(2021, 1, 1)
    assert excel_serial_to_date(44230.75) == date(2021, 2, 3)
    assert excel_serial_to_date(20000) == date(1954, 10, 3)


@pytest.mark.parametrize("n", [19999, 80001, -5, float("nan"), float("inf"), "abc", None, True])
def test_excel_serial_rejects(n: object) -> None:
    with pytest.raises(ParseError):
        excel_serial_to_date(n)  # type: ignore[arg-type]


def test_is_blank_date() -> None:
    assert is_blank_date("    年  月  日")
    assert is_blank_date("年月日")
    assert is_blank_date("签订时间：  年 __ 月 __ 日")
    assert not is_blank_date("2021年2月3日")
    assert not is_blank_date("二〇二一年二月三日")
    assert not is_blank_date("甲方盖章")


# ------------------------------------------------------------------ properties

LOWER = "〇一二三四五六七八九"
UPPER = "零壹贰叁肆伍陆柒捌玖"


def cn_year(y: int, digits: str) -> str:
    return "".join(digits[int(c)] for c in str(y))


def cn_small(n: int, digits: str, ten: str) -> str:
    if n < 10:
        return digits[n]
    if n < 20:
        return ten + (digits[n - 10] if n > 10 else "")
    return digits[n // 10] + ten + (digits[n % 10] if n % 10 else "")


def cn_date(d: date, digits: str, ten: str) -> str:
    return f"{cn_year(d.year, digits)}年{cn_small(d.month, digits, ten)}月{cn_small(d.day, digits, ten)}日"


FULL = str.maketrans("0123456789", "０１２３４５６７８９")
FORMS = [
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year} 年 {d.month} 月 {d.day} 日",
    lambda d: f"{d.year}年{d.month}月{d.day}日".translate(FULL),
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: d.strftime("%Y.%m.%d"),
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: cn_date(d, LOWER, "十"),
    lambda d: cn_date(d, LOWER.replace("〇", "○"), "十"),
    lambda d: cn_date(d, LOWER.replace("〇", "零"), "十"),
    lambda d: cn_date(d, UPPER, "拾"),
    lambda d: d.strftime("%Y年%m月%d日"),
    lambda d: f"{d.isoformat()} 00:00:00",
]
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
NOISE = st.sampled_from(["", "  ", "签订时间：", "日期: ", "（盖章）\n"])


def test_chinese_encoder_sanity() -> None:
    assert cn_date(date(2021, 12, 31), LOWER, "十") == "二〇二一年十二月三十一日"
    assert cn_date(date(2021, 2, 3), UPPER, "拾") == "贰零贰壹年贰月叁日"


@FAST
@given(DATES, st.sampled_from(FORMS), NOISE)
def test_round_trip_every_form(d: date, form, noise: str) -> None:
    assert parse_date(noise + form(d) + " ") == d


@FAST
@given(DATES, DATES, st.sampled_from(FORMS), st.sampled_from(["至", " 至 ", "—", "到", "~"]))
def test_range_round_trip(a: date, b: date, form, sep: str) -> None:
    assert parse_range(f"自{form(a)}起{sep}{form(b)}止") == (a, b)


DATE_ALPHABET = "0123456789年月日号.-/ 〇○零一二三四五六七八九十拾廿壹贰叁至起止_：:０５"


@FAST
@given(st.one_of(st.text(), st.text(alphabet=DATE_ALPHABET)))
def test_arbitrary_text_only_parse_error(text: str) -> None:
    try:
        assert isinstance(parse_date(text), date)
    except ParseError as e:
        assert e.value == text
    try:
        start, end = parse_range(text)
        assert start is not None or end is not None
        assert all(x is None or isinstance(x, date) for x in (start, end))
    except ParseError:
        pass
    assert all(isinstance(x, date) for x in find_dates(text))
    assert isinstance(is_blank_date(text), bool)


@FAST
@given(st.one_of(st.floats(allow_nan=True), st.integers(), st.text()))
def test_excel_serial_only_parse_error(n) -> None:
    try:
        assert isinstance(excel_serial_to_date(n), date)
    except ParseError:
        pass
