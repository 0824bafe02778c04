"""The run configuration (contract.md §3): YAML in, a validated ``Config`` out.

Unknown keys are an error naming the key. Defaults are the built-in Baiyun District
config. ``DISCLOSURE_CONFIG``, ``DISCLOSURE_WAREHOUSE`` and ``DISCLOSURE_DATA_DIR``
override the file location and the two paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
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
class Config:
    sites: tuple[SiteSpec, ...] = ()
    discover: tuple[str, ...] = ()
    report_columns: tuple[str, ...] = ()
    http: HttpConfig = field(default_factory=HttpConfig)
    full_relist_every_days: int = 7
    category_map: str | None = None
    reconcile: ReconcileConfig = field(default_factory=ReconcileConfig)
    checks: ChecksConfig = field(default_factory=ChecksConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    warehouse: str = "data/warehouse.duckdb"
    data_dir: str = "data"
    source: str = "<built-in>"  # where this config came from (for messages)

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Hosts (``host[:port]``) we may fetch: those named by sites, discover, report_columns."""
        urls = [s.url for s in self.sites] + list(self.discover) + list(self.report_columns)
        return frozenset(urlsplit(u).netloc.lower() for u in urls if urlsplit(u).netloc)

    @property
    def published_path(self) -> Path:
        return Path(self.publish.path or Path(self.data_dir) / "published" / "warehouse.duckdb")

    def category_map_path(self) -> Path:
        """The category map file: the configured one (relative to the config file), else built-in."""
        if not self.category_map:
            return BUILTIN_CATEGORY_MAP
        p = Path(self.category_map)
        if not p.is_absolute() and self.source not in ("<built-in>", "<dict>"):
            p = Path(self.source).parent / p
        return p


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
    known = {f.name: f for f in fields(cls) if f.name != "source"}
    for key in data:
        if key not in known:
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
        elif key == "sites":
            kwargs[key] = tuple(_site(v, f"{where}sites[{i}]") for i, v in enumerate(value or []))
        elif key in ("discover", "report_columns"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"config key '{where}{key}' must be a list of URLs")
            kwargs[key] = tuple(value)
        else:
            kwargs[key] = _coerce(known[key].type, value, f"{where}{key}")
    return cls(**kwargs)


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
    for url in [s.url for s in cfg.sites] + list(cfg.discover) + list(cfg.report_columns):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"not an http(s) URL in config: {url!r}")
    if cfg.http.concurrency < 1:
        raise ConfigError("config 'http': concurrency must be >= 1")
    if cfg.http.min_interval_s < 0 or cfg.http.retries < 0 or cfg.http.timeout_s <= 0:
        raise ConfigError("config 'http': min_interval_s, retries must be >= 0 and timeout_s > 0")
    for key in ("parse_health_floor", "copy_similarity"):
        if not 0.0 <= getattr(cfg.checks, key) <= 1.0:
            raise ConfigError(f"config key 'checks.{key}' must be between 0 and 1")
    return _replace(cfg, source=source)


def _replace(cfg: Config, **changes: Any) -> Config:
    from dataclasses import replace

    return replace(cfg, **changes)


def load(
    path: str | os.PathLike[str] | None = None,
    *,
    sites: list[str] | None = None,
    warehouse: str | None = None,
    data_dir: str | None = None,
) -> Config:
    """Load the config: explicit ``path``, else ``$DISCLOSURE_CONFIG``, else ``disclosure.yaml``
    in the working directory, else the built-in Baiyun config.

    ``sites`` (``--site``) replaces the site list: a URL ending in ``/gkmlpt/index`` is a
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
        cfg = _replace(cfg, sites=gk, discover=portals)
        if portals and not _hosts_overlap(cfg.report_columns, portals + tuple(s.url for s in gk)):
            # report columns of another host than the sites would be refused anyway
            cfg = _replace(cfg, report_columns=default_report_columns(portals[0]))
        cfg = from_dict(_as_dict(cfg), source=cfg.source)
    wh = warehouse or os.environ.get("DISCLOSURE_WAREHOUSE")
    dd = data_dir or os.environ.get("DISCLOSURE_DATA_DIR")
    if dd:
        cfg = _replace(cfg, data_dir=dd)
        if not wh and cfg.warehouse == Config.warehouse:
            wh = str(Path(dd) / "warehouse.duckdb")
    if wh:
        cfg = _replace(cfg, warehouse=wh)
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


def load_category_map(cfg: Config) -> dict[str, list[str]]:
    """Report category label -> catalog category names (contract.md §7)."""
    p = cfg.category_map_path()
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
