"""The ``disclosure-etl`` command line (contract.md §2).

Exit codes: 0 the run completed (findings about the government's data are not failures);
1 the pipeline failed; 2 bad usage or config, with a one-line message; 3 with
``--fail-on error`` when an error finding is open (``--fail-on new_error``: first seen in this
run), or a check could not run; acknowledged findings never count.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from disclosure_etl import __version__
from disclosure_etl.config import Config, ConfigError
from disclosure_etl.config import load as load_config

F = TypeVar("F", bound=Callable[..., Any])
EXIT_FAILED, EXIT_USAGE, EXIT_CHECKS = 1, 2, 3
log = logging.getLogger("disclosure_etl")


def _setup_logging(verbose: bool) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(show_path=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("disclosure_etl").setLevel(level)


def run_options(f: F) -> F:
    """The options every pipeline command shares (config, sites, warehouse, data dir)."""
    f = click.option(
        "--data-dir", "data_dir", metavar="DIR", help="Data directory (default data/)."
    )(f)
    f = click.option("--warehouse", metavar="PATH", help="Working DuckDB file.")(f)
    f = click.option(
        "--site",
        "sites",
        multiple=True,
        metavar="URL",
        help="A gkmlpt index URL or a portal root to discover from; repeatable.",
    )(f)
    f = click.option("--config", "config_path", metavar="FILE", help="YAML config file.")(f)
    f = click.option("-v", "--verbose", is_flag=True, help="Debug logging.")(f)
    return f


def _config(
    config_path: str | None, sites: tuple[str, ...], warehouse: str | None, data_dir: str | None
) -> Config:
    return load_config(
        config_path, sites=list(sites) or None, warehouse=warehouse, data_dir=data_dir
    )


def pipeline_command(f: F) -> F:
    """Build the config from the shared options, set up logging, pass ``cfg`` on."""

    @wraps(f)
    def wrapper(
        config_path: str | None,
        sites: tuple[str, ...],
        warehouse: str | None,
        data_dir: str | None,
        verbose: bool,
        **kwargs: Any,
    ) -> Any:
        _setup_logging(verbose)
        cfg = _config(config_path, sites, warehouse, data_dir)
        return f(cfg, **kwargs)

    return run_options(wrapper)  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="disclosure-etl")
def cli() -> None:
    """Harvest government disclosure catalogs and annual reports, reconcile them in DuckDB."""


def _print_checks(result: dict[str, Any]) -> None:
    counts = result.get("counts", {})
    click.echo("checks: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for f in result.get("errors", []):
        click.echo(
            f"  ERROR {f.get('check_id')} {f.get('agency_id') or ''} {f.get('report_year') or ''}: {f.get('message')}"
        )


FAIL_ON_HELP = (
    "Exit 3: error = an open error finding or a check that could not run; new_error = an "
    "error finding first seen in this run or a check that could not run (acknowledged "
    "findings never count)."
)


def _exit_on_findings(cfg: Config, fail_on: str, path: Path) -> None:
    from disclosure_etl import pipeline

    if fail_on == "never":
        return
    verdict = pipeline.findings_verdict(cfg, fail_on, path=path)
    if verdict.fail:
        click.echo(f"failing: {verdict.reason}", err=True)
        sys.exit(EXIT_CHECKS)


@cli.command()
@pipeline_command
@click.option(
    "--fail-on",
    type=click.Choice(["never", "new_error", "error"]),
    default="never",
    help=FAIL_ON_HELP,
)
def run(cfg: Config, fail_on: str) -> None:
    """The whole run: crawl, parse, check, publish."""
    from disclosure_etl import pipeline

    try:
        result = pipeline.run(cfg)
    except pipeline.PipelineError as e:
        _print_summary(cfg)
        raise click.ClickException(str(e)) from None
    _print_summary(cfg)
    _print_checks(result["check"])
    click.echo(f"published: {result['published']}")
    _exit_on_findings(cfg, fail_on, Path(result["published"]))


def _print_summary(cfg: Config) -> None:
    from disclosure_etl import pipeline

    try:
        for line in pipeline.summary_lines(cfg):
            click.echo(line)
    except Exception as e:  # the summary is a courtesy; never mask the real outcome
        log.debug("no summary: %s", e)


@cli.command()
@pipeline_command
def crawl(cfg: Config) -> None:
    """Harvest the sites into the raw archive (no parsing)."""
    from disclosure_etl import pipeline

    result = pipeline.crawl(cfg)
    click.echo(f"run {result['run_id']}: {result['status']}")
    if result["failed_sites"]:
        raise click.ClickException("could not harvest: " + ", ".join(result["failed_sites"]))


@cli.command()
@pipeline_command
@click.option(
    "--rebuild", is_flag=True, help="Empty the derived tables and replay every archived run."
)
def parse(cfg: Config, rebuild: bool) -> None:
    """Parse archived runs into the working warehouse (never touches the network)."""
    from disclosure_etl import pipeline

    result = pipeline.parse(cfg, rebuild=rebuild)
    for r in result["loaded"]:
        click.echo(json.dumps(r, ensure_ascii=False, default=str))
    click.echo(f"loaded {len(result['loaded'])} run(s) into {cfg.warehouse}")


@cli.command()
@pipeline_command
@click.option(
    "--fail-on",
    type=click.Choice(["never", "new_error", "error"]),
    default="never",
    help=FAIL_ON_HELP,
)
def check(cfg: Config, fail_on: str) -> None:
    """Run the SQL checks on the working warehouse."""
    from disclosure_etl import pipeline

    result = pipeline.check(cfg)
    _print_checks(result)
    _exit_on_findings(cfg, fail_on, Path(cfg.warehouse))


@cli.command()
@pipeline_command
def publish(cfg: Config) -> None:
    """Publish a read-only snapshot of the working warehouse for analysts, and its Parquet
    exports (`published/parquet/`); exits 1 when the export fails (the snapshot is published)."""
    from disclosure_etl import pipeline

    try:
        click.echo(pipeline.publish(cfg))
    except pipeline.PipelineError as e:
        raise click.ClickException(str(e)) from None


@cli.command()
@click.option(
    "--warehouse", metavar="PATH", help="Warehouse file (default: the published snapshot)."
)
@click.option("--config", "config_path", metavar="FILE")
@click.option("--district", metavar="ID", help="Only the sites and findings of this district.")
def status(warehouse: str | None, config_path: str | None, district: str | None) -> None:
    """Last runs, item counts per site, open findings."""
    from disclosure_etl import pipeline
    from disclosure_etl import warehouse as wh

    cfg = load_config(config_path)
    path = Path(warehouse) if warehouse else pipeline.readable_warehouse(cfg)
    if not path.is_file():
        raise ConfigError(f"no warehouse at {path} (run `disclosure-etl run` first)")
    click.echo(wh.status_text(path, district))


def _findings_warehouse(warehouse: str | None, config_path: str | None) -> tuple[Config, Path]:
    from disclosure_etl import pipeline

    cfg = load_config(config_path)
    path = Path(warehouse) if warehouse else pipeline.readable_warehouse(cfg)
    if not path.is_file():
        raise ConfigError(f"no warehouse at {path} (run `disclosure-etl run` first)")
    return cfg, path


def _finding_line(f: Any) -> str:
    where = " ".join(str(x) for x in (f.agency_id, f.report_year) if x is not None)
    scope = f" [{f.scope}]" if f.scope else ""
    ack = f" — acknowledged by {f.acknowledged_by}: {f.ack_note}" if f.acknowledged_by else ""
    new = " NEW" if f.is_new and f.state != "resolved" else ""
    return (
        f"{f.finding_key}  {f.state:<12} {f.severity:<5} {f.check_id} {where}{scope}{new}\n"
        f"    {f.message} (first seen {f.first_seen_run}, last seen {f.last_seen_run}){ack}"
    )


@cli.group(invoke_without_command=True)
@click.option("--new", "new", is_flag=True, help="Only findings first seen in the latest run.")
@click.option(
    "--state", type=click.Choice(["open", "resolved", "acknowledged"]), help="Only this state."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of text.")
@click.option(
    "--warehouse", metavar="PATH", help="Warehouse file (default: the published snapshot)."
)
@click.option("--config", "config_path", metavar="FILE")
@click.option("--district", metavar="ID", help="Only findings about this district.")
@click.pass_context
def findings(
    ctx: click.Context,
    new: bool,
    state: str | None,
    as_json: bool,
    warehouse: str | None,
    config_path: str | None,
    district: str | None,
) -> None:
    """List findings (open, resolved, acknowledged) with their key, first and last run."""
    ctx.obj = {"warehouse": warehouse, "config_path": config_path}
    if ctx.invoked_subcommand is not None:
        return
    from disclosure_etl.warehouse import findings as fmod
    from disclosure_etl.warehouse.db import reading

    _cfg, path = _findings_warehouse(warehouse, config_path)
    with reading(path) as con:
        rows = fmod.list_findings(con, state=state, new=new, district=district)
    for f in rows:
        click.echo(json.dumps(f.as_json(), ensure_ascii=False) if as_json else _finding_line(f))
    if not as_json:
        click.echo(f"{len(rows)} finding(s) in {path}")


@findings.command("ack")
@click.argument("key")
@click.option("--note", required=True, help="Why the finding needs no further action.")
@click.option("--by", "by", help="Who acknowledges (default: $USER).")
@click.pass_context
def findings_ack(ctx: click.Context, key: str, note: str, by: str | None) -> None:
    """Acknowledge the finding KEY (as printed by `disclosure-etl findings`)."""
    from disclosure_etl import pipeline
    from disclosure_etl.warehouse import findings as fmod
    from disclosure_etl.warehouse.db import reading

    cfg, path = _findings_warehouse(ctx.obj["warehouse"], ctx.obj["config_path"])
    who = by or os.environ.get("USER") or os.environ.get("LOGNAME")
    if not who:
        raise ConfigError("who acknowledges? set $USER or pass --by NAME")
    if not note.strip():
        raise ConfigError("--note must say why the finding needs no further action")
    ack_path = pipeline.acknowledgements_path(cfg)
    with reading(path) as con:
        try:
            ack = fmod.acknowledge(con, ack_path, key, note=note, by=who)
        except KeyError:
            raise ConfigError(
                f"no finding with key {key!r} in {path} (see `disclosure-etl findings`)"
            ) from None
    click.echo(f"acknowledged {ack.finding_key} ({ack.check_id}) by {who}; recorded in {ack_path}")
    click.echo("it shows as acknowledged after the next `disclosure-etl check` and `publish`")


@cli.command()
@click.argument("view")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), required=True)
@click.option("--where", metavar="SQL", help="A SQL condition on the view's columns.")
@click.option("--out", metavar="PATH", help="Output file (csv: default stdout).")
@click.option(
    "--warehouse", metavar="PATH", help="Warehouse file (default: the published snapshot)."
)
@click.option("--config", "config_path", metavar="FILE")
def export(
    view: str,
    fmt: str,
    where: str | None,
    out: str | None,
    warehouse: str | None,
    config_path: str | None,
) -> None:
    """Export one analyst view of the published snapshot as CSV or Parquet.

    Exits 2 for an unknown view (the valid ones are listed) or a bad --where.
    """
    from disclosure_etl import warehouse as wh

    if fmt == "parquet" and not out:
        raise ConfigError("--format parquet needs --out PATH")
    path = Path(warehouse) if warehouse else load_config(config_path).published_path
    if not path.is_file():
        raise ConfigError(f"no warehouse at {path} (run `disclosure-etl publish` first)")
    try:
        rows = wh.export_view(path, view, fmt, Path(out) if out else None, where,
                              stdout=sys.stdout.buffer)
    except (wh.UnknownView, wh.BadFilter) as e:
        raise ConfigError(str(e)) from None
    if out:
        click.echo(f"exported {rows} rows of {view} to {out}", err=True)


@cli.command()
@click.argument("file_or_url")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def report(file_or_url: str, as_json: bool) -> None:
    """Parse one annual report (HTML, PDF, DOCX, …; a file or a URL) and print its figures."""
    from disclosure_etl.reports import format_report_text, parse_report

    data, url, content_type = _read_source(file_or_url)
    result = parse_report(data, url=url, content_type=content_type)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(format_report_text(result))


def _read_source(file_or_url: str) -> tuple[bytes, str | None, str | None]:
    """Bytes of a local file, or of a URL fetched through the polite client (and archived)."""
    if file_or_url.startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        from disclosure_etl import pipeline
        from disclosure_etl.http import PoliteClient

        cfg = load_config()
        with PoliteClient(
            cfg.http,
            frozenset({urlsplit(file_or_url).netloc.lower()}),
            pipeline.archive_for(cfg),
            "adhoc-" + pipeline.new_run_id(),
            "_report",
        ) as client:
            res = client.get(file_or_url, kind="article")
        if res.body is None:
            raise click.ClickException(
                f"could not fetch {file_or_url}: {res.outcome} {res.error or res.status}"
            )
        return res.body, file_or_url, res.headers.get("content-type")
    p = Path(file_or_url)
    if not p.is_file():
        raise ConfigError(f"no such file: {file_or_url}")
    return p.read_bytes(), None, None


@cli.group()
def replica() -> None:
    """The offline replica of a gkmlpt district site (for demos and tests)."""


@replica.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int,
              help="Port (province: the first district's; the others follow; 0 = free ports).")
@click.option(
    "--scenario",
    default="default",
    show_default=True,
    help="A named scenario, `province`, or a recorded scenario directory (as written by `probe --out`).",
)
@click.option("--districts", type=int, default=None, help="province: number of districts [21].")
@click.option("--size", type=click.Choice(["full", "small"]), default="full", show_default=True,
              help="province: full (20-40 sub-sites, 5k-40k root items each) or small (3-5, a few hundred).")
@click.option("--seed", type=int, default=0, show_default=True, help="province: the generator's seed.")
@click.option("--write-config", "write_config", metavar="FILE",
              help="province: write a `districts:` config for the served districts to FILE.")
@click.option("--min-interval", "min_interval", type=float, default=1.0, show_default=True,
              help="province: http.min_interval_s of the written config.")
def replica_serve(host: str, port: int, scenario: str, districts: int | None, size: str, seed: int,
                  write_config: str | None, min_interval: float) -> None:
    """Serve the replica district site (or a province of them, or replay a recorded scenario)
    until interrupted. Prints the base URL (province: one `id base_url name` line per district)."""
    from disclosure_etl import replica as replica_mod
    from disclosure_etl.replica import recorded

    if scenario == "province":
        _serve_province(host, port, districts, size, seed, write_config, min_interval)
        return
    if recorded.is_scenario_dir(scenario):
        try:
            srv = recorded.RecordedServer(scenario, host=host, port=port)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        replica_mod.serve_until_stopped(srv)
        return
    if scenario not in replica_mod.SCENARIOS:
        raise ConfigError(
            f"unknown scenario '{scenario}' (choose from {', '.join(replica_mod.SCENARIOS)}, province,"
            " or give a recorded scenario directory)"
        )
    replica_mod.serve(host, port, scenario)


def _serve_province(host: str, port: int, districts: int | None, size: str, seed: int,
                    write_config: str | None, min_interval: float) -> None:
    """``replica serve --scenario province``: every district on its own port, one process."""
    import yaml

    from disclosure_etl import replica as replica_mod
    from disclosure_etl.replica.province import ProvinceParams, ProvinceServer

    n = districts if districts is not None else (21 if size == "full" else 3)
    params = ProvinceParams.full(n, seed) if size == "full" else ProvinceParams(districts=n, seed=seed)
    ports = [port + d for d in range(n)] if port else []
    srv = ProvinceServer(params=params, host=host, ports=ports)

    def banner() -> str:
        if write_config:
            doc = srv.config_dict(min_interval_s=min_interval)
            Path(write_config).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
        return srv.describe()

    replica_mod.serve_until_stopped(srv, banner)


@cli.command()
@click.argument("url")
@click.option("--out", "out_dir", metavar="DIR", help="Save the responses as a scenario directory.")
@click.option("--config", "config_path", metavar="FILE", help="YAML config (its http: settings).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def probe(url: str, out_dir: str | None, config_path: str | None, verbose: bool) -> None:
    """Fetch one page of each kind from a new district, run every parser, print what was found.

    Exits 1 when a page kind fails.
    """
    from disclosure_etl import probe as probe_mod

    _setup_logging(verbose)
    cfg = load_config(config_path)
    try:
        result = probe_mod.probe(url, Path(out_dir) if out_dir else None, cfg.http)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    probe_mod.print_table(result)
    if out_dir:
        click.echo(f"scenario written to {out_dir} (replay: disclosure-etl replica serve --scenario {out_dir})")
    if not result.ok:
        failed = ", ".join(p.kind for p in result.pages if not p.parsed)
        raise click.ClickException(f"probe of {url}: page kinds failed: {failed}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line messages and the contract's exit codes, never a traceback."""
    try:
        cli.main(args=argv, prog_name="disclosure-etl", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("disclosure-etl: aborted", err=True)
        sys.exit(EXIT_FAILED)
    except click.UsageError as e:
        hint = f" (see '{e.ctx.command_path} --help')" if e.ctx else ""
        click.echo(f"disclosure-etl: {e.format_message()}{hint}", err=True)
        sys.exit(EXIT_USAGE)
    except ConfigError as e:
        click.echo(f"disclosure-etl: {e}", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as e:
        click.echo(f"disclosure-etl: {e.format_message()}", err=True)
        sys.exit(EXIT_FAILED)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:
        if os.environ.get("DISCLOSURE_DEBUG"):
            raise
        log.debug("crash", exc_info=True)
        click.echo(
            f"disclosure-etl: failed: {type(e).__name__}: {e} (set DISCLOSURE_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
