"""Benchmark of the OCR path, run by hand:

    .venv/bin/python bench/bench_ocr.py [--runs 3] [--dpi 200] [--threads 1] [--engines openvino onnxruntime]
                                        [--files doc_0009.pdf ...]
    .venv/bin/python bench/bench_ocr.py --recall      # value recall, with/without seal suppression

Renders every page of the scanned samples (truth.json rendering "scan" or
"jpg") once, then times, for each runtime (OpenVINO and ONNX Runtime, one
thread each by default, as in each pool worker), page by page and interleaved
so both see the same machine load, the pipeline's OCR path (`ocr_image`:
preprocessing + rapidocr + layout) and bare rapidocr (default settings, same
runtime and threads) on the same page images. Prints per runtime the median
seconds per page (median over the pages, then over the runs), wall and CPU
time of the process (the CPU time is what a page costs one core; the wall time
also counts waiting for a core on a shared machine), the ratio pipeline /
bare (target <= 1.15), preprocessing, and the load average of each run.

With --recall it measures instead, per file, the share of the truth values
(strings, and dates in the forms a document writes them; amounts, categories
and booleans aside) found in the OCR'd text, whitespace removed and
punctuation widths folded: with seal suppression, without it, and for bare
rapidocr's text.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402  (after the sys.path line)
from PIL import Image  # noqa: E402  (after the sys.path line)

from pipeline.extract.read import OCR_ENGINE_ENV, OCR_THREADS_ENV, ocr  # noqa: E402  (after the sys.path line)
from pipeline.extract.read.ocr_engine import RUNTIMES  # noqa: E402  (after the sys.path line)
from pipeline.models import Document, Limits  # noqa: E402  (after the sys.path line)

SAMPLES = ROOT / "tests" / "data" / "samples"


def sample_pages(limits: Limits, only: list[str]) -> list[tuple[str, Image.Image]]:
    import pypdfium2 as pdfium

    truth = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
    pages = []
    for name, entry in sorted(truth.items()):
        if entry.get("rendering") not in ("scan", "jpg") or (only and name not in only):
            continue
        path = SAMPLES / name
        if path.suffix.lower() == ".pdf":
            pdf = pdfium.PdfDocument(str(path))
            for i in range(len(pdf)):
                pages.append((f"{name}#{i + 1}", ocr.render_page(pdf[i], limits)))
            pdf.close()
        else:
            with Image.open(path) as im:
                im.load()
                pages.append((name, im.copy()))
    return pages


# --------------------------------------------------------------------------- value recall
_CN = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def _date_forms(iso: str) -> list[str]:
    y, m, d = (int(x) for x in iso.split("-"))
    return [f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日", f"{y}.{m}.{d}", f"{y}-{m:02d}-{d:02d}",
            "".join(_CN[int(c)] for c in str(y)) + f"年{_cn_number(m)}月{_cn_number(d)}日"]


def truth_values(fields: dict) -> list[list[str]]:
    """Each truth value as the forms it may be written in."""
    out: list[list[str]] = []
    for key, value in fields.items():
        if value is None or key in ("price_wan", "service_categories", "service_category", "clauses_intact"):
            continue
        if key == "rows":
            for row in value:
                out.extend(truth_values(row))
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            out.append(_date_forms(value))
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            out.append([str(value)])
    return out


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(str.maketrans("（）：；，", "():;,"))


def recall(args, limits: Limits) -> None:
    from rapidocr import RapidOCR

    truth = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
    bare = RapidOCR(params={"Global.log_level": "critical"})
    totals = {"suppressed": [0, 0], "plain": [0, 0], "bare": [0, 0]}
    for name, entry in sorted(truth.items()):
        if entry.get("rendering") not in ("scan", "jpg") or (args.files and name not in args.files):
            continue
        images = [im for page, im in sample_pages(limits, [name])]
        texts = {
            "suppressed": Document(pages=[ocr.ocr_image(im, limits) for im in images]).text(),
            "plain": Document(pages=[ocr.ocr_image(im, limits, suppress_seals=False) for im in images]).text(),
            "bare": "\n".join("\n".join(bare(np.asarray(im.convert("RGB"))[:, :, ::-1].copy()).txts or ()) for im in images),
        }
        values = truth_values(entry["fields"])
        row = []
        for kind, text in texts.items():
            flat = _norm(text)
            hits = sum(any(_norm(v) in flat for v in forms) for forms in values)
            totals[kind][0] += hits
            totals[kind][1] += len(values)
            row.append(f"{kind} {hits}/{len(values)}")
        missed = [forms[0] for forms in values if not any(_norm(v) in _norm(texts["suppressed"]) for v in forms)]
        print(f"{name}: " + "   ".join(row) + (f"   missed (suppressed): {missed}" if missed else ""))
    print()
    for kind, (hits, n) in totals.items():
        print(f"value recall, {kind:10s}: {hits}/{n} = {hits / max(n, 1):.3f}")


def _bare(runtime: str, threads: int):
    """Bare rapidocr as installed (default settings), on `runtime` with `threads`."""
    from rapidocr import RapidOCR

    from pipeline.extract.read.ocr_engine import runtime_params

    return RapidOCR(params={"Global.log_level": "critical", **runtime_params(runtime, threads)})


def _timed(call) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    w, c = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - w, time.process_time() - c


def time_runtime(runtime: str, pages, limits: Limits, args) -> dict[str, float]:
    """Per-page medians (over the pages, then the runs) of the pipeline's OCR
    path and bare rapidocr on `runtime`, interleaved page by page."""
    os.environ[OCR_ENGINE_ENV] = runtime
    bare = _bare(runtime, args.threads)
    arrays = [np.asarray(im.convert("RGB"))[:, :, ::-1].copy() for _, im in pages]  # BGR, as rapidocr wants
    ocr.ocr_image(pages[0][1], limits)  # warm up both (model loading, first-inference allocations)
    bare(arrays[0])
    runs: dict[str, list[float]] = {k: [] for k in ("pipe", "bare", "pipe_cpu", "bare_cpu", "prep", "load")}
    for run in range(args.runs):
        per: dict[str, list[float]] = {k: [] for k in ("pipe", "bare", "pipe_cpu", "bare_cpu", "prep")}
        for (name, im), arr in zip(pages, arrays):
            order = ("pipe", "bare") if run % 2 == 0 else ("bare", "pipe")  # alternate who goes first
            for who in order:
                wall, cpu = _timed((lambda: ocr.ocr_image(im, limits)) if who == "pipe" else (lambda: bare(arr)))
                per[who].append(wall)
                per[f"{who}_cpu"].append(cpu)
            per["prep"].append(_timed(lambda: ocr.preprocess(ocr._to_rgb(im)))[1])
        for k, v in per.items():
            runs[k].append(statistics.median(v))
        runs["load"].append(os.getloadavg()[0])
        print(f"{runtime} run {run + 1}: pipeline {runs['pipe'][-1]:.2f} s/page (CPU {runs['pipe_cpu'][-1]:.2f})   "
              f"bare rapidocr {runs['bare'][-1]:.2f} (CPU {runs['bare_cpu'][-1]:.2f})   "
              f"ratio {runs['pipe'][-1] / runs['bare'][-1]:.2f}   load {runs['load'][-1]:.2f}", flush=True)
    return {k: statistics.median(v) for k, v in runs.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dpi", type=int, default=Limits().ocr_dpi, help="limits.ocr_dpi (the rendering cap)")
    ap.add_argument("--files", nargs="*", default=[])
    ap.add_argument("--recall", action="store_true", help="measure value recall instead of speed")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads of every engine (1: as in each worker of the pool; 0: the runtime's default)")
    ap.add_argument("--engines", nargs="+", default=list(RUNTIMES), choices=RUNTIMES)
    args = ap.parse_args()
    os.environ[OCR_THREADS_ENV] = str(args.threads)
    limits = Limits(ocr_dpi=args.dpi)
    if args.recall:
        recall(args, limits)
        return
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"nproc: {affinity} (os.cpu_count {os.cpu_count()}); load average {os.getloadavg()[0]:.2f}")
    pages = sample_pages(limits, args.files)
    print(f"{len(pages)} pages from the scanned samples, rendered as the pipeline does "
          f"(each scan at its own resolution, {ocr.MIN_DPI}-{args.dpi} dpi; photos as they are)")
    results = {runtime: time_runtime(runtime, pages, limits, args) for runtime in args.engines}
    print()
    print(f"medians (pages, then {args.runs} runs), {len(pages)} pages (dpi cap {args.dpi}), {affinity} cores, "
          f"engine threads {args.threads or 'default'}; wall seconds per page, CPU seconds in brackets:")
    print(f"{'':22s}" + "".join(f"{r:>26s}" for r in results))
    for label, key in [("pipeline ocr_image", "pipe"), ("bare rapidocr", "bare")]:
        cells = [f"{v[key]:.2f} ({v[key + '_cpu']:.2f})" for v in results.values()]
        print(f"{label:22s}" + "".join(f"{c:>26s}" for c in cells))
    print(f"{'ratio pipeline / bare':22s}" + "".join(f"{v['pipe'] / v['bare']:>26.2f}" for v in results.values()))
    print(f"{'preprocessing (CPU)':22s}" + "".join(f"{v['prep']:>26.3f}" for v in results.values()))
    print(f"{'load average':22s}" + "".join(f"{v['load']:>26.2f}" for v in results.values()))


if __name__ == "__main__":
    main()
