"""The run configuration (contract.md §3): YAML in, a validated ``Config`` out.

Unknown keys are an error naming the key. Defaults are the built-in Baiyun District
config. A config either names its sites at the top level (one *implicit* district) or
lists ``districts:``, each with its own sites, portal, report columns, http overrides and
category map (``DistrictConfig``); ``Config.districts`` is never empty. ``DISCLOSURE_CONFIG``, ``DISCLOSURE_WAREHOUSE`` and ``DISCLOSURE_DATA_DIR``
override the file location and the two paths.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from disclosure_etl import __version__
from disclosure_etl.site.gkmlpt import index_url_for

DEFAULT_CONFIG_FILE = "disclosure.yaml"
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/126.0 Safari/537.36 disclosure-etl/{__version__}"
)
BUILTIN_CATEGORY_MAP = Path(__file__).with_name("category_map.yaml")


class ConfigError(Exception):
    """Bad usage or configuration (exit code 2)."""


@dataclass(frozen=True)
class SiteSpec:
    """An explicit gkmlpt sub-site (``…/{prefix}/gkmlpt/index``)."""

    url: str
    name: str | None = None


@dataclass(frozen=True)
class HttpConfig:
    min_interval_s: float = 1.0
    timeout_s: float = 30.0
    retries: int = 4
    user_agent: str = DEFAULT_USER_AGENT
    max_response_mb: float = 50.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 120.0
    http_fallback: bool = True  # retry an https URL over http when the TLS handshake fails
    respect_robots: bool = True
    concurrency: int = 4  # requests in flight per crawl unit; starts still obey min_interval_s


@dataclass(frozen=True)
class ReconcileConfig:
    tolerance_abs: int = 0  # |posted - reported| at or below this is a match
    tolerance_pct: float = 0.0  # ... or at or below this share of reported


@dataclass(frozen=True)
class ChecksConfig:
    parse_health_floor: float = 0.9  # report.parse_health: least share of reports `parsed`
    copy_similarity: float = 0.9  # report.copied_from_other_agency: least masked-text similarity


@dataclass(frozen=True)
class PublishConfig:
    keep_snapshots: int = 5
    path: str | None = None  # default: <data_dir>/published/warehouse.duckdb


@dataclass(frozen=True)
class NotifyConfig:
    """Where the new error findings of a run are sent (SMTP and/or a webhook); every key can
    be overridden by ``DISCLOSURE_NOTIFY_<KEY>`` (the SMTP password only comes from
    ``DISCLOSURE_NOTIFY_SMTP_PASSWORD``, never from the file)."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_to: str | None = None  # comma-separated addresses
    smtp_starttls: bool = False
    smtp_user: str | None = None
    webhook_url: str | None = None  # receives a JSON POST
    timeout_s: float = 10.0


@dataclass(frozen=True)
class DistrictConfig:
    """One district of a run: what to harvest and how (contract §3 ``districts:``).

    ``implicit`` marks the one district of a config without ``districts:``; its crawl units
    keep their old names (``_discover``, ``_portal``) and its agency ids their old form."""

    id: str
    name: str | None
    sites: tuple[SiteSpec, ...]
    discover: tuple[str, ...]
    report_columns: tuple[str, ...]
    http: HttpConfig
    category_map: Path  # resolved: the district's, else the top-level one, else built-in
    implicit: bool = False

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Hosts (``host[:port]``) this district's units may fetch."""
        return _hosts([s.url for s in self.sites] + list(self.discover) + list(self.report_columns))

    @property
    def discover_unit(self) -> str:
        """The crawl unit that discovers this district's sub-sites."""
        return "_discover" if self.implicit else f"_discover.{self.id}"

    @property
    def portal_unit(self) -> str:
        """The crawl unit that harvests this district's portal report columns."""
        return "_portal" if self.implicit else f"_portal.{self.id}"


DISTRICT_ID_RE = re.compile(r"^[a-z0-9_-]+$")
_DISTRICT_KEYS = ("id", "name", "sites", "discover", "report_columns", "http", "category_map")


@dataclass(frozen=True)
class Config:
    sites: tuple[SiteSpec, ...] = ()
    discover: tuple[str, ...] = ()
    report_columns: tuple[str, ...] = ()
    http: HttpConfig = field(default_factory=HttpConfig)
    full_relist_every_days: int = 7
    #: processes that read a large run's sub-site units during `parse` (1: in process)
    parse_workers: int = 2
    category_map: str | None = None
    reconcile: ReconcileConfig = field(default_factory=ReconcileConfig)
    checks: ChecksConfig = field(default_factory=ChecksConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    warehouse: str = "data/warehouse.duckdb"
    data_dir: str = "data"
    named_districts: tuple[DistrictConfig, ...] = ()  # the ``districts:`` list, if any
    source: str = "<built-in>"  # where this config came from (for messages)

    @property
    def districts(self) -> tuple[DistrictConfig, ...]:
        """The districts of a run: the ``districts:`` list, else the one implicit district
        made of the top-level ``sites``/``discover``/``report_columns``/``http``."""
        if self.named_districts:
            return self.named_districts
        return (DistrictConfig(
            id=implicit_district_id(self), name=None, sites=self.sites, discover=self.discover,
            report_columns=self.report_columns, http=self.http,
            category_map=self.category_map_path(), implicit=True,
        ),)

    def district(self, district_id: str) -> DistrictConfig:
        """The district with this id (ConfigError when the config has none)."""
        for d in self.districts:
            if d.id == district_id:
                return d
        known = ", ".join(d.id for d in self.districts)
        raise ConfigError(f"no district '{district_id}' in the config (known: {known})")

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Hosts (``host[:port]``) we may fetch: those named by any district's sites,
        discover pages or report columns."""
        return frozenset().union(*(d.allowed_hosts for d in self.districts))

    @property
    def published_path(self) -> Path:
        return Path(self.publish.path or Path(self.data_dir) / "published" / "warehouse.duckdb")

    def category_map_path(self) -> Path:
        """The category map file: the configured one (relative to the config file), else built-in."""
        return _map_path(self.category_map, self.source)


def _map_path(name: str | None, source: str) -> Path:
    """A category map file named in the config, relative to the config file; else built-in."""
    if not name:
        return BUILTIN_CATEGORY_MAP
    p = Path(name)
    if not p.is_absolute() and source not in ("<built-in>", "<dict>"):
        p = Path(source).parent / p
    return p


def _hosts(urls: list[str]) -> frozenset[str]:
    return frozenset(urlsplit(u).netloc.lower() for u in urls if urlsplit(u).netloc)


def implicit_district_id(cfg: Config) -> str:
    """The id of an old single-district config: its portal host without ``www.`` and port
    (``https://www.by.gov.cn/`` → ``by.gov.cn``); the first site's host when nothing is
    discovered; ``default`` for a config naming no URL at all."""
    for url in [*cfg.discover, *(s.url for s in cfg.sites), *cfg.report_columns]:
        host = (urlsplit(url).hostname or "").lower()
        if host:
            return host.removeprefix("www.")
    return "default"


BUILTIN: dict[str, Any] = {
    "sites": [{"url": "https://www.by.gov.cn/gkmlpt/index"}],
    "discover": ["https://www.by.gov.cn/"],
    "report_columns": [
        "https://www.by.gov.cn/zwgk/qzfxxgknb/zj/",
        "https://www.by.gov.cn/zwgk/qzfxxgknb/bm/",
    ],
    "full_relist_every_days": 7,
}


def _build(cls: type, data: Any, where: str) -> Any:
    """Build dataclass ``cls`` from a mapping, refusing unknown keys."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls) if f.name not in ("source", "named_districts")}
    known_keys = [*known, "districts"] if cls is Config else list(known)
    for key in data:
        if key not in known_keys:
            raise ConfigError(f"unknown config key '{where}{key}'")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        sub = {
            "http": HttpConfig,
            "reconcile": ReconcileConfig,
            "checks": ChecksConfig,
            "publish": PublishConfig,
            "notify": NotifyConfig,
        }.get(key)
        if sub is not None:
            kwargs[key] = _build(sub, value, f"{where}{key}.")
        elif key in ("sites", "discover", "report_columns"):
            kwargs[key] = _urls(key, value, where)
        elif key == "districts":
            continue  # built by _districts once the top level (http, category_map) is known
        else:
            kwargs[key] = _coerce(known[key].type, value, f"{where}{key}")
    return cls(**kwargs)


def _urls(key: str, value: Any, where: str) -> tuple[Any, ...]:
    """``sites`` (``SiteSpec``s) or ``discover``/``report_columns`` (URL strings)."""
    if key == "sites":
        if not isinstance(value, list | None):
            raise ConfigError(f"config key '{where}sites' must be a list of sites")
        return tuple(_site(v, f"{where}sites[{i}]") for i, v in enumerate(value or []))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"config key '{where}{key}' must be a list of URLs")
    return tuple(value)


def _districts(cfg: Config, data: Any, source: str) -> tuple[DistrictConfig, ...]:
    """The ``districts:`` list: each entry validated, http merged onto the top level's."""
    if not isinstance(data, list) or not data:
        raise ConfigError("config key 'districts' must be a non-empty list of districts")
    if cfg.sites or cfg.discover or cfg.report_columns:
        raise ConfigError(
            "config: top-level 'sites'/'discover'/'report_columns' and 'districts' cannot be"
            " combined: move them into a district"
        )
    out: list[DistrictConfig] = []
    for i, entry in enumerate(data):
        where = f"districts[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"config key '{where}' must be a mapping")
        for key in entry:
            if key not in _DISTRICT_KEYS:
                raise ConfigError(f"unknown config key '{where}.{key}'")
        did = entry.get("id")
        if not isinstance(did, str) or not DISTRICT_ID_RE.match(did):
            raise ConfigError(f"config key '{where}.id' is required: a slug of [a-z0-9_-]")
        if any(d.id == did for d in out):
            raise ConfigError(f"config key '{where}.id': district '{did}' is listed twice")
        sites, discover, report_columns = (
            _urls(k, entry.get(k) or [], f"{where}.") for k in ("sites", "discover", "report_columns")
        )
        if not sites and not discover:
            raise ConfigError(f"config key '{where}': a district needs 'sites' or 'discover'")
        http = entry.get("http") or {}
        if not isinstance(http, dict):
            raise ConfigError(f"config key '{where}.http' must be a mapping")
        merged = _build(HttpConfig, {**_fields_of(cfg.http), **http}, f"{where}.http.")
        cmap = entry.get("category_map")
        out.append(DistrictConfig(
            id=did, name=None if entry.get("name") is None else str(entry["name"]),
            sites=sites, discover=discover, report_columns=report_columns, http=merged,
            category_map=_map_path(str(cmap), source) if cmap else cfg.category_map_path(),
        ))
    return tuple(out)


def _fields_of(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _site(value: Any, where: str) -> SiteSpec:
    if isinstance(value, str):
        return SiteSpec(url=value)
    if isinstance(value, dict):
        for key in value:
            if key not in ("url", "name"):
                raise ConfigError(f"unknown config key '{where}.{key}'")
        if not isinstance(value.get("url"), str):
            raise ConfigError(f"config key '{where}.url' is required")
        return SiteSpec(url=value["url"], name=value.get("name"))
    raise ConfigError(f"config key '{where}' must be a URL or a mapping with 'url'")


def _coerce(type_name: Any, value: Any, where: str) -> Any:
    t = str(type_name)
    try:
        if t.startswith("float"):
            return float(value)
        if t.startswith("int"):
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if t.startswith("bool"):
            if not isinstance(value, bool):
                raise ValueError
            return value
        if value is None:
            return None
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config key '{where}' has an invalid value: {value!r}") from None


def from_dict(data: dict[str, Any], source: str = "<dict>") -> Config:
    """Validate a config mapping (as parsed from YAML)."""
    cfg: Config = _build(Config, data, "")
    cfg = replace(cfg, source=source)
    if "districts" in data:
        cfg = replace(cfg, named_districts=_districts(cfg, data["districts"], source))
    for d in cfg.districts:
        where = "" if d.implicit else f"districts[{cfg.districts.index(d)}]."
        for url in [s.url for s in d.sites] + list(d.discover) + list(d.report_columns):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(f"not an http(s) URL in config: {url!r}")
        _check_http(d.http, f"{where}http")
    if cfg.parse_workers < 1:
        raise ConfigError("config key 'parse_workers' must be >= 1")
    for key in ("parse_health_floor", "copy_similarity"):
        if not 0.0 <= getattr(cfg.checks, key) <= 1.0:
            raise ConfigError(f"config key 'checks.{key}' must be between 0 and 1")
    return cfg


def _check_http(http: HttpConfig, where: str) -> None:
    if http.concurrency < 1:
        raise ConfigError(f"config '{where}': concurrency must be >= 1")
    if http.min_interval_s < 0 or http.retries < 0 or http.timeout_s <= 0:
        raise ConfigError(f"config '{where}': min_interval_s, retries must be >= 0 and timeout_s > 0")


def load(
    path: str | os.PathLike[str] | None = None,
    *,
    sites: list[str] | None = None,
    warehouse: str | None = None,
    data_dir: str | None = None,
) -> Config:
    """Load the config: explicit ``path``, else ``$DISCLOSURE_CONFIG``, else ``disclosure.yaml``
    in the working directory, else the built-in Baiyun config.

    ``sites`` (``--site``) replaces the site list (and any ``districts:``, making it the
    one implicit district): a URL ending in ``/gkmlpt/index`` is a
    sub-site, anything else a portal page to discover sub-sites from. ``warehouse`` and
    ``data_dir`` (or their environment variables) override the file's values.
    """
    explicit = path or os.environ.get("DISCLOSURE_CONFIG")
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"config file not found: {p}")
        cfg = from_dict(_read_yaml(p), source=str(p))
    elif Path(DEFAULT_CONFIG_FILE).is_file():
        cfg = from_dict(_read_yaml(Path(DEFAULT_CONFIG_FILE)), source=DEFAULT_CONFIG_FILE)
    else:
        cfg = from_dict(BUILTIN, source="<built-in>")

    if sites:
        gk = tuple(SiteSpec(url=index_url_for(u) or u) for u in sites if _is_gkmlpt_index(u))
        portals = tuple(u for u in sites if not _is_gkmlpt_index(u))
        cfg = replace(cfg, sites=gk, discover=portals, named_districts=())  # the implicit district
        if portals and not _hosts_overlap(cfg.report_columns, portals + tuple(s.url for s in gk)):
            # report columns of another host than the sites would be refused anyway
            cfg = replace(cfg, report_columns=default_report_columns(portals[0]))
        cfg = from_dict(_as_dict(cfg), source=cfg.source)
    wh = warehouse or os.environ.get("DISCLOSURE_WAREHOUSE")
    dd = data_dir or os.environ.get("DISCLOSURE_DATA_DIR")
    if dd:
        cfg = replace(cfg, data_dir=dd)
        if not wh and cfg.warehouse == Config.warehouse:
            wh = str(Path(dd) / "warehouse.duckdb")
    if wh:
        cfg = replace(cfg, warehouse=wh)
    return cfg


def default_report_columns(portal_root: str) -> tuple[str, ...]:
    """The Baiyun portal's annual-report columns, relative to a portal root URL."""
    root = portal_root if portal_root.endswith("/") else portal_root + "/"
    return (root + "zwgk/qzfxxgknb/zj/", root + "zwgk/qzfxxgknb/bm/")


def _is_gkmlpt_index(url: str) -> bool:
    """Any entry view of a sub-site's catalog (``index``, ``policy``, ``annualreport#…``, …)."""
    return index_url_for(url) is not None


def _hosts_overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return bool({urlsplit(u).netloc for u in a} & {urlsplit(u).netloc for u in b})


def _as_dict(cfg: Config) -> dict[str, Any]:
    from dataclasses import asdict

    d = asdict(cfg)
    d.pop("source")
    d.pop("named_districts")
    d["sites"] = [{k: v for k, v in s.items() if v is not None} for s in d["sites"]]
    d["discover"] = list(d["discover"])
    d["report_columns"] = list(d["report_columns"])
    return d


def _read_yaml(p: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{p}: not valid YAML ({str(e).splitlines()[0]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the config must be a YAML mapping")
    return data


def load_category_map(cfg: Config | DistrictConfig) -> dict[str, list[str]]:
    """Report category label -> catalog category names (contract.md §7): the top-level map
    of a ``Config``, or a district's own."""
    p = cfg.category_map if isinstance(cfg, DistrictConfig) else cfg.category_map_path()
    if not p.is_file():
        raise ConfigError(f"category map not found: {p}")
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the category map must be a mapping of label -> [names]")
    out: dict[str, list[str]] = {}
    for label, names in data.items():
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list):
            raise ConfigError(f"{p}: '{label}' must map to a list of catalog category names")
        out[str(label)] = [str(n) for n in names]
    return out
