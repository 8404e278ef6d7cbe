import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.parse.phone import find_phones, is_valid_phone, normalize_phone

FAST = settings(max_examples=150, deadline=None)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0519 86312345", "0519-86312345"),
        ("0519－86312345", "0519-86312345"),
        ("(0519)86312345", "0519-86312345"),
        ("（0519）86312345", "0519-86312345"),
        ("0519-86312345", "0519-86312345"),
        ("051986312345", "0519-86312345"),
        ("０５１９－８６３１２３４５", "0519-86312345"),
        ("0519-8631-2345", "0519-86312345"),
        ("02512345678", "025-12345678"),
        ("010 62345678", "010-62345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("+8613912345678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("1895679588", "1895679588"),
        ("86312345", "86312345"),
    ],
)
def test_normalize_phone(text: str, expected: str) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "无", "电话：--"])
def test_normalize_phone_without_digits(text: str) -> None:
    with pytest.raises(ParseError):
        normalize_phone(text)


@pytest.mark.parametrize(
    "text, valid",
    [
        ("13912345678", True),
        ("0519-86312345", True),
        ("051986312345", True),
        ("025-52345678", True),
        ("010-62345678", True),
        ("0519-8631234", True),
        ("1895679588", False),
        ("12912345678", False),
        ("139123456789", False),
        ("86312345", False),
        ("0519-0631234", False),
        ("", False),
        ("abc", False),
    ],
)
def test_is_valid_phone(text: str, valid: bool) -> None:
    assert is_valid_phone(text) is valid


@pytest.mark.parametrize(
    "text, expected",
    [
        ("吕洋 13645294648", ["13645294648"]),
        ("电话：0519-86366625，手机 13912345678", ["0519-86366625", "13912345678"]),
        ("联系人：张三（0519）86312345/139 1234 5678", ["0519-86312345", "13912345678"]),
        ("13912345678、13912345678", ["13912345678"]),
        ("统一社会信用代码：91320402797143980H", []),
        ("信用代码 913204027971439801", []),
        ("开户账号：6222021234567890123", []),
        ("账号 6222 0212 3456 7890 123", []),
        ("签订日期 2021-02-03，2021.02.03", []),
        ("合同金额13912345678元", []),
        ("比例 13912345678%", []),
    ],
)
def test_find_phones(text: str, expected: list[str]) -> None:
    assert find_phones(text) == expected


# ------------------------------------------------------------------ properties

FULL = str.maketrans("0123456789-+()", "０１２３４５６７８９－＋（）")
mobiles = st.builds(lambda p, rest: "1" + p + rest, st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
areas = st.one_of(
    st.just("010"),
    st.builds(lambda d: "02" + d, st.sampled_from("0123456789")),
    st.builds(lambda a, b: "0" + a + b, st.sampled_from("3456789"), st.text("0123456789", min_size=2, max_size=2)),
)
locals_ = st.builds(lambda h, t: h + t, st.sampled_from("23456789"), st.text("0123456789", min_size=6, max_size=7))


@FAST
@given(mobiles, st.sampled_from(["", " ", "-"]), st.sampled_from(["", "+86 ", "+86", "0086 "]), st.booleans())
def test_mobile_round_trip(number: str, sep: str, prefix: str, wide: bool) -> None:
    written = prefix + sep.join([number[:3], number[3:7], number[7:]])
    if wide:
        written = written.translate(FULL)
    assert normalize_phone(written) == number
    assert is_valid_phone(written)
    assert find_phones(f"联系电话：{written}，谢谢") == [number]


LANDLINE_FORMS = ["{a}-{l}", "{a} {l}", "({a}){l}", "（{a}）{l}", "{a}{l}", "{a} - {l}"]


@FAST
@given(areas, locals_, st.sampled_from(LANDLINE_FORMS), st.booleans())
def test_landline_round_trip(area: str, local: str, form: str, wide: bool) -> None:
    written = form.format(a=area, l=local)
    if wide:
        written = written.translate(FULL)
    assert normalize_phone(written) == f"{area}-{local}"
    assert is_valid_phone(written)
    assert find_phones(f"电话 {written} 传真") == [f"{area}-{local}"]


@FAST
@given(st.text("0123456789", min_size=16, max_size=19), st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18))
def test_find_phones_skips_accounts_and_codes(account: str, code: str) -> None:
    assert find_phones(f"开户账号：{account}；统一社会信用代码：{code}") == []


@FAST
@given(st.one_of(st.text(), st.text(alphabet="0123456789+-()（）－ 86０１")))
def test_arbitrary_text_only_parse_error(text: str) -> None:
    try:
        phone = normalize_phone(text)
        assert phone and set(phone) <= set("0123456789-")
    except ParseError as e:
        assert e.value == text
    assert isinstance(is_valid_phone(text), bool)
    found = find_phones(text)
    assert all(is_valid_phone(p) for p in found)
