"""Send the new error findings of a run: an e-mail (stdlib ``smtplib``) and/or a webhook
(a JSON POST). Configured by the ``notify:`` block of the config file or
``DISCLOSURE_NOTIFY_<KEY>`` environment variables (docs/operations.md).
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import fields, replace
from email.message import EmailMessage
from typing import Any

import requests

from disclosure_etl.config import Config, ConfigError, NotifyConfig, _coerce
from disclosure_etl.warehouse.findings import Finding

ENV_PREFIX = "DISCLOSURE_NOTIFY_"
PASSWORD_ENV = ENV_PREFIX + "SMTP_PASSWORD"


class NotifyError(Exception):
    """A configured channel did not accept the notification."""


def load_config(cfg: Config) -> NotifyConfig:
    """The config file's ``notify`` block with ``DISCLOSURE_NOTIFY_<KEY>`` overrides."""
    out = cfg.notify
    for f in fields(NotifyConfig):
        value = os.environ.get(ENV_PREFIX + f.name.upper())
        if value is None or value == "":
            continue
        if f.type == "bool":
            parsed: Any = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            parsed = _coerce(f.type, value, ENV_PREFIX + f.name.upper())
        out = replace(out, **{f.name: parsed})
    if out.smtp_host and not (out.smtp_from and recipients(out)):
        raise ConfigError("notify: smtp_host is set but smtp_from or smtp_to is missing")
    return out


def recipients(nc: NotifyConfig) -> list[str]:
    return [a.strip() for a in (nc.smtp_to or "").split(",") if a.strip()]


def _where(f: Finding) -> str:
    parts = [f.agency_id or "", str(f.report_year or ""), f.scope]
    return " ".join(p for p in parts if p)


def subject(findings: list[Finding]) -> str:
    runs = sorted({f.last_seen_run for f in findings})
    return f"disclosure-etl: {len(findings)} new error finding(s) in run {', '.join(runs)}"


def body(findings: list[Finding]) -> str:
    lines = [subject(findings), ""]
    for f in findings:
        lines.append(f"[{f.finding_key}] {f.check_id} {_where(f)}: {f.message}")
    lines += [
        "",
        "Review them on the Disclosure page or with `disclosure-etl findings --new`;",
        "acknowledge one with `disclosure-etl findings ack KEY --note TEXT`.",
    ]
    return "\n".join(lines) + "\n"


def send_email(nc: NotifyConfig, findings: list[Finding]) -> None:
    msg = EmailMessage()
    msg["Subject"] = subject(findings)
    msg["From"] = str(nc.smtp_from)
    msg["To"] = ", ".join(recipients(nc))
    msg.set_content(body(findings))
    try:
        with smtplib.SMTP(str(nc.smtp_host), nc.smtp_port, timeout=nc.timeout_s) as smtp:
            if nc.smtp_starttls:
                smtp.starttls()
            if nc.smtp_user:
                smtp.login(nc.smtp_user, os.environ.get(PASSWORD_ENV, ""))
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as e:
        raise NotifyError(f"SMTP {nc.smtp_host}:{nc.smtp_port}: {e}") from e


def send_webhook(nc: NotifyConfig, findings: list[Finding]) -> None:
    payload = {
        "text": subject(findings),
        "runs": sorted({f.last_seen_run for f in findings}),
        "findings": [f.as_json() for f in findings],
    }
    try:
        resp = requests.post(str(nc.webhook_url), json=payload, timeout=nc.timeout_s)
        resp.raise_for_status()
    except requests.RequestException as e:
        raise NotifyError(f"webhook {nc.webhook_url}: {e}") from e


def send(nc: NotifyConfig, findings: list[Finding]) -> list[str]:
    """Send ``findings`` to every configured channel; returns the channels used.

    Nothing is sent when there is nothing new. Every channel is tried; a failure of any
    raises NotifyError after the others were tried."""
    if not findings:
        return []
    sent: list[str] = []
    failures: list[str] = []
    channels = [
        (f"smtp:{','.join(recipients(nc))}", send_email, bool(nc.smtp_host)),
        (f"webhook:{nc.webhook_url}", send_webhook, bool(nc.webhook_url)),
    ]
    for name, fn, configured in channels:
        if not configured:
            continue
        try:
            fn(nc, findings)
            sent.append(name)
        except NotifyError as e:
            failures.append(str(e))
    if failures:
        raise NotifyError("; ".join(failures) + (f" (sent: {', '.join(sent)})" if sent else ""))
    return sent
