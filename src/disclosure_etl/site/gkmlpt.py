"""Pure parsers and URL arithmetic of the Guangdong ``gkmlpt`` catalog (site_protocol.md §2–§6).

* :func:`parse_index` reads ``window._CONFIG`` of ``…/gkmlpt/index`` (a JavaScript literal,
  not JSON): ``SID`` by regex, ``TREE`` by bracket matching then ``json``; leaves per §3.1.
* :func:`parse_list_page` reads one page of ``…/gkmlpt/api/all/{cat}``.
* :func:`parse_content_page` reads a content page: metadata table by labels and
  ``_CONFIG.DETAIL.content`` with its ``\\u003C``-style escapes undone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urlsplit

import lxml.html

from disclosure_etl.models import Attachment, Category, ContentPage, ListPage, ListRow, SiteIndex
from disclosure_etl.site import SiteFormatError, decode_html

__all__ = [
    "METADATA_LABELS",
    "PAGE_SIZE",
    "SiteFormatError",
    "attachment_id_from_url",
    "content_url",
    "extract_js_value",
    "index_url_for",
    "list_url",
    "parse_content_page",
    "parse_index",
    "parse_list_page",
    "row_hash",
]

PAGE_SIZE = 100
METADATA_LABELS = ("索引号", "分类", "发布机构", "成文日期", "名称", "文号", "发布日期", "主题词")

try:
    from zoneinfo import ZoneInfo

    SHANGHAI: tzinfo = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tz database: China has had no DST since 1991
    SHANGHAI = timezone(timedelta(hours=8))

_CONFIG_RE = re.compile(r"\b_CONFIG\s*=\s*\{")
_SID_RE = re.compile(r"""\bSID\s*:\s*(?:'(\d+)'|"(\d+)"|(\d+))""")
_SERVICE_AREA_RE = re.compile(r"""\bSERVICE_AREA_ID\s*:\s*['"]?(\w+)""")
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_META_RE = re.compile(
    r"""<meta\s+[^>]*name\s*=\s*["']({names})["'][^>]*content\s*=\s*["']([^"']*)["']""", re.I
)
_POST_ID_RE = re.compile(r"/m?post_(\d+)\.html")
_ATTACHMENT_ID_RE = re.compile(r"/attachment/\d+/\d+/(\d+)/[^/]+$")
_DOC_EXTS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "zip", "rar", "txt", "ofd")

# ---------------------------------------------------------------- URL arithmetic


def _norm_prefix(prefix: str) -> str:
    p = prefix.strip("/")
    return f"/{p}" if p else ""


def content_url(base: str, prefix: str, item_id: int, mpost: bool = False) -> str:
    """``{base}{prefix}/gkmlpt/content/{id//1e6}/{id//1e3}/(m)post_{id}.html``."""
    kind = "mpost" if mpost else "post"
    return (
        f"{base.rstrip('/')}{_norm_prefix(prefix)}/gkmlpt/content/"
        f"{item_id // 1_000_000}/{item_id // 1_000}/{kind}_{item_id}.html"
    )


def list_url(base: str, prefix: str, category_id: int, page: int, sid: str) -> str:
    """``{base}{prefix}/gkmlpt/api/all/{cat}?page={n}&sid={SID}``."""
    return (
        f"{base.rstrip('/')}{_norm_prefix(prefix)}/gkmlpt/api/all/{category_id}"
        f"?page={page}&sid={sid}"
    )


_ENTRY_VIEW_RE = re.compile(
    r"^(?P<prefix>(?:/[\w.~-]+)*?)/gkmlpt/(?:index|mindex|policy|annualreport|search|guide)"
    r"(?:[/.].*)?$"
)


def index_url_for(url: str) -> str | None:
    """The sub-site index ``{base}{prefix}/gkmlpt/index`` of any entry view of its catalog:
    ``index``, ``mindex``, ``policy``, ``annualreport#cat``, ``search?type=…`` or ``guide``
    (query and fragment dropped; host lower-cased). None when ``url`` is not such a view."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    m = _ENTRY_VIEW_RE.match(parts.path)
    if not m:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}{m['prefix']}/gkmlpt/index"


def attachment_id_from_url(url: str) -> int | None:
    """The attachment id of ``…/attachment/{a}/{b}/{aid}/{post_id}.{ext}`` (None if not that shape)."""
    m = _ATTACHMENT_ID_RE.search(urlsplit(url).path)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------- JS literal helpers


#: what _match_bracket looks at: a bracket, or a whole quoted string (backslash escapes;
#: unterminated: to the end of the text)
_JS_TOKEN = re.compile(
    r"""[\[\]{}]|"[^"\\]*(?:\\.[^"\\]*)*"?|'[^'\\]*(?:\\.[^'\\]*)*'?""", re.DOTALL
)


def _match_bracket(text: str, start: int) -> int:
    """Index just past the bracket that closes ``text[start]`` (``[`` or ``{``), skipping
    quoted strings (single or double quotes, backslash escapes)."""
    pairs = {"[": "]", "{": "}"}
    stack = [pairs[text[start]]]
    for m in _JS_TOKEN.finditer(text, start + 1):  # jumps over everything else
        ch = text[m.start()]
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in "]}":
            if ch != stack[-1]:
                raise SiteFormatError(f"unbalanced {ch!r} at offset {m.start()}")
            stack.pop()
            if not stack:
                return m.end()
    raise SiteFormatError("unterminated JavaScript literal")


def _config_block(text: str) -> str:
    m = _CONFIG_RE.search(text)
    if not m:
        raise SiteFormatError("no window._CONFIG on the page")
    start = m.end() - 1
    try:
        return text[start : _match_bracket(text, start)]
    except SiteFormatError:
        return text[start:]  # take the rest; keys are looked up individually


def extract_js_value(block: str, key: str) -> Any:
    """The JSON value (array or object) assigned to ``key:`` inside a JS object literal,
    or None when the key is absent. Raises ``SiteFormatError`` when it is not valid JSON."""
    m = re.search(rf"\b{re.escape(key)}\s*:\s*([\[{{])", block)
    if not m:
        return None
    start = m.start(1)
    raw = block[start : _match_bracket(block, start)]
    try:
        return json.loads(raw, strict=False)
    except ValueError as e:
        raise SiteFormatError(f"_CONFIG.{key} is not valid JSON: {e}") from None


# ---------------------------------------------------------------- index page


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v.strip())
    return None


def _walk_tree(
    nodes: list[Any], parent: Category | None, out: dict[int, Category], listable: bool = True
) -> bool:
    """Add ``nodes`` (and descendants) to ``out``; return whether any of them yields a leaf.

    Nodes under a jump node are recorded but never leaves (``listable`` False).
    """
    from dataclasses import replace

    any_leaf = False
    for node in nodes:
        if not isinstance(node, dict):
            continue
        cid = _int(node.get("id"))
        if cid is None or cid in out:
            continue
        name = str(node.get("name") or "").strip()
        jump = str(node.get("jump_url") or "").strip() or None
        path = f"{parent.path}/{name}" if parent and parent.path else name
        cat = Category(
            id=cid,
            name=name,
            parent_id=parent.id if parent else None,
            path=path,
            post_count=_int(node.get("post_count")),
            jump_url=jump,
            is_leaf=False,
        )
        out[cid] = cat
        children = node.get("children")
        children = children if isinstance(children, list) else []
        node_listable = listable and not jump
        if _walk_tree(children, cat, out, node_listable):
            any_leaf = True
        elif node_listable:
            out[cid] = replace(cat, is_leaf=True)
            any_leaf = True
    return any_leaf


def parse_index(html: bytes) -> SiteIndex:
    """A sub-site's ``/gkmlpt/index`` page → ``SiteIndex`` (SID, every TREE node, leaves).

    Leaf selection (§3.1): skip nodes with a ``jump_url``; recurse into ``children``; a node
    whose children yield no leaf is itself a leaf. Raises ``SiteFormatError`` when there is
    no ``_CONFIG``, no SID or no valid TREE.
    """
    text = decode_html(html)
    block = _config_block(text)
    m = _SID_RE.search(block)
    if not m:
        raise SiteFormatError("_CONFIG has no SID")
    sid = next(g for g in m.groups() if g)
    tree = extract_js_value(block, "TREE")
    if not isinstance(tree, list):
        raise SiteFormatError("_CONFIG has no TREE array")
    cats: dict[int, Category] = {}
    _walk_tree(tree, None, cats)
    sa = _SERVICE_AREA_RE.search(block)
    return SiteIndex(
        sid=sid,
        categories=tuple(cats.values()),
        name=_site_name(text),
        service_area_id=sa.group(1) if sa else None,
    )


_GENERIC_TITLES = ("政府信息公开目录", "政府信息公开", "信息公开目录", "gkmlpt")


def _site_name(text: str) -> str | None:
    head = text[:20000]
    meta = re.search(
        _META_RE.pattern.format(names="SiteName|AgencyName|ContentSource"), head, re.I
    )
    if meta and meta.group(2).strip():
        return _unescape_html(meta.group(2).strip())
    t = _TITLE_RE.search(head)
    if not t:
        return None
    title = _unescape_html(re.sub(r"\s+", " ", t.group(1)).strip())
    for sep in ("|", "-", "_", "—"):
        parts = [p.strip() for p in title.split(sep) if p.strip()]
        parts = [p for p in parts if p not in _GENERIC_TITLES]
        if len(parts) == 1:
            title = parts[0]
            break
    for suffix in _GENERIC_TITLES:
        if title.endswith(suffix) and len(title) > len(suffix):
            title = title[: -len(suffix)].strip(" -_|")
            break
    if not title or title in _GENERIC_TITLES:
        return None
    return title


def _unescape_html(s: str) -> str:
    import html

    return html.unescape(s)


# ---------------------------------------------------------------- list API


def row_hash(row: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a raw API row: it changes whenever the row changes."""
    canon = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _from_unix(v: Any) -> datetime | None:
    ts = _int(v)
    if not ts or ts <= 0:
        return None
    try:
        return datetime.fromtimestamp(ts, SHANGHAI).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def _from_created_at(v: Any) -> datetime | None:
    if not isinstance(v, str) or not v.strip():
        return None
    s = v.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    return None


def _text_or_none(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _attachment_ext(url: str, declared: Any) -> str:
    """The file's extension from its URL (``…/{post_id}.docx``); the row's short ``type``
    (``doc`` for a .docx file) only when the URL has none."""
    tail = urlsplit(url).path.rsplit("/", 1)[-1]
    if "." in tail:
        ext = tail.rsplit(".", 1)[-1].lower()
        if ext.isalnum() and len(ext) <= 5:
            return ext
    ext = str(declared or "").strip().lower().lstrip(".")
    return "" if "/" in ext else ext


def _attachments(raw: Any) -> tuple[Attachment, ...]:
    if isinstance(raw, str):  # the search API sends it as a JSON string
        try:
            raw = json.loads(raw) if raw.strip() else []
        except ValueError:
            raw = []
    if not isinstance(raw, list):
        return ()
    out: list[Attachment] = []
    for a in raw:
        if not isinstance(a, dict):
            continue
        url = str(a.get("url") or "").strip()
        aid = _int(a.get("id"))
        if aid is None:
            aid = attachment_id_from_url(url)
        if aid is None or not url:
            continue
        ext = _attachment_ext(url, a.get("type"))
        out.append(
            Attachment(
                attachment_id=aid,
                name=str(a.get("name") or "").strip(),
                ext=ext,
                mime=_text_or_none(a.get("mime")),
                size=_int(a.get("size")),
                url=url,
            )
        )
    return tuple(out)


def _list_row(row: dict[str, Any], category_id: int, category_name: str | None) -> ListRow:
    item_id = _int(row.get("id"))
    if item_id is None:
        raise SiteFormatError(f"list row without an id: {str(row)[:200]}")
    main = _int(row.get("classify_main"))
    if category_id == 0 and main is not None:  # the "all categories" listing
        cat_id, cat_name = main, _text_or_none(row.get("classify_main_name")) or ""
    else:
        cat_id = category_id
        cat_name = category_name or _text_or_none(row.get("classify_main_name")) or ""
    published = (
        _from_unix(row.get("display_publish_time"))
        or _from_unix(row.get("create_time"))
        or _from_created_at(row.get("created_at"))
    )
    written = _from_unix(row.get("date"))
    return ListRow(
        item_id=item_id,
        category_id=cat_id,
        category_name=cat_name,
        title=str(row.get("title") or "").strip(),
        item_type=str(row.get("type") or "normal").strip() or "normal",
        url=str(row.get("url") or "").strip(),
        post_url=_text_or_none(row.get("post_url")),
        published_at=published,
        written_date=written.date() if written else None,
        document_number=_text_or_none(row.get("document_number")),
        identifier=_text_or_none(row.get("identifier")),
        publisher=_text_or_none(row.get("publisher")),
        is_abolished=bool(_int(row.get("is_abolished")) or 0),
        attachments=_attachments(row.get("attachment")),
        row_hash=row_hash(row),
    )


def parse_list_page(body: bytes, category_id: int) -> ListPage:
    """One page of ``/gkmlpt/api/all/{category_id}`` → ``ListPage``.

    Raises ``SiteFormatError`` when the body is not JSON or not the expected shape
    (an object with an ``articles`` array); such a page is an error, never "zero rows".
    """
    text = decode_html(body).strip()
    try:
        data = json.loads(text)
    except ValueError:
        raise SiteFormatError(f"list page of category {category_id} is not JSON: {text[:80]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise SiteFormatError(f"list page of category {category_id} has no 'articles' array")
    raw_classify = data.get("classify")
    classify: dict[str, Any] = raw_classify if isinstance(raw_classify, dict) else {}
    cname = _text_or_none(classify.get("name"))
    rows = tuple(
        _list_row(r, category_id, cname) for r in data["articles"] if isinstance(r, dict)
    )
    if len(rows) != len(data["articles"]):
        raise SiteFormatError(f"list page of category {category_id}: a row is not an object")
    return ListPage(
        category_id=_int(classify.get("id")) or category_id,
        category_name=cname,
        post_count=_int(classify.get("post_count")),
        total=_int(data.get("total")),
        offset=_int(data.get("offset")),
        rows=rows,
    )


# ---------------------------------------------------------------- content page


def _norm_label(s: str) -> str:
    return re.sub(r"[\s\u3000\xa0:：]+", "", s)


def _cell_text(el: Any) -> str:
    return re.sub(r"\s+", " ", el.text_content().replace("\u3000", " ")).strip()


def _metadata_from_tables(doc: Any) -> dict[str, str]:
    for table in doc.iter("table"):
        cells = [c for c in table.iter("td", "th")]
        found: dict[str, str] = {}
        for i, cell in enumerate(cells):
            label = _norm_label(cell.text_content())
            if label in METADATA_LABELS and label not in found:
                found[label] = _cell_text(cells[i + 1]) if i + 1 < len(cells) else ""
        if len(found) >= 2:
            return found
    return {}


def _metadata_from_text(doc: Any) -> dict[str, str]:
    """Fallback for templates without a table: ``label：value`` pairs in the page text."""
    found: dict[str, str] = {}
    labels = "|".join(METADATA_LABELS)
    text = doc.text_content()
    for m in re.finditer(rf"({labels})\s*[:：]\s*([^\n\r]*)", text):
        label = m.group(1)
        if label not in found:
            value = re.split(rf"\s{{2,}}|(?:{labels})\s*[:：]", m.group(2))[0]
            found[label] = value.strip()
    return found if len(found) >= 2 else {}


def _unescape_js_string(s: str) -> str:
    """Undo JSON/JS string escapes (``\\u003C``, ``\\"``, ``\\/``, ``\\n`` …), tolerating bad ones."""
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\"}

    def sub(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc.startswith("u"):
            return chr(int(esc[1:], 16))
        return simple.get(esc, esc)

    out = re.sub(r"\\(u[0-9a-fA-F]{4}|.)", sub, s, flags=re.S)
    # re-pair UTF-16 surrogates produced by \\uD83D\\uDE00 style escapes
    return out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _detail(block: str) -> dict[str, Any]:
    try:
        value = extract_js_value(block, "DETAIL")
        if isinstance(value, dict):
            return value
    except SiteFormatError:
        pass
    # fallback: pull the string fields out one by one
    m = re.search(r"\bDETAIL\s*:\s*\{", block)
    if not m:
        return {}
    out: dict[str, Any] = {}
    for key in ("title", "content", "abstract"):
        km = re.search(rf'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"', block[m.end() :], re.S)
        if km:
            out[key] = _unescape_js_string(km.group(1))
    im = re.search(r'"id"\s*:\s*(\d+)', block[m.end() :])
    if im:
        out["id"] = int(im.group(1))
    return out


def _attachment_links(fragment_html: str) -> tuple[str, ...]:
    if not fragment_html.strip():
        return ()
    try:
        frag = lxml.html.fragment_fromstring(fragment_html, create_parent="div")
    except Exception:  # lxml raises several types on broken markup
        return ()
    return _links_in(frag)


def _links_in(el: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        path = urlsplit(href).path.lower()
        ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
        if (
            "/attachment/" in path
            or "nfw-cms-attachment" in (a.get("class") or "")
            or ext in _DOC_EXTS
        ):
            seen.setdefault(href, None)
    return tuple(seen)


def _parse_doc(text: str) -> Any:
    try:
        return lxml.html.document_fromstring(text)
    except Exception as e:  # empty document, etc.
        raise SiteFormatError(f"not an HTML page: {e}") from None


def parse_content_page(html: bytes) -> ContentPage:
    """A gkmlpt content page → ``ContentPage``: metadata by label, ``DETAIL.content`` body."""
    text = decode_html(html)
    if not text.strip():
        raise SiteFormatError("empty content page")
    doc = _parse_doc(text)
    metadata = _metadata_from_tables(doc) or _metadata_from_text(doc)
    detail: dict[str, Any] = {}
    cm = _CONFIG_RE.search(text)
    if cm:
        detail = _detail(text[cm.start() :])
    body = detail.get("content")
    body_html = body if isinstance(body, str) else ""
    item_id = _int(detail.get("id"))
    if item_id is None:
        canon = doc.xpath("//link[@rel='canonical']/@href|//meta[@name='Url']/@content")
        for u in canon:
            pm = _POST_ID_RE.search(str(u))
            if pm:
                item_id = int(pm.group(1))
                break
    title = _text_or_none(detail.get("title"))
    if not title:
        for xp in (
            "//meta[@name='ArticleTitle']/@content",
            "//span[contains(concat(' ', normalize-space(@class), ' '), ' document-number ')]/@title",
        ):
            vals = [str(v).strip() for v in doc.xpath(xp) if str(v).strip()]
            if vals:
                title = vals[0]
                break
    if not title:
        title = metadata.get("名称") or None
    if not title:
        t = doc.find(".//title")
        title = _text_or_none(t.text_content()) if t is not None else None
    links = _attachment_links(body_html) if body_html else ()
    if not links:
        article = doc.xpath(
            "//div[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]"
        )
        links = _links_in(article[0]) if article else ()
    return ContentPage(
        item_id=item_id,
        title=title,
        metadata=metadata,
        body_html=body_html,
        attachment_urls=links,
    )


def iter_post_ids(text: str) -> Iterator[int]:
    """Post ids of every ``post_{id}.html`` / ``mpost_{id}.html`` reference in ``text``."""
    for m in _POST_ID_RE.finditer(text):
        yield int(m.group(1))
