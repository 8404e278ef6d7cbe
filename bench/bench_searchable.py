"""Benchmark of the searchable PDFs, run by hand:

    .venv/bin/python bench/bench_searchable.py [--corpus DIR] [--workers 2] [--ocrmypdf] [--files a.pdf ...]

For every scan and photo of the corpus (truth.json rendering "scan" or
"jpg"): the OCR path (`build_record`, as a pool worker runs it, one OCR
thread) and then our searchable PDF (`searchable.make_searchable`) from its
words, timed apart; the PDF's size against the original's; the truth's text
values raw OCR found, and how many of them pdfplumber copies out of the PDF
as written (NFKC, no spaces removed); `pdftoppm` renders it without a
message; the original's sha256 unchanged.

With --ocrmypdf the same files go through OCRmyPDF 17 as a library, with the
plugin bench/ocrmypdf_rapidocr.py wrapping the same OCR path (its fpdf2
renderer; PDF/A by its internal pikepdf backend where that approves the
file, else plain PDF), one file after another, and the same figures are
printed beside ours. OCRmyPDF insists on finding a `tesseract` program even
when another engine is chosen: give it one on PATH (a script printing
"tesseract 5.3.0" will do) for this comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline.searchable import make_searchable  # noqa: E402  (after the sys.path line)

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def values(fields: dict) -> list[str]:
    out: list[str] = []
    for key, value in fields.items():
        if key == "rows" and value:
            out += [v for row in value for v in values(row)]
        elif isinstance(value, str) and value and not DATE.fullmatch(value):
            out.append(value)
    return out


def pdf_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return unicodedata.normalize("NFKC", "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", ""))


def renders(path: Path) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), f"{tmp}/p"], capture_output=True)
        return run.returncode == 0 and not run.stderr


def ours(path: Path, received: str, out_dir: str) -> dict:
    """One file through the OCR path, then its searchable PDF."""
    os.environ["PIPELINE_OCR_THREADS"] = "1"
    import img2pdf  # noqa: F401  (imports and the font made before the clock starts)
    import pikepdf  # noqa: F401

    from pipeline.flow import build_record
    from pipeline.searchable import glyphless_font

    glyphless_font()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    t = time.perf_counter()
    record = build_record(path, dt.date.fromisoformat(received))
    t_ocr = time.perf_counter() - t
    t = time.perf_counter()
    out = make_searchable(path, record.layer, Path(out_dir) / (path.name + ".pdf"))
    t_layer = time.perf_counter() - t
    return {"pages": max(1, len(record.layer)), "ocr_s": t_ocr, "layer_s": t_layer, "text": record.text,
            "size": out.stat().st_size / path.stat().st_size, "copied_text": pdf_text(out), "renders": renders(out),
            "untouched": hashlib.sha256(path.read_bytes()).hexdigest() == before}


def with_ocrmypdf(path: Path, out_dir: str) -> dict:
    import ocrmypdf

    if path.suffix.lower() == ".jpg":
        import img2pdf

        source = Path(out_dir) / (path.name + ".in.pdf")
        source.write_bytes(img2pdf.convert(str(path)))
    else:
        source = path
    out = Path(out_dir) / (path.name + ".ocrmypdf.pdf")
    kwargs = dict(plugins=[str(ROOT / "bench" / "ocrmypdf_rapidocr.py")], ocr_engine="rapidocr", pdf_renderer="fpdf2",
                  progress_bar=False, jobs=1, mode="redo", languages=["chi_sim"])
    t = time.perf_counter()
    try:
        ocrmypdf.ocr(source, out, output_type="pdfa", pdfa_backend="internal", **kwargs)
        pdfa = True
    except Exception:
        ocrmypdf.ocr(source, out, output_type="pdf", **kwargs)
        pdfa = False
    return {"s": time.perf_counter() - t, "size": out.stat().st_size / path.stat().st_size, "pdfa": pdfa,
            "copied_text": pdf_text(out), "renders": renders(out)}


def recall(truth: dict, raw: str, copied: str) -> tuple[int, int]:
    found = [v for v in values(truth["fields"]) if norm(v) in norm(raw)]
    return len(found), sum(unicodedata.normalize("NFKC", v) in copied for v in found)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT / "tests" / "data" / "samples")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ocrmypdf", action="store_true")
    ap.add_argument("--files", nargs="*")
    args = ap.parse_args()
    truth = json.loads((args.corpus / "truth.json").read_text(encoding="utf-8"))
    names = args.files or sorted(n for n, t in truth.items() if t["rendering"] in ("scan", "jpg"))
    out_dir = tempfile.mkdtemp(prefix="searchable-")
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = dict(zip(names, pool.map(ours, [args.corpus / n for n in names],
                                           [truth[n]["received_on"] for n in names], [out_dir] * len(names))))
    totals = {"pages": 0, "ocr": 0.0, "layer": 0.0, "found": 0, "copied": 0, "worst_size": 0.0, "bad": []}
    omp = {"s": 0.0, "copied": 0, "worst_size": 0.0, "pdfa": 0, "bad": []}
    print(f"{'file':16} {'pages':>5} {'OCR s':>7} {'layer s':>8} {'size':>6} {'copied':>8}" +
          ("   OCRmyPDF: s, size, copied, PDF/A" if args.ocrmypdf else ""))
    for name in names:
        r = results[name]
        found, copied = recall(truth[name], r["text"], r["copied_text"])
        totals["pages"] += r["pages"]
        totals["ocr"] += r["ocr_s"]
        totals["layer"] += r["layer_s"]
        totals["found"] += found
        totals["copied"] += copied
        totals["worst_size"] = max(totals["worst_size"], r["size"])
        if not (r["renders"] and r["untouched"]):
            totals["bad"].append(name)
        line = f"{name:16} {r['pages']:5} {r['ocr_s']:7.1f} {r['layer_s']:8.3f} {r['size']:6.3f} {copied:>3}/{found:<3}"
        if args.ocrmypdf:
            o = with_ocrmypdf(args.corpus / name, out_dir)
            _, o_copied = recall(truth[name], r["text"], o["copied_text"])
            omp["s"] += o["s"]
            omp["copied"] += o_copied
            omp["worst_size"] = max(omp["worst_size"], o["size"])
            omp["pdfa"] += o["pdfa"]
            if not o["renders"]:
                omp["bad"].append(name)
            line += f"   {o['s']:6.1f} {o['size']:6.3f} {o_copied:>3}/{found:<3} {'yes' if o['pdfa'] else 'no'}"
        print(line)
    p = totals["pages"]
    print(f"\n{len(names)} files, {p} pages: OCR path {totals['ocr'] / p:.2f} s/page, our layer "
          f"{totals['layer'] / p * 1000:.0f} ms/page (+{totals['layer'] / totals['ocr']:.1%}); largest size "
          f"{totals['worst_size']:.3f}x; values copied {totals['copied']}/{totals['found']} "
          f"({totals['copied'] / max(1, totals['found']):.1%}); not rendered or original changed: {totals['bad'] or 'none'}")
    if args.ocrmypdf:
        print(f"OCRmyPDF with the same OCR: {omp['s'] / p:.2f} s/page in all (our OCR path included), largest size "
              f"{omp['worst_size']:.3f}x; values copied {omp['copied']}/{totals['found']} "
              f"({omp['copied'] / max(1, totals['found']):.1%}); PDF/A {omp['pdfa']}/{len(names)}; "
              f"not rendered: {omp['bad'] or 'none'}")


if __name__ == "__main__":
    main()
