"""`servicedesk dev` (what `make run` runs), as a user runs it: it starts everything,
prints a token that works, Ctrl-C stops every child, and a second run keeps the tickets."""

from __future__ import annotations

import smtplib
import signal
import socket
from email.message import EmailMessage

import httpx
import pytest

from servicedesk.processes import free_port, stop
from tests.e2e.procs import banner_token, start_dev, wait_for

pytestmark = pytest.mark.slow


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_dev_runs_everything_and_keeps_tickets(tmp_path):
    ports = {"temporal": free_port(), "ui": free_port(), "api": free_port(), "smtp": free_port()}
    api = f"http://127.0.0.1:{ports['api']}"
    log = tmp_path / "dev1.log"
    proc = start_dev(tmp_path, ports, log)
    try:
        token = wait_for(lambda: banner_token(log), timeout=120, what="the start-up banner")
        assert f"Temporal UI    http://127.0.0.1:{ports['ui']}" in log.read_text()
        headers = {"Authorization": f"Bearer {token}"}
        body = {"subject": "VPN is down", "description": "Cannot connect since 9am",
                "requester": {"email": "dana@customer.example"}}
        r = httpx.post(f"{api}/tickets", json=body, headers=headers)
        assert r.status_code == 201, r.text
        number = r.json()["number"]
        routed = wait_for(lambda: (t := httpx.get(f"{api}/tickets/{number}", headers=headers).json())["last_seq"] >= 4 and t,
                          what="intake")
        assert routed["team"] == "network"
        assert httpx.get(f"http://127.0.0.1:{ports['ui']}/").status_code == 200  # the Web UI is up

        # The SMTP listener it started takes mail in: a ticket opens from it.
        assert f"smtp://127.0.0.1:{ports['smtp']}" in log.read_text()
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "Eli <eli@customer.example>", "help@servicedesk.localhost", "Mouse dead"
        mail["Message-ID"] = "<dev-e2e-1@customer.example>"
        mail.set_content("The mouse stopped working.")
        with smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=30) as client:
            client.send_message(mail)
        by_mail = wait_for(lambda: httpx.get(f"{api}/tickets", params={"q": "Mouse dead"}, headers=headers).json()["items"],
                           what="the mailed ticket")
        assert (by_mail[0]["channel"], by_mail[0]["requester_email"]) == ("email", "eli@customer.example")
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert proc.wait(timeout=60) == 0
    for name, port in ports.items():
        assert not _port_open(port), f"{name} still listening on {port} after Ctrl-C"

    log2 = tmp_path / "dev2.log"
    proc = start_dev(tmp_path, ports, log2)
    try:
        assert wait_for(lambda: banner_token(log2), timeout=120, what="the second banner") == token
        t = httpx.get(f"{api}/tickets/{number}", headers=headers).json()
        assert (t["subject"], t["team"], t["live"]) == ("VPN is down", "network", True)
        r = httpx.post(f"{api}/tickets/{number}/actions", json={"kind": "reply", "body": "Back after a restart"}, headers=headers)
        assert r.status_code == 200 and r.json()["status"] == "open"
        assert httpx.get(f"{api}/tickets", headers=headers).json()["total"] == 2
    finally:
        stop(proc, signal.SIGINT, timeout=60)
