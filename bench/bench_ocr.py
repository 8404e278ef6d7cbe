"""Benchmark of the OCR path, run by hand:

    .venv/bin/python bench/bench_ocr.py [--runs 3] [--dpi 200] [--threads 1] [--files doc_0009.pdf ...]
    .venv/bin/python bench/bench_ocr.py --recall      # value recall, with/without seal suppression

Renders every page of the scanned samples (truth.json rendering "scan" or
"jpg") once, then times, page by page and interleaved so both see the same
machine load, the pipeline's OCR path (`ocr_image`: preprocessing + rapidocr +
layout) and bare rapidocr (default settings) on the same page images. Prints
seconds per page (median over the runs), the ratio pipeline / bare (target
<= 1.2), the pipeline's preprocessing share, and the number of cores.

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

from pipeline.extract.read import OCR_THREADS_ENV, ocr  # noqa: E402  (after the sys.path line)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dpi", type=int, default=Limits().ocr_dpi, help="limits.ocr_dpi (the rendering cap)")
    ap.add_argument("--files", nargs="*", default=[])
    ap.add_argument("--recall", action="store_true", help="measure value recall instead of speed")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads of both engines (1: as in each worker of the pool; 0: onnxruntime's default)")
    args = ap.parse_args()
    if args.threads:
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

    from rapidocr import RapidOCR

    params = {"Global.log_level": "critical"}  # rapidocr as installed, defaults
    if args.threads:
        params.update({"EngineConfig.onnxruntime.intra_op_num_threads": args.threads,
                       "EngineConfig.onnxruntime.inter_op_num_threads": 1})
    bare = RapidOCR(params=params)
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
    print(f"median of {args.runs} runs, {len(pages)} pages (dpi cap {args.dpi}), {affinity} cores, "
          f"engine threads {args.threads or 'default'}:")
    print(f"  pipeline ocr_image : {p:.2f} s/page")
    print(f"  bare rapidocr      : {b:.2f} s/page")
    print(f"  ratio              : {p / b:.2f}  (target <= 1.20)")
    print(f"  preprocessing      : {pre:.3f} s/page ({pre / p:.0%} of the pipeline)")


if __name__ == "__main__":
    main()
