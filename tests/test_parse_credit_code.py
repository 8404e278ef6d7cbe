import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from pipeline.errors import ParseError
from pipeline.parse.credit_code import ALPHABET, check_character, is_valid_credit_code, normalize_code

FAST = settings(max_examples=200, deadline=None)

VALID = ["91320402797143980H", "91320404758360755C", "52320402MA1MYERD0T", "9132040255915000XF", "9132040266555143XF"]


@pytest.mark.parametrize("code", VALID)
def test_known_valid(code: str) -> None:
    assert is_valid_credit_code(code)
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    "code",
    [
        "91320411MA4HT7LR1N",
        "91320402797143980h",
        "91320402797143980",
        "91320402797143980HH",
        "9132040279714398OH",
        "",
        "91320402 797143980H",
    ],
)
def test_known_invalid(code: str) -> None:
    assert not is_valid_credit_code(code)


def test_normalize_code() -> None:
    assert normalize_code(" ９１３２０４０２ 797143980h ") == "91320402797143980H"
    assert normalize_code("52320402ma1myerd0t") == "52320402MA1MYERD0T"
    assert is_valid_credit_code(normalize_code("９１３２０４０２７９７１４３９８０Ｈ"))


@pytest.mark.parametrize("body", ["", "9132040279714398", "913204027971439801", "9132040279714398I", "9132040279714398o"])
def test_check_character_rejects(body: str) -> None:
    with pytest.raises(ParseError):
        check_character(body)


def test_codes_starting_with_letters() -> None:
    # stdnum refuses these shapes; the algorithm itself is the same
    body = "N1320412MA1MYERD0"
    code = body + check_character(body)
    assert is_valid_credit_code(code)
    assert not uscc.is_valid(code)


bodies = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@FAST
@given(bodies, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_single_change_is_detected(body: str, position: int, replacement: str) -> None:
    code = body + check_character(body)
    assert is_valid_credit_code(code)
    if code[position] != replacement:
        changed = code[:position] + replacement + code[position + 1:]
        assert not is_valid_credit_code(changed)


@FAST
@given(bodies, st.integers(0, 17), st.sampled_from("IOSVZ"))
def test_forbidden_letters_are_invalid(body: str, position: int, letter: str) -> None:
    code = body + check_character(body)
    assert not is_valid_credit_code(code[:position] + letter + code[position + 1:])


@FAST
@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet=ALPHABET, min_size=9, max_size=9))
def test_agrees_with_stdnum(head: str, tail: str) -> None:
    body = head + tail
    assert check_character(body) == uscc.calc_check_digit(body)
    assert uscc.is_valid(body + check_character(body))


@FAST
@given(st.one_of(st.text(), st.text(alphabet=ALPHABET + "iosvz ９", min_size=15, max_size=20)))
def test_arbitrary_text_only_parse_error(text: str) -> None:
    assert isinstance(is_valid_credit_code(text), bool)
    assert isinstance(normalize_code(text), str)
    try:
        assert check_character(text) in ALPHABET
    except ParseError as e:
        assert e.value == text
