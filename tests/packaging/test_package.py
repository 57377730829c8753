"""The Lambda deployment package builds offline from wheels and fits Lambda's limits.

`chalice package --pkg-format terraform` (the CloudFormation/SAM packager
refuses apps with S3 event handlers, chalice #855; `chalice deploy` is the
deploy path and bundles the same way).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chalicelib.cli.environment import ROOT

pytestmark = pytest.mark.packaging
MB = 1024 * 1024


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("package") / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SWREG_", "AWS_ENDPOINT"))}
    env["AWS_DEFAULT_REGION"] = "us-east-1"  # deploy needs a region; the package is region-free
    result = subprocess.run([str(Path(sys.executable).parent / "chalice"), "package", "--pkg-format",
                             "terraform", "--stage", "prod", str(out)],
                            cwd=_project_without_log_retention(tmp_path_factory.mktemp("project")), env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
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
