"""The rules that keep the architecture: a pure domain and a light API cold start."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from chalicelib.cli.environment import ROOT

FORBIDDEN = {"chalice", "boto3", "botocore", "pynamodb", "PIL"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_no_io_library():
    offenders = {str(path.relative_to(ROOT)): sorted(_imported_roots(path) & FORBIDDEN)
                 for path in (ROOT / "chalicelib" / "domain").rglob("*.py")}
    assert {path: libs for path, libs in offenders.items() if libs} == {}


def test_importing_the_api_loads_no_image_or_pdf_library():
    probe = ("import sys, app; heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "{'PIL', 'reportlab', 'segno', 'fpdf', 'qrcode', 'pypdf', 'aws_xray_sdk'}); print(heavy)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=dict(os.environ),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
