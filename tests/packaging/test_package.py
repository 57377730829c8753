"""The Lambda deployment package builds offline from wheels and fits Lambda's limits.

`swreg deploy package`, then `chalice package --pkg-format terraform` (the
CloudFormation/SAM packager refuses apps with S3 event handlers, chalice #855;
`chalice deploy` is the deploy path and bundles the same way): Chalice reuses
the packages the swreg step built, with their bytecode.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chalicelib.cli.environment import ROOT, stage_variables

pytestmark = pytest.mark.packaging
MB = 1024 * 1024
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("package") / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SWREG_", "AWS_ENDPOINT"))}
    env["AWS_DEFAULT_REGION"] = "us-east-1"  # deploy needs a region; the package is region-free
    project = _project_without_log_retention(tmp_path_factory.mktemp("project"))
    built = subprocess.run([str(BIN / "swreg"), "--stage", "prod", "deploy", "package", "--project-dir", str(project)],
                           cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    result = subprocess.run([str(BIN / "chalice"), "package", "--pkg-format", "terraform", "--stage", "prod",
                             str(out)], cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Reusing existing") == 2, result.stdout  # the layer's and the app's
    return out


def _project_without_log_retention(folder: Path) -> Path:
    """The project as `chalice package` must see it: the packager refuses the prod stage's
    `log_retention_in_days` (chalice #2079), which only `chalice deploy` and `swreg deploy finish`
    apply. The code is linked, not copied; the bundle is the same."""
    for name in ("app.py", "chalicelib", "requirements.txt"):
        (folder / name).symlink_to(ROOT / name)
    (folder / ".chalice").mkdir()
    (folder / ".chalice" / "policy-prod.json").symlink_to(ROOT / ".chalice" / "policy-prod.json")
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    config["stages"]["prod"].pop("log_retention_in_days")
    (folder / ".chalice" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def _zips(package: Path) -> list[Path]:
    return sorted(package.glob("*.zip"))


def test_pillow_is_bundled_from_a_manylinux_wheel_not_built_here(package):
    tags = []
    for archive in _zips(package):
        with zipfile.ZipFile(archive) as zf:
            tags += [line for name in zf.namelist()
                     if "/pillow-" in name.lower() and name.endswith(".dist-info/WHEEL")
                     for line in zf.read(name).decode().splitlines() if line.startswith("Tag:")]
    assert tags, "Pillow is missing from the deployment package"
    assert all("manylinux" in tag for tag in tags), tags


def test_the_package_fits_lambda_size_limits(package):
    zipped = {archive.name: archive.stat().st_size for archive in _zips(package)}
    unzipped = 0
    for archive in _zips(package):
        with zipfile.ZipFile(archive) as zf:
            unzipped += sum(info.file_size for info in zf.infolist())
    print({name: f"{size / MB:.1f} MB" for name, size in zipped.items()}, f"{unzipped / MB:.0f} MB unzipped")
    assert all(size < 50 * MB for size in zipped.values()), zipped
    assert unzipped < 250 * MB, f"{unzipped / MB:.0f} MB unzipped"


def test_the_certificate_fonts_and_rendering_libraries_are_deployed(package):
    names = set()
    for archive in _zips(package):
        with zipfile.ZipFile(archive) as zf:
            names.update(zf.namelist())
    for font in ("NotoSansSC-Regular.ttf", "HanaMinB.ttf", "NotoSansSC-OFL.txt", "HanaMinB-OFL.txt"):
        assert f"chalicelib/assets/fonts/{font}" in names
    for library in ("reportlab/pdfgen/canvas.py", "segno/__init__.py"):
        assert any(name.endswith(library) for name in names), library


def test_the_packages_hold_bytecode_that_python_loads_without_looking_at_the_source(package, tmp_path):
    """Lambda's code folders are read-only: the package brings every module's bytecode, unchecked
    (hash-based, flags 0b01), so it loads as shipped. A source changed after packaging still loads
    from its bytecode: the proof that the bytecode, not the source, is what runs."""
    names = set()
    for archive in _zips(package):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp_path)
            names.update(zf.namelist())
    tag = sys.implementation.cache_tag
    sources = [name for name in names if name.endswith(".py") and name.startswith(("app.py", "chalicelib/"))]
    missing = [name for name in sources if _cached(name, tag) not in names]
    assert sources and not missing, missing
    site = f"python/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
    assert _cached(f"{site}/botocore/client.py", tag) in names
    assert (tmp_path / _cached("chalicelib/bootstrap.py", tag)).read_bytes()[4:8] == (1).to_bytes(4, "little")
    for module in ("chalicelib/bootstrap.py", f"{site}/pynamodb/connection/base.py"):
        (tmp_path / module).write_text("raise RuntimeError('the source ran, not the bytecode')\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, "AWS_REGION": "us-east-1",
           **stage_variables("test")}
    loads = "import sys; sys.path[:0] = sys.argv[1:]; import app, chalicelib.bootstrap, pynamodb.connection.base"
    done = subprocess.run([sys.executable, "-S", "-B", "-c", loads, str(tmp_path), str(tmp_path / site)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _cached(source: str, tag: str) -> str:
    folder, _, name = source.rpartition("/")
    return f"{folder + '/' if folder else ''}__pycache__/{name[:-3]}.{tag}.pyc"
