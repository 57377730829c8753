"""Every port has a fake, a typed place in `Deps`, and a contract test tying the fake to the real adapter.

The ports are found by reflection: every `Protocol` class in `chalicelib/domain/ports.py`.
A port's fake is `tests.fakes.Fake<Port>` (or the name in FAKE_NAMES) and must have
every method of the port, taking the port's parameters by name. Some contract test
module (`tests/**/test_*_contract.py`) must name the fake and, beside it, the port or
the real adapter (the `Deps` field typed with the port, read as `.<field>`, or a class
`bootstrap.build` fills that field with), so a new port without a fake, or a fake nobody checks, fails here.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.domain import ports
from chalicelib.services.deps import Deps
from tests import fakes

ROOT = Path(__file__).resolve().parents[2]
FAKE_NAMES = {"OutboxRepository": "FakeOutbox", "SmsSender": "FakeSms"}
PORTS = sorted(name for name, value in vars(ports).items()
               if inspect.isclass(value) and getattr(value, "_is_protocol", False) and value.__module__ == ports.__name__)
CONTRACTS = {path: path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*_contract.py")}


def _methods(port: type) -> dict[str, object]:
    return {name: member for name, member in vars(port).items()
            if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))}


def _deps_fields() -> dict[str, str]:
    """Each `Deps` field's name by the port its annotation names."""
    return {field.type: field.name for field in dataclasses.fields(Deps)}


def _adapter_patterns(field: str) -> list[str]:
    """The field read as an attribute (`.photos`) and the classes `bootstrap.build` fills it with
    (CamelCase names in its value, or in the module's functions that value calls)."""
    functions = {node.name: node for node in ast.parse(inspect.getsource(bootstrap)).body
                 if isinstance(node, ast.FunctionDef)}
    filled = next(node for node in ast.walk(functions["build"])
                  if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Deps")
    value = next(keyword.value for keyword in filled.keywords if keyword.arg == field)
    sources = [value, *(functions[node.id] for node in ast.walk(value)
                        if isinstance(node, ast.Name) and node.id in functions)]
    patterns = [rf"\.{field}\b"]
    for source in sources:
        for node in ast.walk(source):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            if name and name[0].isupper():
                patterns.append(rf"(?<!\w){name}\b")
    return patterns


def test_the_ports_are_found():
    assert {"AccountRepository", "ObjectStore", "OutboxRepository", "TokenSigner", "Clock"} <= set(PORTS)


@pytest.mark.parametrize("port_name", PORTS)
def test_every_port_has_a_fake_with_all_its_methods(port_name):
    fake = getattr(fakes, FAKE_NAMES.get(port_name, f"Fake{port_name}"), None)
    assert fake is not None, f"tests/fakes.py has no fake for {port_name}"
    for name, member in _methods(getattr(ports, port_name)).items():
        assert hasattr(fake, name), f"{fake.__name__} lacks {name}"
        if isinstance(member, property):
            continue
        wanted = [p for p in inspect.signature(member).parameters.values()
                  if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]
        given = inspect.signature(getattr(fake, name)).parameters
        missing = [p.name for p in wanted if p.name not in given and not any(
            q.kind is q.VAR_KEYWORD for q in given.values())]
        assert not missing, f"{fake.__name__}.{name} does not take {missing}"


@pytest.mark.parametrize("port_name", PORTS)
def test_every_port_is_a_typed_dependency(port_name):
    assert port_name in _deps_fields(), f"no Deps field is typed {port_name}"


@pytest.mark.parametrize("port_name", PORTS)
def test_every_fake_meets_its_real_adapter_in_a_contract_test(port_name):
    fake = FAKE_NAMES.get(port_name, f"Fake{port_name}")
    real = [rf"(?<!\w){port_name}\b", *_adapter_patterns(_deps_fields()[port_name])]
    tied = [path.name for path, text in CONTRACTS.items()
            if re.search(rf"\b{fake}\b", text) and any(re.search(pattern, text) for pattern in real)]
    assert tied, f"no contract test names both {fake} and {port_name} or its adapter ({real})"
