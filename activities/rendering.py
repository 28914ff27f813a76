"""Notification texts from Jinja2 templates (activities/templates/): for each kind a subject
line (`<kind>.subject.txt`), a plain-text body (`<kind>.txt`) and an HTML body
(`<kind>.html`), each extending the shared layout. HTML is autoescaped; every template runs
with StrictUndefined, so a missing value is an error in the tests, never a blank in a mail."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
FALLBACK_KIND = "generic"  # a kind without templates of its own (a newer workflow, an older worker)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def has_templates(kind: str) -> bool:
    return all((TEMPLATES / f"{kind}.{part}").is_file() for part in ("subject.txt", "txt", "html"))


def render(kind: str, context: dict[str, Any]) -> Rendered:
    """Subject (one line, "[#N] " in front), text and HTML of a notification of `kind`."""
    env = environment()
    name = kind if has_templates(kind) else FALLBACK_KIND
    try:
        subject = env.get_template(f"{name}.subject.txt").render(context)
        text = env.get_template(f"{name}.txt").render(context)
        html = env.get_template(f"{name}.html").render(context)
    except TemplateNotFound as err:  # pragma: no cover (the tests render every kind)
        raise LookupError(f"no template {err.name}") from err
    subject = re.sub(r"\s+", " ", subject).strip()
    number = context["ticket"]["number"]
    tag = f"[#{number}]"
    if number > 0 and tag not in subject:  # a mail about no ticket (a report, number < 1) has no tag
        subject = f"{tag} {subject}"
    return Rendered(subject=subject[:250], text=text, html=html)


def ticket_context(number: int, data: dict[str, Any], requester_name: str) -> dict[str, Any]:
    """`ticket` as the templates see it: the workflow's data.ticket, with every field present."""
    given = data.get("ticket") if isinstance(data.get("ticket"), dict) else {}
    base = {"number": number, "subject": "", "status": "", "priority": data.get("priority", ""), "team": None,
            "assignee": None, "requester_name": requester_name}
    return base | {k: v for k, v in given.items() if v is not None or k in ("team", "assignee")}
