"""Pure parsers of NFCMS portal pages (site_protocol.md §2, §8.3, §11.1 route 5).

* :func:`find_subsites`: ``…/<prefix>/gkmlpt/index`` links on any portal page.
* :func:`parse_column_page` / :func:`column_page_url`: a report column (``index.html``,
  ``index_2.html`` …) and its article links.
* :func:`parse_article`: an article page (``…/content/post_{id}.html``).
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html

from disclosure_etl.models import PortalArticle, PortalLink
from disclosure_etl.site import SiteFormatError, decode_html
from disclosure_etl.site.gkmlpt import index_url_for

__all__ = [
    "column_page_url",
    "find_report_columns",
    "find_subsites",
    "parse_article",
    "parse_column_page",
]

_HREF_RE = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"'<>]+)["']|["'](https?://[^"'<>\s]+)["']""", re.I)
_ARTICLE_RE = re.compile(r"/content/(?:[\w-]+/)*m?post_(\d+)\.html?$")
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_PUBTIME_RE = re.compile(
    r"发布(?:时间|日期)\s*[:：]?\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_SOURCE_RE = re.compile(r"来源\s*[:：]\s*([^\s|｜<>　]+)")
_DOC_EXTS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "zip", "rar", "ofd", "txt")


def _doc(text: str) -> Any:
    try:
        return lxml.html.document_fromstring(text)
    except Exception as e:  # lxml raises several types on empty/broken input
        raise SiteFormatError(f"not an HTML page: {e}") from None


def _strip_fragment(url: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, p.path, p.query, ""))


def find_subsites(html: bytes, page_url: str) -> list[str]:
    """Absolute ``…/<prefix>/gkmlpt/index`` URLs linked from a page (root ``/gkmlpt/index``
    included), in document order, without duplicates. Links to other gkmlpt views of a
    sub-site (``mindex``, ``policy``, ``annualreport#…``, ``search…``, ``guide``) name the same
    sub-site (:func:`~disclosure_etl.site.gkmlpt.index_url_for`)."""
    text = htmllib.unescape(decode_html(html))
    out: dict[str, None] = {}
    for m in _HREF_RE.finditer(text):
        ref = (m.group(1) or m.group(2) or "").strip()
        if "/gkmlpt/" not in ref:
            continue
        url = index_url_for(urljoin(page_url, ref))
        if url is None:
            continue
        out.setdefault(url, None)
    return list(out)


_REPORT_LINK_RE = re.compile(r"年度报告|年报")


def find_report_columns(html: bytes, page_url: str) -> list[str]:
    """Absolute URLs of the annual-report columns a portal page links to: links whose text
    (or ``title``) holds 年度报告 or 年报 and whose target is a column, not an article, a
    file or a gkmlpt view (``…/zfxxgkgzndbg/``, ``…/qzfxxgknb/zj/index.html``). Each is
    normalised to its directory (``…/``), in document order, without duplicates."""
    doc = _doc(decode_html(html))
    out: dict[str, None] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        label = f"{a.text_content()} {a.get('title') or ''}"
        if not href or href.startswith(("javascript:", "#", "mailto:")) or not _REPORT_LINK_RE.search(label):
            continue
        parts = urlsplit(urljoin(page_url, href))
        path = parts.path or "/"
        last = path.rsplit("/", 1)[-1]
        if parts.scheme not in ("http", "https") or "/gkmlpt/" in path or _ARTICLE_RE.search(path):
            continue
        if last and not re.fullmatch(r"index(?:_\d+)?\.s?html?", last):
            if "." in last:  # a file or an article page, not a column
                continue
            path += "/"
        directory = path.rsplit("/", 1)[0] + "/"
        if directory == "/":
            continue
        out.setdefault(urlunsplit((parts.scheme, parts.netloc.lower(), directory, "", "")), None)
    return list(out)


def column_page_url(column_url: str, n: int) -> str:
    """Page ``n`` (1-based) of an NFCMS column: ``index.html``, then ``index_{n}.html``."""
    if n < 1:
        raise ValueError(f"page numbers start at 1, got {n}")
    parts = urlsplit(column_url)
    path = parts.path
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        path = path.rsplit("/", 1)[0] + "/" if "." in last else path + "/"
    name = "index.html" if n == 1 else f"index_{n}.html"
    return urlunsplit((parts.scheme, parts.netloc, path + name, "", ""))


def _date(text: str) -> date | None:
    m = _DATE_RE.search(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _link_date(a: Any) -> date | None:
    """The date shown next to a link: in the link's text, else in its row (``li``/``tr``/parent)."""
    d = _date(a.text_content())
    if d:
        return d
    node = a.getparent()
    for _ in range(3):
        if node is None:
            break
        # only trust the container when it holds this one article link
        links = [x for x in node.iter("a") if _ARTICLE_RE.search(urlsplit(x.get("href") or "").path)]
        if len(links) > 1:
            break
        d = _date(node.text_content())
        if d:
            return d
        if node.tag in ("li", "tr", "dd", "dt"):
            break
        node = node.getparent()
    return None


def parse_column_page(html: bytes, page_url: str) -> list[PortalLink]:
    """Article links (``…/content/(m)post_{id}.html``) of a column page, with title and date."""
    doc = _doc(decode_html(html))
    out: dict[str, PortalLink] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href:
            continue
        url = _strip_fragment(urljoin(page_url, href))
        if not _ARTICLE_RE.search(urlsplit(url).path):
            continue
        title = (a.get("title") or "").strip()
        if not title:  # link text, without a date printed inside the link
            title = _DATE_RE.sub("", re.sub(r"\s+", " ", a.text_content())).strip()
        link = PortalLink(url=url, title=title, date=_link_date(a))
        prev = out.get(url)
        if prev is None or (not prev.title and link.title) or (prev.date is None and link.date):
            out[url] = PortalLink(
                url=url,
                title=(prev.title if prev and prev.title else link.title),
                date=(prev.date if prev and prev.date else link.date),
            )
    return list(out.values())


def _meta(doc: Any, name: str) -> str | None:
    for v in doc.xpath(f"//meta[@name='{name}']/@content"):
        s = str(v).strip()
        if s:
            return s
    return None


def _source(doc: Any) -> str | None:
    """The 来源 value, read inside one text node (so it never runs into the next element's text)."""
    for node in doc.xpath("//text()"):
        m = _SOURCE_RE.search(str(node))
        if m:
            return m.group(1).strip()
    return None


_BODY_XPATHS = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//div[@id='zoomcon']",
    "//div[@id='zoom']",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' content-box ')]",
    "//div[@id='docContent']",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
    "//article",
)


def parse_article(html: bytes, url: str) -> PortalArticle:
    """An NFCMS article page → ``PortalArticle`` (title, 发布时间, 来源, body, attachment URLs)."""
    text = decode_html(html)
    doc = _doc(text)
    title = _meta(doc, "ArticleTitle")
    if not title:
        for xp in ("//h1", "//*[contains(@class,'title')]", "//title"):
            els = doc.xpath(xp)
            if els:
                t = re.sub(r"\s+", " ", els[0].text_content()).strip()
                if t:
                    title = t
                    break
    page_text = doc.text_content()
    published: datetime | None = None
    pm = _PUBTIME_RE.search(page_text)
    if pm:
        y, mo, d, hh, mm, ss = pm.groups()
        try:
            published = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            published = None
    if published is None:
        pub = _meta(doc, "PubDate")
        if pub:
            dd = _date(pub)
            tm = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", pub)
            if dd:
                published = datetime(dd.year, dd.month, dd.day)
                if tm:
                    published = published.replace(
                        hour=int(tm.group(1)), minute=int(tm.group(2)), second=int(tm.group(3) or 0)
                    )
    source = _source(doc) or _meta(doc, "ContentSource")
    body_el = None
    for xp in _BODY_XPATHS:
        els = doc.xpath(xp)
        if els:
            body_el = els[0]
            break
    body_html = lxml.html.tostring(body_el, encoding="unicode") if body_el is not None else ""
    links: dict[str, None] = {}
    for a in (body_el if body_el is not None else doc).iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        absolute = _strip_fragment(urljoin(url, href))
        path = urlsplit(absolute).path.lower()
        last = path.rsplit("/", 1)[-1]
        ext = last.rsplit(".", 1)[-1] if "." in last else ""
        if "/attachment/" in path or "nfw-cms-attachment" in (a.get("class") or "") or ext in _DOC_EXTS:
            links.setdefault(absolute, None)
    im = _ARTICLE_RE.search(urlsplit(url).path)
    return PortalArticle(
        url=url,
        item_id=int(im.group(1)) if im else None,
        title=title,
        published_at=published,
        source=source,
        body_html=body_html,
        attachment_urls=tuple(links),
    )
