"""Peak memory of a worker reading scans, per OCR runtime. Run by hand:

    .venv/bin/python bench/bench_ocr_memory.py [--corpus ../shared/corpus-dev] [--files 40]
                                               [--engines openvino onnxruntime] [--threads 1]

For each runtime, a fresh process (as a pool worker is: one engine thread,
PIPELINE_OCR_THREADS=1) reads the scanned and photographed files of the
samples (tests/data/samples: 25 pages of contracts, letters, commitments and
work reports at 150-300 dpi and two phone photos), then those of --corpus,
one after the other through `read_document`, as `pipeline extract` and the
pool's workers do. Printed per runtime: the resident memory after the
engines are made, after the first file, and every few files, and the peak
(`ru_maxrss` of the process: the highest it ever was, transient buffers
included) - the figure the issue's "a worker's peak memory <= 600 MB" is
about. Also the CPU seconds per page and the load average (the machine may
be shared).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "samples"
RUNTIMES = ("openvino", "onnxruntime")


def scans_of(corpus: Path) -> list[Path]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    return [corpus / name for name, entry in sorted(truth.items()) if entry.get("rendering") in ("scan", "jpg")]


def _rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # kB on Linux


def worker(runtime: str, threads: int, files: list[Path], every: int) -> dict:
    """One worker's life: engines made, then every file read in turn."""
    os.environ["PIPELINE_OCR_ENGINE"] = runtime
    os.environ["PIPELINE_OCR_THREADS"] = str(threads)
    os.environ.pop("PIPELINE_OCR_CACHE", None)  # every page really read
    sys.path.insert(0, str(ROOT))
    from pipeline.extract.read import ocr_engine, read_document

    started = _rss_mb()
    for job in ("capped", "full", "cls"):
        ocr_engine.engine(job)
    out = {"runtime": ocr_engine.runtime_name(), "start": started, "engines": _rss_mb(), "steps": [], "pages": 0}
    cpu = time.process_time()
    for i, path in enumerate(files, 1):
        out["pages"] += len(read_document(path).pages)
        if i == 1 or i % every == 0 or i == len(files):
            out["steps"].append((i, out["pages"], _rss_mb(), _peak_mb()))
    out["cpu"] = time.process_time() - cpu
    out["peak"] = _peak_mb()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, action="append", default=[], help="more folders with truth.json")
    ap.add_argument("--files", type=int, default=0, help="read at most this many files (0: all)")
    ap.add_argument("--engines", nargs="+", default=list(RUNTIMES), choices=RUNTIMES)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--every", type=int, default=5, help="print the memory every this many files")
    args = ap.parse_args()
    files = scans_of(SAMPLES) + [p for corpus in args.corpus for p in scans_of(corpus)]
    files = files[: args.files] if args.files else files
    print(f"{len(files)} files; load average {os.getloadavg()[0]:.2f}; engine threads {args.threads}")
    spawn = multiprocessing.get_context("spawn")  # a fresh process per runtime: its own peak
    results = []
    for runtime in args.engines:
        with spawn.Pool(1) as pool:
            res = pool.apply(worker, (runtime, args.threads, files, args.every))
        results.append(res)
        print(f"\n{runtime} (ran as {res['runtime']}): at start {res['start']} MB, engines made {res['engines']} MB")
        for i, pages, rss, peak in res["steps"]:
            print(f"  after {i:3d} files ({pages:3d} pages): resident {rss:5d} MB, peak so far {peak:5d} MB")
        print(f"  CPU {res['cpu'] / max(res['pages'], 1):.2f} s/page; load average {os.getloadavg()[0]:.2f}", flush=True)
    print("\npeak memory of a worker (ru_maxrss), target <= 600 MB:")
    for res in results:
        print(f"  {res['runtime']:12s} {res['peak']:5d} MB over {res['pages']} pages ({len(files)} files)")


if __name__ == "__main__":
    main()
