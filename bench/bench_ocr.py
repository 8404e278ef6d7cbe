"""Benchmark of the OCR path, run by hand:

    .venv/bin/python bench/bench_ocr.py [--runs 3] [--dpi 200] [--files doc_0009.pdf ...]

Renders every page of the scanned samples (truth.json rendering "scan" or
"jpg") once, then times, page by page and interleaved so both see the same
machine load, the pipeline's OCR path (`ocr_image`: preprocessing + rapidocr +
layout) and bare rapidocr (default settings) on the same page images. Prints
seconds per page (median over the runs), the ratio pipeline / bare (target
<= 1.2), the pipeline's preprocessing share, and the number of cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
from PIL import Image

from pipeline.extract.read import ocr
from pipeline.models import Limits

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dpi", type=int, default=Limits().ocr_dpi, help="limits.ocr_dpi (the rendering cap)")
    ap.add_argument("--files", nargs="*", default=[])
    args = ap.parse_args()
    limits = Limits(ocr_dpi=args.dpi)

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"nproc: {affinity} (os.cpu_count {os.cpu_count()}); load average {os.getloadavg()[0]:.2f}")
    pages = sample_pages(limits, args.files)
    print(f"{len(pages)} pages from the scanned samples, rendered as the pipeline does "
          f"(each scan at its own resolution, {ocr.MIN_DPI}-{args.dpi} dpi; photos as they are)")

    from rapidocr import RapidOCR

    bare = RapidOCR(params={"Global.log_level": "critical"})  # rapidocr as installed, defaults
    arrays = [np.asarray(im.convert("RGB"))[:, :, ::-1].copy() for _, im in pages]  # BGR, as rapidocr wants
    # warm up both (model loading, first-inference allocations)
    ocr.ocr_image(pages[0][1], limits)
    bare(arrays[0])

    pipe_runs, bare_runs, prep_runs = [], [], []
    for run in range(args.runs):
        tp = tb = tpre = 0.0
        for (name, im), arr in zip(pages, arrays):
            order = (0, 1) if (run % 2 == 0) else (1, 0)  # alternate who goes first
            for who in order:
                t0 = time.perf_counter()
                if who == 0:
                    ocr.ocr_image(im, limits)
                    tp += time.perf_counter() - t0
                else:
                    bare(arr)
                    tb += time.perf_counter() - t0
            t0 = time.perf_counter()
            ocr.preprocess(ocr._to_rgb(im))
            tpre += time.perf_counter() - t0
        n = len(pages)
        pipe_runs.append(tp / n)
        bare_runs.append(tb / n)
        prep_runs.append(tpre / n)
        print(f"run {run + 1}: pipeline {tp / n:.2f} s/page   bare rapidocr {tb / n:.2f} s/page   "
              f"ratio {tp / tb:.2f}   (preprocessing {tpre / n:.3f} s/page)   load {os.getloadavg()[0]:.2f}")

    p, b, pre = statistics.median(pipe_runs), statistics.median(bare_runs), statistics.median(prep_runs)
    print()
    print(f"median of {args.runs} runs, {len(pages)} pages (dpi cap {args.dpi}), {affinity} cores:")
    print(f"  pipeline ocr_image : {p:.2f} s/page")
    print(f"  bare rapidocr      : {b:.2f} s/page")
    print(f"  ratio              : {p / b:.2f}  (target <= 1.20)")
    print(f"  preprocessing      : {pre:.3f} s/page ({pre / p:.0%} of the pipeline)")


if __name__ == "__main__":
    main()
