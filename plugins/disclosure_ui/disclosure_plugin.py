"""Airflow plugin entry: the Disclosure page (FastAPI app + navigation entry)."""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.plugins_manager import AirflowPlugin

_PLUGINS = str(Path(__file__).resolve().parents[1])
if _PLUGINS not in sys.path:  # Airflow puts plugins/ on sys.path; be robust when it did not
    sys.path.append(_PLUGINS)

from disclosure_ui.app import URL_PREFIX, create_app  # noqa: E402


class DisclosurePlugin(AirflowPlugin):
    """Read-only runs, reconciliation chart and open findings over the published snapshot."""

    name = "disclosure_ui"
    fastapi_apps = [
        {"app": create_app(), "url_prefix": URL_PREFIX, "name": "Disclosure (published warehouse)"}
    ]
    external_views = [
        {
            "name": "Disclosure",
            "href": URL_PREFIX.lstrip("/") + "/",  # relative: works behind a base_url too
            "url_route": "disclosure",
            "destination": "nav",
            "icon": URL_PREFIX.lstrip("/") + "/static/icon.svg",
        }
    ]
