"""The FastAPI app of the Disclosure page, mounted by Airflow at ``/disclosure``.

Every route requires an authenticated Airflow user (the api-server's own JWT cookie or a
bearer token, checked by Airflow's ``requires_authenticated`` dependency). A browser without
a session is redirected to the auth manager's login page.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

URL_PREFIX = "/disclosure"
STATIC_DIR = Path(__file__).with_name("static")


def _auth_dependency() -> Any:
    from airflow.api_fastapi.core_api.security import requires_authenticated

    return Depends(requires_authenticated())


def create_app() -> FastAPI:
    """The app: ``/`` (HTML page, ``?district=ID&year=Y``), ``/api/snapshot`` (the same data as JSON), ``/static``."""
    from disclosure_ui import render
    from disclosure_ui.snapshot import read_snapshot

    app = FastAPI(
        title="Disclosure (published warehouse)",
        description="Read-only runs, reconciliation and open findings of disclosure-etl.",
        dependencies=[_auth_dependency()],
        docs_url=None,
        redoc_url=None,
    )

    @app.exception_handler(StarletteHTTPException)
    async def _login_redirect(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (401, 403) and "text/html" in request.headers.get("accept", ""):
            from airflow.api_fastapi.app import get_auth_manager

            login = get_auth_manager().get_url_login(next_url=str(request.url))
            return RedirectResponse(login, status_code=303)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.get("/", response_class=HTMLResponse)
    async def index(district: str | None = None, year: int | None = None) -> HTMLResponse:
        """The page; ``?district=ID`` shows one district, ``?year=Y`` the ranking of year Y."""
        snap = await asyncio.to_thread(read_snapshot)
        html = render.page(snap, static_prefix="static", district=district or None, year=year)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    @app.get("/api/snapshot")
    async def snapshot_json() -> dict[str, Any]:
        snap = await asyncio.to_thread(read_snapshot)
        return asdict(snap) | {"path": str(snap.path)}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
