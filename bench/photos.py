"""How close does photo normalisation come to the cost of just decoding the photo, and how much memory does it take?

Times `normalise()` of a 4000×3000 camera JPEG into an `id_photo` and into an ID-card
material (median of several runs) next to the floor measured in the same run: a bare
Pillow `draft()` reduced decode of the same file at the same scale `normalise()` picks.
Goal (the issue): at most 1.5× the floor, and peak memory that fits a 512 MB Lambda with a
10 MB upload (the highest peak below). Then, each in a fresh interpreter, the peak memory of
normalising a ~10 MB camera JPEG and of the worst case the pixel limit allows (a 40 MP PNG
with transparency): the peak resident set (VmHWM) over the process's baseline, and tracemalloc's peak (which
sees Python objects only, not Pillow's pixel buffers). No AWS stack is started.
Usage: .venv/bin/python bench/photos.py [RUNS]   (default 7; `--quick`: 1 run, and small
uploads for the memory part, a few seconds)
"""
from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

from PIL import Image

import _stack
from chalicelib.adapters import photos
from chalicelib.adapters.photos import PillowPhotoProcessor
from chalicelib.domain.materials import MaterialKind
from tests.unit import photo_samples

GOAL = 1.5
LAMBDA_MB = 512
KINDS = (MaterialKind.ID_PHOTO, MaterialKind.ID_CARD_FRONT)
PROCESSOR = PillowPhotoProcessor()


def _median_seconds(action, runs: int) -> float:
    action()                                   # warm: first-call imports and allocator growth
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _floor(data: bytes, draft_size: tuple[int, int]) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", draft_size)
    image.load()
    return image.size


def speed(runs: int) -> dict[str, float]:
    """Per kind, normalise's median time ÷ the floor's."""
    camera = photo_samples.camera_jpeg(4000, 3000)
    print(f"source: 4000×3000 camera JPEG, {len(camera) / 2**20:.1f} MB; median of {runs} runs")
    print(f"{'kind':<15}{'output':>10}{'draft k':>9}{'floor ms':>10}{'normalise ms':>14}{'ratio':>8}  goal ≤{GOAL}×")
    ratios = {}
    for kind in KINDS:
        plan = photos.decode_plan((4000, 3000), 1, kind)
        reduced = _floor(camera, plan.draft_size)
        floor = _median_seconds(lambda: _floor(camera, plan.draft_size), runs)
        photo = PROCESSOR.normalise(camera, kind)
        took = _median_seconds(lambda: PROCESSOR.normalise(camera, kind), runs)
        ratios[kind] = ratio = took / floor
        print(f"{kind:<15}{photo.width:>5}×{photo.height:<4}{4000 // reduced[0]:>9}{floor * 1000:>10.1f}"
              f"{took * 1000:>14.1f}{ratio:>7.2f}×  ({len(photo.jpeg) // 1024} KB)")
    return ratios


def _peak_rss_mb() -> float:
    """This process's high-water resident set. Not ru_maxrss: Linux carries that over from the parent across exec."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def measure_memory(path: str, kind: str) -> None:
    """Child process: normalise one file and print the peaks it caused."""
    with open(path, "rb") as source:
        data = source.read()
    baseline = _peak_rss_mb()
    tracemalloc.start()
    photo = PROCESSOR.normalise(data, MaterialKind(kind))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = _peak_rss_mb()
    print(f"{photo.width}×{photo.height}\t{baseline:.0f}\t{peak:.0f}\t{peak - baseline:.0f}\t{traced_peak / 2**20:.1f}")


def memory(quick: bool) -> tuple[str, int, int]:
    """The highest peak: (what was normalised, its peak RSS in MB, that process's baseline in MB)."""
    camera, worst = ((1500, 1125), (2000, 1250)) if quick else ((6000, 4500), (8000, 5000))
    uploads = {
        f"camera JPEG {camera[0]}×{camera[1]}": photo_samples.encode(photo_samples.camera_image(*camera, 9), "JPEG",
                                                                  quality=93),
        f"PNG+alpha {worst[0]}×{worst[1]} ({worst[0] * worst[1] / 1e6:.0f} MP)": _worst_png(*worst),
    }
    print(f"\n{'upload':<30}{'MB':>6}  {'kind':<15}{'output':>10}{'RSS base':>10}{'RSS peak':>10}"
          f"{'Δ MB':>7}{'traced MB':>11}")
    highest = ("", 0, 0)
    with tempfile.TemporaryDirectory() as folder:
        for name, data in uploads.items():
            path = os.path.join(folder, "upload")
            with open(path, "wb") as target:
                target.write(data)
            for kind in KINDS:
                result = subprocess.run([sys.executable, __file__, "--measure-memory", path, kind],
                                        capture_output=True, text=True, check=True)
                output, base, peak, delta, traced = result.stdout.split()
                print(f"{name:<30}{len(data) / 2**20:>6.1f}  {kind:<15}{output:>10}{base:>10}{peak:>10}"
                      f"{delta:>7}{traced:>11}")
                highest = max(highest, (f"{name} to {kind}", int(peak), int(base)), key=lambda seen: seen[1])
    print(f"(RSS base: the interpreter with Pillow loaded and the upload read; a Lambda has {LAMBDA_MB} MB)")
    return highest


def _worst_png(width: int, height: int) -> bytes:
    """At 8000×5000 the largest decode the limits allow: 40 MP with an alpha channel,
    compressible to well under 10 MB."""
    image = photo_samples.camera_image(width, height, 0)
    image.putalpha(Image.linear_gradient("L").resize((width, height)))
    return photo_samples.encode(image, "PNG", compress_level=1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure-memory"]:
        measure_memory(sys.argv[2], sys.argv[3])
    else:
        quick, (runs,) = _stack.sizes(full=(7,), quick=(1,))
        ratios = speed(runs)
        normalised, peak, base = memory(quick)
        for kind, ratio in ratios.items():
            _stack.goal(f"normalise {kind} ÷ decode floor", ratio, 1.0, "<=", GOAL, "×")
        _stack.goal(f"peak memory normalising {normalised}", peak, base, "<=", LAMBDA_MB, " MB")
