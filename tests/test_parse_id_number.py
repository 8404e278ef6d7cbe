"""居民身份证号码: check digit and birth date (GB 11643), reading one out of a
cell, and masking (digits 7–14) wherever people see it."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from pipeline.parse.id_number import is_valid_id_number, mask_id, mask_ids_in, read_id_number

GOOD = "11010519491231002X"   # the example of GB 11643-1999


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_the_standards_example_is_valid_and_a_changed_digit_is_not():
    assert is_valid_id_number(GOOD)
    assert not is_valid_id_number(GOOD[:-1] + "3")
    assert not is_valid_id_number(GOOD[:10] + "32" + GOOD[12:])


def test_impossible_birth_dates_fail_even_with_the_right_check_digit():
    assert not is_valid_id_number(with_check("32041219850230123"))     # 30 February
    assert not is_valid_id_number(with_check("32041218800101123"))     # before 1900
    assert not is_valid_id_number(with_check("32041220300101123"), today=date(2027, 1, 1))  # not yet born
    assert is_valid_id_number(with_check("32040219850228123"))          # a region stdnum's table lacks


@given(st.dates(date(1930, 1, 1), date(2005, 12, 31)), st.integers(0, 999), st.sampled_from(["320412", "320402", "110105"]))
def test_agrees_with_stdnum_on_check_digits(born: date, seq: int, region: str):
    number = with_check(f"{region}{born:%Y%m%d}{seq:03d}")
    assert is_valid_id_number(number)
    wrong = "0123456789X".replace(number[-1], "")[seq % 10]
    assert not is_valid_id_number(number[:-1] + wrong)


def test_read_from_cells_as_people_write_them():
    assert read_id_number("身份证号：11010519491231002x") == GOOD
    assert read_id_number("110105 19491231 002X") == GOOD
    assert read_id_number("１１０１０５１９４９１２３１００２Ｘ") == GOOD
    assert read_id_number("电话 13912345678") is None
    assert read_id_number(None) is None


def test_masks_the_birth_date_digits():
    assert mask_id(GOOD) == "110105********002X"
    other = with_check("32041219850307123")
    assert mask_ids_in(f"张三（{GOOD}）与 {other}") == f"张三（110105********002X）与 320412********{other[-4:]}"
    assert mask_ids_in("统一社会信用代码 123204124660000000") == "统一社会信用代码 123204124660000000"
    assert GOOD not in mask_ids_in(GOOD.lower().upper())
