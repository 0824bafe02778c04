"""Offline replica of a Guangzhou Baiyun District disclosure site (site_protocol.md §11).

ALL SUB-SITE PREFIXES EXCEPT ``/gzbyjy`` ARE INVENTED (``/gzbyhlj`` 鹤龙街, ``/gzbyjtj`` 景泰街,
``/gzbysqj`` 松洲街), as are all ids, items and reports except the 鹤龙 2017 seed report;
see :data:`World.notes`.

    from disclosure_etl.replica import ReplicaServer, build_world, World, SCENARIOS
    with ReplicaServer(scenario="default") as srv:
        srv.base_url          # "http://127.0.0.1:PORT"
        srv.request_log       # list[RequestRecord]
        srv.set_scenario("day2"); srv.set_quirks(sid_optional=False)

Scenarios (:data:`SCENARIOS`): ``default`` (today 2026-11-26 Asia/Shanghai), ``day2``
(2026-11-27: 4 new items, 3 edited titles, 2 withdrawn; see ``World.changes("day2")``) and
``faults`` (default items; 502s at fail_rate 0.2, a 429 every 9th request, slow responses
up to 0.3 s, one truncated body). Quirk and fault flags: :data:`DEFAULT_QUIRKS` (site_protocol
§11.2 items 1–14 on by default). ``set_scenario`` keeps explicit ``set_quirks`` overrides;
both restart the fault counters (502 decisions hash (path, query, attempt); attempt >= 3
always succeeds).

The world (:func:`build_world`, :class:`World`): ``agencies``, ``items(scenario)``,
``listing(prefix, cat, scenario)``, ``expected_posted(prefix, year, scenario)``,
``expected_posted_by_category``, ``reports`` (claims, planted figures, every path a report is
served at), ``portal_column(col)``, ``attachments``, ``changes("day2")``, ``notes``,
``planted_findings`` ((check_id, prefix, report_year) of every non-pass finding an honest run
produces on ``default``). Every agency publishes one annual report per year from its first
item's year through 2025 (filler reports claim exactly what was posted); the few planted
defects are listed in ``notes``.

Province (:mod:`.province`, issue #13): ``ProvinceServer(districts=3, sites=(3, 5))`` or
``ProvinceServer(params=ProvinceParams.full())`` (21 districts × 20–40 sub-sites = 630,
~1.5 million items) serves every district on its own 127.0.0.1 port from one process
(threads), each a lazy :class:`DistrictWorld` (same interface as :class:`World`; items,
counts and reports derived from a hash of (seed, district, site, category, index), nothing
proportional to the item count held). ``.districts`` (id, name, base_url, world),
``.config_dict(min_interval_s)`` (a ``districts:`` config), ``.expected_posted(district,
agency, year)``, ``.planted_findings`` (district_id, check_id, prefix, year), and
``.request_counts()`` (per host; the request logs are bounded by ``log_limit``). CLI:
``disclosure-etl replica serve --scenario province [--districts N] [--size full|small]
[--write-config FILE]`` prints ``id base_url name`` per district (the config is written
first). A benchmark should run it in a process of its own (one GIL for all hosts).

Recorded scenarios (:mod:`.recorded`): ``RecordedServer(DIR)`` replays the responses
``disclosure-etl probe URL --out DIR`` saved (``replica serve --scenario DIR``).

Admin endpoints (not logged): ``GET /__replica__/log``, ``GET /__replica__/state``,
``POST /__replica__/clear``, ``POST /__replica__/scenario/<name>``,
``POST /__replica__/quirks`` (JSON object of flags).
"""

from .province import District, DistrictWorld, Province, ProvinceParams, ProvinceServer
from .recorded import RecordedServer
from .scenarios import DEFAULT_QUIRKS, SCENARIOS, Scenario
from .server import ReplicaServer, RequestRecord, serve, serve_forever, serve_until_stopped
from .world import (
    Agency,
    AttachmentFile,
    Changes,
    Item,
    Listing,
    PortalArticle,
    Report,
    World,
    build_world,
)

__all__ = [
    "DEFAULT_QUIRKS",
    "SCENARIOS",
    "Agency",
    "AttachmentFile",
    "Changes",
    "District",
    "DistrictWorld",
    "Item",
    "Listing",
    "PortalArticle",
    "Province",
    "ProvinceParams",
    "ProvinceServer",
    "RecordedServer",
    "ReplicaServer",
    "Report",
    "RequestRecord",
    "Scenario",
    "World",
    "build_world",
    "serve",
    "serve_forever",
    "serve_until_stopped",
]
