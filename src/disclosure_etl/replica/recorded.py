"""Recorded scenarios: responses saved from a real site (by ``disclosure-etl probe``) and
replayed by ``disclosure-etl replica serve --scenario DIR``.

Layout of a scenario directory (format ``disclosure-etl-scenario/1``)::

    DIR/manifest.json
        {"format": "disclosure-etl-scenario/1",
         "origin": "https://www.example.gov.cn",     # where the responses were recorded
         "recorded_at": "2026-12-01T09:30:00+00:00",
         "responses": {
             "/gkmlpt/index": {"status": 200, "kind": "index",
                               "headers": {"Content-Type": "text/html"},
                               "body": "bodies/002-index.html"},
             "/gkmlpt/api/all/0?page=1&sid=200001": {...},
             ...}}
    DIR/bodies/<nnn>-<kind>.<ext>                    # the bodies, byte for byte

A request is answered from the entry of its exact path and query (``path?query``), else
404. Text bodies (HTML, JSON, JavaScript, plain text) are served with the recorded origin
(``http://host``, ``https://host``, and their JSON-escaped ``http:\\/\\/host`` forms) replaced by
the serving one, so absolute links lead back to the replay; bodies on disk stay as recorded.
Add, edit or delete entries by hand to make a regression fixture.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from disclosure_etl.http import FetchResult

from .server import RequestRecord, write_response

__all__ = ["FORMAT", "RecordedServer", "ScenarioRecorder", "is_scenario_dir", "load_scenario"]

FORMAT = "disclosure-etl-scenario/1"
_KEEP_HEADERS = {"content-type": "Content-Type", "content-disposition": "Content-Disposition",
                 "retry-after": "Retry-After", "location": "Location"}
_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")
_EXTS = {"text/html": "html", "application/json": "json", "text/plain": "txt", "application/pdf": "pdf"}


@dataclass(frozen=True)
class Recorded:
    """One recorded response."""

    status: int
    headers: dict[str, str]
    body: bytes
    kind: str


def _key(url: str) -> str:
    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")


class ScenarioRecorder:
    """Collects responses of one origin, then writes them as a scenario directory."""

    def __init__(self, origin: str) -> None:
        self.origin = origin.rstrip("/")
        self._host = urlsplit(self.origin).netloc.lower()
        self.responses: dict[str, Recorded] = {}

    def add(self, res: FetchResult, kind: str) -> None:
        """Record a fetch (its requested path and query) unless nothing came back or it was
        on another host; the first response of a path wins."""
        if res.status is None or urlsplit(res.url).netloc.lower() != self._host:
            return
        headers = {_KEEP_HEADERS[k.lower()]: v for k, v in res.headers.items() if k.lower() in _KEEP_HEADERS}
        self.responses.setdefault(_key(res.url), Recorded(res.status, headers, res.body or b"", kind))

    def save(self, out_dir: Path) -> Path:
        """Write ``manifest.json`` and ``bodies/``; returns the manifest path."""
        bodies = out_dir / "bodies"
        bodies.mkdir(parents=True, exist_ok=True)
        entries: dict[str, Any] = {}
        for i, (key, rec) in enumerate(self.responses.items(), 1):
            ctype = rec.headers.get("Content-Type", "").split(";")[0].strip().lower()
            name = f"{i:03d}-{rec.kind}.{_EXTS.get(ctype) or _ext_of(key) or 'bin'}"
            (bodies / name).write_bytes(rec.body)
            entries[key] = {"status": rec.status, "kind": rec.kind, "headers": rec.headers,
                            "body": f"bodies/{name}"}
        manifest = {"format": FORMAT, "origin": self.origin,
                    "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"), "responses": entries}
        path = out_dir / "manifest.json"
        path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


def _ext_of(key: str) -> str:
    last = key.split("?", 1)[0].rsplit("/", 1)[-1]
    ext = last.rsplit(".", 1)[-1].lower() if "." in last else ""
    return ext if ext.isalnum() and len(ext) <= 5 else ""


def is_scenario_dir(path: str | Path) -> bool:
    return (Path(path) / "manifest.json").is_file()


def load_scenario(path: str | Path) -> tuple[str, dict[str, Recorded]]:
    """(origin, path?query → response) of a scenario directory. Raises ValueError on a
    manifest of another format or a missing body file."""
    root = Path(path)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{root}: not a {FORMAT} manifest")
    out: dict[str, Recorded] = {}
    for key, e in manifest.get("responses", {}).items():
        body_path = root / e["body"]
        if not body_path.is_file():
            raise ValueError(f"{root}: body file {e['body']} of {key} is missing")
        out[key] = Recorded(int(e["status"]), dict(e.get("headers", {})), body_path.read_bytes(),
                            str(e.get("kind", "")))
    return str(manifest.get("origin", "")), out


def rebase(body: bytes, recorded_origin: str, serving_origin: str) -> bytes:
    """``body`` with every absolute link to the recorded host pointing at ``serving_origin``."""
    host = urlsplit(recorded_origin).netloc
    if not host:
        return body
    out = body
    for scheme in ("https", "http"):
        out = out.replace(f"{scheme}://{host}".encode(), serving_origin.encode())
        out = out.replace(f"{scheme}:\\/\\/{host}".encode(), serving_origin.replace("/", "\\/").encode())
    return out


class RecordedServer:
    """Replays a scenario directory on 127.0.0.1 (same lifecycle as ``ReplicaServer``)."""

    def __init__(self, scenario_dir: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.origin, self.responses = load_scenario(scenario_dir)
        self.host, self.port = host, port
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def request_log(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def start(self) -> RecordedServer:
        if self._httpd is None:
            httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
            httpd.daemon_threads = True
            httpd.recorded = self  # type: ignore[attr-defined]
            self._httpd, self.port = httpd, httpd.server_address[1]
            self._thread = threading.Thread(target=httpd.serve_forever, name="recorded-http", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> RecordedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, target: str, host_header: str) -> tuple[int, dict[str, str], bytes]:
        rec = self.responses.get(_key(target))
        if rec is None:
            return 404, {"Content-Type": "text/html"}, b"<html><body><h1>404 Not Found</h1></body></html>"
        ctype = rec.headers.get("Content-Type", "")
        body = rec.body
        if ctype.lower().startswith(_TEXT_TYPES):
            body = rebase(body, self.origin, f"http://{host_header}")
        return rec.status, dict(rec.headers), body

    def _record(self, rec: RequestRecord) -> None:
        with self._lock:
            self._log.append(rec)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        self._handle(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(send_body=False)

    def _handle(self, send_body: bool) -> None:
        import time

        srv: RecordedServer = self.server.recorded  # type: ignore[attr-defined]
        host = self.headers.get("Host") or f"{srv.host}:{srv.port}"
        status, headers, body = srv.answer(self.path, host)
        u = urlsplit(self.path)
        srv._record(RequestRecord(time.monotonic(), time.time(), self.command, u.path, u.query, status,
                                  self.headers.get("User-Agent", ""), len(body) if send_body else 0, host))
        write_response(self, status, body, headers, send_body)
