"""The rules that keep the architecture: the layers' import graph and a light API cold start.

domain ← services ← handlers, with adapters implementing the domain's ports and
`bootstrap` the one place that wires adapters in. Every import counts, a lazy one
inside a function included: that is still a dependency, only a later one.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.cli.environment import ROOT

IO_LIBRARIES = ("chalice", "boto3", "botocore", "pynamodb", "PIL")


def _imports(source: str, package: str) -> set[str]:
    """The modules `source` (a module of `package`) imports anywhere, relative imports made
    absolute; `from x import y` counts as both `x` and `x.y` (y may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[:len(parts) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return names


def _reaches(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in forbidden)


def _offenders(layer: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Per module of `chalicelib/<layer>`, the forbidden modules it imports (modules with none left out)."""
    found = {}
    for path in sorted((ROOT / "chalicelib" / layer).rglob("*.py")):
        package = ".".join(path.relative_to(ROOT).parts[:-1])
        bad = sorted(name for name in _imports(path.read_text(encoding="utf-8"), package)
                     if _reaches(name, forbidden))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_domain_imports_no_io_library():
    assert _offenders("domain", IO_LIBRARIES) == {}


def test_services_import_no_adapter_aws_sdk_web_framework_or_pillow():
    assert _offenders("services", ("chalicelib.adapters", *IO_LIBRARIES)) == {}


def test_adapters_import_no_service_or_handler():
    assert _offenders("adapters", ("chalicelib.services", "chalicelib.handlers")) == {}


def test_handlers_reach_adapters_only_through_bootstrap():
    assert _offenders("handlers", ("chalicelib.adapters",)) == {}


@pytest.mark.parametrize("source, package, imported", [
    ("def later():\n    from chalicelib.adapters import photos\n", "chalicelib.services", "chalicelib.adapters.photos"),
    ("from ..adapters.dynamo import codec\n", "chalicelib.handlers", "chalicelib.adapters.dynamo.codec"),
    ("from . import photos\n", "chalicelib.adapters", "chalicelib.adapters.photos"),
    ("import chalicelib.services.outbox as outbox\n", "chalicelib.adapters.dynamo", "chalicelib.services.outbox"),
])
def test_an_import_counts_wherever_it_is_and_however_it_is_spelled(source, package, imported):
    assert imported in _imports(source, package)


def test_the_chalice_rule_does_not_catch_chalicelib():
    assert not _reaches("chalicelib.domain.ports", IO_LIBRARIES)
    assert _reaches("chalice.app", IO_LIBRARIES)


def test_importing_the_api_loads_chalice_and_the_settings_and_no_handler():
    """A cold start pays for the app's wiring only: every handler, and the domain, services,
    adapters and Powertools behind them, load with the first request that needs them."""
    probe = ("import sys, app; print(sorted(m for m in sys.modules if m.startswith('chalicelib.') "
             "or m.split('.')[0] in {'aws_lambda_powertools', 'pynamodb', 'boto3', 'botocore', 'dataclasses'}))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=dict(os.environ),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sorted(["chalicelib.handlers", "chalicelib.handlers.routing",
                                                "chalicelib.handlers.wiring", "chalicelib.lazy",
                                                "chalicelib.settings"]))


def test_importing_the_api_loads_no_image_or_pdf_library():
    probe = ("import sys, app; heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "{'PIL', 'reportlab', 'segno', 'fpdf', 'qrcode', 'pypdf', 'aws_xray_sdk'}); print(heavy)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=dict(os.environ),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
