"""Pure parsers of the sites we harvest: ``gkmlpt`` (catalog) and ``portal`` (NFCMS pages).

Bytes in, records (``disclosure_etl.models``) out; no I/O. Shared helpers live here.
"""

from __future__ import annotations

import re

__all__ = ["SiteFormatError", "decode_html"]


class SiteFormatError(Exception):
    """A page does not have the shape the protocol says it has (never "zero rows")."""


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(data: bytes) -> str:
    """Decode an HTML/JSON body: UTF-8 first (headers often omit the charset), then the
    ``<meta charset>`` the page declares, then GB18030; never raises."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii", "replace").lower()
        if enc in ("gb2312", "gbk"):
            enc = "gb18030"
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")
