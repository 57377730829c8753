"""`make deploy-rehearsal` runs in the suite: the whole prod deploy against moto on loopback, checked
against the app's own definitions (devstack/rehearsal.py says what it checks)."""
from __future__ import annotations

import os
import subprocess
import sys

from chalicelib.cli.environment import ROOT


def test_the_prod_deploy_rehearsal_creates_what_the_app_defines_and_chalice_delete_removes_it():
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SWREG_", "AWS_"))}
    result = subprocess.run([sys.executable, "-m", "devstack.rehearsal"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rehearsal passed" in result.stdout
