"""The API keeps its OpenAPI contract: schemathesis drives every operation of a running
`servicedesk dev` (real Temporal, worker and read model) from the document alone, as an admin
and as an agent, and fails on any 5xx, an undocumented status or content type, or an answer
that breaks its declared schema. Examples are bounded so the run stays within about two minutes
a role. Revoking a token is left out: guessed ids would revoke the run's own token."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from servicedesk.processes import free_port
from tests.e2e.procs import banner_token, start_dev, wait_for

pytestmark = pytest.mark.slow

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


def _schemathesis() -> str:
    st = Path(sys.executable).with_name("st")
    return str(st) if st.exists() else shutil.which("st") or "st"


def test_every_operation_keeps_its_contract_for_both_roles(tmp_path):
    ports = {"temporal": free_port(), "ui": free_port(), "api": free_port(), "smtp": free_port()}
    api = f"http://127.0.0.1:{ports['api']}"
    proc = start_dev(tmp_path, ports, tmp_path / "dev.log")
    try:
        admin = wait_for(lambda: banner_token(tmp_path / "dev.log"), timeout=120, what="the start-up banner")
        r = httpx.post(f"{api}/admin/tokens", json={"agent_email": "sam@demo.example"},
                       headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 201, r.text
        tokens = {"admin": admin, "agent": r.json()["token"]}
        for role, token in tokens.items():
            run = subprocess.run(
                [_schemathesis(), "run", f"{api}/openapi.json", "-H", f"Authorization: Bearer {token}",
                 "--checks", CHECKS, "--max-examples", "3", "--phases", "examples,coverage,fuzzing",
                 "--generation-deterministic", "--no-color",
                 # Revoking tokens by guessed ids would revoke the run's own (tested in test_bad_input).
                 "--exclude-name", "DELETE /admin/tokens/{token_id}"],
                capture_output=True, text=True, timeout=600, cwd=tmp_path)
            summary = run.stdout[run.stdout.rfind("SUMMARY"):]
            print(f"--- schemathesis as {role}:\n{summary}")
            assert run.returncode == 0, f"as {role}:\n{run.stdout[-20000:]}\n{run.stderr[-2000:]}"
            selected, tested = re.search(r"Selected: (\d+)/(\d+)", summary), re.search(r"Tested: (\d+)", summary)
            assert selected and tested and int(tested.group(1)) == int(selected.group(1)) == int(selected.group(2)) - 1 > 50, \
                summary  # every operation but the one excluded
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
