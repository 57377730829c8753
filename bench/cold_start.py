"""What a user waits for after a deploy: a fresh container imports the packaged API and serves its
first `GET /me`, next to a bare Chalice + boto3 app serving one DynamoDB `get_item`.

The API is the deployment package as `swreg deploy package` builds it for prod (Chalice's own
packages, reused by `chalice deploy`), unzipped like Lambda does: the app's into a `task` folder,
the managed layer's into an `opt` folder, both read-only (`chmod -R a-w`, and `python -B`, for a
root user ignores the mode bits), so nothing compiled at one cold start serves the next. Each run
is a fresh interpreter seeing only those folders and the standard library (`-S`), timing the
import of `app` and the first request (an API Gateway event handed to `app.app`, as Lambda's
runtime does) separately; interpreter start-up is left out. Cases, taking turns:
- floor: a bare Chalice app (`app.py` written here) whose route does one `get_item` with boto3,
  on the same layer, as Chalice packages it (no bytecode);
- the API as Chalice packages it: no bytecode, so every module is compiled at every cold start;
- the API as `swreg deploy package` ships it: unchecked-hash bytecode for every module;
- the bare app with that bytecode too, for a like-for-like ratio.
All against DynamoDB Local (the bench's own stack), with an applicant signed up through the
service and the test stage's settings. The medians of the runs are reported.
Goal (the issue; 1.3x, as the previous goal had the API's cold import within 1.3x of a bare
Chalice app): the shipped API's import + first `GET /me` within 1.3x of the bare app's.
Usage: .venv/bin/python bench/cold_start.py [RUNS]   (default 9; `--quick`: 2 runs)
The packages are built once per code and requirements under .local/bench-cold-start/ (the
managed layer from PyPI, like `chalice deploy`), then reused.

`--quick` (run by `make test`, offline, seconds) builds no package: the `task` folder is the
working tree's app.py and chalicelib/ modules, zipped and given bytecode by the deploy's own
`add_bytecode` (or not), and the layer is this venv's site-packages, whose dependencies are
already compiled. So it measures the bytecode of the app's own code only, against a bare app on
the same precompiled dependencies: it shows the bench runs, not the deploy's figures.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import _stack

GOAL = 1.3
STAGE = "prod"  # whose packages are built: its `automatic_layer` splits the layer from the app
PROJECT = _stack.ROOT / ".local" / "bench-cold-start" / "project"
LAYER_PATHS = ("python/lib/python{v.major}.{v.minor}/site-packages", "python")  # Lambda's /opt on sys.path
BARE_APP = '''import os

import boto3
from chalice import Chalice

app = Chalice(app_name="bare")


@app.route("/me")
def me():
    key = {"account_id": {"S": app.current_request.headers["x-account-id"]}}
    item = boto3.client("dynamodb").get_item(TableName=os.environ["BARE_TABLE"], Key=key).get("Item")
    return {"found": item is not None}
'''
# In the fresh interpreter: Lambda's code folders first on sys.path, then the two timings.
COLD = '''import json, sys, time
task, layer, event = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sys.path[:0] = [task] + layer


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "cold-start", 512, "cold-start"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:cold-start"

    def get_remaining_time_in_millis(self):
        return 30000


started = time.perf_counter()
import app
imported = time.perf_counter()
response = app.app(event, Context())
served = time.perf_counter()
print(json.dumps({"import": (imported - started) * 1000, "first": (served - imported) * 1000,
                  "status": response["statusCode"], "body": response["body"][:200]}))
'''


def packages() -> list[Path]:
    """The prod stage's deployment packages with bytecode, built by the deploy's own step."""
    from chalicelib.cli.deploy import build_packages
    PROJECT.mkdir(parents=True, exist_ok=True)
    for name in ("app.py", "requirements.txt"):
        shutil.copy(_stack.ROOT / name, PROJECT / name)
    shutil.rmtree(PROJECT / "chalicelib", ignore_errors=True)
    shutil.copytree(_stack.ROOT / "chalicelib", PROJECT / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    (PROJECT / ".chalice").mkdir(exist_ok=True)
    shutil.copy(_stack.ROOT / ".chalice" / "config.json", PROJECT / ".chalice" / "config.json")
    return [archive for archive, _ in build_packages(PROJECT, STAGE)]


def working_tree(folder: Path) -> list[Path]:
    """Quick mode's stand-in for the packages: the working tree's app.py and chalicelib/ modules
    in one zip, with bytecode as the deploy adds it."""
    from chalicelib.cli.deploy import add_bytecode
    folder.mkdir()
    archive = folder / "app.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in [_stack.ROOT / "app.py", *sorted((_stack.ROOT / "chalicelib").rglob("*.py"))]:
            zipped.write(path, path.relative_to(_stack.ROOT).as_posix())
    add_bytecode(archive)
    return [archive]


def unpack(archives: list[Path], folder: Path, bytecode: bool) -> tuple[Path, Path]:
    """(task, opt) folders as Lambda unzips the function and its layer; without bytecode, what
    Chalice alone would ship (it ships the working tree's stale `__pycache__`, left out here)."""
    task, opt = folder / "task", folder / "opt"
    for archive in archives:
        with zipfile.ZipFile(archive) as zipped:
            members = [name for name in zipped.namelist() if bytecode or "__pycache__/" not in name]
            zipped.extractall(opt if members[0].startswith("python/") else task, members)
    return task, opt


def layer_paths(opt: Path, quick: bool) -> list[str]:
    """What follows the task folder on `sys.path`: the layer's folders as Lambda puts /opt's on
    it, or in quick mode this venv's site-packages (read only: `python -B` writes no bytecode)."""
    if quick:
        return sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    return [str(opt / path.format(v=sys.version_info)) for path in LAYER_PATHS]


def bare(folder: Path, task: Path) -> Path:
    """The bare app's code folder: its app.py and the Chalice runtime the API's package ships
    (quick mode ships none: the venv's serves both)."""
    (folder / "bare").mkdir()
    (folder / "bare" / "app.py").write_text(BARE_APP, encoding="utf-8")
    if (task / "chalice").is_dir():
        shutil.copytree(task / "chalice", folder / "bare" / "chalice")
    return folder / "bare"


def read_only(folder: Path) -> None:
    subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)


def applicant(deps) -> tuple[str, str]:
    """(token, account id) of an applicant signed up through the service, in the register."""
    from chalicelib.domain.commands import RequestSmsCode, Signup
    from chalicelib.domain.credentials import SmsPurpose
    from chalicelib.domain.levels import Level
    from chalicelib.domain.register import Practitioner
    from chalicelib.services import auth
    from tests.api.conftest import last_code
    now = datetime.now(timezone.utc)
    id_number = next(_stack.id_numbers(1, seed=uuid.uuid4().int % 10**6))
    deps.register.upsert_practitioners([Practitioner(id_number, "周晓梅", "Z000000001", Level.ASSISTANT, now.year - 1)])
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    auth.request_sms_code(deps, RequestSmsCode(phone, SmsPurpose.SIGNUP), "198.51.100.7", now)
    token = auth.signup(deps, Signup(phone, last_code(deps, phone), "周晓梅", id_number, "goodpass123"), now)["token"]
    return token, deps.tokens.verify(token)["sub"]


def event(token: str, account_id: str) -> dict:
    """API Gateway's proxy event for `GET /me` (REST API, stage `api`)."""
    headers = {"Authorization": f"Bearer {token}", "x-account-id": account_id, "Host": "bench.example"}
    return {"resource": "/me", "path": "/me", "httpMethod": "GET", "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
            "stageVariables": None, "body": None, "isBase64Encoded": False,
            "requestContext": {"resourcePath": "/me", "httpMethod": "GET", "path": "/api/me", "stage": "api",
                               "requestId": "cold-start", "identity": {"sourceIp": "198.51.100.7"}}}


def cold(task: Path, layer: list[str], request: dict, env: dict[str, str]) -> dict:
    """One cold start in a fresh interpreter: {"import": ms, "first": ms, "status", "body"}."""
    done = subprocess.run([sys.executable, "-S", "-B", "-c", COLD, str(task), json.dumps(layer),
                           json.dumps(request)], cwd=task, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"a cold start in {task} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(quick: bool, runs: int) -> int:
    stack, deps = _stack.start()
    folder = Path(tempfile.mkdtemp(prefix="swreg-cold-start-"))
    try:
        archives = working_tree(folder / "zip") if quick else packages()
        token, account_id = applicant(deps)
        (plain, plain_opt), (shipped, shipped_opt) = (unpack(archives, folder / "plain", False),
                                                      unpack(archives, folder / "shipped", True))
        plain_layer, shipped_layer = layer_paths(plain_opt, quick), layer_paths(shipped_opt, quick)
        cases = {"floor: bare Chalice+boto3 get_item": (bare(folder / "plain", plain), plain_layer),
                 "the API as Chalice packages it": (plain, plain_layer),
                 "the API as shipped (bytecode)": (shipped, shipped_layer),
                 "bare app with bytecode": (bare(folder / "shipped", shipped), shipped_layer)}
        read_only(folder)
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env["BARE_TABLE"] = deps.settings.table_prefix + "accounts"
        request = event(token, account_id)
        for name, (task, layer) in cases.items():  # one unmeasured run each: the files are then in the page cache
            answer = cold(task, layer, request, env)
            if answer["status"] != 200 or '"found":false' in answer["body"].replace(" ", ""):
                raise SystemExit(f"{name}: GET /me answered {answer['status']} {answer['body']}")
        samples: dict[str, list[dict]] = {name: [] for name in cases}
        for _ in range(runs):  # the cases take turns, so the machine's drift weighs on each alike
            for name, (task, layer) in cases.items():
                samples[name].append(cold(task, layer, request, env))
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)
        stack.stop()
    medians = {name: {part: statistics.median(run[part] for run in values) for part in ("import", "first")}
               for name, values in samples.items()}
    print(f"cold start, median of {runs} fresh interpreters on read-only code folders (start-up excluded)"
          + ("; quick: the working tree's code on this venv's precompiled dependencies" if quick else ""))
    print(f"{'':<38}{'import ms':>10}{'first GET ms':>14}{'total ms':>10}")
    totals = {}
    for name, parts in medians.items():
        totals[name] = parts["import"] + parts["first"]
        print(f"{name:<38}{parts['import']:>10.0f}{parts['first']:>14.0f}{totals[name]:>10.0f}")
    floor, plain_api, shipped_api = (totals["floor: bare Chalice+boto3 get_item"],
                                     totals["the API as Chalice packages it"], totals["the API as shipped (bytecode)"])
    print(f"bytecode: the API's cold start {plain_api:.0f} -> {shipped_api:.0f} ms ({shipped_api / plain_api - 1:+.0%}); "
          f"like for like (both with bytecode) the API is {shipped_api / totals['bare app with bytecode']:.2f}x the bare app")
    _stack.goal("cold start (import + first GET /me) ÷ bare Chalice+boto3 get_item", shipped_api / floor,
                1.0, "<=", GOAL, "×")
    return 0


if __name__ == "__main__":
    is_quick, (count,) = _stack.sizes(full=(9,), quick=(2,))
    sys.exit(main(is_quick, count))
