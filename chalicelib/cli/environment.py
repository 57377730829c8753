"""Gives the CLI the same environment a deployed function of a stage sees.

Stage variables come from `.chalice/config.json` (the one source for them);
for the `local` stage, endpoints and fake credentials come from
`.local/stack.json` (or `$SWREG_LOCAL_DIR/stack.json`), which `make run` writes while the stack is up. Variables
already set in the shell win, so operators can point the CLI anywhere.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class StackNotRunningError(RuntimeError):
    """The local stage was asked for but `make run` is not up."""


def stage_variables(stage: str, root: Path = ROOT) -> dict[str, str]:
    config = json.loads((root / ".chalice" / "config.json").read_text())
    if stage not in config["stages"]:
        raise KeyError(f"no stage {stage!r} in .chalice/config.json")
    variables = {**config.get("environment_variables", {}),
                 **config["stages"][stage].get("environment_variables", {})}
    for name in ("SWREG_SMS_FILE", "SWREG_JWT_KEY_FILE"):
        if variables.get(name):
            variables[name] = str(root / variables[name])
    return variables


def apply(stage: str) -> None:
    variables = stage_variables(stage)
    if stage == "local":
        stack_file = Path(os.environ.get("SWREG_LOCAL_DIR", ROOT / ".local")) / "stack.json"
        if not stack_file.exists():
            raise StackNotRunningError("the local stack is not running: start it with `make run`")
        variables.update(json.loads(stack_file.read_text()))
    for name, value in variables.items():
        os.environ.setdefault(name, value)
