"""A macro's text: a Jinja2 template with a fixed set of placeholders, checked when it is saved
and rendered in Jinja2's immutable sandbox with StrictUndefined (docs/macros.md).

A template may hold text, the placeholders below (`{{ requester.name }}`), a few filters
(`{{ requester.name | title }}`), `{% if %}` / `{% elif %}` / `{% else %}` on them, comparisons,
`and` / `or` / `not`, `~` and string literals. Nothing else: no loops, no `{% set %}`, no calls,
no item access and no attributes of anything but a placeholder's group. So a template can
neither reach past its values (`{{ ''.__class__ }}`) nor grow without bound (`{{ 'x' * 10**9 }}`,
nested loops): what it renders is at most its own text and the placeholders' values. The
sandbox and StrictUndefined remain underneath, as a second wall.

`problems(source)` says what is wrong with a template (each problem with its line), `render`
fills it in; both are pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

# The placeholders, by group, each with what it holds (the API's docs list them from here).
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "requester": {"name": "the requester's name (their e-mail address when the ticket has no name)",
                  "email": "the requester's e-mail address"},
    "ticket": {"number": "the ticket's number", "subject": "the ticket's subject",
               "status": "the ticket's status before the macro", "priority": "the ticket's priority before the macro"},
    "agent": {"name": "the name of the agent applying the macro", "email": "that agent's e-mail address"},
}
PLACEHOLDER_NAMES = [f"{group}.{name}" for group, fields in PLACEHOLDERS.items() for name in fields]
FILTERS = ("capitalize", "default", "lower", "title", "trim", "truncate", "upper")
# Values for the trial render when a template is saved: it must render with them.
SAMPLE = {"requester": {"name": "Dana Example", "email": "dana@customer.example"},
          "ticket": {"number": 42, "subject": "Printer jams", "status": "open", "priority": "normal"},
          "agent": {"name": "Sam Support", "email": "sam@demo.example"}}

_ALLOWED = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.CondExpr, nodes.Compare, nodes.Operand,
            nodes.And, nodes.Or, nodes.Not, nodes.Concat, nodes.Keyword)
_NAMES = {nodes.For: "{% for %}", nodes.Assign: "{% set %}", nodes.AssignBlock: "{% set %}", nodes.Macro: "{% macro %}",
          nodes.CallBlock: "{% call %}", nodes.FilterBlock: "{% filter %}", nodes.With: "{% with %}",
          nodes.Block: "{% block %}", nodes.Extends: "{% extends %}", nodes.Include: "{% include %}",
          nodes.Import: "{% import %}", nodes.FromImport: "{% from %}", nodes.Call: "a call", nodes.Getitem: "[...]",
          nodes.Test: "an `is` test", nodes.BinExpr: "arithmetic",
          nodes.UnaryExpr: "arithmetic", nodes.List: "a list", nodes.Tuple: "a tuple", nodes.Dict: "a dict",
          nodes.Slice: "a slice"}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    placeholder: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class _Environment(ImmutableSandboxedEnvironment):
    """`problems` refuses arithmetic already; should a template that has some be rendered all
    the same, the compiler does not fold its constants (9**9**9) and the operation is refused."""

    intercepted_binops = frozenset(["*", "**", "/", "//", "%", "+", "-"])
    intercepted_unops = frozenset(["-", "+"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        raise SecurityError(f"arithmetic ({operator}) is not allowed in a macro")

    def call_unop(self, context: Any, operator: str, arg: Any) -> Any:
        raise SecurityError(f"arithmetic ({operator}) is not allowed in a macro")


_env = _Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_env.filters = {name: _env.filters[name] for name in FILTERS}
_env.tests = {}
_env.globals = {}


def problems(source: str) -> list[Problem]:
    """What is wrong with `source` as a macro's text (nothing: an empty list)."""
    found: list[Problem] = []
    try:
        _walk(_env.parse(source), 1, found)
    except TemplateSyntaxError as err:
        return [Problem(err.lineno or 1, f"not a valid template: {err.message}")]
    except RecursionError:
        return [Problem(1, "nested too deeply")]
    if found:
        return found
    try:
        render(source, SAMPLE)
    except Exception as err:  # whatever a filter makes of a value: refused here, never a 500
        return [Problem(1, f"does not render: {err}")]
    return []


def render(source: str, values: dict[str, dict[str, Any]]) -> str:
    """`source` filled in with `values` ({"requester": {...}, "ticket": {...}, "agent": {...}});
    a template `problems` passed renders."""
    return _env.from_string(source).render(values)


def _walk(node: nodes.Node, line: int, found: list[Problem]) -> None:
    line = getattr(node, "lineno", None) or line
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        name = f"{node.node.name}.{node.attr}"
        if node.node.name not in PLACEHOLDERS or node.attr not in PLACEHOLDERS[node.node.name]:
            found.append(Problem(line, f"unknown placeholder {name!r}; the placeholders are "
                                       f"{', '.join(PLACEHOLDER_NAMES)}", placeholder=name))
        return
    if isinstance(node, nodes.Name):
        if node.name in PLACEHOLDERS:
            message = f"{node.name!r} is a group of placeholders: name one of its fields, e.g. {node.name}.name"
        else:
            message = f"unknown placeholder {node.name!r}; the placeholders are {', '.join(PLACEHOLDER_NAMES)}"
        found.append(Problem(line, message, placeholder=node.name))
        return
    if isinstance(node, nodes.Getattr):  # an attribute of something else: name the first one read
        inner = node
        while isinstance(inner.node, nodes.Getattr) and not isinstance(inner.node.node, nodes.Name):
            inner = inner.node
        found.append(Problem(line, f"{inner.attr!r}: only a placeholder's fields may be read "
                                   f"({', '.join(PLACEHOLDER_NAMES)})", placeholder=inner.attr))
        return
    if isinstance(node, nodes.Const):
        if not isinstance(node.value, (str, int, bool)) and node.value is not None:
            found.append(Problem(line, f"{node.value!r}: only text, whole numbers, true, false and none may be written"))
        return
    if isinstance(node, nodes.Filter):
        if node.name not in FILTERS:
            found.append(Problem(line, f"unknown filter {node.name!r}; the filters are {', '.join(FILTERS)}"))
            return
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            found.append(Problem(line, f"filter {node.name!r}: no * or ** arguments"))
            return
    elif not isinstance(node, _ALLOWED):
        what = next((label for cls, label in _NAMES.items() if isinstance(node, cls)), type(node).__name__)
        found.append(Problem(line, f"{what} is not allowed in a macro (text, placeholders, filters and "
                                   "{% if %} only)"))
        return
    for child in node.iter_child_nodes():
        _walk(child, line, found)
