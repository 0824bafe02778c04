"""The notifier against a real local SMTP server (aiosmtpd) and a real local HTTP server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from disclosure_etl import notify
from disclosure_etl.config import ConfigError, NotifyConfig, from_dict
from disclosure_etl.warehouse.findings import Finding


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def finding(key: str, check_id: str, agency: str, year: int, message: str) -> Finding:
    return Finding(
        finding_key=key, check_id=check_id, agency_id=agency, report_year=year, scope="total",
        severity="error", status="fail", state="open", is_new=True, first_seen_run="20261201T020000Z-aa",
        last_seen_run="20261201T020000Z-aa", acknowledged_by=None, acknowledged_at=None,
        ack_note=None, message=message,
    )  # fmt: skip


NEW = [
    finding("0c3fd959c448", "reconcile.active_total", "gzbyxx", 2023,
            "Posted 88 items differ from the reported 97."),
    finding("2cdee79b58dd", "report.t3_balance", "gzbyyy", 2022,
            "Table 三 does not balance in column 总计."),
]  # fmt: skip


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Hook(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, Any]]] = []
    answer = 200

    def do_POST(self) -> None:  # noqa: N802
        n = int(self.headers.get("Content-Length", 0))
        Hook.received.append((self.headers.get("Content-Type", ""), json.loads(self.rfile.read(n))))
        self.send_response(Hook.answer)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    Hook.received, Hook.answer = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_new_error_findings_arrive_by_mail(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    nc = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_from="etl@example.org",
                      smtp_to="ops@example.org, analyst@example.org")  # fmt: skip
    assert notify.send(nc, NEW) == ["smtp:ops@example.org,analyst@example.org"]
    assert len(inbox.messages) == 1
    mail_from, rcpt, msg = inbox.messages[0]
    assert mail_from == "etl@example.org"
    assert rcpt == ["ops@example.org", "analyst@example.org"]
    assert "2 new error finding(s)" in str(msg["Subject"])
    text = msg.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert "[0c3fd959c448] reconcile.active_total gzbyxx 2023 total" in text
    assert "Table 三 does not balance" in text
    assert "findings ack KEY" in text


def test_new_error_findings_are_posted_to_the_webhook(webhook: str) -> None:
    assert notify.send(NotifyConfig(webhook_url=webhook), NEW) == [f"webhook:{webhook}"]
    [(ctype, payload)] = Hook.received
    assert ctype.startswith("application/json")
    assert [f["finding_key"] for f in payload["findings"]] == ["0c3fd959c448", "2cdee79b58dd"]
    assert payload["runs"] == ["20261201T020000Z-aa"]
    assert payload["findings"][1]["message"] == "Table 三 does not balance in column 总计."


def test_nothing_new_sends_nothing(smtp: tuple[Inbox, int], webhook: str) -> None:
    inbox, port = smtp
    nc = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_from="a@x", smtp_to="b@x",
                      webhook_url=webhook)  # fmt: skip
    assert notify.send(nc, []) == []
    assert inbox.messages == [] and Hook.received == []


def test_a_failing_channel_raises_after_the_others_were_tried(
    smtp: tuple[Inbox, int], webhook: str
) -> None:
    inbox, port = smtp
    Hook.answer = 500
    nc = NotifyConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_from="a@x", smtp_to="b@x",
                      webhook_url=webhook)  # fmt: skip
    with pytest.raises(notify.NotifyError, match="webhook.*500.*sent: smtp:b@x"):
        notify.send(nc, NEW)
    assert len(inbox.messages) == 1


def test_an_smtp_server_that_is_down_is_an_error() -> None:
    nc = NotifyConfig(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_from="a@x",
                      smtp_to="b@x", timeout_s=2)  # fmt: skip
    with pytest.raises(notify.NotifyError, match="SMTP 127.0.0.1"):
        notify.send(nc, NEW)


def test_config_file_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = from_dict({"notify": {"smtp_host": "mail.example.org", "smtp_from": "etl@x",
                                "smtp_to": "ops@x"}})  # fmt: skip
    assert notify.load_config(cfg).smtp_host == "mail.example.org"
    monkeypatch.setenv("DISCLOSURE_NOTIFY_SMTP_PORT", "2525")
    monkeypatch.setenv("DISCLOSURE_NOTIFY_SMTP_STARTTLS", "true")
    monkeypatch.setenv("DISCLOSURE_NOTIFY_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    nc = notify.load_config(cfg)
    assert (nc.smtp_port, nc.smtp_starttls, nc.webhook_url) == (2525, True, "http://127.0.0.1:9/hook")
    with pytest.raises(ConfigError, match="smtp_from or smtp_to"):
        notify.load_config(from_dict({"notify": {"smtp_host": "mail.example.org"}}))
    with pytest.raises(ConfigError, match="unknown config key 'notify.smtp_password'"):
        from_dict({"notify": {"smtp_password": "secret"}})
