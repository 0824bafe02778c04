# disclosure-etl on the official Airflow image: the project and its pinned dependencies
# (requirements.lock, the same lock `make venv` installs), the DAGs and the Disclosure plugin.
# Build: docker compose build   (see docs/operations.md)
FROM apache/airflow:3.3.2-python3.11

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DISCLOSURE_DATA_DIR=/opt/disclosure/data

USER root
# Old binary .doc reports: LibreOffice converts them to DOCX (antiword: text fallback).
# OCR needs no system package: its models ship inside the rapidocr wheel (requirements.lock).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui antiword \
 && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /opt/disclosure/data /opt/disclosure/config \
 && chown -R airflow:root /opt/disclosure
USER airflow

# Dependencies first (cached layer): every package pinned, Airflow 3.3.2 included.
COPY --chown=airflow:root requirements.lock /opt/disclosure/requirements.lock
RUN pip install --no-cache-dir -r /opt/disclosure/requirements.lock

# The library (no Airflow imports), its SQL (sql/ ships inside the package as
# disclosure_etl/sql) and its console script `disclosure-etl`.
COPY --chown=airflow:root pyproject.toml README.md /opt/disclosure/src-tree/
COPY --chown=airflow:root src /opt/disclosure/src-tree/src
COPY --chown=airflow:root sql /opt/disclosure/src-tree/sql
RUN pip install --no-cache-dir --no-deps /opt/disclosure/src-tree

# Thin DAG files and the UI plugin, where the image's Airflow looks for them.
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root plugins /opt/airflow/plugins

WORKDIR /opt/airflow
