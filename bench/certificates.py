"""How fast does the certificate fan-out issue e-certificates, and what does 40,000 take?

Goal (the issue): 40,000 certificates in ≤ 30 minutes projected at the configured concurrency, and
the per-certificate cost within 1.5× of the render+store floor measured in the same run.

Starts DynamoDB Local (in memory: `devstack/dynamodb_local.py` passes `-inMemory`, so the
`bench-certificates-` tables die with this process) and moto's server for S3 and SQS, like the
tests, and creates the bench's queues as `Stores.migrate` does (`bench-certificates-certificates`
and its `-dlq`). Fills a warm-up window (2015) and one window per consumer count (2018, 2021,
2024: three years apart, so the schedule's run for one never sees another's) with N approved
applications each, every one with its own practitioner and its own 413 × 626 ID photo in S3 (a
synthetic camera JPEG put through `deps.photos.normalise`, as uploads are). Then, in the same run:

1. the floor for one certificate: `deps.renderer.render` alone on the same data (warmed, median
   of 30) and storing its PDF and PNG alone (two `deps.files.write`, median of 30);
2. per consumer count (1, 4, 16): the schedule's job, `enqueue_due`, sends the window's N work
   items to the real (moto) queue; then that many threads drain it, each looping as Lambda's
   poller and the handler would: receive up to 10 → `handlers.queues.issue_certificates` on the
   batch (`issue_one` each) → delete the batch. Reports certificates/s and ms per certificate;
   for one consumer, the time split by port call (timing wrappers on the ports while it runs);
3. the projection for 40,000 at `CERTIFICATE_CONCURRENCY` (services/jobs.py: the consumer's
   reserved concurrency): 40,000 ÷ (one consumer's rate × concurrency), because each Lambda has
   a CPU of its own; this machine has 2 cores shared by every thread here (and the GIL), so the
   4- and 16-consumer rates show contention on this machine, not Lambda's scaling; plus the cold
   start of the renderer in a fresh interpreter (`python -c`: import, first and second render);
4. a check: every window's N applications certified under N distinct registration numbers, and
   none left in the queue (exit 1 if not).

The emulators are not DynamoDB, S3 and SQS: no network round trips, and DynamoDB Local is slower
at transactions. Not a timed test.
Usage: .venv/bin/python bench/certificates.py [N]   (N approved applications per consumer count,
default 200; `--quick`: 4, one warm-up, 3 floor runs, a smaller camera photo: seconds)
"""
from __future__ import annotations

import copy
import dataclasses
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime

import _stack

WARMUP_YEAR = 2015
CONSUMERS = {1: 2018, 4: 2021, 16: 2024}  # consumer count: its window's year
TARGET = 40_000
TARGET_MINUTES = 30
RECEIVE_WAIT_SECONDS = 1  # a consumer's long poll, as Lambda's poller does
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
    application.reserve_registration_no(registration_number(application.certificate_registration_year, 999_999))
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
    """Wall time spent inside each port call a consumer makes (the consumers run on a copy of `deps`
    whose ports are wrapped; a wrapper costs about a microsecond). For one consumer only: with
    several, the parts overlap."""

    PARTS = (("load application", "applications", "get"), ("reserve: counter", "certificates", "next_sequence"),
             ("reserve: save", "applications", "save"), ("photo read", "files", "read"),
             ("render", "renderer", "render"), ("store (2 puts)", "files", "write"),
             ("holder's certificates", "certificates", "of_holder"), ("transaction", "certificates", "issue"))

    def __init__(self, deps) -> None:
        self.seconds = {name: 0.0 for name, _, _ in self.PARTS}
        self.calls = {name: 0 for name, _, _ in self.PARTS}
        timed: dict[str, dict[str, object]] = {}
        for name, port, method in self.PARTS:
            timed.setdefault(port, {})[method] = self._timed(name)
        self.deps = dataclasses.replace(deps, **{port: _TimedPort(getattr(deps, port), methods)
                                                 for port, methods in timed.items()})

    def _timed(self, name):
        def timed(call, *args, **kwargs):
            self.calls[name] += 1
            began = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - began
        return timed

    def uncalled(self) -> list[str]:
        """The parts never called: the consumer has moved past this breakdown."""
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


def drain(deps, expected: int, consumers: int) -> tuple[float, dict]:
    """`consumers` threads receive → handle → delete until `expected` distinct messages were handled
    (SQS may deliver one twice) or a minute passes with nothing to receive; (seconds, the handlers'
    summaries added up)."""
    from chalice.app import SQSEvent
    from chalicelib import bootstrap
    from chalicelib.handlers.queues import issue_certificates
    queue, sqs = deps.certificate_queue, bootstrap.stores(deps.settings).sqs
    lock, totals, handled = threading.Lock(), {"issued": 0, "skipped": 0, "failed": 0, "dropped": 0}, set()
    receiving = threading.Lock()  # moto's ReceiveMessage is not thread-safe (SQS's is): receives take turns

    def consumer() -> None:
        idle_since = time.monotonic()
        while len(handled) < expected and time.monotonic() - idle_since < 60:
            with receiving:
                messages = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10,
                                               WaitTimeSeconds=RECEIVE_WAIT_SECONDS).get("Messages", [])
            if not messages:
                continue
            idle_since = time.monotonic()
            event = SQSEvent({"Records": [{"body": m["Body"], "receiptHandle": m["ReceiptHandle"],
                                           "messageId": m["MessageId"]} for m in messages]}, None)
            try:
                summary = issue_certificates(event)
            except Exception:  # its failures come back after the visibility timeout; counted by the check
                summary = {"failed": len(messages)}
            else:
                queue.done([m["ReceiptHandle"] for m in messages])  # what Lambda's poller does after a return
            with lock:
                for key, value in summary.items():
                    totals[key] += value
                handled.update(m["MessageId"] for m in messages)

    threads = [threading.Thread(target=consumer) for _ in range(consumers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, totals


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


def left_in_queue(deps) -> int:
    from chalicelib import bootstrap
    attributes = bootstrap.stores(deps.settings).sqs.get_queue_attributes(
        QueueUrl=deps.certificate_queue.url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(value) for value in attributes.values())


def main() -> int:
    quick, (count,) = _stack.sizes(full=(200,), quick=(4,))
    warmup, floor_runs = (1, 3) if quick else (5, 30)
    camera = (1600, 1200) if quick else (4000, 3000)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the emulator's request log
    stack, deps = _stack.start()
    runs: dict[int, tuple[float, dict, dict, int, int]] = {}
    try:
        from chalicelib import bootstrap
        from chalicelib.observability import logger
        # chalicelib.observability was imported (through chalicelib.cli) before _stack exported the
        # stage's POWERTOOLS_LOG_LEVEL: the consumers would print two INFO lines per certificate.
        logger.setLevel(logging.WARNING)
        from chalicelib.domain.materials import MaterialKind
        from chalicelib.services.certificates import enqueue_due
        from chalicelib.services.jobs import CERTIFICATE_CONCURRENCY
        from tests.approvals import spring_window
        from tests.unit import photo_samples
        for line in bootstrap.stores(deps.settings).migrate():  # the bucket and the queues
            print(line)
        # What the upload pipeline stores for a camera photo (a flat test colour would flatter the PNG).
        photo = deps.photos.normalise(photo_samples.camera_jpeg(*camera), MaterialKind.ID_PHOTO).jpeg
        numbers = _stack.id_numbers(warmup + count * len(CONSUMERS))
        began = time.perf_counter()
        warm_window = spring_window(deps, WARMUP_YEAR)
        fill(deps, warm_window, [next(numbers) for _ in range(warmup)], photo)
        windows = {consumers: spring_window(deps, year) for consumers, year in CONSUMERS.items()}
        ids = {consumers: fill(deps, window, [next(numbers) for _ in range(count)], photo)
               for consumers, window in windows.items()}
        print(f"filled {warmup} + {len(CONSUMERS)} × {count:,} approved applications "
              f"in {time.perf_counter() - began:.1f} s")

        enqueue_due(deps, warm_window.certificates_due_at)  # fonts, imports, the JVM's JIT, the queue's URL
        drain(deps, warmup, 1)
        render, store, pdf_size, png_size = floors(deps, ids[1][0], photo, windows[1].certificates_due_at,
                                                   floor_runs)
        breakdown = Breakdown(deps)
        for consumers, window in windows.items():
            sent = enqueue_due(deps, window.certificates_due_at)
            bootstrap.override(breakdown.deps if consumers == 1 else deps)
            took, totals = drain(deps, sent["enqueued"], consumers)
            bootstrap.override(deps)
            runs[consumers] = (took, totals, sent, *check(deps, ids[consumers]))
        leftover = left_in_queue(deps)
        imported, first_render, second_render = cold_start(photo)
    finally:
        stack.stop()

    floor = render + store
    single = runs[1][0] / count
    ratio = single / floor
    minutes = TARGET * single / CERTIFICATE_CONCURRENCY / 60
    floor_minutes = TARGET * floor / CERTIFICATE_CONCURRENCY / 60
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} CPUs, shared by every consumer thread here (each Lambda has its own); "
          f"PDF {pdf_size // 1024} KB, PNG {png_size // 1024} KB")
    print()
    print(f"{'floor (same run, median of ' + str(floor_runs) + ')':<46}{'ms':>9}")
    print(f"{'  render only (PDF + PNG)':<46}{render * 1000:>9.1f}")
    print(f"{'  store only (2 S3 puts)':<46}{store * 1000:>9.1f}")
    print(f"{'  floor: render + store':<46}{floor * 1000:>9.1f}")
    print(f"{'consumers (receive → issue_one × 10 → delete)':<46}{'cert/s':>9}{'ms/cert':>9}{'÷ floor':>9}")
    for consumers, (took, totals, sent, certified, distinct) in runs.items():
        per = took / count
        print(f"{'  ' + str(consumers) + ' × ' + format(count, ',') + ' certificates':<46}{count / took:>9.2f}"
              f"{per * 1000:>9.1f}{per / floor:>9.2f}   enqueued {sent['enqueued']}, issued {totals['issued']}, "
              f"skipped {totals['skipped']}, failed {totals['failed']}")
    spent = sum(breakdown.seconds.values())
    print(f"{'  one consumer, where it goes, per certificate':<46}{'':>9}{'ms':>9}")
    for name, seconds in breakdown.seconds.items():
        print(f"{'    ' + name:<46}{'':>9}{seconds / count * 1000:>9.1f}")
    print(f"{'    rest (SQS, domain, pynamodb, logging)':<46}{'':>9}{(runs[1][0] - spent) / count * 1000:>9.1f}")
    print(f"{'cold start, fresh interpreter':<46}{'':>9}{'ms':>9}")
    print(f"{'  import the renderer':<46}{'':>9}{imported * 1000:>9.0f}")
    print(f"{'  first render (font registration)':<46}{'':>9}{first_render * 1000:>9.0f}")
    print(f"{'  second render':<46}{'':>9}{second_render * 1000:>9.0f}")
    print(f"projection for {TARGET:,} at concurrency {CERTIFICATE_CONCURRENCY} (one consumer's rate × "
          f"{CERTIFICATE_CONCURRENCY}: each Lambda has its own CPU; this machine's 2 cores cap the 4 and 16 rows)")
    print(f"{'  wall time':<46}{minutes:>9.1f} min   (at the floor: {floor_minutes:.1f} min)")
    checks = [(consumers, certified, distinct) for consumers, (_, _, _, certified, distinct) in runs.items()]
    print("check: " + "; ".join(f"{c} consumer{'s' if c > 1 else ''}: {n:,} of {count:,} certified, {d:,} distinct "
                                f"numbers" for c, n, d in checks) + f"; {leftover} messages left in the queue")
    uncalled = breakdown.uncalled()
    if uncalled:
        print(f"the consumer never called: {', '.join(uncalled)} (update Breakdown.PARTS)")
    ok = all(n == d == count for _, n, d in checks) and not leftover and not uncalled
    _stack.goal(f"{TARGET:,} certificates projected at concurrency {CERTIFICATE_CONCURRENCY}", minutes,
                f"{_stack.number(floor_minutes)} min at render+store", "<=", TARGET_MINUTES, " min")
    _stack.goal("per-certificate cost ÷ render+store floor", ratio, 1.0, "<=", 1.5)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
