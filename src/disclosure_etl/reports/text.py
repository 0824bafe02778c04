"""Text normalisation shared by the phrase and table parsers."""

from __future__ import annotations

import re
import unicodedata

#: Sentences longer than this are cut (keeps regex work per sentence bounded).
MAX_SENTENCE_CHARS = 400

_WS = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_QUOTES = re.compile(r"[“”\"‘’'「」『』《》〈〉]")
_ENUMERATOR = re.compile(
    r"^(?:\d{1,2}\s*[.、．)）]|[(（]\s*[\d一二三四五六七八九十]{1,3}\s*[)）]|[①-⑳]"
    r"|[一二三四五六七八九十]{1,3}\s*[、.]|[一二三四五六七八九十]是)\s*"
)
_PARENS = re.compile(r"[(（][^()（）]{0,80}[)）]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")


def nfkc(text: str) -> str:
    """NFKC plus the space-like characters reports use (ideographic space, nbsp)."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").replace("\xa0", " ")


def compact(text: str) -> str:
    """NFKC, no whitespace, no quote marks: the form phrase patterns match against."""
    return _QUOTES.sub("", _WS.sub("", nfkc(text)))


def strip_enumerator(text: str) -> str:
    """Drop a leading enumerator: ``1.`` ``1、`` ``(1)`` ``①`` ``一、`` ``一是``."""
    return _ENUMERATOR.sub("", text.strip(), count=1)


def drop_parentheses(text: str) -> str:
    """Remove parenthesised asides (and what they hold), innermost first."""
    prev = None
    while prev != text:
        prev, text = text, _PARENS.sub("", text)
    return text


def normalise_label(label: str) -> str:
    """figures.md label rule: NFKC; drop enumerator, parentheses, 类信息/类/信息; no spaces.

    ``2.部门文件类（包括规章、.规范性文件等）信息`` → ``部门文件``.
    """
    text = compact(strip_enumerator(label))
    text = re.sub(r"^\d{1,2}(?=\D)", "", strip_enumerator(text))
    text = drop_parentheses(text)
    text = text.strip("：:，,；;。.、 ")
    for suffix in ("类信息", "类", "信息"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def split_sentences(text: str) -> list[str]:
    """Split on 。！？ and line breaks; long runs are cut into bounded pieces."""
    out: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        while len(piece) > MAX_SENTENCE_CHARS:
            out.append(piece[:MAX_SENTENCE_CHARS])
            piece = piece[MAX_SENTENCE_CHARS:]
        if piece:
            out.append(piece)
    return out


def label_key(text: str) -> str:
    """A table cell label reduced for matching: compact, quotes and brackets unified."""
    text = compact(text)
    return text.replace("(", "（").replace(")", "）").replace(",", "，")
