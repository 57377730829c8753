"""Turns domain dataclasses into JSON-safe dicts and back, guided by their type hints.

The application aggregate is stored as one JSON document (plus the key
attributes its indexes need), so adding a field to the entity needs no
mapping code here.
"""
from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.init or not f.name.startswith("_")}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(encode(k)): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [encode(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    return value


def decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return decode(options[0], value) if len(options) == 1 else value
    if origin in (list, tuple, set, frozenset) or hint in (list, tuple):
        item_hint = args[0] if args else Any
        items = [decode(item_hint, v) for v in value]
        return (origin or hint)(items) if (origin or hint) is not list else items
    if origin is dict:
        key_hint, value_hint = args or (Any, Any)
        return {decode(key_hint, k): decode(value_hint, v) for k, v in value.items()}
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            hints = _hints(hint)
            kwargs = {f.name: decode(hints[f.name], value[f.name])
                      for f in dataclasses.fields(hint) if f.init and f.name in value}
            obj = hint(**kwargs)
            for f in dataclasses.fields(hint):
                if not f.init and f.name in value and not f.name.startswith("_"):
                    object.__setattr__(obj, f.name, decode(hints[f.name], value[f.name]))
            return obj
        if issubclass(hint, enum.Enum):
            return hint(value)
        if hint is datetime:
            return datetime.fromisoformat(value)
        if hint is date:
            return date.fromisoformat(value)
        if hint is Decimal:
            return Decimal(value)
    return value


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)
