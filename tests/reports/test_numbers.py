"""Number normalisation: Chinese numerals, full-width digits, separators, 万, signs, approximations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disclosure_etl.reports.numbers import chinese_to_int, parse_number

DIGITS = "零一二三四五六七八九"


def _section(n: int) -> str:
    """0 < n < 10000 in Chinese, with 零 for inner gaps (一千零五, 一百零五)."""
    out, gap = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // power % 10
        if d == 0:
            gap = gap or bool(out)
        else:
            if gap:
                out += "零"
                gap = False
            out += DIGITS[d] + unit
    return out


def to_chinese(n: int) -> str:
    """An integer 0–10^8 written the way reports write it."""
    if n == 0:
        return "零"
    yi, wan, rest = n // 10**8, n // 10**4 % 10**4, n % 10**4
    out = ""
    if yi:
        out += _section(yi) + "亿"
    if wan:
        if out and wan < 1000:
            out += "零"
        out += _section(wan) + "万"
    if rest:
        if out and rest < 1000:
            out += "零"
        out += _section(rest)
    if 10 <= n < 20:
        out = out[1:]  # 十一, not 一十一
    return out


FULLWIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")


@given(st.integers(min_value=0, max_value=10**8))
def test_chinese_numerals_round_trip(n: int) -> None:
    assert parse_number(to_chinese(n)) == (float(n), False)


@given(st.integers(min_value=0, max_value=10**8))
def test_fullwidth_digits_round_trip(n: int) -> None:
    assert parse_number(str(n).translate(FULLWIDTH)) == (float(n), False)


@given(st.integers(min_value=0, max_value=10**8))
def test_thousands_separators_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}") == (float(n), False)
    assert parse_number(f"{n:,}".translate(FULLWIDTH)) == (float(n), False)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("二十一", (21.0, False)),
        ("一百零五", (105.0, False)),
        ("两", (2.0, False)),
        ("〇", (0.0, False)),
        ("十", (10.0, False)),
        ("一千零五十", (1050.0, False)),
        ("4.14万", (41400.0, True)),
        ("3.6万", (36000.0, True)),
        ("1,326", (1326.0, False)),
        ("+19", (19.0, False)),
        ("-3", (-3.0, False)),
        ("20余", (20.0, True)),
        ("约3600", (3600.0, True)),
        ("近1.7万", (17000.0, True)),
        ("超300", (300.0, True)),
        ("100多", (100.0, True)),
        ("66.67", (66.67, False)),
    ],
)
def test_parse_number_examples(token: str, expected: tuple[float, bool]) -> None:
    assert parse_number(token) == expected


def test_digit_by_digit_years_and_non_numbers() -> None:
    assert chinese_to_int("二〇一七") == 2017
    assert parse_number("abc") is None
    assert chinese_to_int("") is None
