from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.parse.money import find_amounts, parse_lower, parse_upper, parse_wan, yuan_to_wan

FAST = settings(max_examples=150, deadline=None)


@pytest.mark.parametrize(
    "text, yuan",
    [
        ("人民币贰万伍仟元整", "25000"),
        ("（大写）壹拾万元整", "100000"),
        ("伍仟捌佰元伍角", "5800.5"),
        ("壹万叁仟玖佰元整", "13900"),
        ("贰拾万零伍佰元", "200500"),
        ("伍佰元零伍分", "500.05"),
        ("叁仟元正", "3000"),
        ("大写：贰万柒仟伍佰元整", "27500"),
        ("人民币 贰万伍仟 元整。", "25000"),
        ("壹佰元伍角伍分", "100.55"),
        ("伍角", "0.5"),
        ("拾万元整", "100000"),
        ("壹亿零伍万元整", "100050000"),
        ("贰点伍万元", "25000"),
        ("两万元", "20000"),
    ],
)
def test_parse_upper(text: str, yuan: str) -> None:
    assert parse_upper(text) == Decimal(yuan)


@pytest.mark.parametrize(
    "text",
    ["", "人民币", "元整", "hello", "25000元", "壹仟伍", "壹万伍", "伍佰伍佰元", "贰叁元", "零元", "伍佰元零", "佰元", "壹拾万元整（附件）"],
)
def test_parse_upper_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_upper(text)


@pytest.mark.parametrize(
    "text, yuan",
    [
        ("¥25,000.00", "25000"),
        ("￥27,500元", "27500"),
        ("25000元", "25000"),
        ("2.5万元", "25000"),
        ("小写：¥21,500.00", "21500"),
        ("RMB 25000", "25000"),
        ("21,500元", "21500"),
        ("２５，０００元", "25000"),
        ("（小写）38500元整", "38500"),
        ("人民币25000元", "25000"),
    ],
)
def test_parse_lower(text: str, yuan: str) -> None:
    assert parse_lower(text) == Decimal(yuan)


@pytest.mark.parametrize("text", ["", "元", "abc", "1,00元", "-500元", "50%", "贰万元", "25000元整改"])
def test_parse_lower_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_lower(text)


@pytest.mark.parametrize(
    "text, upper, lower",
    [
        ("合同总金额为人民币（大写）贰万柒仟伍佰元整（￥27,500元）", "27500", "27500"),
        ("技术服务费总额为：人民币（小写）25000元，（大写）贰万伍仟元整", "25000", "25000"),
        ("服务费用共计人民币38500元（大写：叁万捌仟伍佰元整）", "38500", "38500"),
        ("合同金额：2.5万元", None, "25000"),
        ("人民币（大写）：贰万壹仟伍佰元整（小写：¥21,500.00）", "21500", "21500"),
        ("合同金额为人民币（大写）壹拾万元整", "100000", None),
        ("大写贰万伍仟元整，小写 ¥26,000", "25000", "26000"),
        ("（大写）贰万伍仟元整正本一份", "25000", None),
    ],
)
def test_find_amounts(text: str, upper: str | None, lower: str | None) -> None:
    expected = (Decimal(upper) if upper else None, Decimal(lower) if lower else None)
    assert find_amounts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "合同签订后5个工作日内支付合同金额的50%",
        "自2021年3月1日起至2022年2月28日止",
        "联系电话：13912345678，共3份，整改完成",
        "第十四条 乙方应于10个工作日内完成",
    ],
)
def test_find_amounts_ignores_non_money(text: str) -> None:
    assert find_amounts(text) == (None, None)


def test_yuan_to_wan() -> None:
    assert yuan_to_wan(Decimal("25000")) == 2.5
    assert yuan_to_wan(Decimal("14430")) == 1.443
    assert yuan_to_wan(Decimal("0.05")) == 0.000005
    assert yuan_to_wan(Decimal("0.004")) == 0.0
    with pytest.raises(ParseError):
        yuan_to_wan(Decimal("NaN"))


@pytest.mark.parametrize(
    "text, wan",
    [
        ("3.85", 3.85),
        ("1.443", 1.443),
        ("2.5万", 2.5),
        ("2.5万元", 2.5),
        ("25000元", 2.5),
        ("￥25,000", 2.5),
        ("25000", 2.5),
        ("1000", 0.1),
        ("199.9", 199.9),
        (" ３．８５ ", 3.85),
        ("贰万伍仟元", 2.5),
    ],
)
def test_parse_wan(text: str, wan: float) -> None:
    assert parse_wan(text) == wan


@pytest.mark.parametrize("text", ["200", "500", "999.99", "", "  ", "面议", "约3万", "3.85%"])
def test_parse_wan_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_wan(text)


def test_parse_wan_undecidable_message() -> None:
    with pytest.raises(ParseError, match="无法判断"):
        parse_wan("500")


# ------------------------------------------------------------------ properties

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ["", "拾", "佰", "仟"]


def upper_section(v: int) -> str:
    """0 < v < 10000, standard 大写 with inner zeros, no leading zero."""
    out, zero = "", False
    for i in range(3, -1, -1):
        d = v // 10**i % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + UNITS[i]
    return out


def upper_int(n: int) -> str:
    """0 < n < 10**12 in standard 大写 ('贰拾万零伍佰')."""
    out, gap = "", False
    for value, big in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if value == 0:
            gap = bool(out)
            continue
        if out and (gap or value < 1000):
            out += "零"
        out += upper_section(value) + big
        gap = False
    return out


def upper_amount(fen: int) -> str:
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    head = upper_int(yuan) + "元" if yuan else ""
    if not jiao and not cents:
        return head + "整"
    tail = (DIGITS[jiao] + "角" if jiao else ("零" if head else "")) + (DIGITS[cents] + "分" if cents else "")
    return head + tail


def test_encoder_sanity() -> None:
    assert upper_int(200500) == "贰拾万零伍佰"
    assert upper_int(100050000) == "壹亿零伍万"
    assert upper_amount(50005) == "伍佰元零伍分"
    assert upper_amount(580050) == "伍仟捌佰元伍角"


@FAST
@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_encoder_agrees_with_cn2an(n: int) -> None:
    assert cn2an.cn2an(upper_int(n), "strict") == n


AMOUNTS_FEN = st.one_of(st.integers(1, 10**7), st.integers(1, 10**14 - 1), st.integers(1, 10**5).map(lambda k: k * 100))
PREFIX = st.sampled_from(["", "人民币", "（大写）", "大写：", "人民币（大写）", " "])


@FAST
@given(AMOUNTS_FEN, PREFIX)
def test_upper_round_trip(fen: int, prefix: str) -> None:
    assert parse_upper(prefix + upper_amount(fen)) == Decimal(fen) / 100


LOWER_FORMS = [
    lambda y: f"¥{y:,.2f}",
    lambda y: f"￥{y:,}元",
    lambda y: f"{y}元",
    lambda y: f"RMB {y}",
    lambda y: f"小写：¥{y:,.2f}",
    lambda y: f"{y}元".translate(str.maketrans("0123456789.", "０１２３４５６７８９．")),
]


@FAST
@given(st.integers(1, 10**9), st.sampled_from(LOWER_FORMS))
def test_lower_round_trip(yuan: int, form) -> None:
    assert parse_lower(form(Decimal(yuan))) == yuan


@FAST
@given(st.integers(1, 10**8), st.sampled_from(LOWER_FORMS))
def test_find_amounts_in_sentence(fen: int, form) -> None:
    amount = Decimal(fen) / 100
    text = f"合同总金额为人民币（大写）{upper_amount(fen)}（{form(amount)}），签订后5个工作日内支付50%。"
    assert find_amounts(text) == (amount, amount)


@FAST
@given(st.integers(0, 100), st.integers(1, 30), st.dates())
def test_find_amounts_no_false_positives(percent: int, days: int, d) -> None:
    text = f"预付{percent}%，{days}个工作日内，于{d.year}年{d.month}月{d.day}日、{d.isoformat()}完成"
    assert find_amounts(text) == (None, None)


@FAST
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("199.99"), places=2), st.sampled_from(["", "万", "万元", " 万元"]))
def test_parse_wan_small_numbers_are_wan(value: Decimal, unit: str) -> None:
    assert parse_wan(f"{value}{unit}") == float(value)


@FAST
@given(st.integers(1000, 10**8), st.sampled_from(["{}", "{}元", "￥{:,}", "{:,}元"]))
def test_parse_wan_yuan(yuan: int, form: str) -> None:
    assert parse_wan(form.format(yuan)) == yuan_to_wan(Decimal(yuan))


MONEY_ALPHABET = "0123456789.,¥￥元万整正零壹贰叁肆伍陆柒捌玖拾佰仟亿角分点人民币大写小写（）：% RMB"


@FAST
@given(st.one_of(st.text(), st.text(alphabet=MONEY_ALPHABET)))
def test_arbitrary_text_only_parse_error(text: str) -> None:
    for parser, kind in ((parse_upper, Decimal), (parse_lower, Decimal), (parse_wan, float)):
        try:
            assert isinstance(parser(text), kind)
        except ParseError as e:
            assert e.message
    upper, lower = find_amounts(text)
    assert upper is None or isinstance(upper, Decimal)
    assert lower is None or isinstance(lower, Decimal)
