"""docker-compose.yml as a deployment would resolve it: Debian's `docker-compose config` (1.29)
with the placeholder values of .env.example. No Docker engine runs here, so nothing is started:
this checks what the file says. Skipped without docker-compose (`make test` installs it as
root); under CI=true, missing it fails instead."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
# Every service-desk process must agree on these, or links, mail and threading break between them.
SHARED = ["SERVICEDESK_SECRET_KEY", "SERVICEDESK_PUBLIC_URL", "SERVICEDESK_MAIL_DOMAIN", "SERVICEDESK_MAIL_FROM",
          "SERVICEDESK_SMTP_HOST", "SERVICEDESK_SMTP_PORT", "SERVICEDESK_SMTP_STARTTLS", "DATABASE_URL",
          "SERVICEDESK_TEMPORAL_ADDRESS", "SERVICEDESK_TEMPORAL_NAMESPACE"]


@pytest.fixture(scope="module")
def compose() -> str:
    found = shutil.which("docker-compose")
    if found is None:
        if IN_CI:
            pytest.fail("docker-compose is required in CI (make compose installs Debian's package as root)")
        pytest.skip("no docker-compose: `sudo apt-get install -y docker-compose` (make test does it as root)")
    return found


def _config(compose: str, env_file: Path) -> subprocess.CompletedProcess:
    # Only PATH from the environment: a SERVICEDESK_* or password variable set in the shell
    # would override the env file, and a `.env` in the checkout must not be read either.
    return subprocess.run([compose, "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"),
                           "--env-file", str(env_file), "config"],
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def resolved(compose) -> dict:
    r = _config(compose, ROOT / ".env.example")
    assert r.returncode == 0, r.stderr
    return yaml.safe_load(r.stdout)


def _example_values() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def _desk_services(resolved: dict) -> dict[str, dict]:
    return {name: svc for name, svc in resolved["services"].items() if (svc.get("command") or [""])[0] == "servicedesk"}


def test_worker_and_api_share_every_setting_from_the_env_file(resolved):
    services = resolved["services"]
    worker, api = services["worker"]["environment"], services["api"]["environment"]
    example = _example_values()
    for name in SHARED:
        assert name in worker and name in api, name
        assert worker[name] == api[name], (name, worker[name], api[name])
    for name in ("SERVICEDESK_SECRET_KEY", "SERVICEDESK_PUBLIC_URL", "SERVICEDESK_MAIL_DOMAIN", "SERVICEDESK_MAIL_FROM"):
        assert worker[name] == example[name], name  # from the env file, nothing generated or defaulted
    assert services["migrate"]["environment"] == worker
    # Mail goes to the relay service on the compose network, which forwards to the smarthost.
    assert worker["SERVICEDESK_SMTP_HOST"] in services
    relay = services[worker["SERVICEDESK_SMTP_HOST"]]
    assert relay["environment"]["RELAYHOST"] == f"[{example['SMARTHOST_HOST']}]:{example['SMARTHOST_PORT']}"
    assert relay["environment"]["ALLOWED_SENDER_DOMAINS"] == example["SERVICEDESK_MAIL_DOMAIN"]
    assert example["SERVICEDESK_MAIL_FROM"].rstrip(">").endswith("@" + example["SERVICEDESK_MAIL_DOMAIN"])
    assert "127.0.0.1" not in worker["SERVICEDESK_PUBLIC_URL"]
    # The database passwords reach the databases and the URL alike.
    assert f":{example['READMODEL_DB_PASSWORD']}@readmodel-db:" in worker["DATABASE_URL"]
    assert services["readmodel-db"]["environment"]["POSTGRES_PASSWORD"] == example["READMODEL_DB_PASSWORD"]
    assert services["postgresql"]["environment"]["POSTGRES_PASSWORD"] == example["TEMPORAL_DB_PASSWORD"]
    assert services["temporal"]["environment"]["POSTGRES_PWD"] == example["TEMPORAL_DB_PASSWORD"]


def test_one_image_built_once(resolved):
    services = resolved["services"]
    desk = _desk_services(resolved)
    assert set(desk) == {"migrate", "worker", "api"}
    builders = [name for name, svc in services.items() if "build" in svc]
    assert builders == ["migrate"], builders
    assert {svc["image"] for svc in desk.values()} == {"servicedesk:local"}
    # docker-compose 1.x brings services up in dependency order and builds a missing image only
    # for a service that can build it: the builder must come before every other user of the image.
    for name in ("worker", "api"):
        assert "migrate" in services[name]["depends_on"], name
    for name, svc in services.items():
        if name not in desk:
            image = svc["image"]
            assert ":" in image and not image.endswith(":latest"), (name, image)  # pinned


def test_every_variable_is_in_the_example_and_required_ones_fail_loudly(compose, tmp_path):
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    required = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*):\?", text))
    assert {"SERVICEDESK_SECRET_KEY", "SERVICEDESK_PUBLIC_URL", "SERVICEDESK_MAIL_DOMAIN"} <= required
    assert used - set(_example_values()) == set()
    empty = tmp_path / "empty.env"
    empty.write_text("")
    r = _config(compose, empty)
    assert r.returncode != 0
    assert "in .env, see .env.example" in r.stderr, r.stderr
    # Each required value alone is enough to refuse the file.
    for name in sorted(required):
        partial = tmp_path / f"without-{name}.env"
        partial.write_text("".join(f"{k}={v}\n" for k, v in _example_values().items() if k != name))
        r = _config(compose, partial)
        assert r.returncode != 0 and name in r.stderr, (name, r.stderr)


def test_env_is_ignored_and_kept_out_of_the_image():
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
    r = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert r.returncode in (0, 128)  # 128: not a git checkout (an unpacked source tree)
    assert r.returncode == 0 or not (ROOT / ".git").exists()
