"""The desk's words are spelled once (workflows/vocabulary.py): the Literal types of the
messages are the enums' words, every error type the code names is an ErrorType (which carries
its status, with no default), and every notification kind the workflow makes has its templates."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import pytest

from activities.rendering import has_templates
from api.errors import ApiError
from workflows import messages as m
from workflows import vocabulary as v

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("literal, enum", [(m.Status, v.Status), (m.Priority, v.Priority), (m.Channel, v.Channel)])
def test_the_messages_literal_types_are_the_vocabularys_words(literal, enum):
    assert get_args(literal) == tuple(e.value for e in enum)


def test_word_tuples_are_plain_strings_in_the_enums_order():
    assert m.STATUSES == tuple(v.Status) and all(type(s) is str for s in m.STATUSES)
    assert m.PRIORITIES == ("low", "normal", "high", "critical")
    assert [p.rank for p in v.Priority] == [0, 1, 2, 3]
    assert v.Priority.HIGH.raised() == "critical" and v.Priority.CRITICAL.raised() == "critical"
    assert set(v.ACTIVE_STATUSES) | set(v.DONE_STATUSES) == set(v.Status)
    assert set(v.ACTING_ROLES) | {"auditor"} == set(v.Role)


def named_error_types() -> dict[str, str]:
    """Every error type named by a literal in our code: the first argument of ApiError,
    ActionRejected and ConfigError, `type=` given to ApplicationError or our helpers, and the
    (type, message) pairs returned for ActionRejected(*problem)."""
    found: dict[str, str] = {}
    for package in ("api", "models", "workflows", "activities", "servicedesk"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and node.value.elts
                        and isinstance(first := node.value.elts[0], ast.Constant) and isinstance(first.value, str)
                        and first.value[:1].isupper() and first.value.isalpha()):
                    # (error type, message) returned for ActionRejected(*problem), e.g. closing.survey_problem
                    found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
                if not isinstance(node, ast.Call):
                    continue
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
                values = []
                if name in ("ApiError", "ActionRejected", "ConfigError") and node.args:
                    values.append(node.args[0])
                values += [k.value for k in node.keywords if k.arg == "type" and name != "ApplicationError"]
                if name == "ApplicationError":
                    values += [k.value for k in node.keywords if k.arg == "type"]
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.setdefault(value.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


DELIVERY_CATEGORIES = {"PermanentDeliveryFailure", "DeliveryFailed"}  # activities/delivery.py


def test_every_error_type_the_code_names_has_a_status():
    named = named_error_types()
    assert len(named) > 30, named  # the scan sees the code
    unknown = {t: where for t, where in named.items() if t not in set(v.ErrorType) | DELIVERY_CATEGORIES}
    assert unknown == {}


def test_an_error_type_that_is_not_in_the_vocabulary_is_refused_where_it_is_made():
    assert ApiError("RateLimited", "x").status == 429
    assert ApiError(v.ErrorType.TICKET_CLOSED, "x").status == 409
    with pytest.raises(ValueError):
        ApiError("NoSuchError", "a type nobody declared")


def test_every_notification_kind_has_its_templates_and_the_workflow_makes_only_those():
    assert [k for k in v.NotificationKind if not has_templates(k)] == []
    # The kinds notices.py and the actions give literally, and the SLA milestones' (timers.py
    # makes sla_<kind>).
    made = set()
    sources = [ROOT / "workflows/notices.py", *sorted((ROOT / "workflows/actions").glob("*.py"))]
    for node in (n for path in sources for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))):
        name = getattr(node.func, "id", "") or getattr(node.func, "attr", "") if isinstance(node, ast.Call) else ""
        if name in ("to_requester", "to_agents"):
            made.add(node.args[2].value)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "NotifyInput":
            made.update(k.value.value for k in node.keywords if k.arg == "kind" and isinstance(k.value, ast.Constant))
    made |= {f"sla_{kind}" for kind in ("warning", "breach", "escalation")}
    made |= set(v.NO_TICKET_KINDS)  # the knowledge base's review reminder (activities/kb_review.py)
    assert made == set(v.NotificationKind)


def test_the_search_attributes_are_the_ones_registered():
    from workflows import search_attributes

    assert [k.name for k in search_attributes.KEYS] == list(m.SEARCH_ATTRIBUTES)
    assert {p.key.name: p.value for p in search_attributes.at_start(None)} == {"TicketStatus": "new",
                                                                               "TicketPriority": "normal"}
