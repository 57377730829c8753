"""How much does the API's cold import cost next to a bare Chalice app, and what would the SMS SDK add?

Login codes are sent from the API, through Tencent Cloud SMS in a China region, so the SDK is on
the API's path; the adapter imports it on the first send, not at cold start. Each figure is the
median, over several fresh interpreters, of the time one import takes (interpreter start-up left
out), with the API's settings those of prod's SMS (`SWREG_SMS_SINK=tencent`):
- floor: a bare Chalice app (`from chalice import Chalice; Chalice(...)`);
- the API as it is: `import app` (what Lambda does at a cold start: the handlers are imported by
  the first request that needs them, see `handlers/routing.py`);
- for scale, the API and what a first `GET /me` then imports (its handler, middleware, the domain,
  PynamoDB): the cost the lazy wiring moves from the import to the first request of a container;
- the API had it imported the SDK at module level: `import app` and then the SDK's SMS client;
- the SDK alone, in an interpreter that has loaded nothing else.
Goal (the issue): the API's cold import within 1.3x of a bare Chalice app; the SDK, imported
lazily, adds nothing to it.
Usage: .venv/bin/python bench/cold_start.py [RUNS]   (default 15; `--quick`: 3 runs, a few seconds)
No AWS stack is started.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

import _stack
from chalicelib.cli.environment import stage_variables
from chalicelib.domain.texts import SMS_TEMPLATES

GOAL = 1.3
SDK = "import tencentcloud.sms.v20210111.sms_client, tencentcloud.sms.v20210111.models"
# What the first GET /me in a container imports on top: its middleware, its handler and what is behind them.
FIRST_ME = ("import chalicelib.observability, chalicelib.handlers.edge, chalicelib.handlers.errors, "
            "chalicelib.handlers.applicant, chalicelib.adapters.dynamo.accounts, chalicelib.bootstrap")
CASES = {
    "floor: bare Chalice app": "from chalice import Chalice; Chalice(app_name='bare')",
    "the API (SDK imported lazily)": "import app",
    "the API, then a first GET /me's imports": f"import app; {FIRST_ME}",
    "the API had it imported the SDK": f"import app; {SDK}",
    "the SMS SDK alone": SDK,
}


def _environment() -> dict[str, str]:
    """The test stage's variables with prod's SMS sink: what `import app` reads at cold start."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return {**environment, **stage_variables("test"), "AWS_REGION": "cn-north-1", "SWREG_SMS_SINK": "tencent",
            "SWREG_SMS_APP_ID": "1400000001", "SWREG_SMS_SIGN_NAME": "bench",
            "SWREG_SMS_TEMPLATES": json.dumps({name: "1" for name in SMS_TEMPLATES}),
            "SWREG_SMS_CREDENTIALS_PARAMETER": "/swreg/bench/sms-credentials"}


def _import_ms(statement: str, env: dict[str, str]) -> float:
    """Milliseconds `statement` takes in a fresh interpreter, start-up excluded."""
    timed = f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1000)"
    done = subprocess.run([sys.executable, "-c", timed], cwd=_stack.ROOT, env=env, capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main(runs: int) -> None:
    env = _environment()
    for statement in CASES.values():  # one unmeasured run each: every case then reads cached bytecode
        _import_ms(statement, env)
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(runs):  # the cases take turns, so the machine's drift weighs on each alike
        for name, statement in CASES.items():
            samples[name].append(_import_ms(statement, env))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians["floor: bare Chalice app"]
    print(f"cold import, median of {runs} fresh interpreters (start-up excluded)")
    print(f"{'':<36}{'ms':>8}{'x floor':>9}")
    for name, ms in medians.items():
        print(f"{name:<36}{ms:>8.1f}{ms / floor:>9.2f}")
    api, eager = medians["the API (SDK imported lazily)"], medians["the API had it imported the SDK"]
    print(f"the SDK would add {eager - api:.1f} ms ({eager / api - 1:.0%}) to the API's cold import; imported "
          f"lazily it adds none, and costs the first send in a container {medians['the SMS SDK alone']:.1f} ms at most")
    verdict = "met" if api <= GOAL * floor else "NOT met"
    print(f"goal: the API's cold import within {GOAL}x of a bare Chalice app: {api / floor:.2f}x, {verdict}")


if __name__ == "__main__":
    _, (count,) = _stack.sizes(full=(15,), quick=(3,))
    main(count)
