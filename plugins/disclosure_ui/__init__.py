"""The "Disclosure" page of the Airflow UI: a read-only view of the published warehouse.

``disclosure_plugin.py`` registers it (an Airflow 3 plugin: a FastAPI app mounted at
``/disclosure`` on the api-server plus an external view in the navigation). The page reads
the analysts' snapshot (``data/published/warehouse.duckdb``, located through
``DISCLOSURE_CONFIG`` / ``DISCLOSURE_DATA_DIR``) read-only, one short connection per request,
so it never blocks the nightly run (contract §5).
"""
