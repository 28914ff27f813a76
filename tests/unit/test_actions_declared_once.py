"""An action is declared once (workflows/actions/): its data, transition row, checks, effect and
notices on its class. These tests hold everything else to that declaration: the API's request
bodies and docs, the `act` update's decoder, and the modules around the state machine, which
name no action."""

from __future__ import annotations

import ast
import dataclasses
import typing
from pathlib import Path

import pytest

from api.app import create_app
from api.tickets.actions import ACTION_BODIES, ACTION_EXAMPLES, SubTicketIn
from models.settings import Settings
from workflows import messages as m
from workflows.actions import ACTIONS, AGENT_ACTIONS, FAMILIES, TicketAction
from workflows.codec import decode_action
from workflows.vocabulary import Status

ROOT = Path(__file__).resolve().parents[2]
AGENT = m.Actor(kind="agent", id="ann@demo.example", name="Ann")


@pytest.mark.parametrize("kind", list(ACTIONS))
def test_each_action_declares_its_kind_and_a_transition_row_of_statuses(kind):
    cls = ACTIONS[kind]
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    assert {f.name: f.default for f in dataclasses.fields(cls)}["kind"] == kind
    assert "actor" in {f.name for f in dataclasses.fields(cls)}
    assert cls.moves, f"{kind} may be taken from no status"
    assert set(cls.moves) <= set(Status) and set(cls.moves.values()) - {None} <= set(Status)
    assert cls.__module__ in {family.__name__ for family in FAMILIES}


def test_a_kind_declared_twice_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError, match="declared twice"):
        @dataclasses.dataclass(frozen=True)
        class Another(TicketAction):  # defining it is the test
            actor: m.Actor
            kind: str = "reply"
            moves = {"open": None}


@pytest.mark.parametrize("kind", list(AGENT_ACTIONS))
def test_the_api_body_has_the_actions_fields_and_requires_what_the_action_requires(kind):
    cls, body = AGENT_ACTIONS[kind], ACTION_BODIES[kind]
    assert body.__name__ == f"{cls.__name__}In"
    action_fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in ("actor", "kind")}
    assert set(body.model_fields) - {"kind"} == set(action_fields)
    for name, f in action_fields.items():
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        assert body.model_fields[name].is_required() is not has_default, name


def test_the_api_offers_exactly_the_agent_actions_each_with_an_example_that_becomes_that_action():
    assert list(ACTION_BODIES) == list(ACTION_EXAMPLES) == list(AGENT_ACTIONS)
    for kind, example in ACTION_EXAMPLES.items():
        body = ACTION_BODIES[kind].model_validate(example["value"])
        resolved = {"children": [m.SubTicket(number=100 + i, **c.model_dump()) for i, c in enumerate(body.children)]
                    } if kind == "split" else {}
        action = body.to_action(AGENT, **resolved)
        assert type(action) is AGENT_ACTIONS[kind]
        # What the API builds, the workflow's `act` update decodes back to the same action.
        assert decode_action(dataclasses.asdict(action)) == action
        assert example["summary"] and len(example["summary"]) < 80


def test_the_openapi_document_lists_the_agent_actions_in_the_act_body():
    spec = create_app(Settings()).openapi()
    body = spec["paths"]["/tickets/{number}/actions"]["post"]["requestBody"]["content"]["application/json"]
    assert set(body["schema"]["discriminator"]["mapping"]) == set(AGENT_ACTIONS)
    assert set(body["examples"]) == set(AGENT_ACTIONS)


def test_a_split_sub_ticket_body_is_the_sub_ticket_but_its_reserved_number():
    assert set(SubTicketIn.model_fields) == {f.name for f in dataclasses.fields(m.SubTicket)} - {"number"}


@pytest.mark.parametrize("path", ["workflows/lifecycle.py", "workflows/notices.py", "workflows/sla.py",
                                  "workflows/closing.py", "workflows/validation.py"])
def test_the_machinery_around_the_actions_names_none_of_them(path):
    """No `isinstance(action, Reply)` chain and no `kind == "reply"` test outside the actions:
    a missing branch there was a runtime error."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    class_names = {cls.__name__ for cls in ACTIONS.values()}
    named = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    kinds = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in docstrings} & set(ACTIONS)
    assert named & class_names == set()
    assert kinds == set()


def test_the_datas_annotations_resolve_without_their_modules():
    """The workflow sandbox resolves string annotations through the modules it imported
    itself, which are not these (workflows/records.py says why they have no string
    annotations); an unresolved one fails the workflow task with NameError."""
    from workflows import records

    classes = [*ACTIONS.values(), m.AlertNotice, m.CustomerConfirmation, m.SubTicket,
               *(c for c in vars(records).values() if dataclasses.is_dataclass(c) and c.__module__ == records.__name__)]
    for cls in classes:
        assert typing.get_type_hints(cls, globalns={}, localns={}), cls
