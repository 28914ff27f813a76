"""House rules on who may import whom, checked on the source (ast), without importing it.

- workflows/* imports nothing of ours outside `workflows` (the sandbox reloads it; it must
  stay deterministic and light);
- workflows/lifecycle.py, codec.py and messages.py import no `temporalio` at all;
- activities/* import, of our packages, only `models` and the wire vocabulary of `workflows`
  (messages, sla_types, activity_io, vocabulary);
- api/* never imports `activities` or `servicedesk`;
- models/* imports none of `workflows` (but its vocabulary, the desk's words: statuses,
  priorities, roles, error types), `activities`, `api`, `servicedesk`, and no `temporalio`;
- models/audit/* is the exception: the audit trail (a ticket's histories from the archive or
  from Temporal, the export's manifest, the timeline) reads the workflows' histories, so it may
  import `temporalio` and, like activities, the wire vocabulary of `workflows`. Being in
  `models`, the API, the worker, the archiving activity and the audit CLI all import it, and
  none of them needs the HTTP package for it;
- models/reporting/* is the other: the reports' figures are measured as the SLA clocks measure
  (business time on the ticket's calendar, minus its pauses), so it may import the pure SLA
  arithmetic of `workflows` (business_time, sla, sla_types), and no `temporalio`. Being in
  `models`, the API's reports and the worker's scheduled report mails compute the same figures;
- servicedesk/* imports `api` only in cli.py, which serves it (the worker, the schedules and
  the audit CLI run without the HTTP package);
- bench/* imports nothing from `tests`: what both use is the product's (servicedesk/processes.py,
  models/seed.py) and bench's own fixtures are in bench/ (fixtures.py, stack.py); a test may
  import a bench workload it checks (tests/e2e/test_long_ticket.py, bench/long_ticket_workload.py);
- workflows/vocabulary.py imports nothing but the standard library: anyone may import it;
- api/ is organised by domain (tickets, inbound, admin, reports, portal, supervisor, each a
  folder); its root holds only the app factory and its parts, the dependencies, the errors,
  the limits and the field types every domain shares; a module that declares routes is
  included by api/app.py and imported by no other domain (a domain uses another's services,
  never its routes).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("workflows", "activities", "api", "models", "servicedesk")
# The workflows' wire vocabulary: what crosses a process boundary (activities and the audit
# trail read it); workflow code (ticket, lifecycle, sla maths) is not part of it.
WIRE = ("workflows.messages", "workflows.records", "workflows.sla_types", "workflows.activity_io", "workflows.vocabulary")
PURE = ("workflows/vocabulary.py", "workflows/records.py", "workflows/activity_io.py", "workflows/lifecycle.py",
        "workflows/codec.py", "workflows/messages.py", "workflows/sla.py", "workflows/sla_types.py",
        "workflows/business_time.py", "workflows/validation.py", "workflows/notices.py", "workflows/closing.py",
        "workflows/alerts.py", *(f"workflows/actions/{p.name}" for p in sorted((ROOT / "workflows/actions").glob("*.py"))))


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module a source file imports (anywhere in it, TYPE_CHECKING blocks included),
    as absolute dotted names. `from a import b` yields both `a` and `a.b` (b may be a module);
    import_module("x") / __import__("x") with a literal name count as well."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                up = node.level - 1
                if up > len(base_parts):
                    raise AssertionError(f"{module}: relative import beyond the top level")
                base = ".".join(base_parts[: len(base_parts) - up])
                target = ".".join(p for p in (base, node.module or "") if p)
            else:
                target = node.module or ""
            found.add(target)
            found.update(".".join(p for p in (target, alias.name) if p) for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else None
            if name in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return {m for m in found if m}


def top(module: str) -> str:
    return module.split(".", 1)[0]


def ours(modules: set[str]) -> set[str]:
    return {m for m in modules if top(m) in OURS}


def files_under(package: str) -> list[Path]:
    d = ROOT / package
    if not d.is_dir():
        return []
    return sorted(p for p in d.rglob("*.py") if "__pycache__" not in p.parts)


def imports_of(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def params(package: str):
    files = files_under(package)
    assert files, f"{package}/ has no Python files: the rule would check nothing"
    return [pytest.param(p, id=str(p.relative_to(ROOT))) for p in files]


# --- The rules ----------------------------------------------------------------------------


def workflow_violations(modules: set[str]) -> set[str]:
    return {m for m in ours(modules) if top(m) != "workflows"}


def pure_violations(modules: set[str]) -> set[str]:
    return {m for m in modules if top(m) == "temporalio"}


def is_wire(m: str) -> bool:
    return m in WIRE or m.startswith(tuple(f"{x}." for x in WIRE))


def only_wire_of_workflows(modules: set[str], packages: tuple[str, ...]) -> set[str]:
    """Ours that are neither in `packages` nor the wire vocabulary of `workflows`."""
    bad = set()
    for m in ours(modules):
        if top(m) in packages or is_wire(m):
            continue
        # `from workflows import messages` records both `workflows` and `workflows.messages`;
        # the bare package is let through only alongside a submodule (which is checked
        # itself: `from workflows import ticket` still records `workflows.ticket`).
        if m == "workflows" and any(x.startswith("workflows.") for x in modules):
            continue
        bad.add(m)
    return bad


def activity_violations(modules: set[str]) -> set[str]:
    # Helpers inside activities/ may be shared by activities.
    return only_wire_of_workflows(modules, ("models", "activities"))


def api_violations(modules: set[str]) -> set[str]:
    return {m for m in modules if top(m) in ("activities", "servicedesk")}


def models_violations(modules: set[str]) -> set[str]:
    return {m for m in modules if top(m) in ("workflows", "activities", "api", "servicedesk", "temporalio")
            and m != "workflows" and m != "workflows.vocabulary" and not m.startswith("workflows.vocabulary.")}


# What the reports' figures may read of `workflows` (models/reporting/): pure, no temporalio.
SLA_ARITHMETIC = ("workflows.business_time", "workflows.sla", "workflows.sla_types", "workflows.vocabulary")


def reporting_violations(modules: set[str]) -> set[str]:
    """models/reporting/*: the models rule, but the SLA arithmetic of workflows is let through."""
    arithmetic = {m for m in modules if m in SLA_ARITHMETIC or m.startswith(tuple(f"{x}." for x in SLA_ARITHMETIC))}
    rest = modules - arithmetic
    if arithmetic:
        rest.discard("workflows")  # `from workflows import sla` records the bare package as well
    return models_violations(rest)


def audit_violations(modules: set[str]) -> set[str]:
    """models/audit/*: of ours, models and the wire vocabulary of workflows (temporalio is fine)."""
    return only_wire_of_workflows(modules, ("models",))


def servicedesk_violations(modules: set[str]) -> set[str]:
    return {m for m in modules if top(m) == "api"}


def bench_violations(modules: set[str]) -> set[str]:
    return {m for m in modules if top(m) == "tests"}


def is_audit(path: Path) -> bool:
    return path.relative_to(ROOT).parts[:2] == ("models", "audit")


def is_reporting(path: Path) -> bool:
    return path.relative_to(ROOT).parts[:2] == ("models", "reporting")


@pytest.mark.parametrize("path", params("workflows"))
def test_workflows_import_only_workflows(path):
    assert workflow_violations(imports_of(path)) == set()


@pytest.mark.parametrize("rel", PURE)
def test_pure_modules_do_not_import_temporalio(rel):
    path = ROOT / rel
    assert path.exists(), f"{rel} is listed as pure but does not exist"
    assert pure_violations(imports_of(path)) == set()


@pytest.mark.parametrize("path", params("activities"))
def test_activities_import_only_models_and_messages(path):
    assert activity_violations(imports_of(path)) == set()


@pytest.mark.parametrize("path", params("api"))
def test_api_never_imports_activities_or_servicedesk(path):
    assert api_violations(imports_of(path)) == set()


@pytest.mark.parametrize("path", params("models"))
def test_models_import_none_of_the_upper_layers(path):
    rule = audit_violations if is_audit(path) else reporting_violations if is_reporting(path) else models_violations
    assert rule(imports_of(path)) == set()


def test_the_audit_trail_is_in_models():
    assert files_under("models/audit"), "models/audit/ is gone: update the audit rule"
    assert not (ROOT / "api" / "audit").exists(), "the audit trail is in models/audit/, not in the HTTP package"


@pytest.mark.parametrize("path", [p for p in params("servicedesk") if p.values[0].name != "cli.py"])
def test_servicedesk_runs_without_the_http_package(path):
    assert servicedesk_violations(imports_of(path)) == set()


@pytest.mark.parametrize("path", params("bench"))
def test_bench_imports_nothing_from_tests(path):
    assert bench_violations(imports_of(path)) == set()


API_ROOT = {"__init__.py", "app.py", "openapi.py", "headers.py", "params.py", "deps.py", "errors.py", "limits.py",
            "throttle.py", "schemas.py"}
API_DOMAINS = {"tickets", "inbound", "admin", "reports", "portal", "supervisor", "signin", "console", "me", "macros"}


API_DOMAINS |= {"search"}  # one search over tickets and articles (docs/search.md)
API_DOMAINS |= {"kb"}  # the knowledge base's articles (docs/knowledge-base.md)

def test_the_api_root_holds_only_the_app_and_what_every_domain_shares():
    assert {p.name for p in (ROOT / "api").glob("*.py")} == API_ROOT
    packages = {p.parent.name for p in (ROOT / "api").glob("*/__init__.py")}
    assert packages == API_DOMAINS


def declares_routes(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
               and getattr(node.value.func, "id", "") == "APIRouter" for node in tree.body)


def domain(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_a_domain_uses_another_domains_services_never_its_routes():
    route_modules = {module_name(p) for p in files_under("api") if declares_routes(p)}
    assert len(route_modules) > 15
    crossing = {f"{module_name(p)} imports {m}" for p in files_under("api") if module_name(p) != "api.app"
                for m in imports_of(p) & route_modules if domain(m) != domain(module_name(p))}
    assert crossing == set()


def test_pure_modules_exist():
    for rel in PURE:
        assert (ROOT / rel).is_file(), rel


# --- The checker itself ---------------------------------------------------------------------


def test_parser_resolves_absolute_relative_and_dynamic_imports():
    src = """
import os, temporalio.workflow as wf
from workflows.messages import Actor
from . import lifecycle
from .codec import decode_action
from .. import models
from ..activities.triage import triage
import importlib
importlib.import_module("servicedesk.worker")
__import__("api.app")

def late():
    from typing import TYPE_CHECKING
    if TYPE_CHECKING:
        from activities import routing
"""
    mods = imported_modules(src, "workflows.ticket")
    assert {
        "os", "temporalio.workflow", "workflows.messages", "workflows.messages.Actor", "workflows",
        "workflows.lifecycle", "workflows.codec", "models", "activities.triage", "servicedesk.worker",
        "api.app", "activities", "activities.routing",
    } <= mods
    assert workflow_violations(mods) >= {"models", "activities.triage", "servicedesk.worker", "api.app",
                                         "activities.routing"}
    assert pure_violations(mods) == {"temporalio.workflow"}


def test_relative_import_in_package_init():
    mods = imported_modules("from .tables import Ticket\nfrom . import db\n", "models", is_package=True)
    assert {"models.tables", "models.db"} <= mods
    assert models_violations(mods) == set()


@pytest.mark.parametrize(
    "src,bad",
    [
        ("from workflows.messages import Actor\nfrom models.tables import TicketRow\n", set()),
        ("from workflows import messages\n", set()),
        ("import models.db\n", set()),
        ("import sqlalchemy, temporalio\n", set()),
        ("from workflows.lifecycle import apply\n", {"workflows.lifecycle", "workflows.lifecycle.apply"}),
        ("from workflows import ticket\n", {"workflows.ticket"}),
        ("import workflows\n", {"workflows"}),
        ("from api.schemas import X\n", {"api.schemas", "api.schemas.X"}),
        ("from servicedesk import worker\n", {"servicedesk", "servicedesk.worker"}),
        ("from .calendars import build_calendar\n", set()),
        ("from workflows.sla_types import Calendar\n", set()),
        ("from workflows.sla import observe\n", {"workflows.sla", "workflows.sla.observe"}),
    ],
)
def test_activity_rule_examples(src, bad):
    assert activity_violations(imported_modules(src, "activities.triage")) == bad


@pytest.mark.parametrize(
    "src,ok",
    [
        ("from workflows.messages import Actor\nfrom models.db import make_engine\n", True),
        ("from workflows.ticket import TicketWorkflow\n", True),
        ("from activities.triage import triage\n", False),
        ("import servicedesk.worker\n", False),
        ("from servicedesk import binaries\n", False),
    ],
)
def test_api_rule_examples(src, ok):
    assert (api_violations(imported_modules(src, "api.app")) == set()) is ok


@pytest.mark.parametrize(
    "src,ok",
    [
        ("from sqlalchemy import select\nfrom models.tables import Agent\n", True),
        ("from workflows.messages import Actor\n", False),
        ("from api import schemas\n", False),
        ("from ..activities import triage\n", False),
        ("from temporalio.client import Client\n", False),
    ],
)
def test_models_rule_examples(src, ok):
    assert (models_violations(imported_modules(src, "models.queries")) == set()) is ok


@pytest.mark.parametrize(
    "rule,module,src,ok",
    [
        (audit_violations, "models.audit.source",
         "from workflows.messages import ticket_workflow_id\nfrom temporalio.client import Client\n", True),
        (audit_violations, "models.audit.source", "from models.audit import archive\nfrom . import manifest\n", True),
        (audit_violations, "models.audit.source", "from workflows.ticket import TicketWorkflow\n", False),
        (audit_violations, "models.audit.source", "from api.tickets.gateway import TicketGateway\n", False),
        (audit_violations, "models.audit.source", "from activities.archive import LOST_NOTE\n", False),
        (audit_violations, "models.audit.source", "import servicedesk.worker\n", False),
        (reporting_violations, "models.reporting.clock",
         "from workflows.business_time import business_seconds_between\nfrom workflows import sla\n", True),
        (reporting_violations, "models.reporting.figures", "from models import reports\nfrom . import clock\n", True),
        (reporting_violations, "models.reporting.figures", "from workflows.ticket import TicketWorkflow\n", False),
        (reporting_violations, "models.reporting.figures", "from workflows.messages import Actor\n", False),
        (reporting_violations, "models.reporting.figures", "from temporalio import workflow\n", False),
        (reporting_violations, "models.reporting.figures", "from api.reports import routes\n", False),
        (servicedesk_violations, "servicedesk.audit", "from models.audit.source import ticket_export\n", True),
        (servicedesk_violations, "servicedesk.worker", "from api.audit import source\n", False),
        (bench_violations, "bench.stack", "from servicedesk.processes import free_port\nfrom bench import stats\n", True),
        (bench_violations, "bench.stack", "from tests.e2e.procs import free_port\n", False),
        (bench_violations, "bench.stack", "import tests.conftest\n", False),
        (bench_violations, "bench.long_ticket", "from ..tests.api.conftest import Desk\n", False),
    ],
)
def test_audit_servicedesk_and_bench_rule_examples(rule, module, src, ok):
    assert (rule(imported_modules(src, module)) == set()) is ok


def test_module_name():
    assert module_name(ROOT / "workflows" / "lifecycle.py") == "workflows.lifecycle"
    assert module_name(ROOT / "api" / "tickets" / "__init__.py") == "api.tickets"


def test_the_vocabulary_imports_only_the_standard_library():
    path = ROOT / "workflows/vocabulary.py"
    assert {m.split(".")[0] for m in imports_of(path)} <= {"__future__", "enum"}
