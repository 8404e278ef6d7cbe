"""Stage benchmark, run by hand (not part of the test suite):

    .venv/bin/python bench/bench_stages.py [--files 60] [--runs 5] [--batch 200] [--reprocess 1000]

Generates its own inputs (text PDFs, DOCX, XLSX with tests/fixtures/generate.py;
scans rendered from the PDFs), then prints, per stage, the median seconds per
file beside the bare library call on the same inputs in the same run, and the
ratio. Machines are noisy: read the ratios, not only the absolute times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.extract import classify, extract_fields, read_document  # noqa: E402
from pipeline.flow import build_record  # noqa: E402
from pipeline.validate import validate  # noqa: E402


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "tests" / "fixtures" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def make_inputs(folder: Path, count: int, scans: float = 0.0) -> list[Path]:
    """Generated filings; a fraction `scans` of the PDFs also as a phone-photo
    JPG of their first page (rendered, turned a little, noised)."""
    gen = _generator()
    files: list[Path] = []
    seed = 1
    while len(files) < count:
        files += [Path(c.path) for c in gen.generate(folder, seed)]
        seed += 1
    files = files[:count]
    pdfs = [f for f in files if f.suffix == ".pdf"]
    for f in pdfs[: int(len(pdfs) * scans)]:
        files.append(scan_of(f))
    return files


def scan_of(pdf: Path) -> Path:
    import numpy as np
    import pypdfium2
    from PIL import Image

    page = pypdfium2.PdfDocument(str(pdf))[0]
    image = page.render(scale=150 / 72).to_pil().convert("RGB").rotate(1.5, expand=True, fillcolor="white")
    noisy = np.asarray(image).astype(np.int16) + np.random.default_rng(0).integers(-12, 12, (image.height, image.width, 1))
    out = pdf.with_name(pdf.stem + "-scan.jpg")
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(out, quality=80)
    return out


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bare_pdfplumber(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()


def bare_docx(path: Path) -> None:
    import docx

    doc = docx.Document(str(path))
    for p in doc.paragraphs:
        _ = p.text
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                _ = cell.text


def bare_openpyxl(path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            pass


BARE = {".pdf": ("pdfplumber extract_text", bare_pdfplumber), ".docx": ("python-docx load + walk", bare_docx),
        ".xlsx": ("openpyxl load + walk", bare_openpyxl)}


def stage_table(files: list[Path], runs: int) -> None:
    print(f"\n== per file, median of {runs} runs, {len(files)} files ==")
    print(f"{'type':6} {'stage':34} {'s/file':>9} {'bare':>9} {'ratio':>6}  bare call")
    for suffix in (".docx", ".pdf", ".xlsx"):
        group = [f for f in files if f.suffix == suffix]
        if not group:
            continue
        label, bare = BARE[suffix]
        docs = {f: read_document(f) for f in group}
        kinds = {f: classify(docs[f]) for f in group}
        fields = {f: extract_fields(docs[f], kinds[f]) for f in group}
        rows = [
            ("read", lambda: [read_document(f) for f in group]),
            ("classify", lambda: [classify(docs[f]) for f in group]),
            ("extract fields", lambda: [extract_fields(docs[f], kinds[f]) for f in group]),
            ("validate", lambda: [validate(kinds[f], *fields[f], dt.date(2021, 7, 5)) for f in group]),
            ("whole record (pipeline extract)", lambda: [build_record(f, dt.date(2021, 7, 5)) for f in group]),
        ]
        bare_t = median_time(lambda: [bare(f) for f in group], runs) / len(group)
        for name, fn in rows:
            t = median_time(fn, runs) / len(group)
            ratio = f"{t / bare_t:6.2f}" if name in ("read", "whole record (pipeline extract)") else "     -"
            print(f"{suffix:6} {name:34} {t:9.4f} {bare_t:9.4f} {ratio}  {label}")


def generate_stage(runs: int) -> None:
    from docxtpl import DocxTemplate

    from pipeline.generate.forms import FORMS_DIR, render_report_letter, report_letter_context
    from pipeline.models import ReportLetterFields

    fields = ReportLetterFields(agency_name="常州测试安全技术有限公司", service_categories=["training"], staff_count=10)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.docx"
        ours = median_time(lambda: render_report_letter(fields, out, FORMS_DIR), runs)

        context = report_letter_context(fields)

        def bare():
            tpl = DocxTemplate(FORMS_DIR / "报告函.docx")
            tpl.render(context, autoescape=True)
            tpl.save(Path(tmp) / "b.docx")

        base = median_time(bare, runs)
    print(f"\n== generate ==\n报告函 render: pipeline {ours:.4f} s, bare docxtpl {base:.4f} s, ratio {ours / base:.2f}")


def pdf_stage(files: list[Path]) -> None:
    from pipeline.generate.pdf import PdfConverter

    with PdfConverter() as conv:
        if not conv.is_available():
            print(f"\n== PDF conversion ==\nskipped: {conv.unavailable_reason()}")
            return
        docx = [f for f in files if f.suffix == ".docx"][:10]
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            conv.convert_many(docx, Path(tmp))
            t = time.perf_counter() - t0
    print(f"\n== PDF conversion ==\n{len(docx)} DOCX in one LibreOffice run: {t:.2f} s, {t / len(docx):.2f} s/file")


def run_cli(*args: str, env: dict | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "pipeline"), *args], check=True, capture_output=True,
                   env={**os.environ, **(env or {})})
    return time.perf_counter() - t0


def batch_stage(files: list[Path], batch: int) -> None:
    print(f"\n== process {batch} mixed filings ==")
    timings = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            inbox = Path(tmp) / "inbox"
            inbox.mkdir()
            for i in range(batch):
                src = files[i % len(files)]
                shutil.copy(src, inbox / f"{i:04d}-{src.name}")
                with open(inbox / f"{i:04d}-{src.name}", "ab") as fh:  # distinct bytes, same content
                    fh.write(b"\n" if src.suffix == ".pdf" else b"")
            timings[workers] = run_cli("process", "--inbox", str(inbox), "--outbox", str(Path(tmp) / "out"),
                                       "--state", str(Path(tmp) / "state"),
                                       env={"PIPELINE_WORKERS": str(workers), "PIPELINE_STABLE_SECONDS": "0"})
        print(f"workers={workers}: {timings[workers]:.1f} s ({batch / timings[workers]:.1f} files/s)")
    print(f"speed-up with 2 workers: {timings[1] / timings[2]:.2f}x")


def reprocess_stage(files: list[Path], count: int) -> None:
    print(f"\n== reprocess {count} archived text filings ==")
    text = [f for f in files if f.suffix in (".docx", ".pdf", ".xlsx")]
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for i in range(count):
            src = text[i % len(text)]
            data = src.read_bytes() + (b"\n%" + str(i).encode() if src.suffix == ".pdf" else b"")
            if src.suffix != ".pdf" and i >= len(text):
                continue  # zip-based files cannot be made distinct by appending; keep one of each
            (inbox / f"{i:04d}-{src.name}").write_bytes(data)
        n = len(list(inbox.iterdir()))
        state = Path(tmp) / "state"
        run_cli("process", "--inbox", str(inbox), "--outbox", str(Path(tmp) / "out"), "--state", str(state),
                env={"PIPELINE_STABLE_SECONDS": "0"})
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = run_cli("reprocess", "--state", str(state), "--outbox", str(Path(tmp) / "out"))
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{n} files: {t:.1f} s ({t / n * 1000:.0f} ms/file); peak RSS of a child process {max(peak, before) / 1024:.0f} MB")


def latency_stage(files: list[Path], runs: int) -> None:
    """From the end of a file's stability window to its record in the ledger."""
    import threading

    from pipeline.ledger import Ledger
    from pipeline.settings import Settings
    from pipeline.watch import Watcher

    text = [f for f in files if f.suffix in (".docx", ".pdf")][:runs]
    lags = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(inbox=Path(tmp) / "in", outbox=Path(tmp) / "out", state=Path(tmp) / "st",
                            stable_seconds=1.0, workers=1)
        ledger = Ledger(settings.ledger_path)
        stop = threading.Event()
        watcher = Watcher(settings, ledger)
        thread = threading.Thread(target=watcher.run, args=(stop,))
        thread.start()
        time.sleep(1.0)
        for i, src in enumerate(text):
            target = settings.inbox / f"{i}-{src.name}"
            shutil.copy(src, target)
            written = target.stat().st_mtime
            count = len(list(ledger.entries()))
            while len(list(ledger.entries())) == count:
                time.sleep(0.01)
            lags.append(time.time() - (written + settings.stable_seconds))
        stop.set()
        thread.join()
        ledger.close()
    print(f"\n== latency ==\nstability window end -> record in ledger: median {statistics.median(lags):.2f} s, "
          f"max {max(lags):.2f} s over {len(lags)} text filings")


def startup_stage(runs: int) -> None:
    t = statistics.median(run_cli("--help") for _ in range(runs))
    print(f"\n== start-up ==\npipeline --help: {t:.2f} s (median of {runs})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--reprocess", type=int, default=1000)
    ap.add_argument("--scans", type=float, default=0.25, help="fraction of PDFs also given as phone photos")
    ap.add_argument("--skip", nargs="*", default=[], help="stages to skip: stages generate pdf batch reprocess latency startup")
    a = ap.parse_args()
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        files = make_inputs(Path(tmp), a.files, a.scans)
        if "stages" not in a.skip:
            stage_table(files, a.runs)
        if "generate" not in a.skip:
            generate_stage(a.runs)
        if "pdf" not in a.skip:
            pdf_stage(files)
        if "batch" not in a.skip:
            batch_stage(files, a.batch)
        if "reprocess" not in a.skip:
            reprocess_stage(files, a.reprocess)
        if "latency" not in a.skip:
            latency_stage(files, a.runs)
        if "startup" not in a.skip:
            startup_stage(a.runs)
    print("\nOCR: see bench/bench_ocr.py (pipeline OCR path vs bare rapidocr on the same pages).")


if __name__ == "__main__":
    main()
