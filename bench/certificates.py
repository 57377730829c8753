"""How many e-certificates does `issue-certificates` render and store per second, and what does 40,000 take?

Goal (the issue): certificates rendered and stored per second on this machine, and the
projected wall time and Lambda invocations for 40,000.

Starts DynamoDB Local (in memory: `devstack/dynamodb_local.py` passes `-inMemory`, so the
`bench-certificates-` tables die with this process and every run starts empty) and the S3 emulator
(moto, in memory), like the tests. Fills one window (2024) with N approved applications,
each with its own practitioner (distinct ID numbers) and its own 413 × 626 ID photo in S3
(a synthetic camera JPEG put through `deps.photos.normalise`, as uploads are),
and a warm-up window (2023) with a few more, certified first so the fonts are registered
and DynamoDB Local's JIT is warm. Then, in the same run:

1. the floor for one certificate: `deps.renderer.render` alone on the same data
   (in-process, warmed, median of 30), and storing its PDF and PNG alone (two
   `deps.files.write`, median of 30);
2. the job: `issue_due(deps, due)` over the N approvals → certificates/s, ms per
   certificate, and its ratio to render + store (the rest is the photo read, the
   number reservation, the queue pages and the transaction), split by port call
   (timing wrappers on the ports in `deps` while the job runs; a port the job no longer
   calls fails the run), with the median, p95 and longest single certificate;
3. a projection for 40,000: wall time in one sequential chain of invocations, and
   invocations of `RUN_BUDGET_SECONDS` each (the job stops starting certificates with
   less than `SECONDS_PER_CERTIFICATE` left), at the job's rate and at the floor's; plus
   the cold start of the renderer in a fresh interpreter (`python -c`: import, first
   render, second render of the same photo);
4. a check: all N applications certified under N distinct registration numbers (exit 1 if not).

This machine is not a 2048 MB Lambda (about one vCPU there; the job is single-threaded)
and the emulators are not DynamoDB and S3: no network round trips, and DynamoDB Local's
TransactWriteItems is far slower than DynamoDB's (with a stall every few certificates).
Read the job's rate as a pessimistic bound and the floor's as an optimistic one.
Not a timed test.
Usage: .venv/bin/python bench/certificates.py [N]   (N approved applications, default 200;
`--quick`: 3, one warm-up, 3 floor runs, a smaller camera photo: seconds)
"""
from __future__ import annotations

import copy
import dataclasses
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime

import _stack

YEAR, WARMUP_YEAR = 2024, 2023
GOAL = ("certificates rendered and stored per second on this machine, "
        "and the projected wall time and Lambda invocations for 40,000")
TARGET = 40_000
LAMBDA_MEMORY_MB = 2048  # .chalice/config.json, prod, issue-certificates
NAMES = ("周晓梅", "李建国", "王芳", "张伟", "刘秀英", "陈静", "杨磊", "赵敏", "黄丽", "吴强")
RARE_NAMES = ("阿依古丽·买买提", "王𪚥", "李䶮")  # every 50th: the fallback font and a middle dot

COLD_START = """
import sys
import time
began = time.perf_counter()
from chalicelib.adapters.certificate_render import ReportLabCertificateRenderer
renderer = ReportLabCertificateRenderer()
imported = time.perf_counter()
from datetime import datetime, timezone
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.levels import Level
from chalicelib.domain.object_keys import certificate_keys
with open(sys.argv[1], "rb") as source:
    photo = source.read()
pdf_key, png_key = certificate_keys("BJ2024000001")
certificate = Certificate("BJ2024000001", "110105199003077715", "a", "周晓梅", "Z123456789", Level.INTERMEDIATE,
                          2024, 2027, datetime(2024, 4, 15, tzinfo=timezone.utc), pdf_key, png_key)
url = "https://zhengshu.swreg.example/verify/BJ2024000001?code=ABCDEFGH"
ready = time.perf_counter()
renderer.render(certificate, photo, url, "ABCDEFGH")
first = time.perf_counter()
renderer.render(certificate, photo, url, "ABCDEFGH")
second = time.perf_counter()
print(imported - began, first - ready, second - first)
"""


def fill(deps, window, id_numbers, photo: bytes) -> list[str]:
    """One approved application per ID number (`tests/approvals.approve`, with distinct ID
    numbers and the register upserted in one batch); their ids."""
    from chalicelib.domain.levels import Level
    from chalicelib.domain.register import Practitioner
    from tests import approvals
    people = []
    for i, id_number in enumerate(id_numbers):
        name = RARE_NAMES[(i // 50) % len(RARE_NAMES)] if i % 50 == 49 else NAMES[i % len(NAMES)]
        people.append(Practitioner(id_number, name, f"Z{uuid.uuid4().int % 10**9:09d}", Level.INTERMEDIATE,
                                   window.year - 1))
    deps.register.upsert_practitioners(people)
    return [approvals.approve(deps, person, window, photo=photo).application_id for person in people]


def median_seconds(action, runs: int) -> float:
    action()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def floors(deps, application_id: str, photo: bytes, due: datetime, runs: int) -> tuple[float, float, int, int]:
    """(render s, store s, PDF bytes, PNG bytes) for one of the bench's own applications,
    under a number of its own (nothing is saved to DynamoDB)."""
    from chalicelib.domain.certificates import certificate_for, registration_number
    from chalicelib.domain.verification import verification_code
    from chalicelib.services.certificates import verify_url
    application = copy.deepcopy(deps.applications.get(application_id))
    application.reserve_registration_no(registration_number(YEAR, 999_999))
    certificate = certificate_for(application, due)
    url = verify_url(deps, certificate.registration_no)
    code = verification_code(deps.keys.verification, certificate.registration_no)
    render = median_seconds(lambda: deps.renderer.render(certificate, photo, url, code), runs)
    rendered = deps.renderer.render(certificate, photo, url, code)
    keys = iter(range(10**6))

    def store() -> None:
        n = next(keys)
        deps.files.write(f"bench-floor/{n}.pdf", rendered.pdf, "application/pdf")
        deps.files.write(f"bench-floor/{n}.png", rendered.png, "image/png")
    return render, median_seconds(store, runs), len(rendered.pdf), len(rendered.png)


def cold_start(photo: bytes) -> tuple[float, float, float]:
    """(import s, first render s, second render s) of the same photo in a fresh interpreter."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as source:
        source.write(photo)
        source.flush()
        result = subprocess.run([sys.executable, "-c", COLD_START, source.name], cwd=_stack.ROOT,
                                capture_output=True, text=True, check=True)
    imported, first, second = (float(v) for v in result.stdout.split())
    return imported, first, second


class Breakdown:
    """Wall time spent inside each port call the job makes (the job runs on a copy of `deps` whose
    ports are wrapped; a wrapper costs about a microsecond), and when each
    certificate's transaction returned (successive differences: the time per certificate)."""

    PARTS = (("queue pages", "applications", "queue_page"), ("reserve: counter", "certificates", "next_sequence"),
             ("reserve: save", "applications", "save"), ("photo read", "files", "read"),
             ("render", "renderer", "render"), ("store (2 puts)", "files", "write"),
             ("transaction", "certificates", "issue"))

    def __init__(self, deps) -> None:
        self.seconds = {name: 0.0 for name, _, _ in self.PARTS}
        self.calls = {name: 0 for name, _, _ in self.PARTS}
        self.finished: list[float] = []
        timed: dict[str, dict[str, object]] = {}
        for name, port, method in self.PARTS:
            timed.setdefault(port, {})[method] = self._timed(name)
        # The job runs on this copy of `deps`, each part's port timed.
        self.deps = dataclasses.replace(deps, **{port: _TimedPort(getattr(deps, port), methods)
                                                 for port, methods in timed.items()})

    def _timed(self, name):
        def timed(call, *args, **kwargs):
            self.calls[name] += 1
            began = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                ended = time.perf_counter()
                self.seconds[name] += ended - began
                if name == "transaction":
                    self.finished.append(ended)
        return timed

    def uncalled(self) -> list[str]:
        """The parts the job never called: the job has moved past this breakdown."""
        return [name for name, calls in self.calls.items() if not calls]


class _TimedPort:
    """A port whose methods named in `timed` go through their timer; the rest are the port's own."""

    def __init__(self, port, timed: dict) -> None:
        self._port, self._timed = port, timed

    def __getattr__(self, name: str):
        call = getattr(self._port, name)
        if name not in self._timed:
            return call
        return lambda *args, **kwargs: self._timed[name](call, *args, **kwargs)


def check(deps, ids: list[str]) -> tuple[int, int]:
    """(certified, distinct registration numbers) among `ids`."""
    from chalicelib.domain.application import ApplicationStatus
    certified, numbers = 0, set()
    for application_id in ids:
        application = deps.applications.get(application_id)
        if application.status is ApplicationStatus.CERTIFIED:
            certified += 1
            numbers.add(application.registration_no)
    return certified, len(numbers)


def main() -> int:
    quick, (count,) = _stack.sizes(full=(200,), quick=(3,))
    warmup, floor_runs = (1, 3) if quick else (5, 30)
    camera = (1600, 1200) if quick else (4000, 3000)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the S3 emulator's request log
    stack, deps = _stack.start()
    try:
        from chalicelib import bootstrap
        from devstack import s3_emulator
        from chalicelib.observability import logger
        # chalicelib.observability was imported (through chalicelib.cli) before _stack exported the
        # stage's POWERTOOLS_LOG_LEVEL: the job would print two INFO lines per certificate.
        logger.setLevel(logging.WARNING)
        from chalicelib.handlers.jobs import RUN_BUDGET_SECONDS
        from chalicelib.services.certificates import SECONDS_PER_CERTIFICATE, issue_due
        from chalicelib.domain.materials import MaterialKind
        from tests.unit import photo_samples
        s3_emulator.ensure_bucket(bootstrap.stores(deps.settings).s3, deps.settings.bucket, deps.settings.allowed_origins())
        # What the upload pipeline stores for a camera photo (a flat test colour would flatter the PNG).
        photo = deps.photos.normalise(photo_samples.camera_jpeg(*camera), MaterialKind.ID_PHOTO).jpeg
        numbers = _stack.id_numbers(warmup + count)
        began = time.perf_counter()
        from tests.approvals import spring_window
        warm_window, window = spring_window(deps, WARMUP_YEAR), spring_window(deps, YEAR)
        fill(deps, warm_window, [next(numbers) for _ in range(warmup)], photo)
        ids = fill(deps, window, list(numbers), photo)
        print(f"filled {warmup} + {count:,} approved applications in {time.perf_counter() - began:.1f} s")

        warm = issue_due(deps, warm_window.certificates_due_at)  # fonts, imports, the JVM's JIT
        assert warm["issued"] == warmup, warm

        due = window.certificates_due_at
        render, store, pdf_size, png_size = floors(deps, ids[0], photo, due, floor_runs)
        breakdown = Breakdown(deps)
        began_job = time.perf_counter()
        summary = issue_due(breakdown.deps, due)
        took = time.perf_counter() - began_job
        imported, first_render, second_render = cold_start(photo)
        certified, distinct = check(deps, ids)
    finally:
        stack.stop()

    per = took / count
    floor = render + store
    per_invocation = math.floor((RUN_BUDGET_SECONDS - SECONDS_PER_CERTIFICATE) / per) + 1
    invocations = math.ceil(TARGET / per_invocation)
    cold = imported + first_render
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} CPUs (prod: {LAMBDA_MEMORY_MB} MB Lambda ≈ 1.2 vCPU); "
          f"PDF {pdf_size // 1024} KB, PNG {png_size // 1024} KB")
    print()
    print(f"goal (the issue): {GOAL}")
    print(f"{'baseline (same run, median of ' + str(floor_runs) + ')':<44}{'ms':>9}")
    print(f"{'  render only (PDF + PNG)':<44}{render * 1000:>9.1f}")
    print(f"{'  store only (2 S3 puts)':<44}{store * 1000:>9.1f}")
    print(f"{'  floor: render + store':<44}{floor * 1000:>9.1f}")
    print(f"{'job: issue_due over ' + format(count, ',') + ' approvals':<44}{'':>9}")
    print(f"  summary: {summary}")
    print(f"{'  total':<44}{took:>9.2f} s")
    print(f"{'  per certificate':<44}{per * 1000:>9.1f}")
    print(f"{'  certificates / s':<44}{1 / per:>9.2f}")
    print(f"{'  job ÷ floor':<44}{per / floor:>8.2f}×   (+{(per - floor) * 1000:.1f} ms: reads, "
          f"reservation, transaction)")
    per_certificate = [b - a for a, b in zip([began_job] + breakdown.finished, breakdown.finished)]
    spent = sum(breakdown.seconds.values())
    print(f"{'  where the job spends it, per certificate':<44}{'':>9}")
    for name, seconds in breakdown.seconds.items():
        print(f"{'    ' + name:<44}{seconds / count * 1000:>9.1f}")
    print(f"{'    rest (domain, pynamodb, logging)':<44}{(took - spent) / count * 1000:>9.1f}")
    quantiles = statistics.quantiles(per_certificate, n=20)
    print(f"{'  one certificate: median / p95 / max':<44}{statistics.median(per_certificate) * 1000:>9.1f}"
          f" / {quantiles[-1] * 1000:.1f} / {max(per_certificate) * 1000:.1f}")
    print(f"{'cold start, fresh interpreter':<44}{'':>9}")
    print(f"{'  import the renderer':<44}{imported * 1000:>9.0f}")
    print(f"{'  first render (font registration)':<44}{first_render * 1000:>9.0f}")
    print(f"{'  second render':<44}{second_render * 1000:>9.0f}")
    print(f"projection for {TARGET:,} at this rate")
    print(f"{'  wall time, one sequential chain':<44}{TARGET * per / 60:>9.1f} min"
          f"   (+ cold starts: {(TARGET * per + invocations * cold) / 60:.1f} min)")
    at_floor = math.ceil(TARGET / (math.floor((RUN_BUDGET_SECONDS - SECONDS_PER_CERTIFICATE) / floor) + 1))
    print(f"{'  at the floor (render + store only)':<44}{TARGET * floor / 60:>9.1f} min   ({at_floor} invocations)")
    print(f"{'  certificates per ' + format(RUN_BUDGET_SECONDS, '.0f') + '-s invocation':<44}{per_invocation:>9,}"
          f"   (stops with < {SECONDS_PER_CERTIFICATE:.0f} s left)")
    print(f"{'  Lambda invocations':<44}{invocations:>9,}")
    print(f"check: {certified:,} of {count:,} certified, {distinct:,} distinct registration numbers")
    uncalled = breakdown.uncalled()
    if uncalled:
        print(f"the job never called: {', '.join(uncalled)} (update Breakdown.PARTS)")
    return 0 if (certified == distinct == count and summary["issued"] == count and not summary["failed"]
                 and not uncalled) else 1


if __name__ == "__main__":
    sys.exit(main())
