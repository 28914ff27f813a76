"""`servicedesk dev` sends its notifications to the mail sink it starts: the acknowledgement of
a new ticket is a .eml file in <data_dir>/mail/, listed and shown by `python -m servicedesk.mailsink`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from servicedesk.processes import free_port, stop
from tests.e2e.procs import wait_for

pytestmark = pytest.mark.slow


def test_dev_keeps_the_mail_it_sends_in_the_sink(tmp_path: Path):
    ports = {"temporal": free_port(), "ui": free_port(), "api": free_port(), "smtp_in": free_port(), "smtp_out": free_port()}
    data = tmp_path / "data"
    env = {**os.environ, "SERVICEDESK_DATA_DIR": str(data), "SERVICEDESK_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
           "SERVICEDESK_TEMPORAL_UI_PORT": str(ports["ui"]), "SERVICEDESK_API_PORT": str(ports["api"]),
           "SERVICEDESK_SMTP_LISTEN": f"127.0.0.1:{ports['smtp_in']}", "SERVICEDESK_SMTP_PORT": str(ports["smtp_out"])}
    env.pop("DATABASE_URL", None)
    log = tmp_path / "dev.log"
    proc = subprocess.Popen([sys.executable, "-m", "servicedesk", "dev"], env=env, cwd=tmp_path,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        token = wait_for(lambda: (m := re.search(r"Admin token\s+(\S+)", log.read_text())) and m.group(1), timeout=120,
                         what="the banner")
        assert f"E-mail out     smtp://127.0.0.1:{ports['smtp_out']} -> {data / 'mail'}/" in log.read_text()
        r = httpx.post(f"http://127.0.0.1:{ports['api']}/tickets", headers={"Authorization": f"Bearer {token}"},
                       json={"subject": "Screen flickers", "description": "Since the update",
                             "requester": {"email": "dana@customer.example", "name": "Dana"}})
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        files = wait_for(lambda: list((data / "mail").glob("*.eml")), timeout=60, what="a mail in the sink")
        assert f"[#{number}]" in files[0].read_text()
        wait_for(lambda: f"to dana@customer.example: [#{number}]" in log.read_text(), what="the sink's line")
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    sink = [sys.executable, "-m", "servicedesk.mailsink", "--dir", str(data / "mail")]
    listed = subprocess.run([*sink, "list"], capture_output=True, text=True, check=True, env=env).stdout
    assert f"dana@customer.example  [#{number}] We received your request: Screen flickers" in listed
    shown = subprocess.run([*sink, "show", "1"], capture_output=True, text=True, check=True, env=env).stdout
    assert "Message-ID: <ticket-" in shown and f"#{number}" in shown and "/portal/t/" in shown
    stop(proc, signal.SIGINT)
