"""A macro's text (api/macros/rendering.py): its placeholders filled in, and what a template may
not do refused when it is saved, with its line, never rendered."""

from __future__ import annotations

import pytest
from jinja2.sandbox import SecurityError

from api.macros.rendering import PLACEHOLDER_NAMES, SAMPLE, problems, render

VALUES = {"requester": {"name": "Dana", "email": "dana@customer.example"},
          "ticket": {"number": 7, "subject": "VPN drops", "status": "open", "priority": "high"},
          "agent": {"name": "Sam Support", "email": "sam@demo.example"}}


def test_every_placeholder_is_filled_in():
    source = " ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDER_NAMES)
    assert problems(source) == []
    assert render(source, VALUES) == "Dana dana@customer.example 7 VPN drops open high Sam Support sam@demo.example"


def test_text_filters_and_conditions_render():
    source = ("Hi {{ requester.name | upper }},\n"
              "{% if ticket.priority == 'high' %}We are on #{{ ticket.number }} now.{% else %}Soon.{% endif %}\n"
              "{{ agent.name ~ ' (' ~ agent.email ~ ')' }}\n")
    assert problems(source) == []
    assert render(source, VALUES) == "Hi DANA,\nWe are on #7 now.\nSam Support (sam@demo.example)\n"


@pytest.mark.parametrize("source,line,says", [
    ("Hi {{ requester.phone }}", 1, "unknown placeholder 'requester.phone'"),
    ("Hello,\n\nyour order {{ order.id }}", 3, "unknown placeholder 'order.id'"),
    ("{{ name }}", 1, "unknown placeholder 'name'"),
    ("{{ ticket }}", 1, "'ticket' is a group of placeholders"),
    ("Hi {{ requester.name", 1, "not a valid template"),
    ("a\n{% if ticket.number %}x", 2, "not a valid template"),
    ("{{ requester.name | attr('__class__') }}", 1, "unknown filter 'attr'"),
    ("{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}", 1, "{% for %} is not allowed"),
    ("{{ 'x' * 999999999 }}", 1, "arithmetic is not allowed"),
    ("{% set x = 1 %}", 1, "{% set %} is not allowed"),
    ("{{ ticket.number | truncate }}", 1, "does not render"),
    pytest.param("{{ " + "(" * 5000 + "ticket.number" + ")" * 5000 + " }}", 1, "nested too deeply", id="deep-parentheses"),
    pytest.param("{% if 1 %}" * 2000 + "{% endif %}" * 2000, 1, "nested too deeply", id="deep-ifs"),
])
def test_a_template_that_cannot_work_is_refused_with_its_line(source, line, says):
    found = problems(source)
    assert found and found[0].line == line and says in found[0].message, found


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ticket.subject.__class__.__init__.__globals__ }}",
    "{{ requester.name.format_map }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ self.__init__.__globals__ }}",
    "{{ lipsum() }}",
    "{{ ticket['__class__'] }}",
])
def test_sandbox_escapes_are_refused(source):
    found = problems(source)
    assert found, source
    assert "only a placeholder's fields" in found[0].message or "not allowed" in found[0].message \
        or "unknown placeholder" in found[0].message


def test_the_sandbox_is_still_underneath():
    """Were a template that reads an attribute rendered without the check, the sandbox and
    StrictUndefined refuse it: an error, never the value."""
    with pytest.raises(SecurityError):
        render("{{ ''.__class__ }}", SAMPLE)
    with pytest.raises(SecurityError):
        render("{{ 9 ** 9 ** 9 }}", SAMPLE)
