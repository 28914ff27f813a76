"""Each schema of the API's document has one name: two models with one class name make FastAPI
qualify both with their module paths (`api__schemas__X`), and clients generated from the
document get two types for what reads as one."""

from __future__ import annotations

from api.app import create_app
from models.settings import Settings


def test_no_two_schemas_share_a_name():
    names = list(create_app(Settings()).openapi()["components"]["schemas"])
    assert [n for n in names if n.startswith(("api__", "models__", "workflows__"))] == []
    assert len(names) == len(set(names)) > 50
