"""Numbers as annual reports write them: Arabic, full-width, Chinese, with 万, separators, signs.

``parse_number`` turns one token (as matched by ``NUMBER_RE``) into ``(value, approx)``.
Input is expected NFKC-normalised (full-width digits become ASCII); the function applies
NFKC itself too, so it is safe on raw text.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

CN_DIGITS = {
    "〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_CHARS = "〇零○一二两三四五六七八九十百千万亿"

#: Approximation markers before / after a number (余/约/近/多/超/左右 …).
APPROX_PREFIX = r"(?:约|近|超过|超|逾|大约)"
APPROX_SUFFIX = r"(?:余|多)"

_ARABIC = r"[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万(?!元)|亿)?"
_CHINESE = rf"[{CN_CHARS}]+"
#: One number token, approximation markers included. Use as a group in larger patterns.
NUMBER_RE = rf"(?:{APPROX_PREFIX})?(?:{_ARABIC}|{_CHINESE}){APPROX_SUFFIX}?"
_ARABIC_FULL = re.compile(rf"^({APPROX_PREFIX})?({_ARABIC})({APPROX_SUFFIX})?$")
_CHINESE_FULL = re.compile(rf"^({APPROX_PREFIX})?({_CHINESE})({APPROX_SUFFIX})?$")


def chinese_to_int(text: str) -> int | None:
    """二十一 → 21, 一百零五 → 105, 两 → 2, 二〇一七 → 2017; None when not a numeral."""
    if not text or any(ch not in CN_CHARS for ch in text):
        return None
    if not any(ch in "十百千万亿" for ch in text):
        # digit-by-digit reading (二〇一七)
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total = 0  # completed 亿 part
    section = 0  # completed 万 part (below 亿)
    small = 0  # below 万
    digit: int | None = None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_SMALL_UNITS:
            small += (1 if digit is None else digit) * CN_SMALL_UNITS[ch]
            digit = None
        elif ch == "万":
            section += (small + (digit or 0)) * 10_000
            small, digit = 0, None
        elif ch == "亿":
            total = (total + section + small + (digit or 0)) * 100_000_000
            section, small, digit = 0, 0, None
    return total + section + small + (digit or 0)


def parse_number(token: str) -> tuple[float, bool] | None:
    """Parse one number token into ``(value, approx)``; None when it is not a number.

    ``4.14万`` → ``(41400.0, True)``; ``1,326`` → ``(1326.0, False)``; ``+19`` → ``(19.0,
    False)``; ``-3`` → ``(-3.0, False)``; ``20余`` → ``(20.0, True)``; ``二十一`` → ``(21.0, False)``.
    """
    tok = unicodedata.normalize("NFKC", token).strip().replace(" ", "")
    tok = tok.replace("，", ",")
    m = _ARABIC_FULL.match(tok)
    if m:
        body = m.group(2)
        approx = bool(m.group(1) or m.group(3))
        mult = 1
        if body.endswith("万"):
            mult, body, approx = 10_000, body[:-1], True
        elif body.endswith("亿"):
            mult, body, approx = 100_000_000, body[:-1], True
        try:
            dec = Decimal(body.replace(",", "")) * mult
        except InvalidOperation:
            return None
        return _to_float(dec), approx
    m = _CHINESE_FULL.match(tok)
    if m:
        value = chinese_to_int(m.group(2))
        if value is None:
            return None
        return float(value), bool(m.group(1) or m.group(3))
    return None


def _to_float(dec: Decimal) -> float:
    if dec == dec.to_integral_value():
        return float(int(dec))
    return float(dec)
