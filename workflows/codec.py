"""Strict decoding of actions that arrive as JSON (updates and signals).

The SDK's default converter silently ignores unknown fields and picks the first member of a
union that fits, so a payload without `kind` could become the wrong action. Handlers take
the raw mapping instead and decode it here, so a bad payload is rejected with a message that
names the field. Pure Python: used by the workflow and by tests.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from typing import Any, Literal, TypeVar, cast

from workflows.messages import AGENT_ACTIONS, AlertNotice, CustomerReply, TicketAction


class ActionDecodeError(ValueError):
    """The payload is not a valid action; the message names the field."""


def decode_action(raw: Any) -> TicketAction:
    if not isinstance(raw, dict):
        raise ActionDecodeError("action: expected a JSON object")
    kind = raw.get("kind")
    if kind is None:
        raise ActionDecodeError(f"kind: required, one of {sorted(AGENT_ACTIONS)}")
    cls = AGENT_ACTIONS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ActionDecodeError(f"kind: unknown action {kind!r}, expected one of {sorted(AGENT_ACTIONS)}")
    return decode_dataclass(cls, raw, path="")


def decode_customer_reply(raw: Any) -> CustomerReply:
    if not isinstance(raw, dict):
        raise ActionDecodeError("customer reply: expected a JSON object")
    return decode_dataclass(CustomerReply, {"kind": "customer_reply", **raw}, path="")


def decode_alert_notice(raw: Any) -> AlertNotice:
    if not isinstance(raw, dict):
        raise ActionDecodeError("alert notice: expected a JSON object")
    return decode_dataclass(AlertNotice, {"kind": "alert", **raw}, path="")


T = TypeVar("T")


def decode_dataclass(cls: type[T], raw: Any, path: str) -> T:
    if isinstance(raw, cls):
        return raw
    if not isinstance(raw, dict):
        raise ActionDecodeError(f"{path or cls.__name__}: expected an object")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cast(Any, cls))}  # cls is a dataclass: its callers pass one
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ActionDecodeError(f"{_join(path, unknown[0])}: unknown field")
    values = {}
    for name, f in fields.items():
        where = _join(path, name)
        if name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ActionDecodeError(f"{where}: required")
            continue
        values[name] = _decode_value(hints[name], raw[name], where)
    return cls(**values)


def _decode_value(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1:
            return _decode_value(non_none[0], value, where)
        raise ActionDecodeError(f"{where}: unsupported union")  # not used by our messages
    if origin is Literal:
        if value not in args:
            raise ActionDecodeError(f"{where}: {value!r} is not one of {list(args)}")
        return value
    if origin is dict:
        if not isinstance(value, dict):
            raise ActionDecodeError(f"{where}: expected an object")
        return {_decode_value(args[0], k, where): _decode_value(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if origin is list:
        if not isinstance(value, list):
            raise ActionDecodeError(f"{where}: expected a list")
        return [_decode_value(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if hint is str:
        if not isinstance(value, str):
            raise ActionDecodeError(f"{where}: expected a string")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ActionDecodeError(f"{where}: expected true or false")
        return value
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ActionDecodeError(f"{where}: expected an integer")
        return value
    if hint is datetime:
        try:
            return datetime.fromisoformat(value)
        except (TypeError, ValueError) as err:
            raise ActionDecodeError(f"{where}: expected an ISO 8601 date-time") from err
    if dataclasses.is_dataclass(hint):
        return decode_dataclass(cast(type, hint), value, where)
    raise ActionDecodeError(f"{where}: unsupported type {hint!r}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
