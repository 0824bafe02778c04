"""Pages and JSON of the replica (site_protocol.md §3, §4, §6; portal §8.3).

Pure functions: (world, scenario, quirks, base URL, …) -> text. No I/O.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import escape
from typing import Any

from .world import COLUMN_PAGE_SIZE, TZ, Agency, Item, PortalArticle, Report, World, filler_body

PAGE_SIZE = 100
#: portal report columns: key -> path (``dept`` only with quirk ``department_column``)
COLUMN_PATHS = {"zj": "/zwgk/qzfxxgknb/zj/", "bm": "/zwgk/qzfxxgknb/bm/", "dept": "/gzjg/qwbgs/zfxxgkgzndbg/"}
DEPARTMENT_PREFIX = "/gzbyjy"  # whose reports move to the ``dept`` column
POSTER = "白云区人民政府"  # 来源 of every portal article with quirk ``poster_source``
#: quirk ``department_column`` also lists the report of a department with no catalog of its
#: own: 区教育局's newest HTML report with the agency renamed
UNLISTED_DEPARTMENT = "广州市白云区外事办公室"
UNLISTED_ARTICLE_ID = 10_499_999
_SHORT_TYPES = {"docx": "doc", "xlsx": "xls"}
SERVICE_AREA_ID = 200
SEARCH_JSONP_URL = "http://search.gd.gov.cn/jsonp"


def _d(ts: int) -> str:
    return datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d")


def _tree_json(ag: Agency, world: World, scenario: str, q: dict[str, Any]) -> str:
    leaf_ids = {leaf.id for leaf in ag.leaves()}

    def node(n: Any) -> dict[str, Any] | None:
        if n.jump_url and not q["jump_nodes"]:
            return None
        out: dict[str, Any] = {"id": n.id, "name": n.name}
        if n.jump_url:
            out["jump_url"] = n.jump_url
        kids = [k for k in (node(c) for c in n.children) if k is not None]
        if kids:
            out["children"] = kids
        if n.id in leaf_ids:
            out["post_count"] = len(world.listing(ag.prefix, n.id, scenario).rows)
        return out

    return json.dumps([x for x in (node(t) for t in ag.tree) if x is not None], ensure_ascii=False)


def _config(ag: Agency, tree: str, q: dict[str, Any], detail: str | None = None) -> str:
    """``window._CONFIG = {…}``: a JS literal (quirk 1) or strict JSON."""
    if q["config_js_literal"]:
        # DETAIL, TREE and SERVICE_AREA_ID on one line: "DETAIL: {…}, TREE: […], SERVICE_AREA_ID"
        if detail is None:
            chain = f"TREE: {tree}"
        elif q["detail_escapes"]:
            chain = f"DETAIL: {detail}, TREE: {tree}"
        else:
            chain = f"TREE: {tree}, DETAIL: {detail}"
        lines = [f"SID: '{ag.sid}'", f"{chain}, SERVICE_AREA_ID: {SERVICE_AREA_ID}",
                 f"SEARCH_JSONP_URL: '{SEARCH_JSONP_URL}'"]
        return "window._CONFIG = {\n    " + ",\n    ".join(lines) + "\n};"
    body = f'"SID": "{ag.sid}"'
    if detail is not None:
        body += f', "DETAIL": {detail}'
    body += f', "TREE": {tree}, "SERVICE_AREA_ID": {SERVICE_AREA_ID}, "SEARCH_JSONP_URL": "{SEARCH_JSONP_URL}"'
    return "window._CONFIG = {" + body + "};"


def index_page(world: World, ag: Agency, scenario: str, q: dict[str, Any], view: str) -> str:
    """The gkmlpt SPA shell (index, mindex, policy, annualreport, search, guide)."""
    tree = _tree_json(ag, world, scenario, q)
    name = escape(ag.name)
    guide = (
        f"<div class=\"guide\"><h1>{name}政府信息公开指南</h1><p>本指南为离线复刻站点生成的测试内容。</p></div>"
        if view == "guide"
        else ""
    )
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<meta name=\"SiteName\" content=\"{name}\">"
        f"<title>{name} 政府信息公开目录</title></head><body>"
        f"<div id=\"app\"></div>{guide}\n<script>\n{_config(ag, tree, q)}\n</script>\n"
        f"<script src=\"{ag.prefix}/gkmlpt/gkml/pc/js/chunk-common.5f3a9c.js\"></script>"
        "</body></html>"
    )


def _scheme(q: dict[str, Any], request_scheme: str) -> str:
    return "http" if q["http_scheme_urls"] else request_scheme


def item_url(world: World, it: Item, base: str, q: dict[str, Any]) -> str:
    """The row's ``url``: its content page, or the off-site target of a url row."""
    if it.type == "url" and q["url_rows"]:
        return it.target_url.replace("{base}", base)
    path = it.content_path or _normal_path(it)
    if it.mirror_of is not None and not q["mpost_copies"]:
        path = path.replace("/mpost_", "/post_")
    return base + path


def _normal_path(it: Item) -> str:
    return f"{it.prefix}/gkmlpt/content/{it.id // 1_000_000}/{it.id // 1_000}/post_{it.id}.html"


def attachment_json(world: World, aid: int, base: str, q: dict[str, Any]) -> dict[str, Any]:
    att = world.attachments[aid]
    size = len(world.attachment_bytes(aid))
    path = att.url_path if q["attachment_quirks"] else att.path
    return {
        "id": att.id,
        "name": att.name,
        "type": _SHORT_TYPES.get(att.ext, att.ext) if q["attachment_type_short"] else att.ext,
        "mime": att.mime,
        "size": str(size) if q["attachment_quirks"] else size,
        "url": base + path,
    }


def row_json(world: World, it: Item, base: str, q: dict[str, Any], public_base: str) -> dict[str, Any]:
    """One ``articles[]`` element (site_protocol.md §4.3)."""
    url = item_url(world, it, public_base, q)
    post_url = url
    if it.report_key is not None:
        rep = world.report(it.report_key)
        if rep.portal_id is not None:
            art = next(a for a in world.portal if a.id == rep.portal_id)
            post_url = base + article_path(world, art, q)
    is_url = it.type == "url" and q["url_rows"]
    created_at = it.created_at
    date_ts = it.date_ts
    if not q["time_oddities"]:
        created_at = datetime.fromtimestamp(it.publish_ts, TZ).strftime("%Y-%m-%d %H:%M:%S")
        if date_ts == 0:
            date_ts = int(datetime.fromtimestamp(it.publish_ts, TZ).replace(hour=0, minute=0, second=0).timestamp())
    row = {
        "id": it.id,
        "title": it.title,
        "type": "url" if is_url else "normal",
        "url": url,
        "post_url": post_url,
        "classify_main": it.category_id,
        "classify_main_name": it.category_name,
        "classify_genre_name": it.genre,
        "classify_theme_name": it.theme,
        "identifier": it.identifier,
        "document_number": it.document_number,
        "publisher": it.publisher,
        "keywords": it.keywords,
        "abstract": it.abstract,
        "date": date_ts,
        "create_time": it.publish_ts,
        "display_publish_time": it.publish_ts,
        "created_at": created_at,
        "attachment": [attachment_json(world, a, base, q) for a in it.attachments],
        "relation": "[]",
        "is_expired": 0,
        "is_abolished": 0,
    }
    if q["date_only_rows"] and is_date_only(it):
        for key in ("create_time", "display_publish_time", "created_at"):
            del row[key]
        day0 = datetime.fromtimestamp(it.publish_ts, TZ).replace(hour=0, minute=0, second=0)
        row["date"] = int(day0.timestamp())
    return row


def is_date_only(it: Item) -> bool:
    """The rows quirk ``date_only_rows`` strips of their publish times (1 in 7, no reports)."""
    return it.report_key is None and it.id % 7 == 0


def list_json(
    world: World, ag: Agency, cat: int, page: int, scenario: str, q: dict[str, Any], base: str,
    public_base: str,
) -> dict[str, Any] | None:
    """The ``api/all`` answer, or None for "past the end" (the caller answers 404)."""
    lst = world.listing(ag.prefix, cat, scenario)
    total = lst.window if q["listing_window"] else len(lst.rows)
    offset = (max(page, 1) - 1) * PAGE_SIZE
    if offset >= total and not (offset == 0 and total == 0):
        return None
    if lst.pinned and not q["pinned_rows"]:  # plain date order: sort what is served
        page_rows = sorted(lst.rows[:total], key=lambda i: (-i.publish_ts, -i.id))[offset : offset + PAGE_SIZE]
    else:  # a slice: the province's lazy rows build only this page
        page_rows = list(lst.rows[offset : min(offset + PAGE_SIZE, total)])
    if cat == 0:
        classify = {"id": 0, "name": "全部", "jump_url": "", "post_count": len(lst.rows)}
    else:
        node = next(n for n in ag.nodes() if n.id == cat)
        classify = {"id": cat, "name": node.name, "jump_url": "", "post_count": len(lst.rows)}
    return {
        "classify": classify,
        "articles": [row_json(world, it, base, q, public_base) for it in page_rows],
        "total": total,
        "offset": offset,
    }


_ESC = re.compile(r'\\\\|\\"|[<>&]')
_ESC_MAP = {'\\"': "\\u0022", "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "\\\\": "\\\\"}


def js_json(obj: Any, escapes: bool) -> str:
    """JSON for DETAIL: with ``escapes``, strings carry \\u003C, \\u003E, \\u0022, \\u0026."""
    text = json.dumps(obj, ensure_ascii=False)
    if not escapes:
        return text
    return _ESC.sub(lambda m: _ESC_MAP[m.group(0)], text)


def body_html(world: World, it: Item, base: str, q: dict[str, Any]) -> str:
    """DETAIL.content: the body plus attachment links."""
    ag = world.agency(it.prefix)
    if it.report_key is not None:
        body = world.report(it.report_key).body_html
    else:
        body = filler_body(it, ag.name)
    for aid in it.attachments:
        a = attachment_json(world, aid, base, q)
        body += (
            f'<p><a class="nfw-cms-attachment" href="{a["url"]}" alt="{escape(a["name"])}">'
            f"{escape(a['name'])}</a></p>"
        )
    return body


def content_page(world: World, it: Item, scenario: str, q: dict[str, Any], base: str, public_base: str) -> str:
    """A gkmlpt content page (site_protocol.md §6)."""
    ag = world.agency(it.prefix)
    row = row_json(world, it, base, q, public_base)
    content = body_html(world, it, base, q)
    detail = {
        "id": it.id,
        "title": it.title,
        "abstract": it.abstract,
        "content": content,
        "identifier": it.identifier,
        "document_number": it.document_number,
        "publisher": it.publisher,
        "date": row["date"],
        "create_time": it.publish_ts,
        "display_publish_time": it.publish_ts,
        "created_at": row["created_at"],
        "attachment": row["attachment"],
        "classify_main_name": it.category_name,
    }
    detail_text = js_json(detail, q["detail_escapes"])
    if q["detail_escapes"]:
        # the title in \uXXXX form, as seen on live pages
        detail_text = detail_text.replace(
            json.dumps(it.title, ensure_ascii=False), json.dumps(it.title, ensure_ascii=True), 1
        )
    tree = _tree_json(ag, world, scenario, q)
    title = escape(it.title)
    written = _d(row["date"]) if row["date"] else ""
    layout = (
        "<table class=\"layout\"><tr><td><a href=\"/\">首页</a></td><td>政府信息公开</td></tr></table>"
        if not q["metadata_table_first"]
        else ""
    )
    meta = (
        "<table class=\"meta\">"
        f"<tr><td>索引号</td><td>{escape(it.identifier)}</td><td>分类</td><td>{escape(it.theme)}</td></tr>"
        f"<tr><td>发布机构</td><td>{escape(it.publisher)}</td><td>成文日期</td><td>{written}</td></tr>"
        f"<tr><td>名称</td><td colspan=\"3\">{title}</td></tr>"
        f"<tr><td>文号</td><td>{escape(it.document_number)}</td><td>发布日期</td><td>{_d(it.publish_ts)}</td></tr>"
        f"<tr><td>主题词</td><td colspan=\"3\">{escape(it.keywords)}</td></tr>"
        "</table>"
    )
    pub = datetime.fromtimestamp(it.publish_ts, TZ).strftime("%Y-%m-%d %H:%M")
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<meta name=\"ArticleTitle\" content=\"{title}\">"
        f"<meta name=\"PubDate\" content=\"{pub}\">"
        f"<meta name=\"ContentSource\" content=\"{escape(ag.short_name)}\">"
        f"<meta name=\"SiteName\" content=\"{escape(ag.name)}\">"
        f"<title>{title}</title></head><body>"
        f"{layout}<div class=\"content-box\">{meta}"
        f"<span class=\"document-number\" title=\"{title}\"></span>"
        f"<h1 class=\"content-title\">{title}</h1>"
        f"<div class=\"article-content\">{content}</div></div>\n"
        f"<script>\n{_config(ag, tree, q, detail_text)}\n</script></body></html>"
    )


# ------------------------------------------------------------------ portal


_ENTRY_VIEWS = ("policy", "annualreport#{cat}", "search?type=standardSearch", "mindex")


def _entry_path(ag: Agency, i: int, q: dict[str, Any]) -> str:
    """The link to a sub-site's catalog: its index, or (quirk ``entry_views``) another view."""
    if not q["entry_views"]:
        return ag.index_path
    view = _ENTRY_VIEWS[i % len(_ENTRY_VIEWS)].format(cat=ag.leaves()[0].id)
    return f"{ag.prefix}/gkmlpt/{view}"


def portal_articles(world: World, q: dict[str, Any]) -> list[PortalArticle]:
    """Every portal article under the quirks (the unlisted department's with ``department_column``)."""
    if not q["department_column"]:
        return world.portal
    src = unlisted_source(world)
    title = src.title.replace(src.agency_name, UNLISTED_DEPARTMENT)
    ts = int(src.published_at.timestamp())
    return [*world.portal, PortalArticle(UNLISTED_ARTICLE_ID, "bm", src.key, title, ts, "外事办")]


def unlisted_source(world: World) -> Report:
    """The report whose text the unlisted department's report reuses."""
    return max((r for r in world.reports if r.prefix == DEPARTMENT_PREFIX and r.source_format == "html"),
               key=lambda r: r.year)


def article_column(world: World, art: PortalArticle, q: dict[str, Any]) -> str:
    """The column an article is listed in under the quirks."""
    if q["department_column"] and world.report(art.report_key).prefix == DEPARTMENT_PREFIX:
        return "dept"
    return art.column


def article_path(world: World, art: PortalArticle, q: dict[str, Any]) -> str:
    return f"{COLUMN_PATHS[article_column(world, art, q)]}content/post_{art.id}.html"


def portal_home(world: World, q: dict[str, Any]) -> str:
    """The district root page: links to every sub-site catalog plus navigation noise."""
    links = "".join(
        f'<li><a href="{_entry_path(a, i, q)}" target="_blank">{escape(a.name)}信息公开目录</a></li>'
        for i, a in enumerate(world.agencies)
    )
    if q["department_column"]:
        links += (f'<li><a href="{COLUMN_PATHS["dept"]}">区教育局政府信息公开工作年度报告</a></li>'
                  '<li><a href="/zwgk/nbcx/">年报查询</a></li>')
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<meta name=\"SiteName\" content=\"{escape(world.portal_name)}\">"
        f"<title>{escape(world.portal_name)}（离线复刻）</title></head><body>"
        "<div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/zwgk/\">政务公开</a> "
        "<a href=\"/zwgk/qzfxxgknb/zj/\">镇街年报</a> <a href=\"/zwgk/qzfxxgknb/bm/\">部门年报</a> "
        "<a href=\"/hdjlpt/\">互动交流</a> <a href=\"javascript:;\">无障碍</a> <a href=\"#top\">顶部</a> "
        "<a href=\"/private/intranet.html\">内网</a> "
        "<a href=\"http://www.gz.gov.cn/\">广州市人民政府</a></div>"
        f"<ul class=\"gkml\">{links}</ul>"
        f"<div class=\"footer\">主办：{escape(world.portal_name.removesuffix('门户网站'))}办公室"
        "（离线复刻站点，内容为测试数据）</div>"
        "</body></html>"
    )


_COLUMN_NAMES = {"zj": "镇街", "bm": "部门", "dept": "区教育局年度报告"}


def column_page(world: World, column: str, page: int, q: dict[str, Any]) -> str | None:
    """A report-column list page (1-based; ``index.html`` is page 1), None past the end."""
    listed_in = "bm" if column == "dept" else column  # the dept column takes bm articles
    arts = sorted((a for a in portal_articles(world, q) if a.column == listed_in), key=lambda a: (-a.publish_ts, -a.id))
    arts = [a for a in arts if article_column(world, a, q) == column]
    pages = max(1, -(-len(arts) // COLUMN_PAGE_SIZE))
    if page < 1 or page > pages:
        return None
    chunk = arts[(page - 1) * COLUMN_PAGE_SIZE : page * COLUMN_PAGE_SIZE]
    lis = "".join(
        f'<li><a href="{article_path(world, a, q)}" title="{escape(a.title)}">'
        f"{escape(a.title)}</a><span>{_d(a.publish_ts)}</span></li>"
        for a in chunk
    )
    nav = []
    if page > 1:
        prev = "index.html" if page == 2 else f"index_{page - 1}.html"
        nav.append(f'<a href="{prev}">上一页</a>')
    if page < pages:
        nav.append(f'<a href="index_{page + 1}.html">下一页</a>')
    name = _COLUMN_NAMES[column]
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<title>{name}_区政府信息公开年报_{escape(world.portal_name)}</title></head><body>"
        f"<div class=\"crumb\">当前位置：<a href=\"/\">首页</a> &gt; 政务公开 &gt; 区政府信息公开年报 &gt; {name}</div>"
        f"<ul class=\"news_list\">{lis}</ul>"
        f"<div class=\"page\">{' '.join(nav)} <span>共{pages}页</span></div>"
        "</body></html>"
    )


def portal_article(world: World, art_id: int, column: str, base: str, q: dict[str, Any]) -> str | None:
    """A portal copy of an annual report."""
    arts = portal_articles(world, q)
    art = next((a for a in arts if a.id == art_id and article_column(world, a, q) == column), None)
    if art is None:
        return None
    rep = world.report(art.report_key)
    body = rep.body_html
    if art.id == UNLISTED_ARTICLE_ID:
        body = body.replace(rep.agency_name, UNLISTED_DEPARTMENT)
    if rep.attachment_id is not None:
        a = attachment_json(world, rep.attachment_id, base, q)
        body += f'<p><a class="nfw-cms-attachment" href="{a["url"]}">{escape(a["name"])}</a></p>'
    title = escape(art.title)
    name = _COLUMN_NAMES[column]
    source = POSTER if q["poster_source"] else art.source
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<meta name=\"ArticleTitle\" content=\"{title}\">"
        f"<meta name=\"PubDate\" content=\"{datetime.fromtimestamp(art.publish_ts, TZ).strftime('%Y-%m-%d %H:%M')}\">"
        f"<meta name=\"ContentSource\" content=\"{escape(source)}\">"
        f"<title>{title}</title></head><body>"
        f"<div class=\"crumb\">当前位置：<a href=\"/\">首页</a> &gt; 政务公开 &gt; 区政府信息公开年报 &gt; {name}</div>"
        f"<h1 class=\"content-title\">{title}</h1>"
        f"<div class=\"content-desc\">发布时间：{_d(art.publish_ts)} 来源：{escape(source)}</div>"
        f"<div class=\"content\" id=\"zoomcon\">{body}</div>"
        "</body></html>"
    )


def challenge_page() -> str:
    """A Jiasule-style JS challenge page (no real content)."""
    return (
        "<html><head><meta charset=\"utf-8\"></head><body><script>"
        "document.cookie=('_')+('_j')+('sl')+('_clearance_s')+('=')+(+new Date())+'|0|replica';"
        "location.href=location.pathname+location.search</script></body></html>"
    )


def not_found_page() -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>"
        "<body><h1>404 Not Found</h1><p>您访问的页面不存在。</p></body></html>"
    )
