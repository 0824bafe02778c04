"""``[core] hostname_callable`` for the distributed test: two workers on one machine report
different hostnames, so the test can tell which worker ran which task."""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    return os.environ.get("DISCLOSURE_TEST_HOSTNAME") or socket.getfqdn()
